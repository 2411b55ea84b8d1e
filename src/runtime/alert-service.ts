/**
 * The alerts of `lintas serve` (issue 6, seed 000 §24.3), evaluated continuously:
 * every `intervalMs` (and on every read) the counters and gauges the alerts need
 * are read from the Prometheus registry and fed to the pure evaluator of
 * src/observability/alerts.ts; the failover runner's alerts are added as they
 * are. Served as `GET /api/v1/alerts` (role viewer) and as the gauge
 * `lintas_alert{alert,severity,cluster,policy,owner,certificate}` (1 per active alert), so
 * Prometheus sees what the API says; `lintas alerts rules` prints the PromQL.
 * @module
 */
import { Gauge, type Registry } from 'prom-client';
import type { AlertsView } from '../controllers/index.ts';
import { NO_DESTINATION, type DataPlaneReport } from '../ir/index.ts';
import { advanceAlerts, ALERT_METRICS, EMPTY_ALERT_STATE, type AlertSample, type AlertState, type Logger, type MetricAlert, type ProtectedRoute } from '../observability/index.ts';

/** How often the alerts are evaluated without anyone asking. */
export const DEFAULT_ALERT_INTERVAL_MS = 15_000;
const RECENT_ALERTS = 50;

/** One active alert as `/api/v1/alerts` serves it: a failover alert (policy, primary) or a metric alert (value, threshold). */
export interface AlertEntry {
  readonly alert: string;
  readonly severity: 'warning' | 'critical';
  readonly cluster: string;
  readonly message: string;
  /** `failover`: from the failover runner's state; `metrics`: from the gateway and MCS metrics; `gslb`: from the public DNS. */
  readonly source: 'failover' | 'metrics' | 'gslb';
  /** `ns/name` of the FailoverPolicy (failover alerts). */
  readonly policy?: string;
  /** The owner (`from`) cluster of the failover domain (failover alerts). */
  readonly primary?: string;
  /** The owner the mutations should have reached (MutationToNonOwner). */
  readonly owner?: string;
  /** `ns/name` of the certificate's Secret (CertificateExpiringSoon). */
  readonly certificate?: string;
  readonly value?: number;
  readonly threshold?: number;
}

/** The body of `GET /api/v1/alerts`: what holds now (with when it started) and the recent edges, oldest first. */
export interface AlertsAnswer {
  readonly active: readonly (AlertEntry & { readonly since: string })[];
  readonly recent: readonly (AlertEntry & { readonly at: string })[];
}

/** Options of {@link startAlertService}. */
export interface AlertServiceOptions {
  /** The registry the MCS and config metrics are on; the `lintas_alert` gauge is registered here too. */
  readonly registry: Registry;
  /** Every data plane's report, merged (embedded and `lintas gateway` processes): the gateway counters the alerts need. */
  readonly dataPlane: () => DataPlaneReport;
  readonly log: Logger;
  /** The failover runner's alerts (absent: metric alerts only). */
  readonly failover?: () => AlertsView;
  /** Alerts other runners hold as state (the GSLB's GslbNoHealthyRegion), served as they are. */
  readonly extra?: () => { readonly active: readonly (AlertEntry & { readonly since: string })[]; readonly recent: readonly (AlertEntry & { readonly at: string })[] };
  /** Epoch ms (tests pass a fake clock). */
  readonly now?: () => number;
  /** Evaluation period (default {@link DEFAULT_ALERT_INTERVAL_MS}; 0 = only on reads). */
  readonly intervalMs?: number;
}

/** The running alert evaluation. */
export interface AlertService {
  /** `/api/v1/alerts` for the admin server's `protectedRoutes`. */
  readonly protectedRoutes: Record<string, ProtectedRoute>;
  /** Takes a sample now and answers what `/api/v1/alerts` would. */
  evaluate(): Promise<AlertsAnswer>;
  close(): void;
}

type Values = { labels: Partial<Record<string, string | number>>; value: number }[];

async function valuesOf(registry: Registry, name: string): Promise<Values> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  return (await metric.get()).values as Values;
}

const label = (v: Values[number], name: string): string => String(v.labels[name] ?? '');

