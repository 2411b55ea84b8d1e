/**
 * Prometheus metrics of the upstream layer. Endpoint states are computed at
 * scrape time (a collect callback), so the request path only bumps counters.
 * Labels are upstream and endpoint cluster, never the endpoint address, to
 * keep cardinality bounded by configuration.
 * @module
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EndpointState } from '../../../ir/index.ts';

/** One endpoint as counted by the gauge. */
export interface EndpointSample {
  readonly upstream: string;
  readonly cluster: string;
  readonly state: EndpointState;
}

/** Counters the upstream set bumps. */
export interface UpstreamMetrics {
  ejection(upstream: string, cluster: string, reason: string): void;
  healthCheck(upstream: string, cluster: string, ok: boolean): void;
  retryRejected(): void;
}

/** No-op metrics, when no registry is given. */
export const noMetrics: UpstreamMetrics = { ejection: () => undefined, healthCheck: () => undefined, retryRejected: () => undefined };

/** Registers the upstream metrics in `registry`; `sample` lists every endpoint at scrape time. */
export function createUpstreamMetrics(registry: Registry, sample: () => Iterable<EndpointSample>): UpstreamMetrics {
  new Gauge({
    name: 'lintas_upstream_endpoints',
    help: 'Upstream endpoints by upstream, endpoint cluster and state (healthy, ejected, unhealthy, pending (waiting for its first health check since it came back), terminating, not_ready)',
    labelNames: ['upstream', 'cluster', 'state'],
    registers: [registry],
    // Every worker thread of a gateway watches the same endpoints: the most any of them counts, not the sum.
    aggregator: 'max',
    collect() {
      this.reset();
      const counts = new Map<string, { upstream: string; cluster: string; state: EndpointState; n: number }>();
      for (const s of sample()) {
        const key = `${s.upstream}\u0000${s.cluster}\u0000${s.state}`;
        const entry = counts.get(key);
        if (entry === undefined) counts.set(key, { ...s, n: 1 });
        else entry.n += 1;
      }
      for (const c of counts.values()) this.set({ upstream: c.upstream, cluster: c.cluster, state: c.state }, c.n);
    },
  });
  const ejections = new Counter({
    name: 'lintas_upstream_ejections_total',
    help: 'Outlier-detection ejections by upstream, endpoint cluster and detector',
    labelNames: ['upstream', 'cluster', 'reason'],
    registers: [registry],
  });
  const checks = new Counter({
    name: 'lintas_upstream_health_checks_total',
    help: 'Active health check probes by upstream, endpoint cluster and result',
    labelNames: ['upstream', 'cluster', 'result'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'lintas_upstream_retry_budget_exhausted_total',
    help: 'Retries refused because the retry budget was exhausted',
    registers: [registry],
  });
  return {
    ejection: (upstream, cluster, reason) => ejections.inc({ upstream, cluster, reason }),
    healthCheck: (upstream, cluster, ok) => checks.inc({ upstream, cluster, result: ok ? 'success' : 'failure' }),
    retryRejected: () => retries.inc(),
  };
}
