/**
 * Status write-back beyond MCS, and failover Events (issue 16 item 2), as a runtime component of
 * `serve --kubeconfig` (off with `--no-kube-write`, like the MCS write-back):
 *
 * - the Gateway API status the gateway translation computed (Gateways of Lintas's classes, with
 *   `Programmed` as the data planes acknowledged it; Lintas's `status.parents` entries of HTTPRoutes
 *   and GRPCRoutes) goes to the API server of the cluster each object came from;
 * - the conditions of lintas.dev objects that came from an API server (their origin names a
 *   cluster's API server: TrafficPolicies and DNSPolicies; objects of the directory have nowhere to go);
 * - every failover phase change (read from the audit trail the runner writes for each transition)
 *   becomes a core/v1 Event regarding the FailoverPolicy in every affected cluster.
 *
 * Only the control-plane lease holder writes, and only after the Kubernetes source listed every
 * cluster. A sync runs when the planned statuses change (checked every `pollMs`, and at once on a new
 * MCS result, failover decision, data-plane acknowledgement or leader), and every `resyncMs` to repair
 * drift (the writer sends nothing when the live status holds it). Events start from the moment this
 * replica became the leader: transitions before then were the previous leader's to record.
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Counter, type Registry } from 'prom-client';
import type { FleetSnapshot } from '../api/index.ts';
import { failoverEvent, planGatewayStatus, withDataPlaneProgrammed, type FailoverKubeEvent, type GatewayResult, type LiveRoute, type StatusWrite, type WithConditions } from '../controllers/index.ts';
import type { Logger } from '../observability/index.ts';
import { clusterContexts, ClusterWriter, kubeconfigClient, loadKubeconfig, StatusWriter } from '../sources/index.ts';
import type { LintasStore } from '../store/index.ts';
import { follow, type Bus } from './bus.ts';
import type { Component } from './component.ts';
import { CONTROL_PLANE_LEASE } from './leadership.ts';

/** Options of {@link kubeStatusComponent}. */
export interface KubeStatusOptions {
  readonly bus: Bus;
  readonly kubeconfigPath: string;
  readonly registry: Registry;
  readonly log: Logger;
  /** The latest gateway translation (the gateway component's). */
  readonly gateway: () => GatewayResult | undefined;
  /** lintas.dev objects with conditions computed outside the gateway translation (the GSLB's DNSPolicies). */
  readonly lintasObjects?: () => readonly WithConditions[];
  /** Where the failover runner's audit records are read from. */
  readonly store: LintasStore;
  /** Whether the Kubernetes source has listed every watched cluster (or failed to): writes wait for it. */
  readonly sourceSynced: () => boolean;
  /** This instance's id (`reportingInstance` of Events; default `lintas`). */
  readonly owner?: string;
  /** Requests per second per cluster (default 10; the MCS write-back has its own). */
  readonly ratePerSecond?: number;
  /** How often planned statuses and new audit records are looked at (default 1 s). */
  readonly pollMs?: number;
  /** Drift repair period (default 30 s). */
  readonly resyncMs?: number;
}

/** The component; `syncs()` counts completed status syncs, `looks()` every look, leader or not (tests wait on them). */
export interface KubeStatusComponent extends Component {
  syncs(): number;
  looks(): number;
}

/** The cluster of an origin the Kubernetes source made (`clusters/<cluster>/kube/...`, see kubeOrigin), else undefined. */
export function apiServerCluster(file: string): string | undefined {
  const match = /^clusters\/([^/]+)\/kube\//.exec(file);
  return match?.[1];
}

/** Where each fleet-scoped object came from: the API server of a cluster, or the directory (undefined). */
function originIndex(snapshot: FleetSnapshot): (kind: string, namespace: string, name: string) => string | undefined {
  const index = new Map<string, string>();
  for (const { object, origin } of snapshot.fleetObjects) {
    const cluster = apiServerCluster(origin.file);
    if (cluster !== undefined) index.set(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, cluster);
  }
  return (kind, namespace, name) => index.get(`${kind}/${namespace}/${name}`);
}

