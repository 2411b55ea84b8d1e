/**
 * The gateway runner of `lintas serve`: the thin, impure glue between the MCS
 * result, the pure gateway translator and the HTTP data plane. Every MCS result
 * (which follows every fleet update) re-translates Gateways and HTTPRoutes with the
 * same snapshot, and the IR is applied to the data plane; applies are serialised and
 * coalesced (a burst of edits applies the newest IR once). Status is published for
 * `/api/v1/gateway` (and so for `get --server`). The data plane runs on worker threads by
 * default (`embedded-data-plane.ts`), so translation here never stalls the traffic.
 *
 * Translation runs on the control plane's thread, next to the DNS server: every input
 * (MCS result, policy inputs, cluster faults) only schedules it for the next turn of the
 * event loop (`setImmediate`). The DNS zone update that the same MCS result brings (a
 * microtask of the same bus update) is applied first, so DNS never waits behind gateway
 * work, and a burst of inputs in one turn translates once.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import type { Registry } from 'prom-client';
import type { FleetSnapshot } from '../api/index.ts';
import { certificateSource, publishClusterConfigs, translateGateway, type GatewayResult, type McsResult, type PolicyInputs } from '../controllers/index.ts';
import type { ExplainRequest, RouteExplanation } from '../dataplanes/index.ts';
import { createEmbeddedDataPlane, type EmbeddedDataPlane } from './embedded-data-plane.ts';
import type { ClusterConfig, DataPlaneReport, DataPlaneServing, GatewayIR } from '../ir/index.ts';
import type { WatchableMap } from '../store/index.ts';
import { ownershipEpochs } from './remote-dataplanes.ts';
import type { Logger } from '../observability/index.ts';

/** Which gateway listeners the control plane's process serves itself. */
export type EmbeddedGateways = 'all' | 'east-west' | 'none';

/** Options of {@link startGatewayRunner}. */
export interface GatewayRunnerOptions {
  readonly log: Logger;
  readonly registry: Registry;
  /** Access log sink: a file path, or undefined for stdout (`write`). */
  readonly accessLogPath?: string;
  readonly write: (line: string) => void;
  /** Where each cluster's versioned slice is published for `lintas gateway` processes (the config stream). */
  readonly configs?: WatchableMap<string, ClusterConfig>;
  /** Which listeners this process serves itself: `all` (default), `east-west` (the ClusterSetIP proxies; per-cluster `lintas gateway` processes serve the rest), or `none`. */
  readonly embedded?: EmbeddedGateways;
  /** Where the embedded gateways report each applied (or refused) config, by cluster (the failover runner waits on it). */
  readonly acks?: WatchableMap<string, DataPlaneServing>;
  /** Worker threads of the embedded data plane (default 1); 0 serves on this thread, where translation runs. */
  readonly workers?: number;
}

