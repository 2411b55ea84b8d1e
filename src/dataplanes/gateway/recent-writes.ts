/**
 * The gateway's memory for read-your-writes (TrafficPolicy `ownership.readYourWrites`): which
 * ownership keys were mutated through this gateway recently, per policy, so their reads can go
 * to the owner until the window ends. Bounded in time (entries expire) and in space (at most
 * `maxKeys` per policy; the least recently written key is forgotten first, and its reads then
 * go to the nearest region again, as without the option). The clock is passed in.
 * @module
 */

/** Keys written recently, by policy. */
export class RecentWrites {
  /** Policy → key → expiry (ms). Insertion order is write order: a rewrite moves the key to the end. */
  private readonly byPolicy = new Map<string, Map<string, number>>();

  /** `now` is the data plane's clock (epoch ms). */
  constructor(private readonly now: () => number) {}

  /** Remembers a write of `key` under `policy` for `windowMs`, keeping at most `maxKeys` keys of the policy. */
  record(policy: string, key: string, windowMs: number, maxKeys: number): void {
    let keys = this.byPolicy.get(policy);
    if (keys === undefined) {
      keys = new Map();
      this.byPolicy.set(policy, keys);
    }
    const t = this.now();
    keys.delete(key);
    keys.set(key, t + windowMs);
    // Oldest first: expired keys and, past the bound, the least recently written ones.
    for (const [k, until] of keys) {
      if (until > t && keys.size <= maxKeys) break;
      keys.delete(k);
    }
  }

  /** True when `key` was written under `policy` and its window has not ended. */
  has(policy: string, key: string): boolean {
    const keys = this.byPolicy.get(policy);
    const until = keys?.get(key);
    if (keys === undefined || until === undefined) return false;
    if (until > this.now()) return true;
    keys.delete(key);
    return false;
  }

  /** Forgets the policies not in `keep` (they left the config). */
  retain(keep: ReadonlySet<string>): void {
    for (const policy of this.byPolicy.keys()) if (!keep.has(policy)) this.byPolicy.delete(policy);
  }

  /** Keys remembered under `policy` (expired ones not yet dropped included): for tests and metrics. */
  size(policy: string): number {
    return this.byPolicy.get(policy)?.size ?? 0;
  }
}
