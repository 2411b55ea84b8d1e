/**
 * The MCS controller's write-back as a runtime component (issue 16 item 2; `serve --kubeconfig`,
 * off with `--no-kube-write`): every MCS result is written into each watched member cluster's API
 * server: derived Services first (their allocated ClusterIPs become the ServiceImports' `spec.ips`),
 * then ServiceImports and their status, the imported EndpointSlices and the ServiceExports' status,
 * then garbage collection of what Lintas made and no longer wants.
 *
 * The first write waits for an MCS result computed after the Kubernetes source listed every watched
 * cluster (or failed to): a result computed before then lacks exports, and writing it would delete
 * imports only to recreate them. Only the control-plane lease holder writes. One sync runs at a time; a result that arrives
 * meanwhile is synced next (only the latest), a failed sync is retried with back-off, and every
 * `resyncMs` a sync repairs drift (it writes nothing when nothing drifted).
 * @module
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { DesiredWrite } from '../api/index.ts';
import { planDerivedServices, planImports, type McsClusterResult } from '../controllers/index.ts';
import type { Logger } from '../observability/index.ts';
import { clusterContexts, ClusterWriter, createKubeWriteMetrics, KubeApiError, kubeconfigClient, writeKey, type KubeWriteMetrics, type LiveObject, type WriteOutcome } from '../sources/index.ts';
import { follow, type Bus } from './bus.ts';
import type { Component } from './component.ts';
import { CONTROL_PLANE_LEASE } from './leadership.ts';

/** Options of {@link kubeWritebackComponent}. */
export interface KubeWritebackOptions {
  readonly bus: Bus;
  readonly kubeconfigPath: string;
  readonly registry: Registry;
  readonly log: Logger;
  /** Whether the Kubernetes source has listed every watched cluster (or failed to): writes wait for it. */
  readonly sourceSynced: () => boolean;
  /** This instance's owner id on what it creates (default `lintas`). */
  readonly owner?: string;
  /** Requests per second per cluster (default 20). */
  readonly ratePerSecond?: number;
  /** Drift repair period (default 30 s). */
  readonly resyncMs?: number;
}

/** The component; `syncs()` counts completed syncs (tests wait on it). */
export interface KubeWritebackComponent extends Component {
  syncs(): number;
}

/** The derived Service's allocated ClusterIPs (none for a headless one). */
function clusterIPs(live: LiveObject | undefined): string[] {
  const spec = (live?.['spec'] ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
  const ips = spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : []);
  return ips.filter((ip) => ip !== '' && ip !== 'None');
}

const keyOf = (w: DesiredWrite): string => writeKey(w.resource.kind, w.namespace, w.name);

/** What one sync of a cluster did: how many writes came to each outcome, and how many objects it deleted. */
export type SyncSummary = Partial<Record<WriteOutcome | 'deleted' | 'forbidden', number>>;

/**
 * One write, where a refusal by RBAC (401/403) is that object's outcome, not the sync's failure: it
 * will not pass on a retry, and it must not hold back the cluster's other objects (the refusal is
 * counted in lintas_kube_write_skipped_total{reason="failed"} and logged by the writer).
 */
async function writeOrForbidden(writer: ClusterWriter, write: Parameters<ClusterWriter['write']>[0], owned: Parameters<ClusterWriter['write']>[1], signal?: AbortSignal): Promise<Awaited<ReturnType<ClusterWriter['write']>> | { readonly outcome: 'forbidden'; readonly live?: undefined }> {
  try {
    return await writer.write(write, owned, signal);
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 401 || error.status === 403)) return { outcome: 'forbidden' };
    throw error;
  }
}

/** Writes one cluster's MCS result (see the module comment). */
export async function syncCluster(writer: ClusterWriter, result: McsClusterResult, signal?: AbortSignal): Promise<SyncSummary> {
  const summary: SyncSummary = {};
  const count = (outcome: WriteOutcome | 'deleted' | 'forbidden', n = 1): void => void (summary[outcome] = (summary[outcome] ?? 0) + n);
  const owned = await writer.listOwned(signal);
  const keep = new Set<string>();
  const ips = new Map<string, readonly string[]>();
  for (const derived of planDerivedServices(result)) {
    keep.add(keyOf(derived.write));
    const { outcome, live } = await writeOrForbidden(writer, derived.write, owned, signal);
    count(outcome);
    ips.set(derived.importKey, clusterIPs(live));
  }
  for (const write of planImports(result, ips)) {
    if (write.write === 'object') keep.add(keyOf(write));
    count((await writeOrForbidden(writer, write, owned, signal)).outcome);
  }
  const deleted = await writer.collect(owned, keep, signal);
  if (deleted > 0) count('deleted', deleted);
  return summary;
}