/** The running gateway side of `serve`. */
export interface GatewayRunner {
  /** Feeds an MCS result and the snapshot it was computed from (translated on the next turn of the event loop). */
  onMcs(result: McsResult, snapshot: FleetSnapshot): void;
  /** Replaces the runtime policy inputs (failover epochs/moves, health exclusions, drained clusters) and re-translates. */
  setPolicyInputs(inputs: PolicyInputs): void;
  /** The clusters whose embedded gateway listeners are down (`lintas fault cluster NAME down` in `lintas up`); replaces the previous set. */
  setClustersDown(clusters: ReadonlySet<string>): void;
  /** The latest translation (status for the admin API). */
  latest(): GatewayResult | undefined;
  /** Why the gateway is not ready (undefined once the first IR is applied). */
  notReady(): string | undefined;
  /** `route explain` against the live config and upstream health (the data plane's, on its thread). */
  explain(req: ExplainRequest): Promise<RouteExplanation[]>;
  /** Listeners bound right now (`address:port`). */
  bound(): readonly string[];
  /** The embedded gateways' report (counters since start, upstream view), read live or polled from the workers. */
  report(): DataPlaneReport;
  /** Prometheus text of the worker threads' metrics, summed ('' on this thread: those are on the registry). */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/** Starts the data plane (no listeners until the first IR) and returns the runner; throws when the access log cannot be opened. */
export function startGatewayRunner(options: GatewayRunnerOptions): GatewayRunner {
  const { log } = options;
  // The access log opens here (a bad path fails `serve` at startup instead of losing every line later).
  const embedded = options.embedded ?? 'all';
  // Without embedded listeners there is nothing to serve: no worker thread either.
  const local: EmbeddedDataPlane = createEmbeddedDataPlane({ log, registry: options.registry, write: options.write, workers: embedded === 'none' ? 0 : (options.workers ?? 1), ...(options.accessLogPath !== undefined ? { accessLogPath: options.accessLogPath } : {}) });

  let latest: GatewayResult | undefined;
  // Without embedded gateways there is nothing to apply: translated is ready.
  let applied = embedded === 'none';
  let pending: { ir: GatewayIR; snapshot: FleetSnapshot } | undefined;
  let generation = 0;
  let served: Record<string, number> = {};
  let applying: Promise<void> | undefined;
  // The last IR applied with every listener bound.
  let clean: GatewayIR | undefined;
  let closed = false;
  let policy: PolicyInputs = {};
  let last: { result: McsResult; snapshot: FleetSnapshot } | undefined;
  const down = new Set<string>();
  // A cluster that is down has no gateway: its north-south listeners are not bound (the ClusterSetIP proxies stay).
  const withoutDown = (ir: GatewayIR): GatewayIR => (down.size === 0 ? ir : { ...ir, listeners: ir.listeners.filter((l) => l.entryBySource !== undefined || !down.has(l.cluster)) });

  let scheduled: NodeJS.Immediate | undefined;
  // See the module doc: after the microtasks of this turn (the DNS update), once per turn.
  const schedule = (): void => {
    if (scheduled !== undefined || closed) return;
    scheduled = setImmediate(() => {
      scheduled = undefined;
      translate();
    });
  };

  const translate = (): void => {
    if (last === undefined || closed) return;
    try {
      latest = translateGateway({ snapshot: last.snapshot, mcs: last.result, now: new Date().toISOString(), eastWest: true, policy, ...(latest !== undefined ? { previous: latest } : {}) });
    } catch (error) {
      log.error('gateway translation failed; keeping the previous config', { error: (error as Error).stack ?? String(error) });
      return;
    }
    // The whole fleet's IR: a cluster whose gateway process is down gets its config when it comes back.
    // With the ClusterSetIP proxies here, the clusters' slices leave them out (one process binds them).
    if (options.configs !== undefined) publishClusterConfigs(options.configs, latest.ir, [...last.snapshot.clusters.keys()], new Date().toISOString(), { certificates: certificateSource(last.snapshot), ...(embedded === 'east-west' ? { eastWestClusters: [] } : {}) });
    if (embedded === 'none') return;
    const own = embedded === 'east-west' ? { ...latest.ir, listeners: latest.ir.listeners.filter((l) => l.entryBySource !== undefined) } : latest.ir;
    pending = { ir: withoutDown(own), snapshot: last.snapshot };
    applying ??= drain();
  };

  /** Reports the outcome of one apply for every cluster that has gateway listeners (the embedded data planes). */
  const acknowledge = (ir: GatewayIR, state: DataPlaneServing['state'], error?: string): void => {
    if (options.acks === undefined) return;
    const at = new Date().toISOString();
    const clusters = new Set(ir.listeners.filter((l) => l.entryBySource === undefined).map((l) => l.cluster));
    // A cluster whose gateway is down (no listeners) serves nothing, so it has nothing to acknowledge.
    const gone = [...options.acks.snapshot().values()].filter((a) => a.mode === 'embedded' && !clusters.has(a.cluster)).map((a) => a.cluster);
    options.acks.apply({
      set: [...clusters].sort().map((cluster): [string, DataPlaneServing] => [cluster, { cluster, mode: 'embedded', version: generation, state, ...(error !== undefined ? { error } : {}), ownership: served, at }]),
      delete: gone,
    });
  };

  const drain = async (): Promise<void> => {
    // Yield first: `applying` is assigned this promise before the loop can end (a skipped IR does not await).
    await Promise.resolve();
    while (pending !== undefined && !closed) {
      const { ir, snapshot } = pending;
      pending = undefined;
      // Most health rounds re-translate to the same IR: the data plane (on its worker) is spared the copy and the apply.
      if (clean !== undefined && isDeepStrictEqual(clean, ir)) continue;
      clean = undefined;
      generation += 1;
      try {
        // Key material goes to the data plane straight from the snapshot, never through the IR.
        const { failed } = await local.apply(ir, snapshot);
        applied = true;
        // What the acknowledgement says it serves: the ownership epochs of the IR now applied, as for a gateway process.
        served = ownershipEpochs(ir);
        // An apply where a listener failed to bind is tried again with the next translation, even an equal one.
        if (failed.length === 0) clean = ir;
        acknowledge(ir, 'acked');
        log.info('gateway config applied', { listeners: ir.listeners.length, tcpListeners: ir.tcpListeners?.length ?? 0, upstreams: ir.upstreams.length, failed });
      } catch (error) {
        acknowledge(ir, 'nacked', (error as Error).message);
        log.error('gateway apply failed; the previous config keeps serving', { error: (error as Error).stack ?? String(error) });
      }
    }
    applying = undefined;
  };

  return {
    onMcs(result, snapshot) {
      last = { result, snapshot };
      schedule();
    },
    setPolicyInputs(inputs) {
      policy = inputs;
      schedule();
    },
    setClustersDown(clusters) {
      if (clusters.size === down.size && [...clusters].every((c) => down.has(c))) return;
      down.clear();
      for (const c of clusters) down.add(c);
      schedule();
    },
    latest: () => latest,
    explain: (req) => (latest === undefined ? Promise.resolve([]) : local.explain(latest.ir, req)),
    notReady: () => (latest === undefined ? 'gateway not translated yet' : !applied ? 'gateway listeners not applied yet' : undefined),
    bound: () => local.bound(),
    report: () => local.report(),
    metrics: () => local.metrics(),
    async close() {
      closed = true;
      if (scheduled !== undefined) clearImmediate(scheduled);
      await applying;
      await local.close();
    },
  };
}
