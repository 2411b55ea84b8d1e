/**
 * The Kubernetes source: watches every member cluster's API server (one kubeconfig context per
 * `Cluster`) and lays those clusters' objects over the fleet the directory source reads. Fleet-scoped
 * objects (Cluster, ClusterSet, policies) still come from the directory; a cluster with a context is
 * read from its API server only. Freshness goes to the FleetStore's heartbeat, the endpoint TTL's input.
 * @module
 */
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeconfig } from './client.ts';
import type { Registry } from 'prom-client';
import { clusterName, type ClusterFreshness, type ClusterName, type ClusterSnapshot, type FleetSnapshot, type Sourced } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import { ClusterWatch, type ClusterWatchStatus } from './cluster-watch.ts';
import type { KubeSourceMetrics } from './metrics.ts';
import { kubeSourceMetricsFor } from './shared-metrics.ts';
import { kubeconfigTransport, type KubeTransport } from './transport.ts';

/** The annotation on a `Cluster` naming its kubeconfig context when that is not the cluster's name. */
export const CONTEXT_ANNOTATION = 'lintas.dev/kubeconfig-context';

/** One cluster to watch and the context that reaches it. */
export interface ClusterContext {
  readonly cluster: ClusterName;
  readonly context: string;
}

/** Which Clusters of the fleet have a context in the kubeconfig (and which name one it lacks). */
export function clusterContexts(fleetObjects: readonly Sourced[], contexts: ReadonlySet<string>): { readonly watched: readonly ClusterContext[]; readonly missing: readonly ClusterContext[] } {
  const watched: ClusterContext[] = [];
  const missing: ClusterContext[] = [];
  for (const { object } of fleetObjects) {
    if (object.kind !== 'Cluster') continue;
    const override = object.metadata.annotations?.[CONTEXT_ANNOTATION];
    const entry = { cluster: clusterName(object.metadata.name), context: override ?? object.metadata.name };
    (contexts.has(entry.context) ? watched : missing).push(entry);
  }
  const byName = (a: ClusterContext, b: ClusterContext): number => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0);
  return { watched: watched.sort(byName), missing: missing.sort(byName) };
}

/** Where freshness reports go (the FleetStore's heartbeat). */
export interface HeartbeatSink {
  heartbeat(name: ClusterName, freshness: ClusterFreshness): void;
}

/** Options of {@link KubernetesSource}. */
export interface KubernetesSourceOptions {
  /** The kubeconfig file (its contexts are the clusters that can be watched). */
  readonly kubeconfigPath: string;
  /** A kubeconfig already loaded (a remote-cluster Secret's): used instead of reading `kubeconfigPath`, which then only names it in messages. */
  readonly kubeconfig?: KubeConfig;
  readonly heartbeats: HeartbeatSink;
  readonly log: Logger;
  readonly registry?: Registry;
  readonly clock?: () => number;
  readonly heartbeatMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** This instance's owner id: what it owns is its write-back's output, left out of the snapshots (default `lintas`). */
  readonly owner?: string;
  /** Builds the transport of a context (default: client-node with the kubeconfig's credentials). */
  readonly transportFor?: (kubeconfig: KubeConfig, context: string) => KubeTransport;
}

/** Watches the fleet's clusters and overlays their objects on the directory's snapshot (a runtime SnapshotOverlay). */
export class KubernetesSource {
  readonly #o: KubernetesSourceOptions;
  #kubeconfig = new KubeConfig();
  readonly #contexts: ReadonlySet<string>;
  readonly #metrics: KubeSourceMetrics | undefined;
  readonly #watches = new Map<string, { context: string; watch: ClusterWatch }>();
  readonly #snapshots = new Map<string, ClusterSnapshot>();
  readonly #listeners = new Set<() => void>();
  readonly #warned = new Set<string>();
  #notifying: NodeJS.Immediate | undefined;

  /** Reads the kubeconfig (throws naming the file when it is unreadable); watches nothing until {@link reconcile}. */
  constructor(options: KubernetesSourceOptions) {
    this.#o = options;
    if (options.kubeconfig !== undefined) this.#kubeconfig.loadFromString(options.kubeconfig.exportConfig());
    else this.#kubeconfig = loadKubeconfig(options.kubeconfigPath);
    this.#contexts = new Set(this.#kubeconfig.getContexts().map((c) => c.name));
    this.#metrics = options.registry === undefined ? undefined : kubeSourceMetricsFor(options.registry);
  }

