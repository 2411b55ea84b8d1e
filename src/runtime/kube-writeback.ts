/**
 * The MCS controller's write-back as a runtime component (issue 16 item 2; `serve --kubeconfig`,
 * off with `--no-kube-write`): every MCS result is written into each watched member cluster's API
 * server: per imported Service its derived Service first (the allocated ClusterIP becomes the
 * ServiceImport's `spec.ips`), then the ServiceImport and its status and the imported EndpointSlices;
 * the ServiceExports' status; and garbage collection of what Lintas made and no longer wants.
 *
 * Each cluster is written by its own {@link ClusterWriteback} (kube-writeback-cluster.ts): per
 * service, only what changed, from watches rather than lists, many services at once, clusters in
 * parallel. The first write waits for an MCS result computed after the Kubernetes source listed
 * every watched cluster (or failed to): a result computed before then lacks exports, and writing it
 * would delete imports only to recreate them. Only the control-plane lease holder writes.
 *
 * The clusters written are those the kubeconfig file reaches, and those remote-cluster Secrets reach
 * (`remoteClusters`, kube-management.ts): a cluster a Secret adds gets a write-back once its watch has
 * listed; a rotated credential stops the cluster's write-back and starts one with the new credential;
 * a cluster that leaves the Secrets has its write-back stopped (what it wrote stays: no credential
 * is left to delete it with, and another Lintas may take the cluster over).
 * @module
 */
import { type KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { clusterName, type FleetSnapshot } from '../api/index.ts';
import { planUnits, type McsClusterResult } from '../controllers/index.ts';
import type { Logger } from '../observability/index.ts';
import { clusterContexts, ClusterWriter, createKubeWriteMetrics, kubeconfigClient, kubeconfigTransport, loadKubeconfig, type KubeClient, type KubeTransport, type KubeWriteMetrics, type LiveObject, type RemoteCluster } from '../sources/index.ts';
import { follow, type Bus, type McsPublished } from './bus.ts';
import type { Component } from './component.ts';
import { ClusterWriteback } from './kube-writeback-cluster.ts';
import { CONTROL_PLANE_LEASE } from './leadership.ts';

export { ClusterWriteback, type ClusterWritebackOptions, type SyncSummary } from './kube-writeback-cluster.ts';

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
  /** Requests per second per cluster and burst (default the writer's DEFAULT_WRITE_RATE). */
  readonly ratePerSecond?: number;
  readonly burst?: number;
  /** Services written at once per cluster (default 16). */
  readonly concurrency?: number;
  /** Drift repair period (default 30 s). */
  readonly resyncMs?: number;
  /** The clusters remote-cluster Secrets reach, and a subscription to their changes (the remote-clusters component). */
  readonly remoteClusters?: { credentials(): ReadonlyMap<string, RemoteCluster>; subscribe(listener: () => void): () => void };
  /** How a context of a kubeconfig is reached (default its HTTPS client and watches; tests give the fake API server). */
  readonly connect?: (kubeconfig: KubeConfig, context: string) => { readonly client: KubeClient; readonly transport: KubeTransport };
}

/** The component; `syncs()` counts the times a cluster's write-back drained after work (tests wait on it). */
export interface KubeWritebackComponent extends Component {
  syncs(): number;
}

/** The live ServiceExports of one cluster in a snapshot, by `ns/name` (their status and generation, as the source's watch saw them). */
export function liveExports(snapshot: FleetSnapshot, cluster: string): Map<string, LiveObject> {
  const out = new Map<string, LiveObject>();
  for (const { object } of snapshot.clusters.get(clusterName(cluster))?.objects ?? []) {
    if (object.kind === 'ServiceExport') out.set(`${object.metadata.namespace ?? ''}/${object.metadata.name}`, object as unknown as LiveObject);
  }
  return out;
}

