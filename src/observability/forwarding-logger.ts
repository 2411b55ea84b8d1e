/**
 * The logger of a worker thread: each line at or above a level is posted to the thread that
 * started the worker, as a {@link ForwardedLog} message, and that thread writes it with its own
 * logger. The gateway data-plane workers and the DNS thread log this way.
 * @module
 */
import type { MessagePort } from 'node:worker_threads';
import { levelEnabled, type LogFields, type Logger, type LogLevel } from './logger.ts';

/** A log line crossing from a worker thread. */
export interface ForwardedLog {
  readonly type: 'log';
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: LogFields;
}

/** A logger whose lines are posted on `port` (what is below `level` is not cloned at all). */
export function forwardingLogger(port: MessagePort, level: LogLevel, base: LogFields = {}): Logger {
  const emit = (l: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (!levelEnabled(l, level)) return;
    const all = { ...base, ...fields };
    try {
      port.postMessage({ type: 'log', level: l, msg, fields: all } satisfies ForwardedLog);
    } catch {
      // A field that cannot be cloned (a function): send what can be.
      port.postMessage({ type: 'log', level: l, msg, fields: JSON.parse(JSON.stringify(all)) as LogFields } satisfies ForwardedLog);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => forwardingLogger(port, level, { ...base, ...fields }),
  };
}
