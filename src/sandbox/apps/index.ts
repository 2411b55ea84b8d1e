/**
 * The built-in demo apps of `lintas up` (`case-api`, `search`, `audit-ingest`,
 * `echo`) as real HTTP servers, and the body of the child process that runs one.
 * @module
 */
export type { AppConfig, AppFault, AppName, AppOptions, AppPeers, BaseStats, OtherClusterPeer, RunningApp } from './types.ts';
export { APP_NAMES } from './types.ts';
export { AppConfigError, parseAppConfig, parseAppFault } from './config.ts';
export { startApp, appOptions, type StartAppDeps } from './start-app.ts';
export { runAppProcess, SHUTDOWN_GRACE_MS, type AppChildMessage, type AppParentMessage } from './process.ts';
export { startCaseApi, DEFAULT_REPLICATION_LAG_MS, type CaseApiOptions, type CaseApiStats } from './case-api.ts';
export { CASE_STATES, type CaseRecord, type CaseState } from './case-model.ts';
export { startSearch, type SearchStats } from './search.ts';
export { startAuditIngest, type AuditIngestOptions, type AuditIngestStats } from './audit-ingest.ts';
export { startEcho, type EchoStats } from './echo.ts';
export { PeerError } from './peer-client.ts';
export type { PeerLag } from './replicator.ts';

/**
 * The child-process entry script, when running from source: spawn `node --import tsx <path> '<AppConfig JSON>'`
 * with an IPC channel. (Not valid inside the esbuild bundle, whose `import.meta.url` is `dist/lintas.js`.)
 */
export const APP_CHILD_ENTRY = new URL('./child-main.ts', import.meta.url);
