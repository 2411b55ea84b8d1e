/**
 * Endpoint choice over a precomputed plan (endpoints grouped by locality
 * priority, with Envoy's priority loads and panic flags), kept free of
 * timers and sockets so it can be table-tested.
 *
 * Order of preference for one pick:
 * 1. A priority chosen by load; inside it the healthy endpoints (all
 *    endpoints when the level is in panic), balanced by least-request with
 *    two random choices (default) or round robin.
 * 2. `exclude` and `avoidClusters` are soft: the pick first looks for an
 *    endpoint that is neither excluded nor in an avoided cluster (loads
 *    renormalised over the levels that have one; when none of those levels
 *    has load, the closest such level wins), then drops `avoidClusters`, then
 *    `exclude`.
 * 3. Serving-but-terminating endpoints (not ejected, not failing checks) are
 *    a last resort, used only when no level offers a candidate under the
 *    current filter, closest level first (so a retry prefers a terminating
 *    endpoint over the endpoint that just failed).
 * 4. Session affinity (`affinityKey`): the level is chosen with a fraction
 *    derived from the key instead of a random number, and the endpoint by
 *    rendezvous hashing, so a key keeps its endpoint while that endpoint stays
 *    healthy, and only the keys of an endpoint that goes away move.
 * 5. Slow start (`weight`, given while some endpoint ramps up): one weighted
 *    random draw with weight / (active + 1), Envoy's weighted least-request,
 *    instead of two choices or round robin. Affinity keys are not weighted:
 *    a key keeps its endpoint.
 * @module
 */
import { keyFraction, rendezvousPick } from '../../../lib/index.ts';
import { choosePriority, type PriorityLoad } from './priority-load.ts';
import type { EndpointRef, PickContext } from './types.ts';

/** What the balancer needs to know about an endpoint. */
export interface Balanceable {
  readonly ref: EndpointRef;
  /** Attempts in flight (least-request). */
  readonly active: number;
}

/** Endpoints of one priority level. */
export interface LevelPlan<E extends Balanceable> {
  /** Ready, passing active checks, not ejected. */
  readonly healthy: readonly E[];
  /** Every endpoint of the level (used in panic). */
  readonly all: readonly E[];
  /** Serving-but-terminating, passing checks, not ejected. */
  readonly lastResort: readonly E[];
}

/** Endpoints by priority level plus the level loads. */
export interface Plan<E extends Balanceable> extends PriorityLoad {
  readonly levels: readonly LevelPlan<E>[];
}

/** Load-balancing policy inside a priority level. */
export type LbPolicy = 'least-request' | 'round-robin';

/** Mutable per-upstream balancer state (the round-robin cursor). */
export interface BalancerState {
  cursor: number;
}

/** Least request with two random choices (Envoy's default `choice_count` 2), distinct when possible. */
export function chooseP2C<E extends Balanceable>(candidates: readonly E[], random: () => number): E | undefined {
  const n = candidates.length;
  if (n <= 1) return candidates[0];
  const i = Math.min(n - 1, Math.floor(random() * n));
  let j = Math.min(n - 2, Math.floor(random() * (n - 1)));
  if (j >= i) j += 1;
  const a = candidates[i];
  const b = candidates[j];
  if (a === undefined || b === undefined) return a ?? b;
  return b.active < a.active ? b : a;
}

/** Round robin over the candidates with a cursor shared by the upstream. */
export function chooseRoundRobin<E extends Balanceable>(candidates: readonly E[], state: BalancerState): E | undefined {
  if (candidates.length === 0) return undefined;
  const chosen = candidates[state.cursor % candidates.length];
  state.cursor = (state.cursor + 1) % 1_000_000_007;
  return chosen;
}

/** One weighted random draw by weight / (active + 1) (weights in (0, 1]). */
export function chooseWeighted<E extends Balanceable>(candidates: readonly E[], random: () => number, weight: (e: E) => number): E | undefined {
  if (candidates.length <= 1) return candidates[0];
  let total = 0;
  const shares = candidates.map((e) => {
    const share = weight(e) / (e.active + 1);
    total += share;
    return share;
  });
  let r = random() * total;
  for (let i = 0; i < candidates.length; i += 1) {
    r -= shares[i] ?? 0;
    if (r < 0) return candidates[i];
  }
  return candidates[candidates.length - 1];
}

/** Picks one endpoint from `plan` for `ctx` (see the module comment for the order); `weight` only while some endpoint ramps up. */
export function pickFromPlan<E extends Balanceable>(
  plan: Plan<E>,
  ctx: PickContext,
  random: () => number,
  policy: LbPolicy = 'least-request',
  state: BalancerState = { cursor: 0 },
  weight?: (e: E) => number,
): E | undefined {
  const key = ctx.affinityKey;
  const choose = (c: readonly E[]): E | undefined =>
    key !== undefined
      ? rendezvousPick(key, c, endpointName)
      : weight !== undefined
        ? chooseWeighted(c, random, weight)
        : policy === 'round-robin'
          ? chooseRoundRobin(c, state)
          : chooseP2C(c, random);
  const levelRandom = key !== undefined ? (): number => keyFraction(key) : random;
  const pool = (level: number): readonly E[] => {
    const l = plan.levels[level];
    if (l === undefined) return [];
    return plan.panic[level] === true ? l.all : l.healthy;
  };
  const filters = candidateFilters(ctx);
  if (filters.length === 0) {
    // Fast path: nothing to avoid, no filtering or allocation.
    const level = choosePriority(plan.load, levelRandom(), (l) => pool(l).length > 0);
    if (level >= 0) return choose(pool(level));
    for (const l of plan.levels) if (l.lastResort.length > 0) return choose(l.lastResort);
    return undefined;
  }
  for (const keep of filters) {
    const level = choosePriority(plan.load, levelRandom(), (l) => pool(l).some(keep));
    if (level >= 0) return choose(pool(level).filter(keep));
    for (const l of plan.levels) {
      const candidates = l.lastResort.filter(keep);
      if (candidates.length > 0) return choose(candidates);
    }
  }
  return undefined;
}

function endpointName(e: Balanceable): string {
  return e.ref.key;
}

/** Candidate filters from strictest to none; empty when the context asks for nothing. */
function candidateFilters(ctx: PickContext): ((e: Balanceable) => boolean)[] {
  const exclude = ctx.exclude !== undefined && ctx.exclude.size > 0 ? ctx.exclude : undefined;
  const avoid = ctx.avoidClusters !== undefined && ctx.avoidClusters.size > 0 ? ctx.avoidClusters : undefined;
  if (exclude === undefined && avoid === undefined) return [];
  const filters: ((e: Balanceable) => boolean)[] = [];
  if (avoid !== undefined) {
    filters.push((e) => !avoid.has(e.ref.cluster) && !(exclude?.has(e.ref.key) ?? false));
  }
  if (exclude !== undefined) filters.push((e) => !exclude.has(e.ref.key));
  filters.push(() => true);
  return filters;
}
