/**
 * Retry budget and back-off arithmetic. The budget is Envoy's RetryBudget
 * (`budget_percent` 20 % of active requests, `min_retry_concurrency` 3); the
 * back-off is jittered exponential with a floor, because GEP-1731 treats a
 * route's `backoff` as the minimum wait between attempts.
 * @module
 */

/** Share of active requests that may be retries at once (Envoy's default). */
export const RETRY_BUDGET_PERCENT = 20;
/** Retries always allowed at once, however few requests are active (Envoy's default). */
export const MIN_RETRY_CONCURRENCY = 3;
/** Default back-off base (Envoy's `base_retry_backoff_ms`). */
export const BACKOFF_BASE_MS = 25;
/** The back-off cap is this many times the base (Envoy: 10 × base = 250 ms by default). */
export const BACKOFF_CAP_FACTOR = 10;

/** How many retries may run concurrently while `active` requests are in flight. */
export function retryBudgetLimit(active: number, percent = RETRY_BUDGET_PERCENT, min = MIN_RETRY_CONCURRENCY): number {
  return Math.max(min, Math.floor((Math.max(0, active) * percent) / 100));
}

/**
 * Back-off before retry `attempt` (1-based): uniform in
 * [base, min(10 × base, base × 2^attempt)), so 25–50 ms, then 25–100,
 * 25–200, then 25–250 ms with the default base. `random` returns [0, 1).
 */
export function backoffDelayMs(attempt: number, random: () => number, baseMs: number = BACKOFF_BASE_MS): number {
  const base = Math.max(1, Math.floor(baseMs));
  const n = Math.min(30, Math.max(1, Math.floor(attempt)));
  const upper = Math.min(base * BACKOFF_CAP_FACTOR, base * 2 ** n);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(upper, base + Math.floor(r * (upper - base)));
}

/** Counter of retries in flight against the budget. */
export interface RetryBudget {
  /** Takes a slot when fewer than the limit are in use for `active` requests. */
  tryAcquire(active: number): boolean;
  /** Returns a slot (never below zero). */
  release(): void;
  /** Retries in flight now. */
  inFlight(): number;
}

/** Creates an empty retry budget. */
export function createRetryBudget(): RetryBudget {
  let retries = 0;
  return {
    tryAcquire(active) {
      if (retries >= retryBudgetLimit(active)) return false;
      retries += 1;
      return true;
    },
    release() {
      retries = Math.max(0, retries - 1);
    },
    inFlight: () => retries,
  };
}