  /** Starts watches for the fleet's Clusters that have a context and stops those no longer listed. */
  async reconcile(fleetObjects: readonly Sourced[]): Promise<void> {
    const { watched, missing } = clusterContexts(fleetObjects, this.#contexts);
    for (const m of missing) {
      const key = `${m.cluster}:${m.context}`;
      if (this.#warned.has(key)) continue;
      this.#warned.add(key);
      this.#o.log.warn('Cluster has no context in the kubeconfig; its objects come from the fleet directory', { cluster: m.cluster, context: m.context, kubeconfig: this.#o.kubeconfigPath, hint: `add the context, or name one with the annotation ${CONTEXT_ANNOTATION}` });
    }
    const wanted = new Map(watched.map((w) => [w.cluster as string, w.context]));
    for (const [cluster, entry] of [...this.#watches]) {
      if (wanted.get(cluster) === entry.context) continue;
      this.#watches.delete(cluster);
      this.#snapshots.delete(cluster);
      await entry.watch.stop();
      this.#notify();
    }
    for (const { cluster, context } of watched) {
      if (this.#watches.has(cluster)) continue;
      const transport = (this.#o.transportFor ?? kubeconfigTransport)(this.#kubeconfig, context);
      const watch = new ClusterWatch({
        cluster,
        transport,
        log: this.#o.log,
        ...(this.#metrics !== undefined ? { metrics: this.#metrics } : {}),
        ...(this.#o.clock !== undefined ? { clock: this.#o.clock } : {}),
        ...(this.#o.heartbeatMs !== undefined ? { heartbeatMs: this.#o.heartbeatMs } : {}),
        ...(this.#o.initialBackoffMs !== undefined ? { initialBackoffMs: this.#o.initialBackoffMs } : {}),
        ...(this.#o.maxBackoffMs !== undefined ? { maxBackoffMs: this.#o.maxBackoffMs } : {}),
        ...(this.#o.owner !== undefined ? { owner: this.#o.owner } : {}),
        onSnapshot: (snapshot) => {
          this.#snapshots.set(cluster, snapshot);
          this.#notify();
        },
        onFreshness: (freshness) => this.#o.heartbeats.heartbeat(cluster, freshness),
      });
      this.#watches.set(cluster, { context, watch });
      this.#o.log.info('watching cluster API server', { cluster, context, server: transport.server });
      watch.start();
    }
  }

  /** The fleet with every watched cluster's objects taken from its API server (none yet: the cluster is left out, as unknown). */
  apply(snapshot: FleetSnapshot): FleetSnapshot {
    if (this.#watches.size === 0) return snapshot;
    const clusters = new Map(snapshot.clusters);
    for (const cluster of this.#watches.keys()) {
      const fromDirectory = snapshot.clusters.get(clusterName(cluster));
      if (fromDirectory !== undefined && fromDirectory.objects.length > 0 && !this.#warned.has(`dir:${cluster}`)) {
        this.#warned.add(`dir:${cluster}`);
        this.#o.log.warn('the fleet directory has objects for a cluster read from its API server; the API server wins', { cluster, objects: fromDirectory.objects.length });
      }
      // Not listed yet is unknown, not empty: without a snapshot the MCS controller keeps what it knew
      // of the cluster (first-seen times, conditions) instead of seeing every export deleted.
      const listed = this.#snapshots.get(cluster);
      if (listed === undefined) clusters.delete(clusterName(cluster));
      else clusters.set(clusterName(cluster), listed);
    }
    return { fleetObjects: snapshot.fleetObjects, clusters: new Map([...clusters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  }

  /** Calls `listener` when a watched cluster's objects changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every watched cluster's state, sorted by cluster. */
  status(): ClusterWatchStatus[] {
    return [...this.#watches.values()].map(({ watch }) => watch.status()).sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
  }

  /** Stops every watch. */
  async stop(): Promise<void> {
    clearImmediate(this.#notifying);
    const watches = [...this.#watches.values()];
    this.#watches.clear();
    await Promise.all(watches.map(({ watch }) => watch.stop()));
  }

  /**
   * Tells the listeners once per burst: the clusters' watches hand on their snapshots each from its own
   * setImmediate, and one notification after all of them is one fleet update (one MCS translation).
   */
  #notify(): void {
    this.#notifying ??= setImmediate(() => {
      this.#notifying = undefined;
      for (const listener of this.#listeners) listener();
    });
  }
}
