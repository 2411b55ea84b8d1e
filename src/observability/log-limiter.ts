/**
 * A rate limit for log lines a client can cause at will (refused admin
 * calls: one probe wrote 18,290 WARN lines). A token bucket lets `burst`
 * lines through per `intervalMs`; past it lines are counted, not written,
 * and one summary line with the count is written when the interval ends.
 * So a flood costs at most `burst + 1` lines per interval and is never silent.
 * @module
 */
import type { LogFields, Logger } from './logger.ts';

/** Options of {@link createLogLimiter}. */
export interface LogLimiterOptions {
  readonly log: Logger;
  /** Lines written per interval before suppression starts (default 20). */
  readonly burst?: number;
  /** Length of one interval (default 60 s). */
  readonly intervalMs?: number;
  /** Message of the summary line. */
  readonly summary: string;
  readonly now?: () => number;
}

/** A rate-limited warn: `warn` writes or counts; `close` writes what is still counted and stops the timer. */
export interface LogLimiter {
  warn(msg: string, fields: LogFields): void;
  close(): void;
}

/** Creates a limiter writing through `options.log` at level warn. */
export function createLogLimiter(options: LogLimiterOptions): LogLimiter {
  const burst = options.burst ?? 20;
  const intervalMs = options.intervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  let tokens = burst;
  let refilledAt = now();
  let suppressed = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    timer = undefined;
    if (suppressed === 0) return;
    options.log.warn(options.summary, { suppressed, intervalMs });
    suppressed = 0;
  };
  return {
    warn(msg, fields) {
      // Refill continuously: `burst` tokens per interval, never more than `burst` saved up.
      const t = now();
      tokens = Math.min(burst, tokens + ((t - refilledAt) * burst) / intervalMs);
      refilledAt = t;
      if (tokens >= 1) {
        tokens -= 1;
        options.log.warn(msg, fields);
        return;
      }
      suppressed += 1;
      if (timer === undefined) {
        timer = setTimeout(flush, intervalMs);
        timer.unref();
      }
    },
    close() {
      clearTimeout(timer);
      flush();
    },
  };
}
