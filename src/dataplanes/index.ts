/**
 * Data planes: renderers and servers that turn the IR into traffic behaviour.
 * Explicit names keep accidental exports out.
 * @module
 */
export {
  CLASSIC_UDP_LIMIT,
  DNS_SCHEMA_VERSION,
  DnsServerError,
  EDNS_UDP_PAYLOAD,
  answerFromIndex,
  answerMessage,
  answerQuery,
  indexZone,
  normalizeName,
  registerDnsServerMetrics,
  startDnsServer,
  type DnsAddressRecord,
  type DnsAnswer,
  type DnsIndex,
  type DnsQueryEvent,
  type DnsQuestion,
  type DnsRRsets,
  type DnsRcode,
  type DnsRecord,
  type DnsRecordType,
  type DnsServer,
  type DnsServerErrorCode,
  type DnsServerOptions,
  type DnsServerStats,
  type DnsSrvData,
  type DnsSrvRecord,
  type DnsTransport,
  type DnsTxtRecord,
  type TcpCloseCounts,
  type WireResult,
} from './dns/index.ts';
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
} from './gateway/upstream/index.ts';
export { createTcpProxy, type BoundTcpListener, type TcpConnectionEvent, type TcpProxy, type TcpProxyOptions } from './tcp-proxy/server.ts';
export { compileEntrySources, type EntryLocality } from './entry-locality.ts';
export {
  ACCESS_LOG_FIELDS,
  ConfigFreshness,
  DEFAULT_BACKEND_TIMEOUT_MS,
  DEFAULT_STALE_AFTER_MS,
  DEFAULT_HTTP_SERVER_OPTIONS,
  DEFAULT_POOL_OPTIONS,
  GatewayError,
  createGatewayDataPlane,
  formatAccessLog,
  type AccessLogRecord,
  type AccessLogSink,
  type ApplyReport,
  type BoundListener,
  type CompileProblem,
  type GatewayDataPlane,
  type GatewayDataPlaneOptions,
  type GatewayErrorCode,
  type HttpServerOptions,
  type ListenerApplyResult,
  type PoolOptions,
} from './gateway/index.ts';
export { explainRoute, type BackendShare, type ExplainRequest, type RouteExplanation, type RuleVerdict } from './gateway/explain.ts';
export { createLocalDataPlane, type LocalApplyResult, type LocalDataPlane, type LocalDataPlaneOptions } from './local-data-plane.ts';
export {
  checkGatewayIR,
  ConfigStreamError,
  readConfigStream,
  startGatewayRole,
  type ConfigStreamErrorCode,
  type GatewayRole,
  type GatewayRoleOptions,
  type GatewayRoleStatus,
  type RoleVersion,
  type StreamClientOptions,
} from './gateway-role/index.ts';
