/**
 * The Prometheus alerting rules equivalent to Lintas's own alerts (`lintas
 * alerts rules`): the metric alerts of `alerts.ts` as PromQL over the same metric
 * names, windows and thresholds, and the failover alerts over `lintas_alert`
 * (the failover runner's state has no other metric form). A new series is
 * counted from 0 by Lintas; `increase()` misses a series' first increment, so the
 * non-owner rule also fires on a series that did not exist 5 m ago.
 * @module
 */
import {
  ALERT_METRICS,
  CERTIFICATE_EXPIRY_THRESHOLD_SECONDS,
  ENDPOINT_AGE_THRESHOLD_SECONDS,
  ERROR_RATE_MIN_REQUESTS,
  ERROR_RATE_THRESHOLD,
  ERROR_RATE_WINDOW_MS,
  MUTATION_WINDOW_MS,
} from './alerts.ts';

/** One alerting rule of a Prometheus rules file. */
export interface PrometheusRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** A Prometheus rules file (`rule_files:` in prometheus.yml). */
export interface PrometheusRulesFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly PrometheusRule[] }[];
}

/** The failover alerts that hold as state (DrainTimedOut is an event, only in the recent history). */
export const FAILOVER_RULE_ALERTS = [
  { alert: 'FailoverPendingApproval', severity: 'warning', summary: 'A failover of {{ $labels.policy }} to {{ $labels.cluster }} waits for approval' },
  { alert: 'GuardrailBlocking', severity: 'warning', summary: 'A guardrail blocks the failover of {{ $labels.policy }} to {{ $labels.cluster }}' },
  { alert: 'OwnerUnhealthy', severity: 'critical', summary: 'The owner {{ $labels.cluster }} of {{ $labels.policy }} is not regionally ready' },
] as const;

const range = (ms: number): string => `${String(ms / 60_000)}m`;

/** The rules, in the order of `/api/v1/alerts` documentation: metric alerts, then failover alerts. */
export function prometheusRules(): PrometheusRulesFile {
  const m = ALERT_METRICS.nonOwnerMutations;
  const w = range(MUTATION_WINDOW_MS);
  const by = 'sum by (owner, destination_cluster)';
  const r = `${ALERT_METRICS.requests}{destination_cluster!=""}`;
  const e = `${ALERT_METRICS.requests}{destination_cluster!="",code_class="5xx"}`;
  const ew = range(ERROR_RATE_WINDOW_MS);
  const total = `sum by (destination_cluster) (increase(${r}[${ew}]))`;
  const rules: PrometheusRule[] = [
    {
      alert: 'MutationToNonOwner',
      expr: `(${by} (increase(${m}[${w}])) > 0) or (${by} (${m}) unless ${by} (${m} offset ${w}))`,
      for: '0m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Mutations owned by {{ $labels.owner }} reached {{ $labels.destination_cluster }}',
        description: `Mutations were proxied to a cluster that does not own their key in the last ${w}, outside a failover window (the owner is resolved per request at its epoch, after failover moves). This must be 0: check the TrafficPolicy locality mode (Owner) and the access log fields owner, destination_cluster.`,
      },
    },
    {
      alert: 'DestinationErrorRateHigh',
      expr: `(sum by (destination_cluster) (increase(${e}[${ew}])) / ${total}) > ${String(ERROR_RATE_THRESHOLD)} and ${total} >= ${String(ERROR_RATE_MIN_REQUESTS)}`,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '5xx above {{ $value | humanizePercentage }} of requests to {{ $labels.destination_cluster }}',
        description: `More than ${String(ERROR_RATE_THRESHOLD * 100)} % of the requests the gateways proxied to this destination cluster answered 5xx over ${ew} (only with at least ${String(ERROR_RATE_MIN_REQUESTS)} requests in the window).`,
      },
    },
    {
      alert: 'ImportedEndpointsStale',
      expr: `max by (source_cluster) (${ALERT_METRICS.endpointAge}) > ${String(ENDPOINT_AGE_THRESHOLD_SECONDS)}`,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Endpoints imported from {{ $labels.source_cluster }} were last confirmed {{ $value | humanizeDuration }} ago',
        description: `The MCS endpoints of this source cluster have not been confirmed for more than ${range(ENDPOINT_AGE_THRESHOLD_SECONDS * 1000)} (its source stopped refreshing, or the fleet directory fails to load); traffic may reach dead workloads until the endpoint TTL withdraws them.`,
      },
    },
    {
      alert: 'ConfigLoadFailing',
      expr: `max(${ALERT_METRICS.configErrors}) > 0`,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The fleet config has {{ $value }} error(s); its changes are not applied',
        description: `The latest load of the fleet directory had errors, so Lintas keeps serving the last good config (${ALERT_METRICS.configLastSuccess} says from when; after a restart it is the copy persisted in the state directory, and /readyz says so). Run lintas validate on the directory to see the errors.`,
        },
      },
      {
      alert: 'CertificateExpiringSoon',
      expr: `(${ALERT_METRICS.certificateExpiry} - time()) < ${String(CERTIFICATE_EXPIRY_THRESHOLD_SECONDS)}`,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The certificate in Secret {{ $labels.namespace }}/{{ $labels.secret }} (cluster {{ $labels.cluster }}) expires in {{ $value | humanizeDuration }}',
        description: `A certificate an HTTPS listener serves expires in less than ${String(CERTIFICATE_EXPIRY_THRESHOLD_SECONDS / 86_400)} days (or has expired): replace the kubernetes.io/tls Secret; Lintas loads the new one without dropping connections.`,
      },
    },
    ...FAILOVER_RULE_ALERTS.map(
      (f): PrometheusRule => ({
        alert: f.alert,
        expr: `max by (policy, owner, cluster) (${ALERT_METRICS.alert}{alert="${f.alert}"}) > 0`,
        for: '0m',
        labels: { severity: f.severity },
        annotations: { summary: f.summary, description: `The failover runner reports ${f.alert}; lintas failover status shows the evidence.` },
      }),
    ),
    {
      alert: 'GslbNoHealthyRegion',
      expr: 'max by (hostname, policy, mode) (lintas_gslb_no_healthy_region) > 0',
      // As the runtime's alert: a fleet that is starting is not an outage.
      for: '5s',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'No cluster of the public hostname {{ $labels.hostname }} is healthy',
        description: 'No cluster\'s Gateway answers the DNSPolicy probe with regional readiness holding and not drained: the DNS fails open (mode FailOpen: every undrained cluster) or answers NODATA (mode NoAnswer). lintas dns explain HOST shows the evidence.',
      },
    },
  ];
  return { groups: [{ name: 'lintas', rules }] };
}
