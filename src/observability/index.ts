/**
 * Observability: logs, Prometheus metrics and the admin HTTP server.
 * @module
 */
export {
  AdminApiError,
  createRegistry,
  MAX_ACTION_BODY_BYTES,
  MAX_AUDIT_TEXT_CHARS,
  readJsonObjectBody,
  startAdminServer,
  type ActionContext,
  type ActionResult,
  type AdminAction,
  type AdminServer,
  type AdminServerOptions,
  type JsonRoute,
  type PathParams,
  type ProtectedRoute,
  type RawRoute,
  type RawRouteContext,
  type Refusal,
} from './admin-server.ts';
export {
  AuthFileError,
  createAuthenticator,
  GATEWAY_ROLE_PREFIX,
  gatewayRole,
  generateToken,
  hasRole,
  loadAuthFile,
  MIN_TOKEN_LENGTH,
  parseAuthFile,
  ROLES,
  type AuthConfig,
  type AuthFileErrorCode,
  type Authenticator,
  type AuthToken,
  type GatewayRole,
  type Principal,
  type Role,
} from './auth.ts';
export { createHostCheck, hostOf, isLoopbackHost } from './admin-host.ts';
export { CONFIG_ACK_ROUTE, CONFIG_STREAM_CONTENT_TYPE, CONFIG_STREAM_ROUTE, configStreamRoutes, DEFAULT_HEARTBEAT_MS, MAX_NACK_ERROR_CHARS, MAX_STREAMS_PER_CLUSTER, type ConfigStreamOptions } from './config-stream.ts';
export { createEventStream, EVENT_STREAM_CONTENT_TYPE, type EventStream, type EventStreamOptions, type Versioned } from './event-stream.ts';
export { whoamiRoute, type WhoAmIAnswer } from './whoami.ts';
export { APP_CSP, APP_SECURITY_HEADERS, staticApp, type PrefixHandler, type StaticAppOptions } from './static-files.ts';
export { createLogLimiter, type LogLimiter, type LogLimiterOptions } from './log-limiter.ts';
export { forwardingLogger, type ForwardedLog } from './forwarding-logger.ts';
export { createLogger, silentLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from './logger.ts';
export {
  ALERT_METRICS,
  advanceAlerts,
  alertKey,
  EMPTY_ALERT_STATE,
  ENDPOINT_AGE_THRESHOLD_SECONDS,
  CERTIFICATE_EXPIRY_THRESHOLD_SECONDS,
  ERROR_RATE_MIN_REQUESTS,
  ERROR_RATE_THRESHOLD,
  ERROR_RATE_WINDOW_MS,
  metricAlerts,
  MIN_SAMPLE_GAP_MS,
  MUTATION_WINDOW_MS,
  type AlertSample,
  type AlertState,
  type AlertStep,
  type MetricAlert,
  type MetricAlertName,
} from './alerts.ts';
export { FAILOVER_RULE_ALERTS, prometheusRules, type PrometheusRule, type PrometheusRulesFile } from './alert-rules.ts';
