/**
 * The composition root of `lintas serve` (and of `lintas up`, which adds its sandbox): one list of
 * components, started in dependency order and stopped in reverse, talking through one bus.
 *
 *   source (+ kube-source overlay) ─► bus.fleet ─► mcs ─► bus.mcs ─┬─► gateway (embedded data plane) ◄─ bus.failover, bus.health
 *                                          ├─► health ─► bus.health ─► failover ─► bus.failover
 *                                          └─► dns
 *   alerts, admin (readiness of every component, status routes, admin actions)
 *   with --kubeconfig: kube-source (overlay), kube-writeback (MCS objects) and kube-status (Gateway API and lintas.dev status, failover Events)
 * @module
 */
import { LOWEST_NICE, setNamedThreadsNice, V8_PLATFORM_THREADS } from '../lib/index.ts';
import { createRegistry } from '../observability/index.ts';
import { startAlertService, type AlertService } from './alert-service.ts';
import { adminComponent, type AdminComponent } from './admin.ts';
import { createBus, type Bus } from './bus.ts';
import { ComponentStartError, startComponents, type Component, type StartedComponents } from './component.ts';
import { composeOverlays, type RuntimeConfig } from './config.ts';
import { managementClient, managementComponent, prepareKubeAccess, remoteClustersComponent } from './kube-management.ts';
import { kubeSourceComponent } from './kube-source.ts';
import { kubeWritebackComponent } from './kube-writeback.ts';
import { kubeStatusComponent } from './kube-status.ts';
import { createConfigStatus } from './config-status.ts';
import { failoverComponent, healthComponent, mcsComponent, sourceComponent, type FailoverComponent, type HealthComponent } from './control-plane.ts';
import { dnsComponent, gatewayComponent, type DnsComponent, type GatewayComponent } from './data-plane.ts';
import { remoteDataPlanesComponent } from './remote-dataplanes.ts';
import { CONSOLE_ROUTES, consoleComponent, type ConsoleComponent } from './console-service.ts';
import { consoleFiles } from './console-files.ts';
import { gslbComponent, type GslbComponent } from './gslb.ts';
import type { JsonRoute } from '../observability/index.ts';
import { CONTROL_PLANE_LEASE, currentFence, DEFAULT_LEASE, fencedStore, leaderComponent, uniqueHolder } from './leadership.ts';
import { dataPlaneReport } from './dataplane-reports.ts';

/** A running control plane with its embedded data planes. */
export interface ServeRuntime {
  readonly bus: Bus;
  readonly adminUrl: string;
  readonly dnsPort: number;
  readonly gateway: GatewayComponent;
  readonly health: HealthComponent;
  readonly failover: FailoverComponent;
  readonly gslb: GslbComponent;
  /** The web console's server side (snapshot, stream, services). */
  readonly console: ConsoleComponent;
  /** Stops every component in reverse start order (idempotent). */
  stop(): Promise<void>;
}

/** The alerts component: evaluates the metric alerts and the failover alerts on the shared registry. */
function alertsComponent(options: { bus: Bus; gateway: GatewayComponent; registry: ReturnType<typeof createRegistry>; log: RuntimeConfig['log']; failover: FailoverComponent; gslb: GslbComponent }): Component & { service(): AlertService | undefined } {
  let service: AlertService | undefined;
  return {
    name: 'alerts',
    async start() {
      service = startAlertService({
        registry: options.registry,
        log: options.log,
        // Embedded gateways and `lintas gateway` processes alike: their typed reports.
        dataPlane: () => dataPlaneReport(options.bus, options.gateway.report()),
        failover: () => options.failover.service()?.runner.alerts() ?? { active: [], recent: [] },
        extra: () => options.gslb.service()?.alerts() ?? { active: [], recent: [] },
      });
    },
    async stop() {
      service?.close();
    },
    health: () => ({ ready: true }),
    service: () => service,
  };
}

/** The GSLB admin routes (`/api/v1/dns`, `/api/v1/dns/explain`), answering once the component runs. */
function gslbRoutes(gslb: GslbComponent): Record<string, JsonRoute> {
  const route = (path: string): JsonRoute => (url, params) => {
    const handler = gslb.service()?.routes[path];
    return handler === undefined ? {} : handler(url, params);
  };
  return { '/api/v1/dns': route('/api/v1/dns'), '/api/v1/dns/explain': route('/api/v1/dns/explain') };
}

