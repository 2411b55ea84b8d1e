/**
 * The member clusters reached through remote-cluster Secrets (remote-secrets.ts), watched live:
 * one informer over the labelled Secrets of Lintas's namespace in the management cluster; per
 * Secret key a `KubernetesSource` of that cluster alone. A new key starts a watch, a changed key
 * (rotated credentials) restarts it, the old watch's objects serving until the new one has listed
 * (a revoked credential then reads as an unreachable API server: the last known objects stay, and
 * the endpoint TTL withdraws them), a deleted key stops it and its cluster's objects leave the
 * fleet, as when its Cluster is removed. A cluster that the `--kubeconfig` file reaches is not taken from a
 * Secret (the file wins; the key is refused, named).
 * @module
 */
import { clusterName, type ClusterSnapshot, type FleetSnapshot, type Sourced } from '../../api/index.ts';
import type { Registry } from 'prom-client';
import type { Logger } from '../../observability/index.ts';
import type { ClusterWatchStatus } from './cluster-watch.ts';
import { Informer } from './informer.ts';
import { parseRemoteSecrets, REMOTE_CLUSTER_LABEL, scopedTransport, type RemoteCluster } from './remote-secrets.ts';
import { CONTEXT_ANNOTATION, KubernetesSource, type HeartbeatSink } from './source.ts';
import type { KubeTransport } from './transport.ts';

/** Options of {@link RemoteClusters}. */
export interface RemoteClustersOptions {
  /** The management cluster's API server. */
  readonly transport: KubeTransport;
  /** Lintas's namespace there: only its Secrets are read. */
  readonly namespace: string;
  readonly heartbeats: HeartbeatSink;
  readonly log: Logger;
  /** Where the per-cluster watch metrics go (shared with the `--kubeconfig` source's). */
  readonly registry?: Registry;
  /** Clusters the kubeconfig file already reaches (those win over a Secret). */
  readonly fileClusters?: () => ReadonlySet<string>;
  readonly clock?: () => number;
  readonly heartbeatMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** What the remote-cluster Secrets give now. */
export interface RemoteClustersStatus {
  /** The Secrets were listed (or the list failed: `secretsError`). */
  readonly synced: boolean;
  readonly secretsError?: string;
  /** Refused keys, each naming the Secret and the key. */
  readonly errors: readonly string[];
  /** Cluster → `namespace/name key` it is read through. */
  readonly clusters: Readonly<Record<string, string>>;
  readonly watches: readonly ClusterWatchStatus[];
}

/** Watches the remote-cluster Secrets and the clusters they reach; an overlay like the Kubernetes source's. */
export class RemoteClusters {
  readonly #o: RemoteClustersOptions;
  readonly #informer: Informer;
  readonly #sources = new Map<string, { remote: RemoteCluster; source: KubernetesSource; carried?: ClusterSnapshot; listed?: boolean }>();
  readonly #listeners = new Set<() => void>();
  readonly #reported = new Set<string>();
  #errors: readonly string[] = [];
  #fleetObjects: readonly Sourced[] = [];
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;

