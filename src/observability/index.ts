/**
 * Observability: logs, Prometheus metrics and the admin HTTP server.
 * @module
 */
export {
  AdminApiError,
  createRegistry,
  MAX_ACTION_BODY_BYTES,
  startAdminServer,
  type ActionContext,
  type ActionResult,
  type AdminAction,
  type AdminServer,
  type AdminServerOptions,
  type JsonRoute,
  type PathParams,
  type ProtectedRoute,
} from './admin-server.ts';
export {
  AuthFileError,
  createAuthenticator,
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
  type Principal,
  type Role,
} from './auth.ts';
export { createLogger, silentLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from './logger.ts';
