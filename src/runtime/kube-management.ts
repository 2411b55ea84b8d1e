/**
 * The management cluster as the runtime sees it (`serve --management-context CTX`, `serve
 * --in-cluster`): which kubeconfig the Kubernetes components read (the file's contexts plus the
 * `in-cluster` one), and the component that reads the fleet-scoped `lintas.dev` CRs there and lays
 * them over the directory's objects (`ManagementSource`: the directory wins a clash; refused
 * objects keep their last good version). The leader Lease lives in the same cluster (leadership.ts).
 * @module
 */
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/index.ts';
import { combinedKubeConfig, kubeconfigClient, kubeconfigTransport, ManagementSource, RemoteClusters, type InClusterOptions, type KubeClient, type ManagementStatus, type RemoteCluster, type RemoteClustersStatus } from '../sources/index.ts';
import type { Bus } from './bus.ts';
import { writeFileAtomicSync } from '../store/index.ts';
import type { Component } from './component.ts';
import { lateOverlay, type SnapshotOverlay } from './config.ts';

/** Lintas's namespace when neither a flag nor the pod's service account names one. */
export const DEFAULT_LINTAS_NAMESPACE = 'lintas-system';

/** The credentials the Kubernetes components share. */
export interface KubeAccess {
  /** A kubeconfig file holding every context (the `--kubeconfig` file itself, or a combined copy in the state dir). */
  readonly kubeconfigPath: string;
  readonly kubeconfig: KubeConfig;
  /** The management cluster's context, if any. */
  readonly managementContext?: string;
  /** Lintas's namespace there (the Lease, remote-cluster Secrets). */
  readonly namespace: string;
}

/**
 * Reads the kubeconfig and the in-cluster context. With `--in-cluster` the combined kubeconfig is
 * written to `<stateDir>/kubeconfig-combined.json` (mode 0600; the in-cluster token is referenced by
 * its file, never copied), so every component reads the same contexts. Undefined without either.
 */
export function prepareKubeAccess(options: { kubeconfigPath?: string; inCluster?: InClusterOptions; managementContext?: string; namespace?: string; stateDir: string }): KubeAccess | undefined {
  if (options.kubeconfigPath === undefined && options.inCluster === undefined) {
    if (options.managementContext !== undefined) throw new Error(`--management-context ${options.managementContext} needs --kubeconfig or --in-cluster`);
    return undefined;
  }
  const { kubeconfig, namespace } = combinedKubeConfig({ ...(options.kubeconfigPath !== undefined ? { kubeconfigPath: options.kubeconfigPath } : {}), ...(options.inCluster !== undefined ? { inCluster: options.inCluster } : {}) });
  const managementContext = options.managementContext ?? (options.inCluster !== undefined ? 'in-cluster' : undefined);
  if (managementContext !== undefined && !kubeconfig.getContexts().some((c) => c.name === managementContext)) {
    throw new Error(`--management-context ${managementContext}: no such context${options.kubeconfigPath !== undefined ? ` in ${options.kubeconfigPath}` : ''}`);
  }
  let kubeconfigPath = options.kubeconfigPath;
  if (options.inCluster !== undefined) {
    kubeconfigPath = join(options.stateDir, 'kubeconfig-combined.json');
    writeFileAtomicSync(kubeconfigPath, kubeconfig.exportConfig());
  }
  return { kubeconfigPath: kubeconfigPath ?? '', kubeconfig, ...(managementContext !== undefined ? { managementContext } : {}), namespace: options.namespace ?? namespace ?? DEFAULT_LINTAS_NAMESPACE };
}

/** A client of the management cluster's API server. */
export function managementClient(access: KubeAccess & { managementContext: string }): KubeClient {
  return kubeconfigClient(access.kubeconfig, access.managementContext);
}

/** The management source as a component: its overlay feeds the directory source's publications. */
export interface ManagementComponent extends Component {
  readonly overlay: SnapshotOverlay;
  status(): ManagementStatus | undefined;
}