/** Creates the component (it reads the kubeconfig when it starts). */
export function kubeWritebackComponent(options: KubeWritebackOptions): KubeWritebackComponent {
  const { bus, log } = options;
  const stopping = new AbortController();
  const writers = new Map<string, ClusterWriter>();
  let metrics: KubeWriteMetrics | undefined;
  let kubeconfig: KubeConfig | undefined;
  let loop: Promise<void> | undefined;
  let syncs = 0;
  let lastError: string | undefined;
  // A sync is due (a new result, a new leader, the resync period, or a failure to retry).
  let dirty = true;
  let readyVersion: number | undefined;
  let wake: (() => void) | undefined;

  const writerFor = (cluster: string, context: string): ClusterWriter => {
    let writer = writers.get(cluster);
    if (writer === undefined && kubeconfig !== undefined) {
      writer = new ClusterWriter({ cluster, client: kubeconfigClient(kubeconfig, context), owner: options.owner ?? 'lintas', log, ...(metrics !== undefined ? { metrics } : {}), ...(options.ratePerSecond !== undefined ? { ratePerSecond: options.ratePerSecond } : {}) });
      writers.set(cluster, writer);
    }
    if (writer === undefined) throw new Error('kube-writeback is not started');
    return writer;
  };

  const syncAll = async (): Promise<void> => {
    const published = bus.mcs.get('latest');
    if (published === undefined || kubeconfig === undefined) return;
    const contexts = new Set(kubeconfig.getContexts().map((c) => c.name));
    const { watched } = clusterContexts(published.snapshot.fleetObjects, contexts);
    const failures: string[] = [];
    // Clusters are independent: one slow or dead API server must not hold the others' writes.
    await Promise.all(
      watched.map(async ({ cluster, context }) => {
        const result = published.result.clusters.find((c) => c.cluster === cluster);
        if (result === undefined) return; // not a ClusterSet member, or unknown: never garbage-collect on no knowledge
        try {
          const summary = await syncCluster(writerFor(cluster, context), result, stopping.signal);
          metrics?.syncs.inc({ cluster });
          const wrote = (summary.created ?? 0) + (summary.applied ?? 0) + (summary.deleted ?? 0) > 0;
          log[wrote ? 'info' : 'debug']('kube write-back synced', { cluster, fleetVersion: published.version, ...summary });
        } catch (error) {
          if (stopping.signal.aborted) return;
          failures.push(`${cluster}: ${(error as Error).message}`);
        }
      }),
    );
    if (failures.length > 0) throw new Error(failures.join('; '));
  };

  const pause = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        dirty = true;
        clearTimeout(timer);
        resolve();
      };
      if (stopping.signal.aborted) wake();
    });

  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      if (dirty) {
        // The fleet version at which every watched cluster had been listed: older MCS results lack exports.
        if (readyVersion === undefined && options.sourceSynced()) readyVersion = bus.fleet.version;
        const computedFrom = bus.mcs.get('latest')?.version ?? -1;
        if (readyVersion === undefined || computedFrom < readyVersion || bus.leader.get(CONTROL_PLANE_LEASE)?.role !== 'leader') {
          await pause(200);
          continue;
        }
        dirty = false;
        try {
          await syncAll();
          syncs++;
          failures = 0;
          lastError = undefined;
        } catch (error) {
          if (stopping.signal.aborted) break;
          failures++;
          dirty = true;
          lastError = (error as Error).message;
          const delay = Math.min(200 * 2 ** (failures - 1), 30_000);
          log.warn('kube write-back failed; retrying', { error: lastError, inMs: delay });
          await pause(delay);
          continue;
        }
      }
      // A result that arrived during the sync marked it dirty: sync again at once, else wait for one (or the resync).
      if (!dirty) await pause(options.resyncMs ?? 30_000);
      dirty = true;
    }
  };

  return {
    name: 'kube-writeback',
    async start() {
      const config = new KubeConfig();
      try {
        config.loadFromFile(options.kubeconfigPath);
      } catch (error) {
        throw new Error(`cannot read kubeconfig ${options.kubeconfigPath}: ${(error as Error).message}`, { cause: error });
      }
      kubeconfig = config;
      metrics = createKubeWriteMetrics(options.registry);
      // A new MCS result (or a new leader) wakes the loop; the loop itself syncs only the latest.
      const poke = (): void => {
        dirty = true;
        wake?.();
      };
      const onError = (error: unknown): void => log.error('kube write-back cannot follow the bus', { error: (error as Error).message });
      void follow(bus.mcs, stopping.signal, poke, onError);
      void follow(bus.leader, stopping.signal, poke, onError);
      loop = run();
    },
    async stop() {
      stopping.abort();
      wake?.();
      await loop;
    },
    // Write-back never holds readiness: a cluster refusing writes shows in the logs and metrics.
    health: () => (lastError === undefined ? { ready: true } : { ready: true, detail: `last write-back failed: ${lastError}` }),
    syncs: () => syncs,
  };
}
