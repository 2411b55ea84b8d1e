/**
 * Fail-static staleness (issue 15, seed 000 §17.2 and §18): a gateway fed by a
 * control plane keeps serving its last config when the control plane goes
 * away, but ownership may have moved meanwhile, so once the config has not been
 * confirmed current for the staleness budget, Owner-mode mutations fail closed.
 * The feeder (the gateway role) confirms; the request path asks, with its own
 * clock, whether the config is stale.
 * @module
 */

/** The default staleness budget: 30 s. */
export const DEFAULT_STALE_AFTER_MS = 30_000;

/** When the served config was last confirmed current, against a budget. */
export class ConfigFreshness {
  #confirmedAt: number | undefined;

  /** A freshness record with `budgetMs` of tolerance, never confirmed yet. */
  constructor(readonly budgetMs: number = DEFAULT_STALE_AFTER_MS) {
    if (!Number.isFinite(budgetMs) || budgetMs < 0) throw new RangeError(`staleness budget must be a non-negative number of ms, got ${String(budgetMs)}`);
  }

  /** Records that the control plane confirmed the served config at `at` (epoch ms, the data plane's clock). */
  confirm(at: number): void {
    if (this.#confirmedAt === undefined || at > this.#confirmedAt) this.#confirmedAt = at;
  }

  /** Epoch ms of the last confirmation; undefined before the first. */
  get confirmedAt(): number | undefined {
    return this.#confirmedAt;
  }

  /** How old the config is at `now` (ms since the last confirmation); undefined before the first. */
  ageMs(now: number): number | undefined {
    return this.#confirmedAt === undefined ? undefined : Math.max(0, now - this.#confirmedAt);
  }

  /** True when the config was never confirmed or was last confirmed more than the budget before `now`. */
  stale(now: number): boolean {
    const age = this.ageMs(now);
    return age === undefined || age > this.budgetMs;
  }
}