/** Creates the component; its start resolves once every kind was listed or failed to be. */
export function managementComponent(options: { kubeconfig: KubeConfig; context: string; log: Logger; initialBackoffMs?: number; maxBackoffMs?: number }): ManagementComponent {
  let source: ManagementSource | undefined;
  const late = lateOverlay();
  return {
    name: 'management-source',
    overlay: late.overlay,
    async start() {
      source = new ManagementSource({
        context: options.context,
        transport: kubeconfigTransport(options.kubeconfig, options.context),
        log: options.log,
        ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
        ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
      });
      late.attach(source);
      options.log.info('reading lintas.dev objects from the management cluster', { context: options.context, server: source.status().server });
      source.start();
      // Listed before the directory source's first publication, so it already holds the CRs.
      await source.listed();
    },
    async stop() {
      await source?.stop();
    },
    health: () => {
      const status = source?.status();
      if (status === undefined) return { ready: false, detail: 'not started' };
      const waiting = Object.entries(status.resources).filter(([, s]) => !s.synced && s.lastError === undefined);
      return waiting.length === 0 ? { ready: true } : { ready: false, detail: `waiting for the first list of ${waiting.map(([p]) => p).join(', ')} in ${options.context}` };
    },
    status: () => source?.status(),
  };
}

/** The remote-cluster Secrets as a component: its overlay adds the clusters they reach. */
export interface RemoteClustersComponent extends Component {
  readonly overlay: SnapshotOverlay;
  status(): RemoteClustersStatus | undefined;
  /** The listed clusters a Secret reaches, with their credentials (the MCS write-back follows them; `overlay.subscribe` tells of changes). */
  credentials(): ReadonlyMap<string, RemoteCluster>;
}

/**
 * Creates the component: it watches the labelled Secrets of `namespace` in the management cluster
 * and follows the fleet's Clusters (`bus.fleet`), so a Cluster added later is watched once a Secret
 * names it. `fileClusters` are the clusters the kubeconfig file reaches (they win over a Secret).
 */
export function remoteClustersComponent(options: { bus: Bus; kubeconfig: KubeConfig; context: string; namespace: string; fileClusters: () => ReadonlySet<string>; log: Logger; registry?: Registry; heartbeatMs?: number }): RemoteClustersComponent {
  let remote: RemoteClusters | undefined;
  const late = lateOverlay();
  const stopping = new AbortController();
  let following: Promise<void> | undefined;
  return {
    name: 'remote-clusters',
    overlay: late.overlay,
    async start() {
      const clusters = new RemoteClusters({
        transport: kubeconfigTransport(options.kubeconfig, options.context),
        namespace: options.namespace,
        heartbeats: options.bus.fleet,
        log: options.log,
        fileClusters: options.fileClusters,
        ...(options.registry !== undefined ? { registry: options.registry } : {}),
        ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
      });
      remote = clusters;
      late.attach(clusters);
      await clusters.reconcile(options.bus.fleet.current().fleetObjects);
      clusters.start();
      following = (async () => {
        for await (const update of options.bus.fleet.subscribe(stopping.signal)) {
          if (update.fleetChanged) await clusters.reconcile(update.snapshot.fleetObjects);
        }
      })();
    },
    async stop() {
      stopping.abort();
      await following;
      await remote?.stop();
    },
    // Ready once the Secrets were listed (or failed to be) and each cluster they reach was listed (or failed to be).
    health: () => {
      const status = remote?.status();
      if (status === undefined) return { ready: false, detail: 'not started' };
      if (!status.synced) return { ready: false, detail: `waiting for the first list of the remote-cluster Secrets in ${options.namespace}` };
      const waiting = status.watches.filter((s) => !s.synced && Object.values(s.resources).every((r) => r.lastError === undefined));
      return waiting.length === 0 ? { ready: true } : { ready: false, detail: `waiting for the first list of ${waiting.map((s) => s.cluster).join(', ')}` };
    },
    status: () => remote?.status(),
    credentials: () => remote?.credentials() ?? new Map(),
  };
}
