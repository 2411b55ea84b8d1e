/**
 * How a traffic policy's locality mode groups an upstream's endpoints into
 * levels and shares traffic between them (issue 5), kept pure so the modes
 * can be table-tested:
 *
 * - LocalPreferred (default; also Owner-mode reads): Envoy locality priorities
 *   relative to the entry (zone, cluster, region, elsewhere) with the 1.4
 *   spill and panic of priority-load.ts.
 * - LocalOnly: the entry cluster's endpoints only.
 * - FailoverPriority: the entry cluster, then the listed clusters in order,
 *   one level each, with the same spill rule; unlisted clusters get nothing.
 * - Weighted: one level per listed cluster with its weight, among clusters
 *   that have a healthy endpoint (an unhealthy cluster's share goes to the others).
 * - CapacityAware: like Weighted with weight = capacity × healthy fraction
 *   (capacities 40 and 80, all healthy → 33 % / 67 %).
 * - Owner (mutations, or reads with `reads: Owner`): the owner cluster's
 *   healthy endpoints only; never panic, never another cluster.
 *
 * Excluded clusters (regional readiness false, drained) never get a level.
 * @module
 */
import type { LocalityIR } from '../../../ir/index.ts';
import { computePriorityLoad, localityPriority, PRIORITY_LEVELS, type LevelCounts, type Locality, type PriorityLoad } from './priority-load.ts';

/** The grouping of one (upstream, entry, policy) combination. */
export interface PlanShape {
  /** Number of levels. */
  readonly levels: number;
  /** Level of an endpoint, or -1 when the endpoint gets no traffic under this shape. */
  levelOf(endpoint: Locality): number;
  /** Traffic share and panic flag per level from the level counts. */
  loads(counts: readonly LevelCounts[]): PriorityLoad;
  /** Cluster name of each level, for modes whose levels are clusters (explain). */
  readonly levelClusters?: readonly string[];
}

const priorityLoads = (counts: readonly LevelCounts[]): PriorityLoad => computePriorityLoad(counts);

/** The shape for a request entering at `entry` under `locality` (undefined = LocalPreferred), or strictly for `owner`. */
export function planShape(
  locality: LocalityIR | undefined,
  entry: Locality,
  excluded: ReadonlySet<string>,
  owner?: string,
): PlanShape {
  if (owner !== undefined) {
    return {
      levels: 1,
      levelOf: (e) => (e.cluster === owner && !excluded.has(owner) ? 0 : -1),
      // The owner or nothing: a dead owner is a 503, never a panic onto its failing endpoints.
      loads: () => ({ load: [100], panic: [false] }),
      levelClusters: [owner],
    };
  }
  const mode = locality?.mode ?? 'LocalPreferred';
  switch (mode) {
    case 'LocalOnly':
      return {
        levels: PRIORITY_LEVELS,
        levelOf: (e) => (e.cluster === entry.cluster && !excluded.has(e.cluster) ? localityPriority(e, entry) : -1),
        loads: priorityLoads,
      };
    case 'FailoverPriority': {
      const order = [entry.cluster];
      for (const c of locality?.failoverPriority ?? []) if (!order.includes(c)) order.push(c);
      const index = new Map(order.map((c, i) => [c, i]));
      return {
        levels: order.length,
        levelOf: (e) => (excluded.has(e.cluster) ? -1 : (index.get(e.cluster) ?? -1)),
        loads: priorityLoads,
        levelClusters: order,
      };
    }
    case 'Weighted':
    case 'CapacityAware': {
      const weights = locality?.weights ?? [];
      const clusters = weights.map((w) => w.cluster);
      const index = new Map(clusters.map((c, i) => [c, i]));
      // CapacityAware weights are the clusters' `spec.capacity`, filled in by the translator.
      const base = weights.map((w) => w.weight);
      return {
        levels: clusters.length,
        levelOf: (e) => (excluded.has(e.cluster) ? -1 : (index.get(e.cluster) ?? -1)),
        loads: (counts) => weightedLoads(base, counts, mode === 'CapacityAware'),
        levelClusters: clusters,
      };
    }
    case 'LocalPreferred':
    case 'Owner':
      return {
        levels: PRIORITY_LEVELS,
        levelOf: (e) => (excluded.has(e.cluster) ? -1 : localityPriority(e, entry)),
        loads: priorityLoads,
      };
  }
}

/**
 * Percent shares of weighted levels: a level with no healthy endpoint gets 0
 * and the rest are renormalised to 100; CapacityAware scales each weight by
 * the level's healthy fraction. Never panics.
 */
export function weightedLoads(weights: readonly number[], counts: readonly LevelCounts[], scaleByHealth: boolean): PriorityLoad {
  const raw = weights.map((w, i) => {
    const c = counts[i];
    if (c === undefined || c.healthy <= 0 || c.total <= 0 || w <= 0) return 0;
    return scaleByHealth ? (w * c.healthy) / c.total : w;
  });
  const sum = raw.reduce((a, b) => a + b, 0);
  return { load: raw.map((r) => (sum > 0 ? (100 * r) / sum : 0)), panic: raw.map(() => false) };
}

/** A cache key for a shape (with the entry locality key, it identifies a plan). */
export function shapeKey(locality: LocalityIR | undefined, owner: string | undefined, policyKey: string | undefined): string {
  if (owner !== undefined) return `owner\u0000${owner}`;
  if (locality === undefined || locality.mode === 'LocalPreferred' || locality.mode === 'Owner') return '';
  return `policy\u0000${policyKey ?? JSON.stringify(locality)}`;
}