/** The kubeconfig of `--in-cluster` / `--management-context`, read before any component exists: a failure is the start failure of `kube-config`. */
function kubeAccessOrFail(config: RuntimeConfig): ReturnType<typeof prepareKubeAccess> {
  try {
    return prepareKubeAccess({ ...config, ...(config.lintasNamespace !== undefined ? { namespace: config.lintasNamespace } : {}) });
  } catch (error) {
    throw new ComponentStartError('kube-config', error);
  }
}

/** Builds and starts the runtime of `config`; a failed start stops what started and throws a ComponentStartError. */
export async function startServeRuntime(config: RuntimeConfig, bus: Bus = createBus()): Promise<ServeRuntime> {
  const { log } = config;
  // V8's background GC threads, shared by every isolate here, yield to the threads that serve traffic (lib/thread-priority.ts).
  const niced = setNamedThreadsNice(V8_PLATFORM_THREADS, LOWEST_NICE);
  if (niced > 0) log.debug(`V8's ${String(niced)} background GC threads run at nice ${String(LOWEST_NICE)}`);
  const registry = createRegistry();
  // The management cluster and in-cluster credentials (kube-management.ts); without them, --kubeconfig as given.
  const access = config.inCluster !== undefined || config.managementContext !== undefined ? kubeAccessOrFail(config) : undefined;
  const kubeconfigPath = access?.kubeconfigPath ?? config.kubeconfigPath;
  const kube = kubeconfigPath === undefined ? undefined : kubeSourceComponent({ bus, kubeconfigPath, registry, log: log.child({ component: 'kube-source' }) });
  const management = access?.managementContext === undefined ? undefined : managementComponent({ kubeconfig: access.kubeconfig, context: access.managementContext, log: log.child({ component: 'management-source' }) });
  const remoteClusters =
    access?.managementContext === undefined
      ? undefined
      : remoteClustersComponent({ bus, kubeconfig: access.kubeconfig, context: access.managementContext, namespace: access.namespace, fileClusters: () => new Set(kube?.status().map((s) => s.cluster)), registry, log: log.child({ component: 'remote-clusters' }) });
  // Management CRs first: their Clusters are what the Kubernetes sources watch.
  const overlay = composeOverlays([...(management !== undefined ? [management.overlay] : []), ...(kube !== undefined ? [kube.overlay] : []), ...(remoteClusters !== undefined ? [remoteClusters.overlay] : []), ...(config.sandbox !== undefined ? [config.sandbox.overlay] : [])]);
  const source = sourceComponent({
    bus,
    fleetDir: config.fleetDir,
    stateDir: config.stateDir,
    debounceMs: config.debounceMs,
    log: log.child({ component: 'source' }),
    ...(overlay !== undefined ? { overlay } : {}),
  });
  const configStatus = createConfigStatus(registry, () => source.status());
  const mcs = mcsComponent({ bus, source, stateDir: config.stateDir, registry, log: log.child({ component: 'mcs' }) });
  // Every replica runs the same components; only the lease holder's writes land (leadership.ts).
  const kubeLease = access?.managementContext === undefined ? undefined : { client: managementClient({ ...access, managementContext: access.managementContext }), namespace: access.namespace };
  const leader = leaderComponent({ bus, store: config.store, holder: config.holder ?? uniqueHolder(), ...DEFAULT_LEASE, ...config.lease, registry, log: log.child({ component: 'leader' }), ...(kubeLease !== undefined ? { kubeLease } : {}) });
  const writes = fencedStore(config.store, () => currentFence(bus.leader.get(CONTROL_PLANE_LEASE)));
  const failover = failoverComponent({ bus, store: writes, registry, log: log.child({ component: 'failover' }) });
  const gateway = gatewayComponent({
    bus,
    registry,
    log,
    writeAccessLog: config.writeAccessLog,
    embedded: config.embeddedGateways ?? 'all',
    ...(config.gatewayWorkers !== undefined ? { workers: config.gatewayWorkers } : {}),
    ...(config.accessLogPath !== undefined ? { accessLogPath: config.accessLogPath } : {}),
  });
  const probeAgent = config.sandbox?.probeAgent;
  const health = healthComponent({ bus, gateway, log, ...(probeAgent !== undefined ? { probeAgent } : {}) });
  const gslb = gslbComponent({ bus, gateway, store: writes, registry, log: log.child({ component: 'gslb' }), ...(config.dnsInstance !== undefined ? { instance: config.dnsInstance } : {}), ...(probeAgent !== undefined ? { probeAgent } : {}) });
  const dns: DnsComponent = dnsComponent({
    bus,
    address: config.dns,
    registry,
    log: log.child({ component: 'dns' }),
    onQuery: (e, count) => {
      mcs.metrics.dnsQueries.inc({ type: e.type, rcode: e.rcode, transport: e.transport }, count);
      gslb.service()?.onQuery(e, count);
    },
  });
  const alerts = alertsComponent({ bus, gateway, registry, log: log.child({ component: 'alerts' }), failover, gslb });
  const webConsole = consoleComponent({ bus, gateway, failover, alerts, log: log.child({ component: 'console' }) });
  // A source that has never loaded says why (the config errors) rather than a generic "not loaded".
  const readableSource: Component = { ...source, health: () => (bus.fleet.version === 0 ? { ready: false, detail: configStatus.notLoaded() } : { ready: true }) };
  const admin: AdminComponent = adminComponent({
    bus,
    address: config.admin,
    allowedHosts: config.adminAllowedHosts,
    registry,
    log: log.child({ component: 'admin' }),
    ...(config.auth !== undefined ? { auth: config.auth } : {}),
    readiness: [readableSource, ...(management !== undefined ? [management] : []), ...(kube !== undefined ? [kube] : []), ...(remoteClusters !== undefined ? [remoteClusters] : []), mcs, gateway, health, gslb, dns],
    readyDetail: () => configStatus.readyDetail(),
    gateway,
    health,
    beforeMetrics: () => dns.flush(),
    actions: () => ({ ...config.sandbox?.actions, ...failover.service()?.actions }),
    protectedRoutes: () => ({ ...failover.service()?.protectedRoutes, ...alerts.service()?.protectedRoutes, ...webConsole.protectedRoutes }),
    rawRoutes: () => webConsole.rawRoutes,
    whoamiPath: CONSOLE_ROUTES.whoami,
    prefixes: consoleFiles(config.consoleDir),
    routes: { ...config.sandbox?.routes, ...gslbRoutes(gslb), ...(management !== undefined ? { '/api/v1/management': () => ({ ...management.status(), remoteClusters: remoteClusters?.status() }) } : {}) },
  });
  const writeback =
    kube === undefined || kubeconfigPath === undefined || config.kubeWrite === false
      ? undefined
      : kubeWritebackComponent({
          bus,
          kubeconfigPath,
          registry,
          log: log.child({ component: 'kube-writeback' }),
          sourceSynced: () => kube.health().ready,
          // Clusters that remote-cluster Secrets add are written into as well.
          ...(remoteClusters !== undefined ? { remoteClusters: { credentials: () => remoteClusters.credentials(), subscribe: (listener: () => void) => remoteClusters.overlay.subscribe(listener) } } : {}),
        });
  // Gateway API and lintas.dev status, and failover Events, into the clusters' API servers (kube-status.ts).
  const kubeStatus =
    writeback === undefined || kubeconfigPath === undefined
      ? undefined
      : kubeStatusComponent({ bus, kubeconfigPath, registry, log: log.child({ component: 'kube-status' }), gateway: () => gateway.latest(), lintasObjects: () => gslb.service()?.runner.current().dnsPolicies ?? [], store: config.store, sourceSynced: () => kube?.health().ready === true });
  const remote = remoteDataPlanesComponent({ bus, log: log.child({ component: 'dataplanes' }) });
  const list: Component[] = [leader, ...(management !== undefined ? [management] : []), readableSource, ...(kube !== undefined ? [kube] : []), ...(remoteClusters !== undefined ? [remoteClusters] : []), mcs, ...(writeback !== undefined ? [writeback] : []), ...(kubeStatus !== undefined ? [kubeStatus] : []), failover, gateway, remote, health, gslb, dns, alerts, webConsole, admin];
  const started: StartedComponents = await startComponents(list, log);
  return {
    bus,
    adminUrl: admin.url(),
    dnsPort: dns.port(),
    gateway,
    health,
    failover,
    gslb,
    console: webConsole,
    stop: () => started.stop(),
  };
}
