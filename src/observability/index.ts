/**
 * Observability: logs, Prometheus metrics and the admin HTTP server.
 * @module
 */
export { createRegistry, startAdminServer, type AdminServer, type AdminServerOptions, type JsonRoute } from './admin-server.ts';
export { createLogger, silentLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from './logger.ts';
