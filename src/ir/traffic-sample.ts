/**
 * The gateways' own traffic counters by (entry cluster, destination cluster), flowing back
 * from the data plane to the runtime (the web console's traffic edges, issue 19). Cumulative
 * since the data plane started, like Prometheus counters: readers take successive samples and
 * turn their differences into rates. Data only: defined here so the data plane that produces
 * it and the runtime that reads it share one type.
 * @module
 */

/** The destination of requests answered without an upstream (no route, local answers, 503 before a pick). */
export const NO_DESTINATION = 'none';

/** One (entry, destination) pair's counters since the data plane started. */
export interface PairTraffic {
  /** The cluster whose gateway the requests entered (`other` past the pair bound). */
  readonly entry: string;
  /** The cluster they went to; `none` when answered without an upstream (`other` past the pair bound). */
  readonly destination: string;
  readonly requests: number;
  /** Responses with a 5xx status. */
  readonly errors5xx: number;
  /** Requests per latency bucket (not cumulative): `buckets[i]` counts durations ≤ `bucketBoundsMs[i]` and above the bound before; the last one counts the rest. */
  readonly buckets: readonly number[];
}

/** Every pair's counters at one moment, sorted by entry, then destination. */
export interface TrafficSample {
  /** Upper bounds (ms) of the latency buckets, ascending; `buckets` has one more entry (+Inf). */
  readonly bucketBoundsMs: readonly number[];
  readonly pairs: readonly PairTraffic[];
}
