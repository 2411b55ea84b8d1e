/**
 * Alerts over the metrics Lintas exports (issue 6, seed 000 §24.3), as a pure
 * evaluator: timed samples of counters and gauges in, sorted active alerts out.
 * The clock is the samples' `at`; nothing here reads time or does I/O, so the
 * same inputs always give the same alerts, and `lintas alerts rules` can print
 * PromQL that computes the same thing from the same metric names.
 *
 * - `MutationToNonOwner` (critical): a mutation was proxied to a cluster other
 *   than its owner in the last 5 m. The gateway resolves the owner per request at
 *   the epoch it was routed under, after failover moves, so a mutation sent to the
 *   new owner after a failover, or in flight to the old owner while it drains, is
 *   sent to its owner: the counter only moves outside a failover window.
 * - `DestinationErrorRateHigh` (warning): 5xx responses are more than 2 % of the
 *   requests proxied to a destination cluster over the last 5 m, counted only
 *   once there are at least {@link ERROR_RATE_MIN_REQUESTS} requests in that
 *   window (1 error in 3 requests is not worth a page).
 * - `ImportedEndpointsStale` (warning): the endpoints imported from a source
 *   cluster were last confirmed more than 10 m ago.
 * - `ConfigLoadFailing` (warning): the latest load of the fleet config had
 *   errors, so edits are not applied and the last good config (maybe one
 *   persisted before a restart) is served. It fires on the first evaluation
 *   that sees the errors (every 15 s in `serve`), not after an age threshold.
 * - `CertificateExpiringSoon` (warning): a certificate a listener serves
 *   expires in less than 14 days (or has expired), per Secret and cluster.
 *
 * Counter increases are exact deltas between the newest sample and the window's
 * base (the newest sample at or before the window start, else the oldest kept);
 * a counter that went down was reset and counts from 0, and a series missing from
 * the base counts from 0 (it did not exist yet).
 * @module
 */

/** The window of the non-owner mutation alert. */
export const MUTATION_WINDOW_MS = 5 * 60_000;
/** The window of the 5xx ratio. */
export const ERROR_RATE_WINDOW_MS = 5 * 60_000;
/** 5xx / all requests per destination cluster above which the alert fires. */
export const ERROR_RATE_THRESHOLD = 0.02;
/** Requests a destination needs in the window before its 5xx ratio counts. */
export const ERROR_RATE_MIN_REQUESTS = 100;
/** Imported endpoints older than this (seconds since last confirmed) are stale. */
export const ENDPOINT_AGE_THRESHOLD_SECONDS = 600;
/** A certificate closer than this to its notAfter (seconds) raises CertificateExpiringSoon. */
export const CERTIFICATE_EXPIRY_THRESHOLD_SECONDS = 14 * 24 * 3600;
/** Samples closer than this replace the previous one, so frequent reads do not grow the history. */
export const MIN_SAMPLE_GAP_MS = 1000;

/** The metric names the alerts read (and the rules query). */
export const ALERT_METRICS = {
  requests: 'lintas_gateway_requests_total',
  nonOwnerMutations: 'lintas_gateway_non_owner_mutations_total',
  endpointAge: 'lintas_mcs_imported_endpoint_age_seconds',
  /** Errors in the latest load of the fleet config (a gauge: 0 once a load is clean). */
  configErrors: 'lintas_config_load_errors',
  /** When the config being served was loaded without errors (Unix seconds; 0 before any). */
  configLastSuccess: 'lintas_config_last_success_timestamp_seconds',
  certificateExpiry: 'lintas_gateway_certificate_expiry_timestamp_seconds',
  /** 1 per active alert (failover and metric alerts alike). */
  alert: 'lintas_alert',
} as const;

/** Alerts computed from metrics. */
export type MetricAlertName = 'MutationToNonOwner' | 'DestinationErrorRateHigh' | 'ImportedEndpointsStale' | 'ConfigLoadFailing' | 'CertificateExpiringSoon';

/** One reading of the metrics the alerts need, at `at` (epoch ms). */
export interface AlertSample {
  readonly at: number;
  /** `lintas_gateway_requests_total`, any route (summed here). */
  readonly requests: readonly { readonly destinationCluster: string; readonly codeClass: string; readonly value: number }[];
  /** `lintas_gateway_non_owner_mutations_total`. */
  readonly nonOwnerMutations: readonly { readonly owner: string; readonly destinationCluster: string; readonly value: number }[];
  /** `lintas_mcs_imported_endpoint_age_seconds` by source cluster. */
  readonly endpointAges: readonly { readonly cluster: string; readonly seconds: number }[];
  /** `lintas_config_load_errors` (absent: no config source reports). */
  readonly configErrors?: number;
  /** `lintas_config_last_success_timestamp_seconds` (0: nothing loaded cleanly yet). */
  readonly configLastSuccessSeconds?: number;
  /** `lintas_gateway_certificate_expiry_timestamp_seconds`: each served certificate's notAfter (unix seconds). */
  readonly certificates?: readonly { readonly cluster: string; readonly secret: string; readonly notAfterSeconds: number }[];
}

