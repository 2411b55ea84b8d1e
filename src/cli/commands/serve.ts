/**
 * `lintas serve`: the control plane on a live fleet directory. Wires the
 * runners in order, each subscribing to the one before it:
 *   directory source (watchFleet)  → FleetStore
 *   MCS runner (subscribes FleetStore) → latest McsResult + DNS zone index
 *   DNS server (reads the index on every query)
 *   admin server (/readyz, /metrics, /api/v1/mcs)
 * @module
 */
import { join } from 'node:path';
import { Counter, Gauge } from 'prom-client';
import { runMcs, type McsResult } from '../../controllers/index.ts';
import { indexZone, startDnsServer, type DnsIndex } from '../../dataplanes/index.ts';
import { createLogger, createRegistry, startAdminServer, type LogLevel } from '../../observability/index.ts';
import { assertFleetRoot, watchFleet } from '../../sources/index.ts';
import { FleetStore } from '../../store/index.ts';
import { CliError, EXIT, abortOnSignals, type CliIO } from '../io.ts';

/** Options of `serve`. */
export interface ServeOptions {
  readonly dns: string;
  readonly admin: string;
  readonly stateDir: string;
  /** Quiet period after a file change before reloading (ms). */
  readonly debounce?: string;
  readonly logFormat: string;
  readonly logLevel: string;
  readonly signal?: AbortSignal;
}

/** Splits `host:port` / `[v6]:port`; usage error when malformed. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new CliError(`error: ${flag} must be HOST:PORT (e.g. 127.0.0.1:5353), got "${value}"`);
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Runs `serve` until the signal aborts (Ctrl-C); returns the exit code. */
export async function serveCommand(dir: string, options: ServeOptions, io: CliIO): Promise<number> {
  const dnsAddr = parseHostPort(options.dns, '--dns');
  const adminAddr = parseHostPort(options.admin, '--admin');
  await assertFleetRoot(dir).catch((error: unknown) => {
    throw new CliError(`error: ${(error as Error).message}`, EXIT.usage);
  });
  const log = createLogger({ format: options.logFormat === 'json' ? 'json' : 'text', level: options.logLevel as LogLevel, write: io.err });
  const stop = options.signal ?? abortOnSignals();
  const registry = createRegistry();
  const metrics = {
    exportReady: new Gauge({ name: 'lintas_mcs_serviceexport_ready', help: 'ServiceExports with Ready=True, by cluster', labelNames: ['cluster'], registers: [registry] }),
    exportConflict: new Gauge({ name: 'lintas_mcs_serviceexport_conflict', help: 'ServiceExports with Conflict=True, by cluster', labelNames: ['cluster'], registers: [registry] }),
    importReady: new Gauge({ name: 'lintas_mcs_serviceimport_ready', help: 'ServiceImports with Ready=True, by cluster', labelNames: ['cluster'], registers: [registry] }),
    importedEndpoints: new Gauge({ name: 'lintas_mcs_imported_endpoints', help: 'Imported endpoints by source cluster', labelNames: ['source_cluster'], registers: [registry] }),
    dnsQueries: new Counter({ name: 'lintas_dns_queries_total', help: 'DNS queries by type, rcode and transport', labelNames: ['type', 'rcode', 'transport'], registers: [registry] }),
  };

  const store = new FleetStore();
  let latest: McsResult | undefined;
  let index: DnsIndex = indexZone({ zone: 'clusterset.local', ttlSeconds: 5, services: [] });
  let dnsBound = false;

  const debounceMs = Number(options.debounce ?? 200);
  if (!Number.isInteger(debounceMs) || debounceMs < 0) throw new CliError(`error: --debounce must be a whole number of milliseconds, got "${options.debounce}"`);
  const watcher = await watchFleet(dir, { store, log: log.child({ component: 'source' }), debounceMs });
  void runMcs({
    store,
    log: log.child({ component: 'mcs' }),
    statePath: join(options.stateDir, 'mcs-state.json'),
    signal: stop,
    onResult: (result, version) => {
      latest = result;
      index = indexZone(result.dns);
      recordMcsMetrics(result, metrics);
      log.info('MCS translated', { version, imports: result.dns.services.length });
    },
  });

  const dns = await startDnsServer({
    address: dnsAddr.host,
    port: dnsAddr.port,
    getIndex: () => index,
    log: log.child({ component: 'dns' }),
    onQuery: (e) => metrics.dnsQueries.inc({ type: e.type, rcode: e.rcode, transport: e.transport }),
  }).catch((error: unknown) => {
    watcher.close();
    throw new CliError(`error: cannot serve DNS on ${options.dns}: ${(error as Error).message}`, EXIT.invalid);
  });
  dnsBound = true;
  const admin = await startAdminServer({
    host: adminAddr.host,
    port: adminAddr.port,
    log: log.child({ component: 'admin' }),
    registry,
    notReady: () => (store.version === 0 ? 'fleet config not loaded (see the logs for its errors)' : !latest ? 'MCS not translated yet' : !dnsBound ? 'DNS not bound' : undefined),
    routes: { '/api/v1/mcs': () => latest ?? { clusters: [] } },
  }).catch(async (error: unknown) => {
    watcher.close();
    await dns.close();
    throw new CliError(`error: cannot serve admin on ${options.admin}: ${(error as Error).message}`, EXIT.invalid);
  });
  io.err(`lintas serve: DNS udp+tcp ${dnsAddr.host}:${dns.udpPort}, admin ${admin.url} (/readyz, /metrics); Ctrl-C to stop`);
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  watcher.close();
  await Promise.all([dns.close(), admin.close()]);
  return EXIT.ok;
}

function recordMcsMetrics(result: McsResult, m: { exportReady: Gauge; exportConflict: Gauge; importReady: Gauge; importedEndpoints: Gauge }): void {
  m.exportReady.reset();
  m.exportConflict.reset();
  m.importReady.reset();
  m.importedEndpoints.reset();
  const isTrue = (conditions: readonly { type: string; status: string }[] | undefined, type: string): boolean => conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
  // Imported slices are shared objects (one per source, imported into every cluster): count each once.
  const seen = new Set<object>();
  const bySource = new Map<string, number>();
  for (const c of result.clusters) {
    m.exportReady.set({ cluster: c.cluster }, c.serviceExports.filter((e) => isTrue(e.status.conditions, 'Ready')).length);
    m.exportConflict.set({ cluster: c.cluster }, c.serviceExports.filter((e) => isTrue(e.status.conditions, 'Conflict')).length);
    m.importReady.set({ cluster: c.cluster }, c.serviceImports.filter((i) => isTrue(i.status?.conditions, 'Ready')).length);
    for (const slice of c.endpointSlices) {
      if (seen.has(slice)) continue;
      seen.add(slice);
      const source = slice.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] ?? 'unknown';
      bySource.set(source, (bySource.get(source) ?? 0) + slice.endpoints.length);
    }
  }
  for (const [source, count] of bySource) m.importedEndpoints.set({ source_cluster: source }, count);
}
