/**
 * A token bucket: `ratePerSecond` writes per second on average, `burst` at once. The writer takes
 * a token before every request to a cluster, so one busy cluster cannot be flooded by Lintas.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly clock?: () => number;
  /** Waits `ms` (or rejects when `signal` aborts); default a timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The bucket; {@link take} resolves when a token is available. */
export class TokenBucket {
  readonly #o: TokenBucketOptions;
  readonly #clock: () => number;
  #tokens: number;
  #at: number;
  #queue: Promise<void> = Promise.resolve();

  /** Creates a full bucket. */
  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) throw new Error(`token bucket: ratePerSecond must be > 0 and burst ≥ 1 (got ${String(options.ratePerSecond)}, ${String(options.burst)})`);
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#tokens = options.burst;
    this.#at = this.#clock();
  }

  /** Takes one token, waiting for the refill when the bucket is empty (callers are served in order). */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#takeNow(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #takeNow(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.#clock();
      this.#tokens = Math.min(this.#o.burst, this.#tokens + ((now - this.#at) / 1000) * this.#o.ratePerSecond);
      this.#at = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await (this.#o.sleep ?? ((ms: number, sig?: AbortSignal) => sleep(ms, undefined, sig !== undefined ? { signal: sig } : {})))(Math.ceil(((1 - this.#tokens) / this.#o.ratePerSecond) * 1000), signal);
    }
  }
}
