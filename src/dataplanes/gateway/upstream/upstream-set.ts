/**
 * The stateful {@link UpstreamSet}: upstream and endpoint records that survive
 * config swaps, active health checkers, passive outlier detection, the retry
 * budget, health events, metrics and logs. The arithmetic lives in pure
 * modules (priority-load, balancer, outlier, retry-budget); this file wires it
 * to timers, sockets and the clock.
 *
 * Ejections end lazily (checked on every pick and explain against `now`) and
 * on a sweep timer at the smallest outlier interval, so events and metrics
 * follow even without traffic.
 *
 * Returning endpoints (issue 14): with health checks, an endpoint that joins
 * an upstream already installed (added or re-added to its EndpointSlice),
 * becomes ready again, or whose ejection time ends takes traffic only after
 * its next check passes (it is probed at once). Endpoints known when an
 * upstream is first installed start healthy. With `slowStart`, an endpoint
 * that comes back ramps up its share (slow-start.ts); without health checks
 * the ramp starts when it returns.
 * @module
 */
import type { Registry } from 'prom-client';
import { sameAddresses, type UpstreamEndpointIR, type UpstreamIR } from '../../../ir/index.ts';
import type { Logger } from '../../../observability/index.ts';
import { backendTlsOptions } from '../backend-tls.ts';
import { pickFromPlan, type LbPolicy } from './balancer.ts';
import { applyCheckResult, awaitCheck, newCheckState, startHealthChecker, type ProbeFn, type ProbeResult } from './health-check.ts';
import { createUpstreamMetrics, noMetrics } from './metrics.ts';
import {
  DEFAULT_OUTLIER_DETECTION,
  eject,
  ejectionAllowed,
  expireEjection,
  isEjected,
  newOutlierState,
  recordOutcome,
  uneject,
} from './outlier.ts';
import { planShape, shapeKey, type PlanShape } from './plan-shape.ts';
import { backoffDelayMs, createRetryBudget } from './retry-budget.ts';
import { slowStartWeight } from './slow-start.ts';
import type { EndpointHealth, EndpointObservation, HealthEvent, PickContext, UpstreamExplain, UpstreamSet } from './types.ts';
import {
  ejectedCount,
  endpointKey,
  endpointState,
  localityKey,
  planFor,
  recomputeNextExpiry,
  toRef,
  type EndpointRuntime,
  type UpstreamRuntime,
} from './upstream-state.ts';

/** Options of {@link createUpstreamSet}. */
export interface UpstreamSetOptions {
  readonly log: Logger;
  /** [0, 1) source for priority choice, P2C, check jitter and back-off (default Math.random). */
  readonly random?: () => number;
  /** Clock in ms for outlier detection (default Date.now). */
  readonly now?: () => number;
  /** Active health checks run only when enabled (default true) and an upstream has `healthCheck`; `probe` replaces the HTTP probe (tests). */
  readonly healthCheck?: { readonly enabled?: boolean; readonly probe?: ProbeFn };
  /** Where to register `lintas_upstream_*` metrics (one set per registry). */
  readonly registry?: Registry;
  /** Balancing inside a priority level (default least-request with two choices). */
  readonly lbPolicy?: LbPolicy;
}

/** Smallest and largest outlier sweep period, whatever the config says. */
const SWEEP_MIN_MS = 100;
const SWEEP_MAX_MS = 10_000;

