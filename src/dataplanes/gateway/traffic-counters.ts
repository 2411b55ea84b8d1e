/**
 * The gateway's typed per-(entry, destination) traffic counters: requests, 5xx responses and
 * latency bucket counts, kept in plain numbers on the request path and read as a
 * {@link TrafficSample} (the console's traffic edges, issue 19). The latency histogram of the
 * metrics (`lintas_gateway_cluster_request_duration_seconds`) uses the same pairs and buckets,
 * so the console and Prometheus never disagree on what a pair is.
 * @module
 */
import { NO_DESTINATION, type TrafficSample } from '../../ir/index.ts';

/** Latency buckets (seconds): sub-millisecond local hops up to the longest gateway timeouts. */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BOUNDS_MS = DURATION_BUCKETS.map((s) => s * 1000);

/**
 * Distinct (entry, destination) pairs kept as their own series. Cluster names come from the
 * config, so a fleet has at most clusters² pairs; past this bound (a fleet of 32+ clusters,
 * or a config churning names) new pairs share the `other` series, so cardinality stays bounded.
 */
export const MAX_CLUSTER_PAIRS = 1024;
export { NO_DESTINATION } from '../../ir/index.ts';
/** Entry and destination of the pair that collects every pair past {@link MAX_CLUSTER_PAIRS}. */
export const OTHER_PAIR = 'other';

/** One pair's running counts; `labels` is its label set for the Prometheus histogram (cached so observing allocates nothing). */
export interface PairCounts {
  readonly entry: string;
  readonly destination: string;
  readonly labels: Readonly<Record<string, string>>;
  requests: number;
  errors5xx: number;
  readonly buckets: number[];
}

/** The bounded per-pair accumulator. */
export class TrafficCounters {
  readonly #pairs = new Map<string, PairCounts>();
  #other: PairCounts | undefined;

  /** Counts one finished request (`destination` '' when nothing was proxied) and returns its pair. */
  record(entry: string, destination: string, status: number, durationMs: number): PairCounts {
    const pair = this.pair(entry, destination);
    pair.requests += 1;
    if (status >= 500 && status <= 599) pair.errors5xx += 1;
    let i = 0;
    while (i < BOUNDS_MS.length && durationMs > (BOUNDS_MS[i] as number)) i += 1;
    pair.buckets[i] = (pair.buckets[i] as number) + 1;
    return pair;
  }

  /** Every pair's counts now, sorted by entry, then destination (copies: later requests do not change it). */
  sample(): TrafficSample {
    const all = [...this.#pairs.values(), ...(this.#other !== undefined ? [this.#other] : [])];
    const pairs = all
      .map((p) => ({ entry: p.entry, destination: p.destination, requests: p.requests, errors5xx: p.errors5xx, buckets: [...p.buckets] }))
      .sort((a, b) => cmp(a.entry, b.entry) || cmp(a.destination, b.destination));
    return { bucketBoundsMs: BOUNDS_MS, pairs };
  }

  private pair(entry: string, destination: string): PairCounts {
    const key = `${entry}\u0000${destination}`;
    const found = this.#pairs.get(key);
    if (found !== undefined) return found;
    if (this.#pairs.size >= MAX_CLUSTER_PAIRS) return (this.#other ??= counts(OTHER_PAIR, OTHER_PAIR));
    const created = counts(entry, destination === '' ? NO_DESTINATION : destination);
    this.#pairs.set(key, created);
    return created;
  }
}

function counts(entry: string, destination: string): PairCounts {
  return { entry, destination, labels: { entry_cluster: entry, destination_cluster: destination }, requests: 0, errors5xx: 0, buckets: new Array<number>(BOUNDS_MS.length + 1).fill(0) };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An empty sample (a data plane without counters). */
export const EMPTY_TRAFFIC_SAMPLE: TrafficSample = { bucketBoundsMs: BOUNDS_MS, pairs: [] };