  /** Creates a stopped watch. */
  constructor(options: RemoteClustersOptions) {
    this.#o = options;
    this.#informer = new Informer({
      transport: scopedTransport(options.transport, options.namespace, `${REMOTE_CLUSTER_LABEL}=true`),
      resource: { kind: 'Secret', group: '', versions: ['v1'], plural: 'secrets', namespaced: true },
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
      ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
      onChange: () => this.#enqueue(),
      onStatus: () => undefined,
    });
  }

  /** Starts watching the Secrets. */
  start(): void {
    this.#informer.start();
  }

  /** The fleet's Clusters changed: a Secret's cluster is watched only while the fleet has a Cluster of that name. */
  reconcile(fleetObjects: readonly Sourced[]): Promise<void> {
    this.#fleetObjects = fleetObjects;
    return this.#enqueue();
  }

  /** Stops every watch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#informer.stop();
    await this.#chain;
    await Promise.all([...this.#sources.values()].map(({ source }) => source.stop()));
    this.#sources.clear();
  }

  /** The fleet with each Secret-reached cluster's objects from its API server. */
  apply(snapshot: FleetSnapshot): FleetSnapshot {
    let out = snapshot;
    for (const [cluster, entry] of this.#sources) {
      out = entry.source.apply(out);
      // Rotated credentials: the old watch's objects serve until the new one has listed.
      const name = clusterName(cluster);
      if (entry.carried !== undefined && !out.clusters.has(name)) {
        const clusters = new Map(out.clusters).set(name, entry.carried);
        out = { fleetObjects: out.fleetObjects, clusters: new Map([...clusters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
      }
    }
    return out;
  }

  /** Calls `listener` when a Secret-reached cluster's objects changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The clusters reached through a Secret whose watch has listed once (a result computed before then
   * lacks the cluster's exports): what the MCS write-back writes into, by cluster. A rotated credential
   * is a new RemoteCluster (another digest); a cluster gone from the Secrets or the fleet leaves.
   */
  credentials(): ReadonlyMap<string, RemoteCluster> {
    // Once listed, always listed: a cluster that goes unreachable keeps its write-back (its writes retry).
    for (const entry of this.#sources.values()) if (entry.listed !== true && entry.source.status().every((s) => s.synced)) entry.listed = true;
    return new Map([...this.#sources].filter(([, e]) => e.listed === true).map(([cluster, { remote }]) => [cluster, remote]));
  }

  /** The Secrets' and the watches' state. */
  status(): RemoteClustersStatus {
    const informer = this.#informer.status();
    return {
      synced: informer.synced || informer.lastError !== undefined,
      ...(informer.lastError !== undefined ? { secretsError: informer.lastError } : {}),
      errors: this.#errors,
      clusters: Object.fromEntries([...this.#sources].map(([cluster, { remote }]) => [cluster, `${remote.secret} key ${remote.key}`])),
      watches: [...this.#sources.values()].flatMap(({ source }) => source.status()),
    };
  }

  /** Serialises syncs: a Secret event and a fleet change never start the same watch twice. */
  #enqueue(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#sync()).catch((error: unknown) => this.#o.log.error('cannot sync the remote-cluster Secrets', { error: (error as Error).message }));
    return this.#chain;
  }

  async #sync(): Promise<void> {
    if (this.#stopped) return;
    const parsed = parseRemoteSecrets([...this.#informer.objects().values()]);
    const fileClusters = this.#o.fileClusters?.() ?? new Set<string>();
    const clusterObjects = new Map(this.#fleetObjects.filter((s) => s.object.kind === 'Cluster').map((s) => [s.object.metadata.name, s]));
    const errors = [...parsed.errors];
    const wanted = new Map<string, { remote: RemoteCluster; object: Sourced }>();
    for (const remote of parsed.clusters) {
      const object = clusterObjects.get(remote.cluster);
      if (fileClusters.has(remote.cluster)) errors.push(`Secret ${remote.secret} key ${remote.key}: cluster ${remote.cluster} is already reached through the --kubeconfig file, which wins; this key is ignored`);
      else if (object === undefined) this.#report('warn', `Secret ${remote.secret} key ${remote.key}: the fleet has no Cluster ${remote.cluster}; not watched until it has`);
      else wanted.set(remote.cluster, { remote, object });
    }
    for (const error of errors) this.#report('error', error);
    // A fixed key that breaks again is reported again.
    for (const message of [...this.#reported]) if (!errors.includes(message) && !message.includes('the fleet has no Cluster')) this.#reported.delete(message);
    this.#errors = errors.sort();
    let changed = false;
    const carried = new Map<string, ClusterSnapshot>();
    for (const [cluster, entry] of [...this.#sources]) {
      const want = wanted.get(cluster);
      if (want !== undefined && want.remote.digest === entry.remote.digest) continue;
      this.#sources.delete(cluster);
      const last = entry.source.apply(EMPTY_FLEET).clusters.get(clusterName(cluster)) ?? entry.carried;
      if (want !== undefined && last !== undefined) carried.set(cluster, last);
      await entry.source.stop();
      changed = true;
      this.#o.log.info(want === undefined ? 'remote cluster no longer in a Secret; watch stopped' : 'remote cluster credentials changed; watch restarted', { cluster, secret: entry.remote.secret, key: entry.remote.key });
    }
    for (const [cluster, { remote, object }] of wanted) {
      if (this.#sources.has(cluster)) continue;
      const source = new KubernetesSource({
        kubeconfigPath: `Secret ${remote.secret} key ${remote.key}`,
        kubeconfig: remote.kubeconfig,
        heartbeats: this.#o.heartbeats,
        log: this.#o.log,
        ...(this.#o.registry !== undefined ? { registry: this.#o.registry } : {}),
        ...(this.#o.clock !== undefined ? { clock: this.#o.clock } : {}),
        ...(this.#o.heartbeatMs !== undefined ? { heartbeatMs: this.#o.heartbeatMs } : {}),
        ...(this.#o.initialBackoffMs !== undefined ? { initialBackoffMs: this.#o.initialBackoffMs } : {}),
        ...(this.#o.maxBackoffMs !== undefined ? { maxBackoffMs: this.#o.maxBackoffMs } : {}),
      });
      const entry: { remote: RemoteCluster; source: KubernetesSource; carried?: ClusterSnapshot; listed?: boolean } = { remote, source, ...(carried.has(cluster) ? { carried: carried.get(cluster) } : {}) };
      source.subscribe(() => {
        if (source.status().every((s) => s.synced)) delete entry.carried;
        this.#notify();
      });
      this.#sources.set(cluster, entry);
      // The Secret's context is named after the cluster: whatever context the Cluster names is the file's.
      await source.reconcile([withoutContextAnnotation(object)]);
      changed = true;
    }
    if (changed) this.#notify();
  }

  #report(level: 'warn' | 'error', message: string): void {
    if (this.#reported.has(message)) return;
    this.#reported.add(message);
    this.#o.log[level](message, { namespace: this.#o.namespace });
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

const EMPTY_FLEET: FleetSnapshot = { fleetObjects: [], clusters: new Map() };

function withoutContextAnnotation(s: Sourced): Sourced {
  const annotations = { ...s.object.metadata.annotations };
  delete annotations[CONTEXT_ANNOTATION];
  return { ...s, object: { ...s.object, metadata: { ...s.object.metadata, annotations } } } as Sourced;
}
