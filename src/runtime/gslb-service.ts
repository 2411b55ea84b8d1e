/**
 * Global entry (GSLB, issue 18) as `lintas serve` runs it: the GSLB runner over the latest
 * fleet, Gateway IR, health-contract exclusions, drains and failover moves; the public zones'
 * lookup index the DNS server answers from; the metrics (queries and answers by hostname,
 * strategy and answered region, health per cluster, hostnames with no healthy cluster); the
 * `GslbNoHealthyRegion` alert; and the admin routes `/api/v1/dns` (policies' status, zones,
 * probes, recent moves) and `/api/v1/dns/explain`.
 * @module
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Cluster } from '../api/index.ts';
import { startGslbRunner, type GslbRunner, type GslbRunnerOptions, type GslbSources } from '../controllers/index.ts';
import { EMPTY_PUBLIC_INDEX, indexPublicZones, type DnsQueryEvent, type PublicDnsIndex } from '../dataplanes/index.ts';
import { AdminApiError, type JsonRoute, type Logger } from '../observability/index.ts';
import type { PublicDnsIR } from '../ir/index.ts';
import type { AuditDraft, WatchableMap } from '../store/index.ts';
import { explainPublicHost } from './gslb-explain.ts';
import type { AlertEntry } from './alert-service.ts';

/** Options of {@link startGslbService}. */
export interface GslbServiceOptions {
  readonly log: Logger;
  readonly sources: () => GslbSources | undefined;
  /** Where answer moves are audited (all the moves of one evaluation at once). */
  readonly audit?: (drafts: readonly AuditDraft[]) => Promise<unknown>;
  /** This DNS instance's name in the audit trail. */
  readonly instance?: string;
  readonly probe?: GslbRunnerOptions['probe'];
  readonly tickMs?: number;
  /** Where each evaluation's public zones are published for the DNS server (key `latest`). */
  readonly publicDns?: WatchableMap<'latest', PublicDnsIR>;
}

/** GSLB alerts in the shape of `/api/v1/alerts`. */
export interface GslbAlerts {
  readonly active: readonly (AlertEntry & { readonly since: string })[];
  readonly recent: readonly (AlertEntry & { readonly at: string })[];
}

/** The running GSLB side of `serve`. */
export interface GslbService {
  readonly runner: GslbRunner;
  /** The public zones now, indexed (`/api/v1/dns/explain`; the DNS thread indexes its own from `bus.publicDns`). */
  index(): PublicDnsIndex;
  /** Counts `count` answered DNS queries alike (the DNS thread's `onQuery`). */
  onQuery(event: DnsQueryEvent, count: number): void;
  /** Registers the GSLB metrics on `registry` (once per registry). */
  registerMetrics(registry: Registry): void;
  alerts(): GslbAlerts;
  /** Why the public DNS is not ready: the fleet has DNSPolicies but no Gateway IR was translated yet. */
  notReady(): string | undefined;
  readonly routes: Readonly<Record<string, JsonRoute>>;
  close(): void;
}

const RECENT_ALERTS = 50;
/** The public zones of one GSLB evaluation. */
type GslbResultZones = ReturnType<GslbRunner['current']>['ir']['zones'];
/**
 * How long a hostname must have had no healthy cluster before GslbNoHealthyRegion fires (as a
 * Prometheus rule's `for`): the gateways of a fleet that is starting, or one probe round that
 * lost a race with a config push, are not an outage.
 */
export const NO_HEALTHY_FOR_MS = 5_000;

