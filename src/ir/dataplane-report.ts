/**
 * What a data plane reports back to the control plane (issue 15): its own counters and its view of
 * the upstreams, the same data whether it runs embedded in `lintas serve` (read live) or as a
 * `lintas gateway` process (posted on its config stream about once a second). The alerts, the
 * health contract's gateway view and the web console's traffic edges read these typed reports,
 * never the Prometheus registry by metric name. Counters are cumulative since the data plane
 * started; readers take differences and treat a decrease as a restart.
 * @module
 */
import type { PairTraffic, TrafficSample } from './traffic-sample.ts';
import type { UpstreamObservation } from './upstream-observation.ts';

/** One data plane's report. */
export interface DataPlaneReport {
  /** Requests, 5xx and latency buckets by (entry cluster, destination cluster). */
  readonly traffic: TrafficSample;
  /** Endpoint states and attempts by destination cluster (the health contract's gateway view). */
  readonly observation: UpstreamObservation;
  /** Mutations proxied to a cluster other than their key's owner, by owner and destination (must stay 0). */
  readonly nonOwnerMutations: readonly { readonly owner: string; readonly destination: string; readonly count: number }[];
  /** The certificates its HTTPS listeners serve (`secret` is `ns/name`; `notAfter` RFC 3339). */
  readonly certificates: readonly { readonly cluster: string; readonly secret: string; readonly notAfter: string }[];
}

/** A report as a `lintas gateway` process posts it: its cluster and when it was made (RFC 3339, the gateway's clock). */
export interface RemoteDataPlaneReport extends DataPlaneReport {
  readonly cluster: string;
  readonly at: string;
}

/** An empty report (no data plane yet). */
export const EMPTY_REPORT: DataPlaneReport = { traffic: { bucketBoundsMs: [], pairs: [] }, observation: { endpoints: [], attemptsByCluster: {} }, nonOwnerMutations: [], certificates: [] };

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sums counters by key and concatenates views; outputs sorted. Pure. */
export function mergeReports(reports: readonly DataPlaneReport[]): DataPlaneReport {
  if (reports.length === 1 && reports[0] !== undefined) return reports[0];
  const pairs = new Map<string, { entry: string; destination: string; requests: number; errors5xx: number; buckets: number[] }>();
  let bounds: readonly number[] = [];
  const attempts: Record<string, number> = {};
  const mutations = new Map<string, { owner: string; destination: string; count: number }>();
  for (const r of reports) {
    if (r.traffic.bucketBoundsMs.length > bounds.length) bounds = r.traffic.bucketBoundsMs;
    for (const p of r.traffic.pairs) addPair(pairs, p);
    for (const [cluster, n] of Object.entries(r.observation.attemptsByCluster)) attempts[cluster] = (attempts[cluster] ?? 0) + n;
    for (const m of r.nonOwnerMutations) {
      const key = `${m.owner}\u0000${m.destination}`;
      const e = mutations.get(key);
      if (e === undefined) mutations.set(key, { ...m });
      else e.count += m.count;
    }
  }
  return {
    traffic: { bucketBoundsMs: bounds, pairs: [...pairs.values()].sort((a, b) => cmp(a.entry, b.entry) || cmp(a.destination, b.destination)) },
    observation: { endpoints: reports.flatMap((r) => r.observation.endpoints), attemptsByCluster: attempts },
    nonOwnerMutations: [...mutations.values()].sort((a, b) => cmp(a.owner, b.owner) || cmp(a.destination, b.destination)),
    certificates: reports.flatMap((r) => r.certificates).sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.secret, b.secret)),
  };
}

function addPair(pairs: Map<string, { entry: string; destination: string; requests: number; errors5xx: number; buckets: number[] }>, p: PairTraffic): void {
  const key = `${p.entry}\u0000${p.destination}`;
  const e = pairs.get(key);
  if (e === undefined) {
    pairs.set(key, { entry: p.entry, destination: p.destination, requests: p.requests, errors5xx: p.errors5xx, buckets: [...p.buckets] });
    return;
  }
  e.requests += p.requests;
  e.errors5xx += p.errors5xx;
  p.buckets.forEach((n, i) => (e.buckets[i] = (e.buckets[i] ?? 0) + n));
}
