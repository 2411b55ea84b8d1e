/**
 * Prometheus metrics of the HTTP gateway. Per-request counters are kept in
 * plain maps and copied into prom-client at scrape time (`collect`), because
 * prom-client's labelled `inc` hashes the label object on every call; the
 * latency histograms observe with label objects cached per route and per
 * (entry cluster, destination cluster) pair (seed 000 §24.2: p50/p95/p99
 * latency by entry and destination).
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DataPlaneReport, TrafficSample } from '../../ir/index.ts';
import { DURATION_BUCKETS, EMPTY_TRAFFIC_SAMPLE, MAX_CLUSTER_PAIRS, NO_DESTINATION, OTHER_PAIR, TrafficCounters } from './traffic-counters.ts';

export { MAX_CLUSTER_PAIRS, NO_DESTINATION } from './traffic-counters.ts';

/** What an upstream attempt ended as (metric label). */
export type AttemptResult = 'response' | 'connect_error' | 'reset' | 'reset_mid_response' | 'timeout' | 'invalid_request' | 'cancelled' | 'retried_5xx';

/** The gateway's metric hooks (no-ops when no registry is given). */
export interface GatewayMetrics {
  /** One finished request. `destinationCluster` is '' when nothing was proxied. */
  request(route: string, destinationCluster: string, entryCluster: string, status: number, durationMs: number): void;
  /**
   * A mutation proxied to a cluster that is not the owner the request resolved at its epoch
   * (after failover moves): never expected, so it is the alert "mutations to a non-owner".
   */
  nonOwnerMutation(owner: string, destinationCluster: string): void;
  /** One finished upstream attempt (`mirror` for shadow traffic). */
  attempt(result: AttemptResult, mirror: boolean): void;
  /** The applied config generation. */
  generation(n: number): void;
  /** The certificates HTTPS listeners serve, with their notAfter (replaces the previous set). */
  certificates(list: readonly { readonly cluster: string; readonly secret: string; readonly notAfter: string }[]): void;
  /** The typed per-(entry, destination) counters (requests, 5xx, latency buckets) since start: the console's traffic edges. */
  traffic(): TrafficSample;
  /** Mutations proxied to a non-owner since start, by owner and destination (typed, for the alerts). */
  nonOwnerMutations(): DataPlaneReport['nonOwnerMutations'];
  /** The certificates last given to {@link GatewayMetrics.certificates}. */
  certificateList(): DataPlaneReport['certificates'];
}

const codeClass = (status: number): string => (status >= 100 && status < 600 ? `${String(Math.floor(status / 100))}xx` : 'other');