/** An alert condition that holds at the newest sample. */
export interface MetricAlert {
  readonly alert: MetricAlertName;
  readonly severity: 'warning' | 'critical';
  /** The destination cluster (mutations, 5xx) or the source cluster (endpoint age); empty for fleet-wide alerts (config). */
  readonly cluster: string;
  /** The owner the mutations should have gone to (MutationToNonOwner only). */
  readonly owner?: string;
  /** `ns/name` of the certificate's Secret (CertificateExpiringSoon only). */
  readonly certificate?: string;
  readonly message: string;
  /** The observed value: mutations in the window, the 5xx ratio, the age in seconds, or the config errors. */
  readonly value: number;
  readonly threshold: number;
}

/** What the evaluator remembers between samples. */
export interface AlertState {
  /** Oldest first; only what the longest window still needs. */
  readonly samples: readonly AlertSample[];
  /** When each active alert first held (RFC 3339), by {@link alertKey}. */
  readonly since: Readonly<Record<string, string>>;
}

/** The state before the first sample. */
export const EMPTY_ALERT_STATE: AlertState = { samples: [], since: {} };

/** The result of one {@link advanceAlerts}. */
export interface AlertStep {
  readonly state: AlertState;
  readonly active: readonly (MetricAlert & { readonly since: string })[];
  /** Alerts that became active with this sample (edges, for the recent history). */
  readonly fired: readonly (MetricAlert & { readonly at: string })[];
}

const LONGEST_WINDOW_MS = Math.max(MUTATION_WINDOW_MS, ERROR_RATE_WINDOW_MS);
const SEP = '\u0000';

/** The identity of an alert across samples. */
export const alertKey = (a: Pick<MetricAlert, 'alert' | 'cluster' | 'owner' | 'certificate'>): string => `${a.alert}${SEP}${a.cluster}${SEP}${a.owner ?? ''}${SEP}${a.certificate ?? ''}`;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The base of a window ending at the newest sample: the newest sample at or before its start, else the oldest one. */
function windowBase(samples: readonly AlertSample[], windowMs: number): AlertSample | undefined {
  const newest = samples[samples.length - 1];
  if (newest === undefined) return undefined;
  let base = samples[0];
  for (const s of samples) if (s.at <= newest.at - windowMs) base = s;
  return base;
}

/** Counter increases by key between `base` and `now` (resets and new series count from 0). */
function increases(base: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of now) {
    const before = base.get(key) ?? 0;
    out.set(key, value >= before ? value - before : value);
  }
  return out;
}

function summed<T>(points: readonly T[], key: (p: T) => string, value: (p: T) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of points) out.set(key(p), (out.get(key(p)) ?? 0) + value(p));
  return out;
}

const byOwner = (s: AlertSample): Map<string, number> => summed(s.nonOwnerMutations, (p) => `${p.owner}${SEP}${p.destinationCluster}`, (p) => p.value);
const byDestination = (s: AlertSample): Map<string, number> =>
  summed(s.requests.filter((p) => p.destinationCluster !== ''), (p) => `${p.destinationCluster}${SEP}${p.codeClass}`, (p) => p.value);

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;
const minutes = (seconds: number): string => `${(seconds / 60).toFixed(1)} m`;
const days = (seconds: number): string => `${(seconds / 86_400).toFixed(1)} days`;

