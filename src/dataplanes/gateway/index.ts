/**
 * The HTTP gateway data plane: Gateway API routing over node:http listeners,
 * proxying to upstream endpoints chosen by the upstream layer.
 * @module
 */
export { ACCESS_LOG_FIELDS, formatAccessLog, type AccessLogRecord, type AccessLogSink } from './access-log.ts';
export { DEFAULT_BACKEND_TIMEOUT_MS, type CompileProblem } from './compile.ts';
export { GatewayError, type GatewayErrorCode } from './errors.ts';
export { ConfigFreshness, DEFAULT_STALE_AFTER_MS } from './freshness.ts';
export { DEFAULT_HTTP_SERVER_OPTIONS, type BoundListener, type HttpServerOptions, type ListenerApplyResult } from './listener-set.ts';
export { DEFAULT_POOL_OPTIONS, type PoolOptions } from './pools.ts';
export { createGatewayDataPlane, type ApplyReport, type GatewayDataPlane, type GatewayDataPlaneOptions } from './server.ts';
export type { CertificateSource } from './tls.ts';
export {
  createUpstreamSet,
  type AttemptOutcome,
  type EndpointHealth,
  type EndpointObservation,
  type EndpointRef,
  type HealthEvent,
  type PickContext,
  type UpstreamExplain,
  type UpstreamObservation,
  type UpstreamSet,
  type UpstreamSetOptions,
} from './upstream/index.ts';