/** Starts the GSLB runner and everything that serves it. */
export function startGslbService(options: GslbServiceOptions): GslbService {
  let index: PublicDnsIndex = EMPTY_PUBLIC_INDEX;
  // Counted by hostname and answered region set on the query path, summed by prom-client at scrape time.
  const counts = new Map<string, Map<string, { readonly hostname: string; readonly strategy: string; readonly regions: readonly string[]; n: number }>>();
  const sum = (labels: (c: { hostname: string; strategy: string; regions: readonly string[] }) => readonly string[]): Map<string, number> => {
    const out = new Map<string, number>();
    for (const byRegions of counts.values()) for (const c of byRegions.values()) for (const k of labels(c)) out.set(k, (out.get(k) ?? 0) + c.n);
    return out;
  };
  // When each hostname was first seen with no healthy cluster, and whether its alert fired (held NO_HEALTHY_FOR_MS).
  const since = new Map<string, string>();
  const fired = new Set<string>();
  // The public zones of the latest evaluation (set by onChange, which may run before `runner` is assigned).
  let zones: GslbResultZones = [];
  const recent: (AlertEntry & { at: string })[] = [];
  const fire = (): void => {
    const now = Date.now();
    for (const [h, at] of since) {
      if (fired.has(h) || now - Date.parse(at) < NO_HEALTHY_FOR_MS) continue;
      fired.add(h);
      const host = zones.flatMap((z) => z.hosts).find((x) => x.hostname === h);
      recent.push({ ...noHealthyAlert(h, host?.onNoHealthyRegion ?? 'FailOpen', host?.policy ?? ''), at: new Date(now).toISOString() });
      options.log.warn('alert', { alert: 'GslbNoHealthyRegion', hostname: h });
    }
    recent.splice(0, Math.max(0, recent.length - RECENT_ALERTS));
  };
  const runner = startGslbRunner({
    log: options.log,
    sources: options.sources,
    onChange: (result) => {
      index = indexPublicZones(result.ir);
      options.publicDns?.set('latest', result.ir);
      zones = result.ir.zones;
      const at = new Date().toISOString();
      const none = new Set(result.ir.zones.flatMap((z) => z.hosts.filter((h) => h.noHealthy).map((h) => h.hostname)));
      for (const h of none) if (!since.has(h)) since.set(h, at);
      for (const h of [...since.keys()]) {
        if (none.has(h)) continue;
        since.delete(h);
        fired.delete(h);
      }
      fire();
    },
    ...(options.audit !== undefined ? { audit: options.audit } : {}),
    ...(options.instance !== undefined ? { instance: options.instance } : {}),
    ...(options.probe !== undefined ? { probe: options.probe } : {}),
    ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
  });
  const hosts = () => runner.current().ir.zones.flatMap((z) => z.hosts);
  const clusters = (): Cluster[] => (options.sources()?.fleetObjects ?? []).filter((s) => s.object.kind === 'Cluster').map((s) => s.object as Cluster);

  // Fires held conditions even when no evaluation changes anything.
  const timer = setInterval(fire, 1_000);
  timer.unref();
  const alerts = (): GslbAlerts => {
    fire();
    return {
      active: hosts()
        .filter((h) => h.noHealthy && fired.has(h.hostname))
        .map((h) => ({ ...noHealthyAlert(h.hostname, h.onNoHealthyRegion, h.policy), since: since.get(h.hostname) ?? new Date().toISOString() })),
      recent: [...recent],
    };
  };

  return {
    runner,
    index: () => index,
    onQuery(e, count) {
      const p = e.public;
      if (p === undefined) return;
      // Bounded by the configured hostnames and the region sets they can answer.
      let byRegions = counts.get(p.hostname);
      if (byRegions === undefined) {
        byRegions = new Map();
        counts.set(p.hostname, byRegions);
      }
      const key = `${p.strategy}|${p.choice.regions.join(',')}`;
      let c = byRegions.get(key);
      if (c === undefined) {
        c = { hostname: p.hostname, strategy: p.strategy, regions: p.choice.regions.length > 0 ? p.choice.regions : ['none'], n: 0 };
        byRegions.set(key, c);
      }
      c.n += count;
    },
    registerMetrics(registry) {
      new Counter({
        name: 'lintas_gslb_queries_total',
        help: 'DNS queries (A, AAAA, ANY) about a public GSLB hostname, by hostname and strategy',
        labelNames: ['hostname', 'strategy'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [k, n] of sum((c) => [`${c.hostname}\0${c.strategy}`])) {
            const [hostname = '', strategy = ''] = k.split('\0');
            this.inc({ hostname, strategy }, n);
          }
        },
      });
      new Counter({
        name: 'lintas_gslb_answers_total',
        help: 'Regions the public GSLB answers named, one per region per query (region "none" for an answer without records), by hostname and strategy',
        labelNames: ['hostname', 'strategy', 'region'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [k, n] of sum((c) => c.regions.map((r) => `${c.hostname}\0${c.strategy}\0${r}`))) {
            const [hostname = '', strategy = '', region = ''] = k.split('\0');
            this.inc({ hostname, strategy, region }, n);
          }
        },
      });
      new Gauge({
        name: 'lintas_gslb_cluster_healthy',
        help: '1 while a cluster may be answered for a public hostname (its Gateway answers the probe, regional readiness holds, not drained, not failed over), else 0',
        labelNames: ['hostname', 'cluster', 'region'],
        registers: [registry],
        collect() {
          this.reset();
          for (const h of hosts()) for (const c of h.candidates) this.set({ hostname: h.hostname, cluster: c.cluster, region: c.region }, c.healthy ? 1 : 0);
        },
      });
      new Gauge({
        name: 'lintas_gslb_no_healthy_region',
        help: '1 while no cluster of a public hostname is healthy (the DNS fails open or answers nothing, per onNoHealthyRegion)',
        labelNames: ['hostname', 'policy', 'mode'],
        registers: [registry],
        collect() {
          this.reset();
          for (const h of hosts()) this.set({ hostname: h.hostname, policy: h.policy, mode: h.onNoHealthyRegion }, h.noHealthy ? 1 : 0);
        },
      });
      new Counter({
        name: 'lintas_gslb_answer_changes_total',
        help: 'Changes of the clusters a public hostname is answered with (each one is an audit record)',
        labelNames: ['hostname'],
        registers: [registry],
        collect() {
          this.reset();
          for (const m of runner.moves()) this.inc({ hostname: m.hostname });
        },
      });
    },
    alerts,
    notReady() {
      const s = options.sources();
      if (s?.gateway === undefined || !s.fleetObjects.some((o) => o.object.kind === 'DNSPolicy')) return undefined;
      // Only until the first translation with a Gateway IR: later ones trail the gateway by a tick, which must not flap readiness.
      return runner.translated()?.gateway !== undefined ? undefined : 'public DNS (DNSPolicy) not translated yet';
    },
    routes: {
      '/api/v1/dns': () => ({ ...runner.current(), probes: Object.fromEntries(runner.probes()), moves: runner.moves() }),
      '/api/v1/dns/explain': (url) => {
        const q = url.searchParams;
        const clientSubnet = q.get('clientSubnet');
        const cluster = q.get('cluster');
        try {
          const explanation = explainPublicHost(runner.current().ir, index, runner.probes(), clusters(), {
            host: q.get('host') ?? '',
            ...(clientSubnet !== null && clientSubnet !== '' ? { clientSubnet } : {}),
            ...(cluster !== null && cluster !== '' ? { cluster } : {}),
          });
          return explanation === undefined ? {} : { explanation };
        } catch (error) {
          // A bad client subnet or an unknown cluster is the caller's mistake.
          throw new AdminApiError(400, 'bad_request', (error as Error).message.replace(/^error: /, ''));
        }
      },
    },
    close: () => {
      clearInterval(timer);
      runner.stop();
    },
  };
}

function noHealthyAlert(hostname: string, mode: string, policy: string): AlertEntry {
  return {
    alert: 'GslbNoHealthyRegion',
    severity: 'critical',
    cluster: '',
    source: 'gslb',
    ...(policy !== '' ? { policy } : {}),
    message: `no cluster of ${hostname} is healthy: ${mode === 'NoAnswer' ? 'the DNS answers NODATA (onNoHealthyRegion NoAnswer)' : 'the DNS fails open and answers every cluster that is not drained'}`,
  };
}