/** The routes of every cluster as last read, with the status they hold (to remove Lintas's stale parents entries). */
function liveRoutes(snapshot: FleetSnapshot): LiveRoute[] {
  return [...snapshot.clusters.values()].flatMap((c) => c.objects.filter((s) => s.object.kind === 'HTTPRoute' || s.object.kind === 'GRPCRoute').map((s) => ({ cluster: c.cluster as string, route: s.object as unknown as LiveRoute['route'] })));
}

/** Creates the component (it reads the kubeconfig when it starts). */
export function kubeStatusComponent(options: KubeStatusOptions): KubeStatusComponent {
  const { bus, log } = options;
  const stopping = new AbortController();
  const writers = new Map<string, StatusWriter>();
  let kubeconfig: KubeConfig | undefined;
  let loop: Promise<void> | undefined;
  let syncs = 0;
  let looks = 0;
  let lastError: string | undefined;
  let wake: (() => void) | undefined;
  let metrics: { writes: Counter; events: Counter } | undefined;
  // What the last successful sync wrote (JSON), and when: the same plan is written again only at the resync.
  let synced: { plan: string; at: number } | undefined;
  // Audit records after this seq are new; undefined until this replica leads (then: from when it did).
  let cursor: { seq: number } | { since: string } | undefined;

  const writerFor = (cluster: string, context: string): StatusWriter => {
    let writer = writers.get(cluster);
    if (writer === undefined && kubeconfig !== undefined) {
      const owner = options.owner ?? 'lintas';
      const requests = new ClusterWriter({ cluster, client: kubeconfigClient(kubeconfig, context), owner, log, ratePerSecond: options.ratePerSecond ?? 10 });
      writer = new StatusWriter({ cluster, writer: requests, owner, log });
      writers.set(cluster, writer);
    }
    if (writer === undefined) throw new Error('kube-status is not started');
    return writer;
  };

  /** The watched clusters (with a kubeconfig context) of the latest fleet. */
  const watched = (snapshot: FleetSnapshot): Map<string, string> => {
    const contexts = new Set((kubeconfig?.getContexts() ?? []).map((c) => c.name));
    return new Map(clusterContexts(snapshot.fleetObjects, contexts).watched.map((w) => [w.cluster as string, w.context]));
  };

  const syncStatus = async (snapshot: FleetSnapshot, clusters: Map<string, string>): Promise<void> => {
    const result = options.gateway();
    if (result === undefined) return;
    const programmed = withDataPlaneProgrammed(result, bus.dataplanes.snapshot(), bus.gatewayConfigs.snapshot());
    const plan = planGatewayStatus(programmed, { clusters: new Set(clusters.keys()), originOf: originIndex(snapshot), liveRoutes: liveRoutes(snapshot), lintasObjects: options.lintasObjects?.() ?? [] });
    const text = JSON.stringify(plan);
    const now = Date.now();
    if (synced !== undefined && synced.plan === text && now - synced.at < (options.resyncMs ?? 30_000)) return;
    const byCluster = new Map<string, StatusWrite[]>();
    for (const w of plan) byCluster.set(w.cluster, [...(byCluster.get(w.cluster) ?? []), w]);
    const failures: string[] = [];
    // Clusters are independent: one slow or dead API server must not hold the others' status.
    await Promise.all(
      [...byCluster].map(async ([cluster, writes]) => {
        const writer = writerFor(cluster, clusters.get(cluster) ?? cluster);
        try {
          for (const w of writes) {
            const outcome = await writer.write(w, stopping.signal);
            metrics?.writes.inc({ cluster, kind: w.resource.kind, outcome });
            if (outcome !== 'unchanged') log.debug('status written', { cluster, object: `${w.resource.kind}/${w.namespace}/${w.name}`, outcome });
          }
        } catch (error) {
          if (!stopping.signal.aborted) failures.push(`${cluster}: ${(error as Error).message}`);
        }
      }),
    );
    if (failures.length > 0) throw new Error(failures.join('; '));
    synced = { plan: text, at: now };
    syncs++;
  };

  /** Records the Events of new audit records; best effort per cluster (a dead API server loses its Event, never holds the others'). */
  const recordEvents = async (clusters: Map<string, string>): Promise<void> => {
    if (cursor === undefined) return;
    const records = await options.store.list('seq' in cursor ? { sinceSeq: cursor.seq, limit: 500 } : { sinceTime: cursor.since, limit: 500 });
    for (const record of records) {
      const e = failoverEvent(record);
      if (e !== undefined) await Promise.all(e.clusters.map((cluster) => recordEvent(e, cluster, clusters.get(cluster))));
      // Past this record for good: a retry must not count an Event twice.
      cursor = { seq: record.seq };
    }
  };

  const recordEvent = async (e: FailoverKubeEvent, cluster: string, context: string | undefined): Promise<void> => {
    if (context === undefined) return; // a directory cluster: no API server to tell
    let outcome: string;
    try {
      outcome = await writerFor(cluster, context).event(
        { namespace: e.namespace, name: e.name, regarding: { apiVersion: 'lintas.dev/v1alpha1', kind: 'FailoverPolicy', namespace: e.namespace, name: e.policy }, type: e.type, reason: e.reason, message: e.message, time: e.time, component: 'lintas.dev/failover' },
        stopping.signal,
      );
    } catch (error) {
      if (stopping.signal.aborted) return;
      log.warn('cannot record a failover Event', { cluster, reason: e.reason, event: `${e.namespace}/${e.name}`, error: (error as Error).message });
      outcome = 'failed';
    }
    metrics?.events.inc({ cluster, reason: e.reason, outcome });
  };

  const pause = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (stopping.signal.aborted) wake();
    });

  /** One look: statuses and new audit records, when this replica leads and the source has listed every cluster. */
  const once = async (): Promise<void> => {
    const published = bus.mcs.get('latest');
    if (bus.leader.get(CONTROL_PLANE_LEASE)?.role !== 'leader') {
      // A follower records nothing; when it leads, Events start from then and every status is re-checked.
      cursor = undefined;
      synced = undefined;
      return;
    }
    if (published === undefined || !options.sourceSynced()) return;
    cursor ??= { since: new Date().toISOString() };
    const clusters = watched(published.snapshot);
    // Events first: a status sync held by a dead API server must not delay the others' Events.
    await recordEvents(clusters);
    await syncStatus(published.snapshot, clusters);
  };

  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let wait = options.pollMs ?? 1000;
      try {
        await once();
        looks++;
        failures = 0;
        lastError = undefined;
      } catch (error) {
        if (stopping.signal.aborted) break;
        lastError = (error as Error).message;
        // Back off on failure (0.2 s doubling to 30 s); a wake-up (new result, new leader) still tries at once.
        wait = Math.min(200 * 2 ** failures++, 30_000);
        log.warn('kube status write-back failed; retrying', { error: lastError, inMs: wait });
      }
      await pause(wait);
    }
  };

  return {
    name: 'kube-status',
    async start() {
      kubeconfig = loadKubeconfig(options.kubeconfigPath);
      metrics = {
        writes: new Counter({ name: 'lintas_kube_status_writes_total', help: 'Status writes Lintas considered per cluster and kind, by outcome (applied, unchanged, missing, stale, conflict, forbidden)', labelNames: ['cluster', 'kind', 'outcome'], registers: [options.registry] }),
        events: new Counter({ name: 'lintas_kube_events_total', help: 'Failover Events per cluster and reason, by outcome (created, counted, exists, dropped, failed)', labelNames: ['cluster', 'reason', 'outcome'], registers: [options.registry] }),
      };
      const poke = (): void => wake?.();
      const onError = (error: unknown): void => log.error('kube status write-back cannot follow the bus', { error: (error as Error).message });
      void follow(bus.mcs, stopping.signal, poke, onError);
      void follow(bus.failover, stopping.signal, poke, onError);
      void follow(bus.leader, stopping.signal, poke, onError);
      void follow(bus.dataplanes, stopping.signal, poke, onError);
      loop = run();
    },
    async stop() {
      stopping.abort();
      wake?.();
      await loop;
    },
    // Never holds readiness: a cluster refusing status writes shows in the logs and metrics.
    health: () => (lastError === undefined ? { ready: true } : { ready: true, detail: `last status write-back failed: ${lastError}` }),
    syncs: () => syncs,
    looks: () => looks,
  };
}
