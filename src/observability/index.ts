/**
 * Observability: logs now; metrics and the admin API arrive with the data planes.
 * @module
 */
export { createLogger, silentLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from './logger.ts';
