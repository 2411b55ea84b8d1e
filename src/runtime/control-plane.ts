/**
 * The control-plane components of a runtime: the directory source, the MCS controller, the health
 * contract and the governed failover. Each reads what it needs from the bus and writes its own
 * result there (bus.ts); none holds a reference to another's setters.
 * @module
 */
import type { Agent } from 'node:http';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Cluster, FleetSnapshot } from '../api/index.ts';
import { healthTargets, runMcs, startHealthRunner, type HealthRunner, type HealthTarget } from '../controllers/index.ts';
import type { Logger } from '../observability/index.ts';
import { LAST_GOOD_FILE, watchFleet, type FleetWatcher, type WatchStatus } from '../sources/index.ts';
import { FleetStore, type LintasStore } from '../store/index.ts';
import { hasErrors } from '../validation/index.ts';
import { follow, type Bus } from './bus.ts';
import type { Component } from './component.ts';
import type { SnapshotOverlay } from './config.ts';
import { policiesOf, startFailoverRunner, type FailoverService } from './failover-service.ts';
import { createMcsMetrics, type McsMetrics } from './mcs-metrics.ts';
import type { GatewayComponent } from './data-plane.ts';
import { dataPlaneReport } from './dataplane-reports.ts';

/** The directory source: watches the fleet and publishes every error-free load (plus the overlay) to `bus.fleet`. */
export interface SourceComponent extends Component {
  /** The watcher's status (undefined before start). */
  status(): WatchStatus | undefined;
  /** When the latest published load happened (epoch ms). */
  lastLoadAt(): number;
  /** Store version → when the file change behind it was first seen (for the propagation-lag metric). */
  readonly changes: Map<number, number>;
}

/** Creates the source component. */
export function sourceComponent(options: { bus: Bus; fleetDir: string; stateDir: string; debounceMs: number; log: Logger; overlay?: SnapshotOverlay }): SourceComponent {
  const { bus, overlay } = options;
  // With an overlay, the watcher publishes into `base`; the bus gets base + overlay.
  const base = overlay === undefined ? bus.fleet : new FleetStore();
  const republish = (): void => {
    if (overlay !== undefined && base.version > 0) bus.fleet.publish(overlay.apply(base.current()));
  };
  let watcher: FleetWatcher | undefined;
  let unsubscribe: (() => void) | undefined;
  let lastLoadAt = Date.now();
  const changes = new Map<number, number>();
  return {
    name: 'source',
    changes,
    async start() {
      unsubscribe = overlay?.subscribe(republish);
      watcher = await watchFleet(options.fleetDir, {
        store: base,
        log: options.log,
        debounceMs: options.debounceMs,
        // A restart with an invalid tree starts from the last good one (issue 14 item 3).
        lastGoodPath: join(options.stateDir, LAST_GOOD_FILE),
        onLoad: (event) => {
          if (!event.published) return;
          republish();
          lastLoadAt = event.loadedAt;
          if (event.changedAt !== undefined && !changes.has(bus.fleet.version)) changes.set(bus.fleet.version, event.changedAt);
        },
      });
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      watcher?.close();
    },
    health: () => (bus.fleet.version === 0 ? { ready: false, detail: 'fleet config not loaded' } : { ready: true }),
    status: () => watcher?.status(),
    lastLoadAt: () => lastLoadAt,
  };
}

/** The MCS component and its metrics (the DNS server counts its queries there). */
export interface McsComponent extends Component {
  readonly metrics: McsMetrics;
}

/** Creates the MCS component: translates every fleet version into `bus.mcs` and records the MCS metrics. */
export function mcsComponent(options: { bus: Bus; source: SourceComponent; stateDir: string; registry: Registry; log: Logger }): McsComponent {
  const { bus, source } = options;
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  // The directory source is confirmed while its latest load succeeded (the watcher reports any change);
  // once loads fail, the endpoints served are as old as the last good load.
  const confirmedAt = (): number => {
    const status = source.status();
    return status !== undefined && !hasErrors(status.lastIssues) ? Date.now() : source.lastLoadAt();
  };
  const metrics = createMcsMetrics(options.registry, bus.fleet, confirmedAt);
  return {
    name: 'mcs',
    metrics,
    async start() {
      running = runMcs({
        store: bus.fleet,
        log: options.log,
        statePath: join(options.stateDir, 'mcs-state.json'),
        signal: stopping.signal,
        onResult: (result, version, snapshot) => {
          bus.mcs.set('latest', { version, result, snapshot });
          metrics.record(result);
          // Coalesced versions: the earliest change folded into this result is the one that waited longest.
          const waited = [...source.changes].filter(([v]) => v <= version);
          if (waited.length > 0) metrics.observeLag(Math.min(...waited.map(([, at]) => at)), Date.now());
          for (const [v] of waited) source.changes.delete(v);
          options.log.info('MCS translated', { version, imports: result.dns.services.length });
        },
      });
    },
    async stop() {
      stopping.abort();
      await running;
    },
    health: () => (bus.mcs.get('latest') === undefined ? { ready: false, detail: 'MCS not translated yet' } : { ready: true }),
  };
}

