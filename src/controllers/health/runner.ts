/**
 * The health runner: every interval, one round that probes every ready endpoint of every
 * contract's target (dependency paths and the replication-lag path; each distinct URL once
 * per round), runs the synthetic transactions that are due, evaluates the report and hands
 * it over with whether any verdict flipped. Each round also reads what the gateways see
 * (endpoint states, and their attempt counters, turned into each cluster's request rate over
 * the last 10 s, `LOAD_WINDOW_MS`). Rounds never overlap: the next is scheduled when
 * one ends, and `refresh()` queues behind a round in flight. Thin: the verdicts are
 * `evaluate.ts`'s.
 * @module
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { Logger } from '../../observability/index.ts';
import { parseGatewayDuration } from '../../lib/index.ts';
import { evaluateHealth, probeKey, syntheticKey } from './evaluate.ts';
import { servesTraffic, withGatewayView } from './gateway-view.ts';
import { addLoadSample, loadRates, type LoadSample } from './load.ts';
import { httpCall, type HttpCall } from './http-client.ts';
import { healthChanged } from './report.ts';
import { runSynthetic } from './synthetic.ts';
import type { GatewayView, HealthContext, HealthReport, HealthTarget, ProbeResult, SyntheticRun } from './types.ts';

/** Round interval when none is given. */
export const DEFAULT_HEALTH_INTERVAL_MS = 1000;
/** Per-request deadline when none is given. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 500;

/** Options of {@link startHealthRunner}. */
export interface HealthRunnerOptions {
  readonly log: Logger;
  readonly intervalMs?: number;
  /** Deadline of each probe and each synthetic step. */
  readonly timeoutMs?: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /** The targets of this round (typically `healthTargets` of the latest snapshot and MCS result). */
  readonly targets: () => readonly HealthTarget[];
  /** Capacity (`Cluster.spec.capacity`) and current load of a cluster. */
  readonly context?: (cluster: string) => HealthContext | undefined;
  /**
   * What the gateways see now, read once per round: endpoint states (Ready-but-dead endpoints do not
   * count as ready) and attempts per destination cluster (the load behind each cluster's headroom).
   */
  readonly gateway?: () => GatewayView | undefined;
  /** The HTTP agent of the probes and synthetic steps (`lintas up --kube`: one that connects from inside the sandbox's network); default: a keep-alive agent of the runner's own. */
  readonly agent?: http.Agent;
  /** After every round; `changed` when a layer's verdict flipped (or a cluster came or went). */
  readonly onReport: (report: HealthReport, changed: boolean) => void;
}

/** A running evaluator. */
export interface HealthRunner {
  /** The last report (empty before the first round ends). */
  current(): HealthReport;
  /** Runs a round now (after the one in flight, if any) and answers its report. */
  refresh(): Promise<HealthReport>;
  /** Cancels the timer and every request in flight; later rounds do nothing. */
  stop(): void;
}

interface Probe {
  readonly address: string;
  readonly port: number;
  readonly path: string;
}

/** Every distinct (endpoint, path) this round must GET: the ready endpoints' dependency and lag paths. */
function probesOf(targets: readonly HealthTarget[]): Probe[] {
  const plan = new Map<string, Probe>();
  for (const t of targets) {
    const paths = [...t.spec.regional.dependencies.map((d) => d.http.path), ...(t.spec.failover?.replicationLag !== undefined ? [t.spec.failover.replicationLag.http.path] : [])];
    for (const c of t.clusters) {
      for (const e of c.endpoints) {
        if (!e.ready) continue;
        for (const path of paths) plan.set(probeKey(e.address, e.port, path), { address: e.address, port: e.port, path });
      }
    }
  }
  return [...plan.values()];
}