/** Creates the component (it reads the kubeconfig when it starts). */
export function kubeWritebackComponent(options: KubeWritebackOptions): KubeWritebackComponent {
  const { bus, log } = options;
  const owner = options.owner ?? 'lintas';
  const stopping = new AbortController();
  /** Write-back per cluster; `digest` is the credential of a Secret-reached one (undefined: the file's). */
  const clusters = new Map<string, { cw: ClusterWriteback; digest?: string }>();
  let metrics: KubeWriteMetrics | undefined;
  let kubeconfig: KubeConfig | undefined;
  let syncs = 0;
  let leading = false;
  let readyVersion: number | undefined;
  let planned: McsPublished | undefined;
  const lastResults = new Map<string, McsClusterResult>();
  let poll: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  const clusterFor = (cluster: string, config: KubeConfig, context: string, digest?: string): ClusterWriteback => {
    const existing = clusters.get(cluster);
    if (existing !== undefined) return existing.cw;
    const { client, transport } = (options.connect ?? ((k, c) => ({ client: kubeconfigClient(k, c), transport: kubeconfigTransport(k, c) })))(config, context);
    const writer = new ClusterWriter({
      cluster,
      client,
      owner,
      log,
      ...(metrics !== undefined ? { metrics } : {}),
      ...(options.ratePerSecond !== undefined ? { ratePerSecond: options.ratePerSecond } : {}),
      ...(options.burst !== undefined ? { burst: options.burst } : {}),
    });
    const cw = new ClusterWriteback({
      cluster,
      writer,
      transport,
      owner,
      log,
      ...(metrics !== undefined ? { metrics } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
      onIdle: (summary) => {
        syncs++;
        const wrote = (summary.created ?? 0) + (summary.applied ?? 0) + (summary.deleted ?? 0) > 0;
        log[wrote ? 'info' : 'debug']('kube write-back synced', { cluster, ...summary });
      },
    });
    clusters.set(cluster, { cw, ...(digest !== undefined ? { digest } : {}) });
    cw.start();
    return cw;
  };

  /** Stops the write-back of each Secret-reached cluster whose credential changed or that left (the next plan starts the new one). */
  const followRemote = (remote: ReadonlyMap<string, RemoteCluster>): void => {
    for (const [cluster, { cw, digest }] of [...clusters]) {
      if (digest === undefined || remote.get(cluster)?.digest === digest) continue;
      clusters.delete(cluster);
      lastResults.delete(cluster);
      planned = undefined;
      log.info(remote.has(cluster) ? 'remote cluster credentials changed; write-back restarted' : 'remote cluster gone; write-back stopped', { cluster });
      void cw.stop();
    }
    for (const cluster of remote.keys()) if (!clusters.has(cluster) && !lastResults.has(cluster)) planned = undefined;
  };

  /** Hands the latest MCS result to every watched cluster's write-back, once writing is allowed. */
  const consider = (): void => {
    const file = kubeconfig;
    if (file === undefined || stopping.signal.aborted) return;
    if (bus.leader.get(CONTROL_PLANE_LEASE)?.role !== 'leader') {
      if (leading) for (const { cw } of clusters.values()) cw.pause();
      leading = false;
      return;
    }
    // The fleet version at which every watched cluster had been listed: older MCS results lack exports.
    if (readyVersion === undefined && options.sourceSynced()) readyVersion = bus.fleet.version;
    const published = bus.mcs.get('latest');
    if (readyVersion === undefined || published === undefined || published.version < readyVersion) {
      poll ??= setTimeout(() => {
        poll = undefined;
        consider();
      }, 200);
      return;
    }
    if (!leading) {
      leading = true;
      planned = undefined;
      lastResults.clear();
      for (const { cw } of clusters.values()) cw.resume();
    }
    const remote = options.remoteClusters?.credentials() ?? new Map<string, RemoteCluster>();
    followRemote(remote);
    if (published === planned) return;
    planned = published;
    const contexts = new Set(file.getContexts().map((c) => c.name));
    const { watched } = clusterContexts(published.snapshot.fleetObjects, contexts);
    // The file wins over a Secret (remote-clusters.ts refuses such a key too).
    const fromFile = new Set<string>(watched.map((w) => w.cluster));
    const targets = [
      ...watched.map((w) => ({ ...w, config: file, digest: undefined })),
      ...[...remote.values()].filter((r) => !fromFile.has(r.cluster)).map((r) => ({ cluster: r.cluster, context: r.cluster as string, config: r.kubeconfig, digest: r.digest })),
    ];
    for (const { cluster, context, config, digest } of targets) {
      const result = published.result.clusters.find((c) => c.cluster === cluster);
      if (result === undefined) continue; // not a ClusterSet member, or unknown: never garbage-collect on no knowledge
      // An incremental translation hands on an untouched cluster's result as it was: nothing to compare.
      if (lastResults.get(cluster) === result) continue;
      lastResults.set(cluster, result);
      clusterFor(cluster, config, context, digest).plan(planUnits(result), liveExports(published.snapshot, cluster));
    }
  };

  return {
    name: 'kube-writeback',
    async start() {
      kubeconfig = loadKubeconfig(options.kubeconfigPath);
      metrics = createKubeWriteMetrics(options.registry);
      const onError = (error: unknown): void => log.error('kube write-back cannot follow the bus', { error: (error as Error).message });
      void follow(bus.mcs, stopping.signal, consider, onError);
      void follow(bus.leader, stopping.signal, consider, onError);
      unsubscribe = options.remoteClusters?.subscribe(consider);
    },
    async stop() {
      stopping.abort();
      clearTimeout(poll);
      unsubscribe?.();
      await Promise.all([...clusters.values()].map(({ cw }) => cw.stop()));
    },
    // Write-back never holds readiness: a cluster refusing writes shows in the logs and metrics.
    health: () => {
      const failed = [...clusters].map(([cluster, { cw }]) => [cluster, cw.lastError()] as const).filter(([, e]) => e !== undefined);
      return failed.length === 0 ? { ready: true } : { ready: true, detail: `last write-back failed: ${failed.map(([c, e]) => `${c}: ${String(e)}`).join('; ')}` };
    },
    syncs: () => syncs,
  };
}
