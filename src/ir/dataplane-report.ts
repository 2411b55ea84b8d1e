/**
 * What a data plane reports back to the control plane (issue 15): its own counters and its view of
 * the upstreams, the same data whether it runs embedded in `lintas serve` (read live) or as a
 * `lintas gateway` process (posted on its config stream about once a second). The alerts, the
 * health contract's gateway view and the web console's traffic edges read these typed reports,
 * never the Prometheus registry by metric name. Counters are cumulative since the data plane
 * started; readers take differences and treat a decrease as a restart.
 * @module
 */
import type { TrafficSample } from './traffic-sample.ts';
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