/** Starts the runner; the first round begins at once. */
export function startHealthRunner(options: HealthRunnerOptions): HealthRunner {
  const intervalMs = options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const now = options.now ?? (() => new Date().getTime());
  const log = options.log.child({ component: 'health' });
  // Keep-alive: the same endpoints are asked every second.
  const agent = options.agent ?? new http.Agent({ keepAlive: true, maxSockets: 8 });
  const abort = new AbortController();
  // Every request in flight listens on this one signal; more than 10 at once is normal here, not a leak.
  setMaxListeners(0, abort.signal);
  const synthetic = new Map<string, { run: SyntheticRun; startedMs: number }>();
  let current: HealthReport = { generatedAt: new Date(now()).toISOString(), services: [] };
  let previous: HealthReport | undefined;
  let load: LoadSample[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  let runs = 0;

  const send = (call: Omit<HttpCall, 'agent' | 'timeoutMs' | 'signal'>) => httpCall({ ...call, agent, timeoutMs, signal: abort.signal });

  async function probe(p: Probe): Promise<ProbeResult> {
    const answer = await send({ address: p.address, port: p.port, method: 'GET', path: p.path, headers: { 'user-agent': 'lintas-health' } });
    return { ...p, ...answer };
  }

  /** Runs the due synthetic transactions; forgets runs of targets and clusters that are gone. */
  async function runDueSynthetics(targets: readonly HealthTarget[], startedMs: number): Promise<void> {
    const live = new Set<string>();
    const due: Promise<void>[] = [];
    for (const t of targets) {
      const spec = t.spec.synthetic;
      if (spec === undefined) continue;
      const every = parseGatewayDuration(spec.interval) ?? intervalMs;
      for (const c of t.clusters) {
        const key = syntheticKey(t.contract, c.cluster);
        live.add(key);
        const last = synthetic.get(key);
        if (last !== undefined && startedMs - last.startedMs < every) continue;
        const at = new Date(startedMs).toISOString();
        // An endpoint the gateways route to: the transaction should see what users see.
        const endpoint = c.endpoints.find(servesTraffic) ?? c.endpoints.find((e) => e.ready);
        if (endpoint === undefined) {
          synthetic.set(key, { run: { at, error: 'no ready endpoint', steps: [] }, startedMs });
          continue;
        }
        runs += 1;
        const keyPrefix = `lintas-synthetic-${startedMs}-${runs}`;
        due.push(
          runSynthetic({ endpoint, steps: spec.steps, at, keyPrefix, send }).then((run) => {
            synthetic.set(key, { run, startedMs });
          }),
        );
      }
    }
    await Promise.all(due);
    for (const key of [...synthetic.keys()]) if (!live.has(key)) synthetic.delete(key);
  }

  async function round(): Promise<HealthReport> {
    if (stopped) return current;
    try {
      const startedMs = now();
      const view = options.gateway?.();
      const targets = view === undefined ? options.targets() : withGatewayView(options.targets(), view.endpoints);
      const [probes] = await Promise.all([Promise.all(probesOf(targets).map(probe)), runDueSynthetics(targets, startedMs)]);
      if (stopped) return current;
      if (view !== undefined) load = addLoadSample(load, { atMs: startedMs, attempts: view.attemptsByCluster });
      // Known once two readings span some time; a cluster the gateways sent nothing carries 0 rps.
      const rates = view === undefined ? undefined : loadRates(load);
      const context: Record<string, HealthContext> = {};
      for (const cluster of new Set(targets.flatMap((t) => t.clusters.map((c) => c.cluster)))) {
        const ctx = { ...options.context?.(cluster), ...(rates === undefined ? {} : { observedRps: rates[cluster] ?? 0 }) };
        if (Object.keys(ctx).length > 0) context[cluster] = ctx;
      }
      const runsByKey: Record<string, SyntheticRun> = {};
      for (const [key, { run }] of synthetic) runsByKey[key] = run;
      const report = evaluateHealth({ targets, probes, synthetic: runsByKey, context, now: new Date(now()).toISOString() });
      const changed = healthChanged(previous, report);
      previous = report;
      current = report;
      try {
        options.onReport(report, changed);
      } catch (err) {
        log.error('health report consumer failed', { error: err instanceof Error ? err.message : String(err) });
      }
      return report;
    } catch (err) {
      log.error('health round failed', { error: err instanceof Error ? err.message : String(err) });
      return current;
    }
  }

  /** Queues a round behind the one in flight. */
  function enqueue(): Promise<HealthReport> {
    const next = tail.then(round);
    tail = next.catch(() => undefined);
    return next;
  }

  function tick(): void {
    timer = undefined;
    void enqueue().finally(() => {
      if (stopped) return;
      timer = setTimeout(tick, intervalMs);
      timer.unref();
    });
  }

  tick();
  return {
    current: () => current,
    refresh: enqueue,
    stop(): void {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      abort.abort();
      if (options.agent === undefined) agent.destroy();
    },
  };
}