/** Creates the runtime upstream state (see {@link UpstreamSet}). */
export function createUpstreamSet(options: UpstreamSetOptions): UpstreamSet {
  const log = options.log;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const checksEnabled = options.healthCheck?.enabled ?? true;
  const policy = options.lbPolicy ?? 'least-request';
  const upstreams = new Map<string, UpstreamRuntime>();
  const listeners = new Set<(event: HealthEvent) => void>();
  const budget = createRetryBudget();
  // HTTP attempts by destination cluster: the load the health contract's headroom is measured against.
  const attemptsByCluster = new Map<string, number>();
  let active = 0;
  let closed = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweepPeriod = 0;
  const metrics = options.registry === undefined ? noMetrics : createUpstreamMetrics(options.registry, () => observeEndpoints());

  const emit = (upstream: string, e: EndpointRuntime, kind: HealthEvent['kind'], reason: string): void => {
    const event: HealthEvent = { upstream, endpoint: e.ref, kind, reason };
    const fields = { upstream, endpoint: e.ref.key, cluster: e.ref.cluster, reason };
    if (kind === 'healthy' || kind === 'unejected') log.info(`upstream endpoint ${kind}`, fields);
    else log.warn(`upstream endpoint ${kind}`, fields);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        log.error('health event listener failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  /** Every endpoint of every upstream with its state now (ejections due are ended first). */
  const observeEndpoints = (): EndpointObservation[] => {
    const t = now();
    const endpoints: EndpointObservation[] = [];
    for (const u of upstreams.values()) {
      expire(u, t);
      const { key, kind, namespace, name } = u.ir;
      for (const e of u.list) endpoints.push({ upstream: key, kind, namespace, name, address: e.ir.address, port: e.ir.port, cluster: e.ref.cluster, state: endpointState(e, t) });
    }
    return endpoints;
  };

  /** Starts the slow start ramp of an endpoint that came back at `t` (nothing without slowStart). */
  const startWarming = (u: UpstreamRuntime, e: EndpointRuntime, t: number): void => {
    const ss = u.ir.slowStart;
    if (ss === undefined) return;
    e.warmingSince = t;
    u.warmingUntil = Math.max(u.warmingUntil, t + ss.windowMs);
  };

  /**
   * An endpoint comes back (re-added, ready again, ejection over): with checks, a healthy one waits
   * for its next passing check, probed at once (an unhealthy one already waits); without, it ramps up.
   * Returns the detail for the event.
   */
  const comeBack = (u: UpstreamRuntime, e: EndpointRuntime, t: number): string => {
    if (e.checker === undefined) {
      startWarming(u, e, t);
      return '';
    }
    if (e.check.healthy) awaitCheck(e.check);
    e.checker.checkNow();
    return '; takes traffic after a passing health check';
  };

  /** Ends ejections whose time has passed (cheap when none is due). */
  const expire = (u: UpstreamRuntime, t: number): void => {
    if (u.nextExpiry === 0 || t < u.nextExpiry) return;
    for (const e of u.list) if (expireEjection(e.outlier, t)) emit(u.ir.key, e, 'unejected', `ejection time elapsed${comeBack(u, e, t)}`);
    recomputeNextExpiry(u);
    u.plans.clear();
  };

  const onProbe = (u: UpstreamRuntime, e: EndpointRuntime, r: ProbeResult): void => {
    const hc = u.ir.healthCheck;
    if (closed || hc === undefined || upstreams.get(u.ir.key) !== u || u.endpoints.get(e.ref.key) !== e) return;
    metrics.healthCheck(u.ir.key, e.ref.cluster, r.ok);
    const t = now();
    expire(u, t);
    // A pending endpoint's first result changes how the plan counts it, whatever it says.
    let changed = e.check.pending;
    // Envoy's successful_active_health_check_uneject_host (default true).
    if (r.ok && uneject(e.outlier, t)) {
      emit(u.ir.key, e, 'unejected', 'active health check passed');
      recomputeNextExpiry(u);
      startWarming(u, e, t);
      changed = true;
    }
    const transition = applyCheckResult(e.check, r.ok, hc);
    if (transition !== undefined) {
      emit(u.ir.key, e, transition, `health check ${r.detail}`);
      if (transition === 'healthy') startWarming(u, e, t);
      changed = true;
    }
    if (changed) u.plans.clear();
  };

  const startChecker = (u: UpstreamRuntime, e: EndpointRuntime): void => {
    const hc = u.ir.healthCheck;
    const tls = u.ir.tls;
    // A refused BackendTLSPolicy: nothing is sent to the endpoints, not even a probe.
    if (!checksEnabled || hc === undefined || closed || tls?.refused !== undefined) return;
    e.checker = startHealthChecker({
      address: e.ir.address,
      port: e.ir.port,
      config: hc,
      ...(tls !== undefined ? { tls: backendTlsOptions(tls) } : {}),
      random,
      immediate: e.check.pending,
      ...(options.healthCheck?.probe !== undefined ? { probe: options.healthCheck.probe } : {}),
      onResult: (r) => onProbe(u, e, r),
    });
  };

  const stopChecker = (e: EndpointRuntime): void => {
    e.checker?.stop();
    delete e.checker;
  };

  const resetSweep = (): void => {
    let period = 0;
    for (const u of upstreams.values()) {
      const p = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, u.outlier.intervalMs));
      if (period === 0 || p < period) period = p;
    }
    if (period === sweepPeriod) return;
    if (sweepTimer !== undefined) clearInterval(sweepTimer);
    sweepTimer = undefined;
    sweepPeriod = period;
    if (period === 0 || closed) return;
    sweepTimer = setInterval(() => {
      const t = now();
      for (const u of upstreams.values()) expire(u, t);
    }, period);
    sweepTimer.unref();
  };

  /** Makes `e` (`old` when it was installed) serve `epIr`: readiness returns, check restarts, its checker. */
  const refresh = (u: UpstreamRuntime, e: EndpointRuntime, old: EndpointRuntime | undefined, epIr: UpstreamEndpointIR, installed: boolean, checksChanged: boolean, t: number): void => {
    // Back into an installed upstream: added (or re-added) to it, or ready again.
    const returning = old === undefined ? installed && epIr.ready : !old.ir.ready && epIr.ready;
    e.ref = toRef(epIr);
    e.ir = epIr;
    if (old !== undefined && checksChanged) {
      stopChecker(e);
      if (u.healthCheckKey === '') e.check = newCheckState();
    }
    // A new endpoint's checker starts after this (probing at once when it waits for a check).
    if (returning && u.healthCheckKey !== '' && e.checker === undefined) awaitCheck(e.check);
    else if (returning) comeBack(u, e, t);
    if (e.checker === undefined) startChecker(u, e);
  };

  const install = (ir: UpstreamIR): void => {
    const previous = upstreams.get(ir.key);
    // The same object as installed (an embedded worker's delta keeps unchanged upstreams): nothing to do.
    if (previous?.ir === ir) return;
    // The TLS setting is part of how checks are sent: a new CA restarts them.
    const healthCheckKey = checksEnabled && ir.healthCheck !== undefined ? JSON.stringify([ir.healthCheck, ir.tls ?? null]) : '';
    const u: UpstreamRuntime = previous ?? {
      ir,
      endpoints: new Map(),
      list: [],
      outlier: DEFAULT_OUTLIER_DETECTION,
      healthCheckKey: '',
      plans: new Map(),
      nextExpiry: 0,
      balancer: { cursor: 0 },
      excluded: new Set(),
      warmingUntil: 0,
    };
    const t = now();
    const checksChanged = u.healthCheckKey !== healthCheckKey;
    u.ir = ir;
    u.outlier = ir.outlierDetection ?? DEFAULT_OUTLIER_DETECTION;
    u.excluded = new Set((ir.excludedClusters ?? []).map((x) => x.cluster));
    u.healthCheckKey = healthCheckKey;
    // The endpoints of an installed upstream at its installed positions (a readiness flip in a
    // 10,000-endpoint Service): only the changed endpoints are looked at, the maps stay.
    if (previous !== undefined && !checksChanged && sameAddresses(u.list, ir.endpoints, (e) => e.ir)) {
      ir.endpoints.forEach((epIr, i) => {
        const e = u.list[i] as EndpointRuntime;
        if (e.ir !== epIr) refresh(u, e, e, epIr, true, false, t);
      });
      recomputeNextExpiry(u);
      u.plans.clear();
      return;
    }
    const next = new Map<string, EndpointRuntime>();
    const list: EndpointRuntime[] = [];
    for (const epIr of ir.endpoints) {
      const key = endpointKey(epIr.address, epIr.port);
      if (next.has(key)) continue; // duplicate address:port: the first (IR order) wins
      const old = u.endpoints.get(key);
      const e: EndpointRuntime = old ?? { ref: toRef(epIr), ir: epIr, active: 0, check: newCheckState(), outlier: newOutlierState() };
      // The same endpoint object as installed (a rebuilt upstream keeps its unchanged ones): not returning, same ref.
      if (old === undefined || old.ir !== epIr || checksChanged) refresh(u, e, old, epIr, previous !== undefined, checksChanged, t);
      else if (old.checker === undefined) startChecker(u, old);
      next.set(key, e);
      list.push(e);
    }
    for (const [key, e] of u.endpoints) if (!next.has(key)) stopChecker(e);
    u.endpoints = next;
    u.list = list;
    recomputeNextExpiry(u);
    u.plans.clear();
    upstreams.set(ir.key, u);
  };

  return {
    update(list) {
      if (closed) return;
      const keep = new Set(list.map((u) => u.key));
      for (const [key, u] of upstreams) {
        if (keep.has(key)) continue;
        for (const e of u.list) stopChecker(e);
        upstreams.delete(key);
      }
      for (const ir of list) install(ir);
      resetSweep();
    },

    pick(upstream, ctx) {
      const u = upstreams.get(upstream);
      if (u === undefined) return undefined;
      const t = now();
      expire(u, t);
      const ss = u.ir.slowStart;
      const weight = ss !== undefined && t < u.warmingUntil ? (e: EndpointRuntime) => slowStartWeight(ss, e.warmingSince, t) : undefined;
      const prefer = ctx.preferCluster;
      if (prefer !== undefined && ctx.ownerCluster === undefined && ctx.avoidClusters?.has(prefer) !== true) {
        // The owner's plan never panics and never spills: no healthy endpoint there means the usual pick.
        const preferred = pickFromPlan(planOf(u, { ...ctx, ownerCluster: prefer }, t), ctx, random, policy, u.balancer, weight);
        if (preferred !== undefined) return preferred.ref;
      }
      return pickFromPlan(planOf(u, ctx, t), ctx, random, policy, u.balancer, weight)?.ref;
    },

    onAttemptStart(upstream, endpoint) {
      active += 1;
      const u = upstreams.get(upstream);
      const e = u?.endpoints.get(endpoint.key);
      if (e !== undefined) e.active += 1;
      // East-west TCP connections are not requests: they do not count toward a cluster's request rate.
      if (u?.ir.protocol === 'http') attemptsByCluster.set(endpoint.cluster, (attemptsByCluster.get(endpoint.cluster) ?? 0) + 1);
    },

    onAttemptEnd(upstream, endpoint, outcome) {
      active = Math.max(0, active - 1);
      const u = upstreams.get(upstream);
      const e = u?.endpoints.get(endpoint.key);
      if (u === undefined || e === undefined) return;
      e.active = Math.max(0, e.active - 1);
      const t = now();
      expire(u, t);
      const reason = recordOutcome(e.outlier, outcome, u.outlier, t);
      if (reason === undefined) return;
      if (!ejectionAllowed(ejectedCount(u, t), u.list.length, u.outlier.maxEjectionPercent)) {
        log.debug('outlier ejection skipped: max ejection percent reached', { upstream, endpoint: endpoint.key, reason });
        return;
      }
      const duration = eject(e.outlier, u.outlier, t);
      recomputeNextExpiry(u);
      u.plans.clear();
      metrics.ejection(upstream, e.ref.cluster, reason);
      emit(upstream, e, 'ejected', `${reason} (${String(duration)} ms)`);
    },

    tryAcquireRetry() {
      const ok = budget.tryAcquire(active);
      if (!ok) metrics.retryRejected();
      return ok;
    },

    releaseRetry() {
      budget.release();
    },

    backoffMs(attempt, baseMs) {
      return backoffDelayMs(attempt, random, baseMs);
    },

    explain(upstream, ctx) {
      const u = upstreams.get(upstream);
      if (u === undefined) return undefined;
      const t = now();
      expire(u, t);
      const shape = shapeOf(u, ctx);
      const plan = planOf(u, ctx, t);
      const endpoints: EndpointHealth[] = u.list
        .map((e) => {
          const weight = u.ir.slowStart === undefined ? 1 : slowStartWeight(u.ir.slowStart, e.warmingSince, t);
          return {
            ...e.ref,
            priority: shape.levelOf(e.ref),
            ready: e.ir.ready,
            healthy: e.check.healthy,
            ejected: isEjected(e.outlier, t),
            activeRequests: e.active,
            ...(e.check.pending ? { awaitingHealthCheck: true as const } : {}),
            ...(weight < 1 ? { slowStartWeight: weight } : {}),
          };
        })
        .sort((a, b) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const result: UpstreamExplain = {
        upstream,
        priorityLoad: [...plan.load],
        panic: plan.panic.some((p, i) => p && (plan.load[i] ?? 0) > 0),
        endpoints,
        ...(shape.levelClusters !== undefined ? { levelClusters: shape.levelClusters } : {}),
        ...(u.ir.excludedClusters !== undefined && u.ir.excludedClusters.length > 0 ? { excludedClusters: u.ir.excludedClusters } : {}),
      };
      return result;
    },

    observe() {
      return { endpoints: observeEndpoints(), attemptsByCluster: Object.fromEntries(attemptsByCluster) };
    },

    onHealthEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    close() {
      closed = true;
      for (const u of upstreams.values()) for (const e of u.list) stopChecker(e);
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      sweepTimer = undefined;
      sweepPeriod = 0;
      listeners.clear();
    },
  };
}

/** The entry locality of a pick context. */
function entryOf(ctx: PickContext): { cluster: string; region?: string; zone?: string } {
  return { cluster: ctx.entryCluster, region: ctx.entryRegion, zone: ctx.entryZone };
}

/** The level grouping for a pick context (policy mode, owner, excluded clusters). */
function shapeOf(u: UpstreamRuntime, ctx: PickContext): PlanShape {
  return planShape(ctx.locality, entryOf(ctx), u.excluded, ctx.ownerCluster);
}

/** The cached plan for a pick context. */
function planOf(u: UpstreamRuntime, ctx: PickContext, now: number): ReturnType<typeof planFor> {
  const key = `${localityKey(entryOf(ctx))}\u0001${shapeKey(ctx.locality, ctx.ownerCluster, ctx.policyKey)}`;
  return planFor(u, key, () => shapeOf(u, ctx), now);
}
