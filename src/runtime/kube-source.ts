/**
 * The Kubernetes source as a runtime component (`lintas serve --kubeconfig FILE`): it follows the
 * fleet's Cluster objects (from the directory) and watches each one's API server through the
 * kubeconfig context named after it (or in its `lintas.dev/kubeconfig-context` annotation). Its
 * objects reach `bus.fleet` as an overlay on the directory source's snapshots, and its freshness
 * reports go to `bus.fleet.heartbeat`, so the MCS controller's endpoint TTL sees a lost cluster.
 * @module
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/index.ts';
import { KubernetesSource, type ClusterWatchStatus } from '../sources/index.ts';
import type { Bus } from './bus.ts';
import type { Component } from './component.ts';
import { lateOverlay, type SnapshotOverlay } from './config.ts';

/** The component, the overlay it feeds and the clusters' watch state. */
export interface KubeSourceComponent extends Component {
  readonly overlay: SnapshotOverlay;
  status(): ClusterWatchStatus[];
}

/** Creates the component; it reads the kubeconfig when it starts (a bad file fails that start, naming the component). */
export function kubeSourceComponent(options: { bus: Bus; kubeconfigPath: string; registry: Registry; log: Logger; heartbeatMs?: number }): KubeSourceComponent {
  const { bus, log } = options;
  let source: KubernetesSource | undefined;
  // The directory source subscribes before this component starts: forward to it once the source exists.
  const late = lateOverlay();
  const stopping = new AbortController();
  let following: Promise<void> | undefined;
  return {
    name: 'kube-source',
    overlay: late.overlay,
    async start() {
      const kube = new KubernetesSource({ kubeconfigPath: options.kubeconfigPath, heartbeats: bus.fleet, log, registry: options.registry, ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}) });
      source = kube;
      late.attach(kube);
      // The directory source started first: its Clusters name the clusters to watch.
      await kube.reconcile(bus.fleet.current().fleetObjects);
      following = (async () => {
        for await (const update of bus.fleet.subscribe(stopping.signal)) {
          if (!update.fleetChanged) continue;
          await kube.reconcile(update.snapshot.fleetObjects).catch((error: unknown) => log.error('cannot reconcile the watched clusters', { error: (error as Error).message }));
        }
      })();
    },
    async stop() {
      stopping.abort();
      await following;
      await source?.stop();
    },
    // Ready once every watched cluster has been listed or has failed to be: one dead API server must not hold the rest.
    health: () => {
      const waiting = (source?.status() ?? []).filter((s) => !s.synced && Object.values(s.resources).every((r) => r.lastError === undefined));
      return source === undefined ? { ready: false, detail: 'not started' } : waiting.length === 0 ? { ready: true } : { ready: false, detail: `waiting for the first list of ${waiting.map((s) => s.cluster).join(', ')}` };
    },
    status: () => source?.status() ?? [],
  };
}