/** The health component, with its live report for the admin API. */
export interface HealthComponent extends Component {
  runner(): HealthRunner | undefined;
}

/** Creates the health component: evaluates the health contract every round into `bus.health`, from the latest MCS result and what the gateways see. */
export function healthComponent(options: { bus: Bus; gateway: GatewayComponent; log: Logger; probeAgent?: Agent }): HealthComponent {
  const { bus } = options;
  const stopping = new AbortController();
  let targets: readonly HealthTarget[] = [];
  let capacities = new Map<string, number>();
  let runner: HealthRunner | undefined;
  let following: Promise<void> | undefined;
  const onMcs = (snapshot: FleetSnapshot, result: Parameters<typeof healthTargets>[1]): void => {
    targets = healthTargets(snapshot, result);
    capacities = new Map(
      snapshot.fleetObjects
        .filter((o) => o.object.kind === 'Cluster')
        .flatMap((o) => {
          const c = o.object as Cluster;
          return c.spec.capacity === undefined ? [] : [[c.metadata.name, c.spec.capacity] as const];
        }),
    );
  };
  return {
    name: 'health',
    async start() {
      following = follow(
        bus.mcs,
        stopping.signal,
        (state) => {
          const latest = state.get('latest');
          if (latest !== undefined) onMcs(latest.snapshot, latest.result);
        },
        (error) => options.log.error('health targets failed', { error: String(error) }),
      );
      runner = startHealthRunner({
        log: options.log,
        targets: () => targets,
        ...(options.probeAgent !== undefined ? { agent: options.probeAgent } : {}),
        context: (cluster) => {
          const capacity = capacities.get(cluster);
          return capacity === undefined ? undefined : { capacity };
        },
        // The gateways' own view: Ready-but-dead endpoints and the load each cluster carries.
        gateway: () => dataPlaneReport(bus, options.gateway.report()).observation,
        onReport: (report) => {
          bus.health.set('latest', report);
        },
      });
    },
    async stop() {
      stopping.abort();
      runner?.stop();
      await following;
    },
    // Readiness waits for the first round: until then no region's health is known (issue 15).
    health: () => (bus.health.get('latest') === undefined ? { ready: false, detail: 'first health round not done yet' } : { ready: true }),
    runner: () => runner,
  };
}

/** The failover component, with the admin routes it serves. */
export interface FailoverComponent extends Component {
  service(): FailoverService | undefined;
}

/** Creates the failover component: one governed machine per owner, fed by `bus.health`, deciding `bus.failover`. */
export function failoverComponent(options: { bus: Bus; store: LintasStore; registry: Registry; log: Logger }): FailoverComponent {
  const { bus } = options;
  const stopping = new AbortController();
  let service: FailoverService | undefined;
  let following: Promise<void> | undefined;
  return {
    name: 'failover',
    async start() {
      service = await startFailoverRunner({
        log: options.log,
        store: options.store,
        registry: options.registry,
        acks: bus.dataplanes,
        ...policiesOf(() => (bus.fleet.version === 0 ? undefined : bus.fleet.current())),
        onOwnership: (ownership, drained, weights) => {
          bus.failover.set('latest', { ownership, drained, weights });
        },
      });
      bus.failover.set('latest', { ownership: service.ownership(), drained: service.drained(), weights: service.weights() });
      const running = service;
      following = follow(
        bus.health,
        stopping.signal,
        (state) => {
          const report = state.get('latest');
          if (report !== undefined) running.onHealth(report);
        },
        (error) => options.log.error('failover health event failed', { error: String(error) }),
      );
    },
    async stop() {
      stopping.abort();
      await following;
      await service?.close();
    },
    health: () => ({ ready: service !== undefined }),
    service: () => service,
  };
}