/** The alert conditions at the newest of `samples` (oldest first), sorted by alert, cluster and owner. */
export function metricAlerts(samples: readonly AlertSample[]): MetricAlert[] {
  const newest = samples[samples.length - 1];
  if (newest === undefined) return [];
  const alerts: MetricAlert[] = [];

  const mutationBase = windowBase(samples, MUTATION_WINDOW_MS) ?? newest;
  for (const [key, n] of increases(byOwner(mutationBase), byOwner(newest))) {
    if (n <= 0) continue;
    const [owner = '', cluster = ''] = key.split(SEP);
    alerts.push({
      alert: 'MutationToNonOwner',
      severity: 'critical',
      cluster,
      owner,
      message: `${String(n)} mutation(s) owned by ${owner} were proxied to ${cluster} in the last ${minutes(MUTATION_WINDOW_MS / 1000)} outside a failover window (must be 0)`,
      value: n,
      threshold: 0,
    });
  }

  const errorBase = windowBase(samples, ERROR_RATE_WINDOW_MS) ?? newest;
  const perDestination = new Map<string, { total: number; errors: number }>();
  for (const [key, n] of increases(byDestination(errorBase), byDestination(newest))) {
    const [cluster = '', codeClass = ''] = key.split(SEP);
    const d = perDestination.get(cluster) ?? { total: 0, errors: 0 };
    d.total += n;
    if (codeClass === '5xx') d.errors += n;
    perDestination.set(cluster, d);
  }
  for (const [cluster, { total, errors }] of perDestination) {
    if (total < ERROR_RATE_MIN_REQUESTS) continue;
    const ratio = errors / total;
    if (ratio <= ERROR_RATE_THRESHOLD) continue;
    alerts.push({
      alert: 'DestinationErrorRateHigh',
      severity: 'warning',
      cluster,
      message: `${percent(ratio)} of ${String(total)} requests proxied to ${cluster} answered 5xx in the last ${minutes(ERROR_RATE_WINDOW_MS / 1000)} (threshold ${percent(ERROR_RATE_THRESHOLD)})`,
      value: ratio,
      threshold: ERROR_RATE_THRESHOLD,
    });
  }

  for (const { cluster, seconds } of newest.endpointAges) {
    if (!(seconds > ENDPOINT_AGE_THRESHOLD_SECONDS)) continue;
    alerts.push({
      alert: 'ImportedEndpointsStale',
      severity: 'warning',
      cluster,
      message: `endpoints imported from ${cluster} were last confirmed ${minutes(seconds)} ago (threshold ${minutes(ENDPOINT_AGE_THRESHOLD_SECONDS)})`,
      value: seconds,
      threshold: ENDPOINT_AGE_THRESHOLD_SECONDS,
    });
  }
  const configErrors = newest.configErrors ?? 0;
  if (configErrors > 0) {
    const since = newest.configLastSuccessSeconds ?? 0;
    alerts.push({
      alert: 'ConfigLoadFailing',
      severity: 'warning',
      cluster: '',
      message:
        `the fleet config has ${String(configErrors)} error(s) and its changes are not applied; ` +
        (since > 0 ? `serving the last good config from ${new Date(since * 1000).toISOString()}` : 'no good config has been loaded, so nothing is served') +
        ' (lintas validate shows the errors)',
      value: configErrors,
      threshold: 0,
    });
  }
  for (const { cluster, secret, notAfterSeconds } of newest.certificates ?? []) {
    const left = notAfterSeconds - newest.at / 1000;
    if (!(left < CERTIFICATE_EXPIRY_THRESHOLD_SECONDS)) continue;
    const when = new Date(notAfterSeconds * 1000).toISOString();
    alerts.push({
      alert: 'CertificateExpiringSoon',
      severity: 'warning',
      cluster,
      certificate: secret,
      message:
        left > 0
          ? `the certificate in Secret ${secret} (cluster ${cluster}) expires at ${when}, in ${days(left)} (threshold ${days(CERTIFICATE_EXPIRY_THRESHOLD_SECONDS)}); renew it`
          : `the certificate in Secret ${secret} (cluster ${cluster}) expired at ${when}; clients refuse it`,
      value: left,
      threshold: CERTIFICATE_EXPIRY_THRESHOLD_SECONDS,
    });
  }
  return alerts.sort((a, b) => cmp(a.alert, b.alert) || cmp(a.cluster, b.cluster) || cmp(a.owner ?? '', b.owner ?? '') || cmp(a.certificate ?? '', b.certificate ?? ''));
}

/**
 * Evaluates with `sample` as the newest reading and keeps it in the history. A
 * sample older than the newest one (the clock went back) drops the newer history;
 * one closer than {@link MIN_SAMPLE_GAP_MS} to the newest kept is evaluated but not
 * kept (so frequent reads neither grow the history nor move a window's base). The
 * history keeps what the longest window needs, so its size is bounded by window / gap.
 */
export function advanceAlerts(state: AlertState, sample: AlertSample): AlertStep {
  const kept = state.samples.filter((s) => s.at <= sample.at);
  const last = kept[kept.length - 1];
  const evaluated = [...kept, sample];
  let samples = last !== undefined && sample.at - last.at < MIN_SAMPLE_GAP_MS ? kept : evaluated;
  const base = windowBase(evaluated, LONGEST_WINDOW_MS);
  if (base !== undefined) samples = samples.filter((s) => s.at >= base.at);

  const at = new Date(sample.at).toISOString();
  const since: Record<string, string> = {};
  const active: (MetricAlert & { since: string })[] = [];
  const fired: (MetricAlert & { at: string })[] = [];
  for (const a of metricAlerts(evaluated)) {
    const key = alertKey(a);
    const first = state.since[key];
    const from = first ?? at;
    since[key] = from;
    active.push({ ...a, since: from });
    if (first === undefined) fired.push({ ...a, at });
  }
  return { state: { samples, since }, active, fired };
}
