/**
 * One entry point for every demo app: starts the app a config names.
 * @module
 */
import type { Logger } from '../../observability/index.ts';
import { startAuditIngest } from './audit-ingest.ts';
import { startCaseApi } from './case-api.ts';
import { startEcho } from './echo.ts';
import { startSearch } from './search.ts';
import type { AppConfig, AppOptions, RunningApp } from './types.ts';

/** Dependencies a caller may inject (tests: a capturing logger, a seeded random). */
export interface StartAppDeps {
  readonly logger?: Logger;
  readonly random?: () => number;
  readonly clock?: () => number;
}

/** The `start<App>` options equivalent to a JSON app config. */
export function appOptions(config: AppConfig, deps: StartAppDeps = {}): AppOptions {
  return {
    host: config.host,
    port: config.port,
    cluster: config.cluster,
    region: config.region,
    replica: config.replica,
    version: config.version,
    ...(config.peers === undefined ? {} : { peers: config.peers }),
    ...(config.replicationLagMs === undefined ? {} : { replicationLagMs: config.replicationLagMs }),
    ...deps,
  };
}

/** Starts the app `config.app` in this process. */
export function startApp(config: AppConfig, deps: StartAppDeps = {}): Promise<RunningApp> {
  const options = appOptions(config, deps);
  switch (config.app) {
    case 'case-api':
      return startCaseApi(options);
    case 'search':
      return startSearch(options);
    case 'audit-ingest':
      return startAuditIngest(options);
    case 'echo':
      return startEcho(options);
  }
}
