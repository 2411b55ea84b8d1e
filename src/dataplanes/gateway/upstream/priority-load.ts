/**
 * Pure locality-priority arithmetic, following Envoy's priority levels
 * (`priority.rst`, `overprovisioning.rst`, `panic_threshold.rst`):
 *
 * - A level's health is `min(100, floor(140 × healthy / total))`, so a level
 *   keeps all of its traffic while at least 1/1.4 (≈ 71.4 %) of its endpoints
 *   are healthy, then spills the rest to the next level.
 * - When the levels' healths add up to less than 100 (the normalized total
 *   health, NTH), loads are scaled up by 100 / NTH so they still sum to 100.
 * - Panic: only when NTH < 100, a level whose raw healthy percentage is below
 *   the panic threshold (50 %) is "in panic" and balances across all of its
 *   endpoints, ignoring health. An empty level counts as in panic (as in
 *   Envoy). When every level is in panic, load goes by endpoint count instead
 *   of health (Envoy's "total panic").
 *
 * Everything is integer arithmetic like Envoy's, so table tests can name the
 * exact numbers (50 % healthy P0 → 70/30).
 * @module
 */

/** Envoy's default overprovisioning factor, as a percentage. */
export const OVERPROVISIONING_PERCENT = 140;
/** Envoy's default panic threshold, in percent of healthy endpoints. */
export const PANIC_THRESHOLD_PERCENT = 50;
/** Number of locality levels: 0 same zone, 1 same cluster, 2 same region, 3 elsewhere. */
export const PRIORITY_LEVELS = 4;

/** Endpoint counts of one priority level. */
export interface LevelCounts {
  readonly healthy: number;
  readonly total: number;
}

/** Result of {@link computePriorityLoad}. */
export interface PriorityLoad {
  /** Percent of traffic per level (sums to 100 when any level has endpoints, else all 0). */
  readonly load: readonly number[];
  /** Per level: balance across all endpoints of the level, ignoring health. */
  readonly panic: readonly boolean[];
}

/** Options of {@link computePriorityLoad}; Envoy's defaults when absent. */
export interface PriorityLoadOptions {
  readonly overprovisioningPercent?: number;
  readonly panicThresholdPercent?: number;
}

/** Health score (0–100) of one level with the overprovisioning factor applied. */
export function levelHealth(counts: LevelCounts, overprovisioningPercent = OVERPROVISIONING_PERCENT): number {
  if (counts.total <= 0) return 0;
  return Math.min(100, Math.floor((overprovisioningPercent * counts.healthy) / counts.total));
}

/** True when a level's raw healthy percentage is below the panic threshold (empty levels are). */
export function levelBelowPanic(counts: LevelCounts, panicThresholdPercent = PANIC_THRESHOLD_PERCENT): boolean {
  const healthyPercent = counts.total <= 0 ? 0 : (100 * counts.healthy) / counts.total;
  return healthyPercent < panicThresholdPercent;
}

/** Computes the traffic share and panic flag of each priority level from its endpoint counts. */
export function computePriorityLoad(levels: readonly LevelCounts[], options: PriorityLoadOptions = {}): PriorityLoad {
  const over = options.overprovisioningPercent ?? OVERPROVISIONING_PERCENT;
  const threshold = Math.min(100, options.panicThresholdPercent ?? PANIC_THRESHOLD_PERCENT);
  const health = levels.map((l) => levelHealth(l, over));
  const nth = Math.min(100, health.reduce((a, b) => a + b, 0));
  const panic = levels.map((l) => nth < 100 && threshold > 0 && levelBelowPanic(l, threshold));
  const totalHosts = levels.reduce((a, l) => a + Math.max(0, l.total), 0);
  if (totalHosts === 0) return { load: levels.map(() => 0), panic: levels.map(() => false) };
  if (panic.length > 0 && panic.every(Boolean)) return { load: loadByHostCount(levels, totalHosts), panic };
  if (nth === 0) {
    // Threshold 0 disables panic: with nothing healthy there is nowhere to send traffic.
    return { load: levels.map(() => 0), panic };
  }
  const load: number[] = [];
  let remaining = 100;
  for (const h of health) {
    const share = Math.min(remaining, Math.floor((h * 100) / nth));
    load.push(share);
    remaining -= share;
  }
  // Rounding leftovers go to the first level with any health, as in Envoy.
  const first = health.findIndex((h) => h > 0);
  if (remaining > 0 && first >= 0) load[first] = (load[first] ?? 0) + remaining;
  return { load, panic };
}

/** Total panic: every level gets a share proportional to its endpoint count. */
function loadByHostCount(levels: readonly LevelCounts[], totalHosts: number): number[] {
  const load = levels.map((l) => Math.floor((100 * Math.max(0, l.total)) / totalHosts));
  const remaining = 100 - load.reduce((a, b) => a + b, 0);
  const first = levels.findIndex((l) => l.total > 0);
  if (remaining > 0 && first >= 0) load[first] = (load[first] ?? 0) + remaining;
  return load;
}

/** Where an endpoint sits relative to the entry point of the request. */
export interface Locality {
  readonly cluster: string;
  readonly region?: string;
  readonly zone?: string;
}

/**
 * Locality priority of an endpoint for a request entering at `entry`:
 * 0 same cluster and zone, 1 same cluster, 2 same region, 3 anywhere else.
 * Missing zones never match (an unknown zone is not "the same zone"), and a
 * missing region only matches through the cluster.
 */
export function localityPriority(endpoint: Locality, entry: Locality): number {
  if (endpoint.cluster === entry.cluster) {
    return endpoint.zone !== undefined && endpoint.zone === entry.zone ? 0 : 1;
  }
  if (endpoint.region !== undefined && endpoint.region === entry.region) return 2;
  return 3;
}

/**
 * Chooses a level from `load` with `r` in [0, 1), among the levels `allowed`
 * says may be used (their loads renormalised). When every allowed level has
 * zero load, the lowest-numbered allowed level wins (closest locality first).
 * Returns -1 when no level is allowed.
 */
export function choosePriority(load: readonly number[], r: number, allowed: (level: number) => boolean = () => true): number {
  let sum = 0;
  let firstAllowed = -1;
  for (let i = 0; i < load.length; i += 1) {
    if (!allowed(i)) continue;
    if (firstAllowed < 0) firstAllowed = i;
    sum += load[i] ?? 0;
  }
  if (firstAllowed < 0) return -1;
  if (sum <= 0) return firstAllowed;
  let point = r * sum;
  for (let i = 0; i < load.length; i += 1) {
    if (!allowed(i)) continue;
    const share = load[i] ?? 0;
    if (share > 0 && point < share) return i;
    point -= share;
  }
  // r so close to 1 that float error ran past the end: take the last level with load.
  for (let i = load.length - 1; i >= 0; i -= 1) if (allowed(i) && (load[i] ?? 0) > 0) return i;
  return firstAllowed;
}
