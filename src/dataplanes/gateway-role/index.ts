/**
 * The gateway role: one cluster's data plane fed by the control plane's config
 * stream (`lintas gateway`), with ACK/NACK, resume, and fail-static staleness.
 * @module
 */
export { checkGatewayIR } from './check-ir.ts';
export { serveDataPlaneWorker, type DataPlaneWorkerData, type DataPlaneWorkerHooks } from './data-plane-worker.ts';
export type { WorkerStatus } from './role-data-plane.ts';
export type { ClusterListenerCertificates } from './certificates.ts';
export { startWorkerPool, type WorkerPool, type WorkerPoolOptions } from './worker-pool.ts';
export { startGatewayRole, type GatewayRole, type GatewayRoleOptions, type GatewayRoleStatus, type RoleVersion } from './role.ts';
export { ConfigStreamError, readConfigStream, type ConfigStreamErrorCode, type StreamClientOptions } from './stream-client.ts';