/** Registers the gateway metrics on `registry` (once per registry) and returns the hooks. */
export function createGatewayMetrics(registry: Registry, droppedLogLines: () => number): GatewayMetrics {
  const requests = new Map<string, { labels: Record<string, string>; n: number }>();
  const attempts = new Map<string, { labels: Record<string, string>; n: number }>();
  const nonOwner = new Map<string, { labels: Record<string, string>; n: number }>();
  const locality = { local: 0, remote: 0 };
  const durationLabels = new Map<string, Record<string, string>>();
  const bump = (map: typeof requests, key: string, labels: () => Record<string, string>): void => {
    const e = map.get(key);
    if (e === undefined) map.set(key, { labels: labels(), n: 1 });
    else e.n += 1;
  };

  new Counter({
    name: 'lintas_gateway_requests_total',
    help: 'HTTP requests through the gateway by route (ns/name/rule), destination cluster and status class.',
    labelNames: ['route', 'destination_cluster', 'code_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of requests.values()) this.inc(e.labels, e.n);
    },
  });
  new Counter({
    name: 'lintas_gateway_upstream_attempts_total',
    help: 'Upstream attempts by result (response, connect_error, reset (before the response), reset_mid_response, timeout, invalid_request (refused while building it), cancelled, retried_5xx) and kind (main, mirror).',
    labelNames: ['result', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of attempts.values()) this.inc(e.labels, e.n);
    },
  });
  new Counter({
    name: 'lintas_gateway_non_owner_mutations_total',
    help: 'Mutations proxied to a cluster other than the owner of their key (resolved per request at its epoch, after failover moves); must stay 0.',
    labelNames: ['owner', 'destination_cluster'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of nonOwner.values()) this.inc(e.labels, e.n);
    },
  });
  new Counter({
    name: 'lintas_gateway_destination_locality_total',
    help: 'Proxied requests whose destination cluster is the entry cluster (local) or another one (remote).',
    labelNames: ['locality'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ locality: 'local' }, locality.local);
      this.inc({ locality: 'remote' }, locality.remote);
    },
  });
  new Counter({
    name: 'lintas_gateway_access_log_dropped_total',
    help: 'Access log lines dropped because the log sink was too slow.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(droppedLogLines());
    },
  });
  const expiry = new Gauge({
    name: 'lintas_gateway_certificate_expiry_timestamp_seconds',
    help: 'notAfter (unix seconds) of each certificate an HTTPS listener serves, by cluster and Secret (alert CertificateExpiringSoon: less than 14 days left).',
    labelNames: ['cluster', 'namespace', 'secret'],
    registers: [registry],
    // A gateway's worker threads serve the same certificates: their metrics are summed, except these.
    aggregator: 'min',
  });
  const generationGauge = new Gauge({
    name: 'lintas_gateway_config_generation',
    help: 'Generation of the gateway config applied last (1 = first apply).',
    registers: [registry],
    aggregator: 'max',
  });
  const duration = new Histogram({
    name: 'lintas_gateway_request_duration_seconds',
    help: 'Gateway request duration (first byte in to last byte out) by route.',
    labelNames: ['route'],
    buckets: [...DURATION_BUCKETS],
    registers: [registry],
  });
  const clusterDuration = new Histogram({
    name: 'lintas_gateway_cluster_request_duration_seconds',
    help: `Gateway request duration (first byte in to last byte out) by entry cluster and destination cluster ("${NO_DESTINATION}": answered without an upstream; "${OTHER_PAIR}": past ${String(MAX_CLUSTER_PAIRS)} pairs).`,
    labelNames: ['entry_cluster', 'destination_cluster'],
    buckets: [...DURATION_BUCKETS],
    registers: [registry],
  });
  // One pair table for the histogram and the typed counters: the console and Prometheus agree on the pairs.
  const traffic = new TrafficCounters();
  let certificates: DataPlaneReport['certificates'] = [];

  return {
    request(route, destinationCluster, entryCluster, status, durationMs) {
      const cls = codeClass(status);
      bump(requests, `${route}\u0000${destinationCluster}\u0000${cls}`, () => ({ route, destination_cluster: destinationCluster, code_class: cls }));
      if (destinationCluster !== '') {
        if (destinationCluster === entryCluster) locality.local += 1;
        else locality.remote += 1;
      }
      let labels = durationLabels.get(route);
      if (labels === undefined) {
        labels = { route };
        durationLabels.set(route, labels);
      }
      duration.observe(labels, durationMs / 1000);
      clusterDuration.observe(traffic.record(entryCluster, destinationCluster, status, durationMs).labels, durationMs / 1000);
    },
    nonOwnerMutation(owner, destinationCluster) {
      bump(nonOwner, `${owner}\u0000${destinationCluster}`, () => ({ owner, destination_cluster: destinationCluster }));
    },
    attempt(result, mirror) {
      const kind = mirror ? 'mirror' : 'main';
      bump(attempts, `${result}\u0000${kind}`, () => ({ result, kind }));
    },
    generation(n) {
      generationGauge.set(n);
    },
    certificates(list) {
      certificates = list.map((c) => ({ cluster: c.cluster, secret: c.secret, notAfter: c.notAfter }));
      expiry.reset();
      for (const c of list) {
        const [namespace = '', name = ''] = c.secret.split('/');
        expiry.set({ cluster: c.cluster, namespace, secret: name }, Date.parse(c.notAfter) / 1000);
      }
    },
    traffic: () => traffic.sample(),
    nonOwnerMutations: () => [...nonOwner.values()].map((e) => ({ owner: e.labels['owner'] ?? '', destination: e.labels['destination_cluster'] ?? '', count: e.n })),
    certificateList: () => certificates,
  };
}

/** Metrics hooks that record nothing (no registry). */
export const noGatewayMetrics: GatewayMetrics = {
  request: () => undefined,
  nonOwnerMutation: () => undefined,
  attempt: () => undefined,
  generation: () => undefined,
  certificates: () => undefined,
  traffic: () => EMPTY_TRAFFIC_SAMPLE,
  nonOwnerMutations: () => [],
  certificateList: () => [],
};
