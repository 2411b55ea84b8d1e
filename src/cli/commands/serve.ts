/**
 * `lintas serve`: the control plane on a live fleet directory. Wires the
 * runners in order, each subscribing to the one before it:
 *   directory source (watchFleet)  → FleetStore
 *   MCS runner (subscribes FleetStore) → latest McsResult + DNS zone index
 *   gateway runner (each MCS result + its snapshot) → gateway translator → HTTP data plane
 *   GSLB runner (snapshot + gateway IR + health + failover inputs) → public zones (serve-gslb.ts)
 *   DNS server (reads both indexes on every query)
 *   admin server (/readyz, /metrics, /api/v1/mcs)
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Cluster, FleetSnapshot, Issue } from '../../api/index.ts';
import { excludedByHealth, healthTargets, runMcs, startHealthRunner, type AlertsView, type HealthReport, type HealthTarget, type McsResult, type PolicyInputs } from '../../controllers/index.ts';
import { indexZone, registerDnsServerMetrics, startDnsServer, type DnsIndex } from '../../dataplanes/index.ts';
import { createAuthenticator, createLogger, createRegistry, isLoopbackHost, loadAuthFile, startAdminServer, type AdminAction, type Authenticator, type JsonRoute, type Logger, type LogLevel, type ProtectedRoute } from '../../observability/index.ts';
import { assertFleetRoot, watchFleet, type FleetWatcher } from '../../sources/index.ts';
import { FleetStore, openStore, type LintasStore } from '../../store/index.ts';
import { formatIssue, hasErrors } from '../../validation/index.ts';
import { policiesOf, startFailoverRunner } from './serve-failover.ts';
import { CliError, EXIT, abortOnSignals, type CliIO } from '../io.ts';
import { createMcsMetrics } from './mcs-metrics.ts';
import { startAlertService } from './serve-alerts.ts';
import { parseHeaderFlags } from './route-explain.ts';
import { startGatewayRunner, type GatewayRunner } from './serve-gateway.ts';
import { startGslbService, type GslbServiceOptions } from './serve-gslb.ts';

// Stable empties: the GSLB runner re-translates only when a source changes identity.
const NONE_DRAINED: readonly string[] = [];
const NO_OWNERSHIP: NonNullable<PolicyInputs['ownership']> = {};

/** Options of `serve`. */
export interface ServeOptions {
  readonly dns: string;
  readonly admin: string;
  readonly stateDir: string;
  /** Quiet period after a file change before reloading (ms). */
  readonly debounce?: string;
  readonly logFormat: string;
  readonly logLevel: string;
  /** Access log file (JSON lines); stdout when absent. */
  readonly accessLog?: string;
  /** Token file for the mutating admin API (absent: read-only). */
  readonly authFile?: string;
  /** Where the embedded audit store lives (default: the state dir). */
  readonly dataDir?: string;
  /** `postgres://…`: the audit store on PostgreSQL, shared by several replicas. */
  readonly store?: string;
  /** Accept a non-loopback `--admin` address without TLS (tokens travel in clear text). */
  readonly insecureAdmin?: boolean;
  /** `Host` names the admin server accepts besides loopback and its bound address (comma-separated). */
  readonly adminAllowedHosts?: string;
  /** Names this DNS instance in the audit records of its answer moves (one instance per region). */
  readonly dnsInstance?: string;
  readonly signal?: AbortSignal;
}

/**
 * Objects a runtime adds to the fleet read from disk (e.g. the EndpointSlices `lintas up`
 * generates from running processes): applied to every published snapshot, and re-applied
 * whenever the overlay itself changes.
 */
