/**
 * The local fleet of `lintas up`: built-in demo apps and (later) the process supervisor.
 * @module
 */
export * from './apps/index.ts';