/** One sample of what the alerts need: the data planes' typed counters, and the control plane's MCS and config gauges from `registry`. */
export async function readAlertSample(registry: Registry, report: DataPlaneReport, at: number): Promise<AlertSample> {
  const [ages, configErrors, configLastSuccess] = await Promise.all([
    valuesOf(registry, ALERT_METRICS.endpointAge),
    valuesOf(registry, ALERT_METRICS.configErrors),
    valuesOf(registry, ALERT_METRICS.configLastSuccess),
  ]);
  return {
    at,
    ...(configErrors[0] !== undefined ? { configErrors: configErrors[0].value } : {}),
    ...(configLastSuccess[0] !== undefined ? { configLastSuccessSeconds: configLastSuccess[0].value } : {}),
    // Per (entry, destination) pair: its 5xx and the rest; requests answered without an upstream have no destination.
    requests: report.traffic.pairs.flatMap((p) => {
      const destinationCluster = p.destination === NO_DESTINATION ? '' : p.destination;
      return [
        { destinationCluster, codeClass: '5xx', value: p.errors5xx },
        { destinationCluster, codeClass: 'other', value: p.requests - p.errors5xx },
      ];
    }),
    nonOwnerMutations: report.nonOwnerMutations.map((m) => ({ owner: m.owner, destinationCluster: m.destination, value: m.count })),
    endpointAges: ages.map((v) => ({ cluster: label(v, 'source_cluster'), seconds: v.value })),
    certificates: report.certificates.map((c) => ({ cluster: c.cluster, secret: c.secret, notAfterSeconds: Date.parse(c.notAfter) / 1000 })),
  };
}

const fromMetric = (a: MetricAlert): AlertEntry => ({ ...a, source: 'metrics' });
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const order = (a: AlertEntry, b: AlertEntry): number =>
  cmp(a.alert, b.alert) || cmp(a.cluster, b.cluster) || cmp(a.policy ?? '', b.policy ?? '') || cmp(a.primary ?? a.owner ?? '', b.primary ?? b.owner ?? '') || cmp(a.certificate ?? '', b.certificate ?? '');

/** Starts evaluating (first sample now) and registers the `lintas_alert` gauge. */
export function startAlertService(options: AlertServiceOptions): AlertService {
  const { registry, log } = options;
  const now = options.now ?? Date.now;
  let state: AlertState = EMPTY_ALERT_STATE;
  let metricActive: AlertsAnswer['active'] = [];
  const recent: (AlertEntry & { at: string })[] = [];
  let running: Promise<void> = Promise.resolve();

  const step = async (): Promise<void> => {
    const result = advanceAlerts(state, await readAlertSample(registry, options.dataPlane(), now()));
    state = result.state;
    metricActive = result.active.map((a) => ({ ...fromMetric(a), since: a.since }));
    for (const f of result.fired) {
      recent.push({ ...fromMetric(f), at: f.at });
      log.warn('alert', { alert: f.alert, cluster: f.cluster, value: f.value, threshold: f.threshold, message: f.message });
    }
    recent.splice(0, Math.max(0, recent.length - RECENT_ALERTS));
  };
  // Serialised: the timer and reads never interleave their updates of the history.
  const sampleNow = (): Promise<void> => {
    running = running.then(step).catch((error: unknown) => log.error('alert evaluation failed', { error: (error as Error).message }));
    return running;
  };
  const answer = (): AlertsAnswer => {
    const failover = options.failover?.();
    const extra = options.extra?.();
    const active = [...(failover?.active ?? []).map((a) => ({ ...a, source: 'failover' as const })), ...metricActive, ...(extra?.active ?? [])].sort(order);
    const fired = [...(failover?.recent ?? []).map((a) => ({ ...a, source: 'failover' as const })), ...recent, ...(extra?.recent ?? [])];
    return { active, recent: fired.sort((a, b) => cmp(a.at, b.at)).slice(-RECENT_ALERTS) };
  };

  new Gauge({
    name: ALERT_METRICS.alert,
    help: '1 per active alert of /api/v1/alerts (metric alerts as of the last evaluation, failover alerts now), by alert, severity, cluster, FailoverPolicy, owner and certificate Secret',
    labelNames: ['alert', 'severity', 'cluster', 'policy', 'owner', 'certificate'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of answer().active) this.set({ alert: a.alert, severity: a.severity, cluster: a.cluster, policy: a.policy ?? '', owner: a.primary ?? a.owner ?? '', certificate: a.certificate ?? '' }, 1);
    },
  });

  void sampleNow();
  const intervalMs = options.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS;
  const timer = intervalMs > 0 ? setInterval(() => void sampleNow(), intervalMs) : undefined;
  timer?.unref();
  const evaluate = async (): Promise<AlertsAnswer> => {
    await sampleNow();
    return answer();
  };
  return {
    protectedRoutes: { '/api/v1/alerts': { role: 'viewer', handler: () => evaluate() } },
    evaluate,
    close: () => clearInterval(timer),
  };
}