export interface SnapshotOverlay {
  apply(snapshot: FleetSnapshot): FleetSnapshot;
  /** Calls `listener` when the overlay changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** What callers of {@link startServe} may add to `serve`. */
export interface ServeExtensions {
  readonly overlay?: SnapshotOverlay;
  /** Extra public JSON routes on the admin server. */
  readonly routes?: Readonly<Record<string, JsonRoute>>;
  /** Called with the logger, gateway runner and metrics registry once they exist (before anything is served). */
  readonly onStart?: (ctx: { readonly log: Logger; readonly gateway: GatewayRunner; readonly registry: Registry }) => void;
  /** Called after every health-contract round (the failover runner's health events). */
  readonly onHealth?: (report: HealthReport, changed: boolean) => void;
  /** Who may call the mutating admin API (none: read-only, mutations refused). */
  readonly auth?: Authenticator;
  /** Authenticated admin actions (POST) and reads. */
  readonly actions?: () => Readonly<Record<string, AdminAction>>;
  readonly protectedRoutes?: () => Readonly<Record<string, ProtectedRoute>>;
  /** The failover runner's alerts, served with the metric alerts at `/api/v1/alerts` and as `lintas_alert`. */
  readonly failoverAlerts?: () => AlertsView;
  /** Where the public DNS (GSLB) audits its answer moves, and how it probes. */
  readonly gslb?: Pick<GslbServiceOptions, 'audit' | 'probe'>;
}

/** A running `serve`. */
export interface ServeHandle {
  readonly adminUrl: string;
  readonly dnsPort: number;
  readonly gateway: GatewayRunner;
  readonly log: Logger;
  /** Sets the failover state, drained clusters and weight overrides the gateway routes by (merged with health exclusions). */
  setFailoverInputs(inputs: Pick<PolicyInputs, 'ownership' | 'drained' | 'weights'>): void;
  /** The latest health-contract report. */
  health(): HealthReport;
  /** The latest MCS result. */
  mcs(): McsResult | undefined;
  /** The public hostnames the DNS answers now (DNSPolicy), sorted. */
  gslbHostnames(): readonly string[];
  /** The snapshot the latest MCS result was computed from. */
  snapshot(): FleetSnapshot | undefined;
  close(): Promise<void>;
}

/** Splits `host:port` / `[v6]:port`; usage error when malformed. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new CliError(`error: ${flag} must be HOST:PORT (e.g. 127.0.0.1:5353), got "${value}"`);
  return { host: match[1] ?? match[2] ?? '', port };
}

/**
 * Refuses (usage error, exit 2) a non-loopback `--admin` address unless `insecure`: the admin
 * API has no TLS, so its bearer tokens would cross the network in clear text.
 */
export function checkAdminAddress(admin: string, insecure: boolean | undefined): void {
  const { host } = parseHostPort(admin, '--admin');
  if (insecure === true || isLoopbackHost(host)) return;
  throw new CliError(
    `error: --admin ${admin} is not a loopback address: the admin API has no TLS, so bearer tokens would cross the network in clear text; ` +
      'bind it to 127.0.0.1 (and reach it through an SSH tunnel or a TLS-terminating proxy), or pass --insecure-admin to accept the risk',
    EXIT.usage,
  );
}

/** Runs `serve` until the signal aborts (Ctrl-C); returns the exit code. */
export async function serveCommand(dir: string, options: ServeOptions, io: CliIO): Promise<number> {
  checkAdminAddress(options.admin, options.insecureAdmin);
  const stop = options.signal ?? abortOnSignals();
  let auth: Authenticator | undefined;
  if (options.authFile !== undefined) {
    try {
      auth = createAuthenticator(await loadAuthFile(options.authFile));
    } catch (error) {
      const problems = (error as { problems?: readonly Issue[] }).problems ?? [];
      throw new CliError([`error: --auth-file ${options.authFile}: ${(error as Error).message}`, ...problems.map(formatIssue)].join('\n'), EXIT.invalid);
    }
  }
  let store: LintasStore;
  try {
    if (options.store === undefined) mkdirSync(options.dataDir ?? options.stateDir, { recursive: true });
    store = await openStore({ dataDir: options.dataDir ?? options.stateDir, ...(options.store !== undefined ? { url: options.store } : {}) });
  } catch (error) {
    throw new CliError(`error: cannot open the audit store: ${(error as Error).message}`, EXIT.invalid);
  }
  let handle: ServeHandle | undefined;
  const log = createLogger({ format: options.logFormat === 'json' ? 'json' : 'text', level: options.logLevel as LogLevel, write: io.err });
  const failover = await startFailoverRunner({
    log: log.child({ component: 'failover' }),
    store,
    ...policiesOf(() => handle?.snapshot()),
    onOwnership: (ownership, drained, weights) => handle?.setFailoverInputs({ ownership, drained, weights }),
  });
  try {
    handle = await startServe(dir, options, io, {
      ...(auth !== undefined ? { auth } : {}),
      actions: () => failover.actions,
      protectedRoutes: () => failover.protectedRoutes,
      onHealth: (report) => failover.onHealth(report),
      failoverAlerts: () => failover.runner.alerts(),
      onStart: ({ registry }) => failover.registerMetrics(registry),
      gslb: { audit: (drafts) => store.append(drafts) },
    });
  } catch (error) {
    await failover.close();
    await store.close();
    throw error;
  }
  handle.setFailoverInputs({ ownership: failover.ownership(), drained: failover.drained(), weights: failover.weights() });
  io.err(`lintas serve: DNS udp+tcp ${parseHostPort(options.dns, '--dns').host}:${handle.dnsPort}, admin ${handle.adminUrl} (/readyz, /metrics${auth === undefined ? '; read-only: no --auth-file' : ''}); Ctrl-C to stop`);
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  await handle.close();
  await failover.close();
  await store.close();
  return EXIT.ok;
}

/** Starts the control plane and data planes of `serve`; resolves once DNS and admin listen. */
export async function startServe(dir: string, options: ServeOptions, io: CliIO, ext: ServeExtensions = {}): Promise<ServeHandle> {
  const dnsAddr = parseHostPort(options.dns, '--dns');
  const adminAddr = parseHostPort(options.admin, '--admin');
  await assertFleetRoot(dir).catch((error: unknown) => {
    throw new CliError(`error: ${(error as Error).message}`, EXIT.usage);
  });
  const log = createLogger({ format: options.logFormat === 'json' ? 'json' : 'text', level: options.logLevel as LogLevel, write: io.err });
  const stopping = new AbortController();
  const stop = stopping.signal;
  const registry = createRegistry();

  const store = new FleetStore();
  // With an overlay, the directory source publishes into `base`; `store` gets base + overlay.
  const overlay = ext.overlay;
  const base = overlay === undefined ? store : new FleetStore();
  const republish = (): void => {
    if (overlay !== undefined && base.version > 0) store.publish(overlay.apply(base.current()));
  };
  const unsubscribe = overlay?.subscribe(republish);
  let latestSnapshot: FleetSnapshot | undefined;
  let lastLoadAt = Date.now();
  // Store version → when the file change behind it was first seen (propagation lag).
  const changes = new Map<number, number>();
  // The directory source is confirmed while its latest load succeeded (the watcher reports any change);
  // once loads fail, the endpoints served are as old as the last good load.
  const source: { watcher?: FleetWatcher } = {};
  const confirmedAt = (): number => (source.watcher !== undefined && !hasErrors(source.watcher.status().lastIssues) ? Date.now() : lastLoadAt);
  const metrics = createMcsMetrics(registry, store, confirmedAt);
  let latest: McsResult | undefined;
  let index: DnsIndex = indexZone({ zone: 'clusterset.local', ttlSeconds: 5, services: [] });
  let dnsBound = false;

  const debounceMs = Number(options.debounce ?? 200);
  if (!Number.isInteger(debounceMs) || debounceMs < 0) throw new CliError(`error: --debounce must be a whole number of milliseconds, got "${options.debounce}"`);
  let gateway: GatewayRunner;
  try {
    gateway = startGatewayRunner({ log, registry, write: io.out, ...(options.accessLog !== undefined ? { accessLogPath: options.accessLog } : {}) });
  } catch (error) {
    throw new CliError(`error: cannot open --access-log ${options.accessLog ?? ''}: ${(error as Error).message}`, EXIT.invalid);
  }
  ext.onStart?.({ log, gateway, registry });
  // Policy inputs come from two runners: failover (ownership, drained, weight overrides) and health (exclusions).
  let failoverInputs: Pick<PolicyInputs, 'ownership' | 'drained' | 'weights'> = {};
  let excluded: PolicyInputs['excluded'] = {};
  const pushPolicyInputs = (): void => gateway.setPolicyInputs({ ...failoverInputs, excluded });
  let healthTargetsNow: readonly HealthTarget[] = [];
  let capacities = new Map<string, number>();
  // Public DNS (GSLB): answers follow the latest fleet, gateway IR, health exclusions, drains and failover moves.
  const gslb = startGslbService({
    log,
    sources: () => (latestSnapshot === undefined ? undefined : { fleetObjects: latestSnapshot.fleetObjects, gateway: gateway.latest()?.ir, excluded, drained: failoverInputs.drained ?? NONE_DRAINED, ownership: failoverInputs.ownership ?? NO_OWNERSHIP }),
    ...ext.gslb,
    ...(options.dnsInstance !== undefined ? { instance: options.dnsInstance } : {}),
  });
  gslb.registerMetrics(registry);
  const health = startHealthRunner({
    log: log.child({ component: 'health' }),
    targets: () => healthTargetsNow,
    context: (cluster) => {
      const capacity = capacities.get(cluster);
      return capacity === undefined ? undefined : { capacity };
    },
    onReport: (report, changed) => {
      if (changed) {
        excluded = excludedByHealth(report);
        pushPolicyInputs();
        log.info('health contract changed', { excluded: Object.values(excluded).flat().map((x) => x.cluster) });
      }
      ext.onHealth?.(report, changed);
    },
  });
  const watcher = await watchFleet(dir, {
    store: base,
    log: log.child({ component: 'source' }),
    debounceMs,
    onLoad: (event) => {
      if (!event.published) return;
      republish();
      lastLoadAt = event.loadedAt;
      if (event.changedAt !== undefined && !changes.has(store.version)) changes.set(store.version, event.changedAt);
    },
  });
  void runMcs({
    store,
    log: log.child({ component: 'mcs' }),
    statePath: join(options.stateDir, 'mcs-state.json'),
    signal: stop,
    onResult: (result, version, snapshot) => {
      latest = result;
      latestSnapshot = snapshot;
      healthTargetsNow = healthTargets(snapshot, result);
      capacities = new Map(snapshot.fleetObjects.filter((o) => o.object.kind === 'Cluster').flatMap((o) => {
        const c = o.object as Cluster;
        return c.spec.capacity === undefined ? [] : [[c.metadata.name, c.spec.capacity] as const];
      }));
      gateway.onMcs(result, snapshot);
      index = indexZone(result.dns);
      metrics.record(result);
      // Coalesced versions: the earliest change folded into this result is the one that waited longest.
      const waited = [...changes].filter(([v]) => v <= version);
      if (waited.length > 0) metrics.observeLag(Math.min(...waited.map(([, at]) => at)), Date.now());
      for (const [v] of waited) changes.delete(v);
      log.info('MCS translated', { version, imports: result.dns.services.length });
    },
  });
  source.watcher = watcher;

  const dns = await startDnsServer({
    address: dnsAddr.host,
    port: dnsAddr.port,
    getIndex: () => index,
    getPublic: () => gslb.index(),
    log: log.child({ component: 'dns' }),
    onQuery: (e) => {
      metrics.dnsQueries.inc({ type: e.type, rcode: e.rcode, transport: e.transport });
      gslb.onQuery(e);
    },
  }).catch(async (error: unknown) => {
    watcher.close();
    health.stop();
    gslb.close();
    await gateway.close();
    throw new CliError(`error: cannot serve DNS on ${options.dns}: ${(error as Error).message}`, EXIT.invalid);
  });
  dnsBound = true;
  registerDnsServerMetrics(registry, () => dns.stats());
  const alerts = startAlertService({ registry, log: log.child({ component: 'alerts' }), ...(ext.failoverAlerts !== undefined ? { failover: ext.failoverAlerts } : {}), extra: () => gslb.alerts() });
  const admin = await startAdminServer({
    host: adminAddr.host,
    port: adminAddr.port,
    allowedHosts: (options.adminAllowedHosts ?? '').split(',').map((h) => h.trim()).filter((h) => h !== ''),
    log: log.child({ component: 'admin' }),
    registry,
    ...(ext.auth !== undefined ? { auth: ext.auth } : {}),
    ...(ext.actions !== undefined ? { actions: ext.actions() } : {}),
    protectedRoutes: { ...ext.protectedRoutes?.(), ...alerts.protectedRoutes },
    notReady: () => (store.version === 0 ? 'fleet config not loaded (see the logs for its errors)' : !latest ? 'MCS not translated yet' : !dnsBound ? 'DNS not bound' : (gateway.notReady() ?? gslb.notReady())),
    routes: {
      ...ext.routes,
      ...gslb.routes,
      '/api/v1/mcs': () => latest ?? { clusters: [] },
      '/api/v1/health': () => health.current(),
      '/api/v1/gateway': () => gateway.latest() ?? { gateways: [], httpRoutes: [], gatewayClasses: [] },
      '/api/v1/explain': (url) => {
        const q = url.searchParams;
        const method = q.get('method');
        const listener = q.get('listener');
        return gateway.explain({
          cluster: q.get('cluster') ?? '',
          host: q.get('host') ?? '',
          path: q.get('path') ?? '/',
          ...(method !== null ? { method } : {}),
          ...(listener !== null ? { listener } : {}),
          headers: parseHeaderFlags(q.getAll('header')),
        });
      },
    },
  }).catch(async (error: unknown) => {
    watcher.close();
    health.stop();
    gslb.close();
    alerts.close();
    await Promise.all([dns.close(), gateway.close()]);
    throw new CliError(`error: cannot serve admin on ${options.admin}: ${(error as Error).message}`, EXIT.invalid);
  });
  return {
    adminUrl: admin.url,
    dnsPort: dns.udpPort,
    gateway,
    log,
    setFailoverInputs(inputs) {
      failoverInputs = inputs;
      pushPolicyInputs();
    },
    health: () => health.current(),
    mcs: () => latest,
    gslbHostnames: () => gslb.runner.current().ir.zones.flatMap((z) => z.hosts.map((h) => h.hostname)).sort(),
    snapshot: () => latestSnapshot,
    async close() {
      stopping.abort();
      health.stop();
      gslb.close();
      alerts.close();
      unsubscribe?.();
      watcher.close();
      await Promise.all([dns.close(), admin.close(), gateway.close()]);
    },
  };
}
