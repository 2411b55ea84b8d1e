/**
 * Runtime records of upstreams and endpoints, and the per-entry-locality
 * balancing plan built from them. The records are mutable (they carry the
 * live counters); everything here is synchronous and clock-parameterised.
 *
 * Eligibility: an endpoint is *healthy* for load balancing when it is ready,
 * passes active checks and is not ejected. Serving-but-terminating endpoints
 * that pass checks and are not ejected are the last resort. Not-ready
 * endpoints only ever get traffic in panic.
 *
 * A level's total counts every endpoint that is not terminating, so
 * not-ready, failing and ejected endpoints lower that level's health and
 * push traffic to other clusters (the failover signal we want: half a
 * cluster failing readiness is lost capacity). Terminating endpoints (not
 * ready) are left out of the total: they are leaving by design (rollouts, scale-down),
 * and counting them would spill traffic across regions on every rollout.
 * Pending endpoints (waiting for their first passing health check since they
 * came back) are left out altogether, panic included: they are not known to
 * work yet, and counting them would spill traffic on every scale-up.
 * @module
 */
import type { OutlierDetectionIR, UpstreamEndpointIR, UpstreamIR } from '../../../ir/index.ts';
import type { BalancerState, LevelPlan, Plan } from './balancer.ts';
import type { CheckState, HealthChecker } from './health-check.ts';
import type { EndpointState } from '../../../ir/index.ts';
import { isEjected, type OutlierState } from './outlier.ts';
import type { PlanShape } from './plan-shape.ts';
import type { LevelCounts, Locality } from './priority-load.ts';
import type { EndpointRef } from './types.ts';

/** Live state of one endpoint of one upstream. */
export interface EndpointRuntime {
  ref: EndpointRef;
  ir: UpstreamEndpointIR;
  /** Attempts in flight (least-request and explain). */
  active: number;
  check: CheckState;
  outlier: OutlierState;
  checker?: HealthChecker;
  /** When it came back into the pool (slow start ramps from here); undefined = never ramping. */
  warmingSince?: number;
}

/** Live state of one upstream. */
export interface UpstreamRuntime {
  ir: UpstreamIR;
  endpoints: Map<string, EndpointRuntime>;
  /** Endpoints in IR order (sorted by cluster, address, port). */
  list: EndpointRuntime[];
  outlier: OutlierDetectionIR;
  /** JSON of the active health check config the checkers run with ('' = none). */
  healthCheckKey: string;
  /** Plans by entry locality, dropped whenever eligibility changes. */
  plans: Map<string, Plan<EndpointRuntime>>;
  /** Earliest ejection end (0 = nothing ejected): lazily expired on pick. */
  nextExpiry: number;
  balancer: BalancerState;
  /** Clusters the IR excludes from routing (regional readiness, drain). */
  excluded: ReadonlySet<string>;
  /** Until when some endpoint ramps up under slow start (0 = none): picks are weighted until then. */
  warmingUntil: number;
}

/** Plans kept per upstream before the cache is flushed (entry localities are few; this only bounds abuse). */
const MAX_PLANS = 256;

/** `address:port`, with IPv6 addresses in brackets. */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The proxy's view of an IR endpoint (absent optional fields left out). */
export function toRef(e: UpstreamEndpointIR): EndpointRef {
  return {
    key: endpointKey(e.address, e.port),
    address: e.address,
    port: e.port,
    cluster: e.cluster,
    ...(e.region !== undefined ? { region: e.region } : {}),
    ...(e.zone !== undefined ? { zone: e.zone } : {}),
    ...(e.version !== undefined ? { version: e.version } : {}),
  };
}

/** Ready, passing checks and not ejected. */
export function isHealthy(e: EndpointRuntime, now: number): boolean {
  return e.ir.ready && e.check.healthy && !isEjected(e.outlier, now);
}

/** Serving but terminating (not ready), passing checks and not ejected: used only as a last resort. */
export function isLastResort(e: EndpointRuntime, now: number): boolean {
  return !e.ir.ready && e.ir.serving && e.ir.terminating && e.check.healthy && !isEjected(e.outlier, now);
}

/** The endpoint's state for the metrics gauge. */
export function endpointState(e: EndpointRuntime, now: number): EndpointState {
  if (!e.ir.ready) return e.ir.serving && e.ir.terminating ? 'terminating' : 'not_ready';
  if (e.check.pending) return 'pending';
  if (!e.check.healthy) return 'unhealthy';
  if (isEjected(e.outlier, now)) return 'ejected';
  return 'healthy';
}

/** Cache key of an entry locality. */
export function localityKey(entry: Locality): string {
  return `${entry.cluster}\u0000${entry.region ?? ''}\u0000${entry.zone ?? ''}`;
}

/** Groups endpoints into the levels of `shape` and computes the level loads. */
export function buildPlan(list: readonly EndpointRuntime[], shape: PlanShape, now: number): Plan<EndpointRuntime> {
  const levels = Array.from({ length: shape.levels }, () => ({
    healthy: [] as EndpointRuntime[],
    all: [] as EndpointRuntime[],
    lastResort: [] as EndpointRuntime[],
  }));
  const totals = new Array<number>(shape.levels).fill(0);
  for (const e of list) {
    const p = shape.levelOf(e.ref);
    const level = levels[p];
    if (level === undefined || e.check.pending) continue;
    if (!e.ir.terminating || e.ir.ready) totals[p] = (totals[p] ?? 0) + 1;
    // Panic ignores health checks and ejections, never EndpointSlice readiness: an endpoint that
    // is neither ready nor serving gets no traffic, so "no ready endpoints" stays a 503 (Gateway API).
    if (e.ir.ready || e.ir.serving) level.all.push(e);
    if (isHealthy(e, now)) level.healthy.push(e);
    else if (isLastResort(e, now)) level.lastResort.push(e);
  }
  const counts: LevelCounts[] = levels.map((l, i) => ({ healthy: l.healthy.length, total: totals[i] ?? 0 }));
  const { load, panic } = shape.loads(counts);
  const plans: LevelPlan<EndpointRuntime>[] = levels;
  return { load, panic, levels: plans };
}

/** The cached plan of `u` under `key` (entry locality + shape), built with `shape()` on first use after a change. */
export function planFor(u: UpstreamRuntime, key: string, shape: () => PlanShape, now: number): Plan<EndpointRuntime> {
  let plan = u.plans.get(key);
  if (plan === undefined) {
    if (u.plans.size >= MAX_PLANS) u.plans.clear();
    plan = buildPlan(u.list, shape(), now);
    u.plans.set(key, plan);
  }
  return plan;
}

/** Recomputes the earliest ejection end of `u`. */
export function recomputeNextExpiry(u: UpstreamRuntime): void {
  let next = 0;
  for (const e of u.list) {
    const until = e.outlier.ejectedUntil;
    if (until > 0 && (next === 0 || until < next)) next = until;
  }
  u.nextExpiry = next;
}

/** Endpoints of `u` ejected at `now`. */
export function ejectedCount(u: UpstreamRuntime, now: number): number {
  let n = 0;
  for (const e of u.list) if (isEjected(e.outlier, now)) n += 1;
  return n;
}
