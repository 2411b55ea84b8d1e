/**
 * The console's traffic edges (issue 19) from the gateways' own counters: a pure step that
 * takes the previous window and one more cumulative {@link TrafficSample} at `now` and
 * answers the new window and the {@link TrafficView} (req/s, 5xx ratio and p99 per
 * (entry, destination) pair over the last few seconds). Counter resets (a data plane that
 * restarted) count from zero, like Prometheus' `rate`; a pair that carried traffic in the
 * last minute stays as an edge at rate 0, so a failed cluster's edges visibly drain.
 * @module
 */
import type { PairTraffic, TrafficSample } from '../ir/index.ts';
import type { TrafficEdge, TrafficView } from './console-contract.ts';

/** The window rates are computed over (the last few samples). */
export const TRAFFIC_WINDOW_MS = 5_000;
/** How long a pair that stopped carrying traffic stays an edge at rate 0. */
export const TRAFFIC_DRAIN_MS = 60_000;

/** One sample with when it was taken (epoch ms). */
export interface TimedSample {
  readonly atMs: number;
  readonly sample: TrafficSample;
}

/** What the step remembers between samples. */
export interface TrafficWindow {
  /** Samples inside the window, oldest first. */
  readonly samples: readonly TimedSample[];
  /** By pair key: when the pair last carried a request (epoch ms). */
  readonly lastActive: Readonly<Record<string, number>>;
}

/** The window before any sample. */
export const EMPTY_TRAFFIC_WINDOW: TrafficWindow = { samples: [], lastActive: {} };

/** Options of {@link advanceTraffic} (tests shorten them). */
export interface TrafficOptions {
  readonly windowMs?: number;
  readonly drainMs?: number;
}

interface Delta {
  requests: number;
  errors5xx: number;
  buckets: number[];
}

const keyOf = (p: { readonly entry: string; readonly destination: string }): string => `${p.entry}\u0000${p.destination}`;

/** Adds `sample` taken at `now` to `window`; answers the new window and the view over it. Pure. */
export function advanceTraffic(window: TrafficWindow, sample: TrafficSample, now: number, options: TrafficOptions = {}): { window: TrafficWindow; view: TrafficView } {
  const windowMs = options.windowMs ?? TRAFFIC_WINDOW_MS;
  const drainMs = options.drainMs ?? TRAFFIC_DRAIN_MS;
  // A clock that stepped back leaves samples "from the future": drop them rather than divide by a negative span.
  const kept = window.samples.filter((s) => s.atMs < now);
  const previous = kept[kept.length - 1];
  const samples = [...kept.filter((s) => s.atMs >= now - windowMs), { atMs: now, sample }];
  // The window keeps at least the sample before this one, so a slow tick still yields a rate.
  if (samples.length === 1 && previous !== undefined) samples.unshift(previous);

  const lastActive: Record<string, number> = {};
  for (const [key, at] of Object.entries(window.lastActive)) if (at >= now - drainMs && at <= now) lastActive[key] = at;
  if (previous !== undefined) {
    for (const [key, d] of deltas(previous.sample, sample)) if (d.requests > 0) lastActive[key] = now;
  }

  const totals = new Map<string, Delta>();
  for (let i = 1; i < samples.length; i++) {
    for (const [key, d] of deltas((samples[i - 1] as TimedSample).sample, (samples[i] as TimedSample).sample)) {
      const t = totals.get(key);
      if (t === undefined) totals.set(key, d);
      else {
        t.requests += d.requests;
        t.errors5xx += d.errors5xx;
        d.buckets.forEach((n, b) => (t.buckets[b] = (t.buckets[b] ?? 0) + n));
      }
    }
  }
  const spanMs = samples.length < 2 ? 0 : (samples[samples.length - 1] as TimedSample).atMs - (samples[0] as TimedSample).atMs;
  const edges: TrafficEdge[] = Object.keys(lastActive)
    .sort()
    .map((key) => {
      const [entry = '', destination = ''] = key.split('\u0000');
      const d = totals.get(key);
      const requests = d?.requests ?? 0;
      const p99 = d === undefined ? undefined : quantileMs(0.99, d.buckets, sample.bucketBoundsMs);
      return {
        entry,
        destination,
        rps: spanMs > 0 ? round(requests / (spanMs / 1000), 2) : 0,
        errorRatio: requests > 0 ? round((d?.errors5xx ?? 0) / requests, 4) : 0,
        ...(p99 !== undefined ? { p99Ms: round(p99, 1) } : {}),
        requests,
      };
    });
  return { window: { samples, lastActive }, view: { windowSeconds: round(spanMs / 1000, 3), edges } };
}

/** Per pair, what happened between two cumulative samples; a pair whose counters went down restarted: it counts from zero. */
function deltas(before: TrafficSample, after: TrafficSample): Map<string, Delta> {
  const old = new Map(before.pairs.map((p) => [keyOf(p), p]));
  const out = new Map<string, Delta>();
  for (const p of after.pairs) {
    const b = old.get(keyOf(p));
    const reset = b === undefined || b.buckets.length !== p.buckets.length || p.requests < b.requests || p.errors5xx < b.errors5xx || p.buckets.some((n, i) => n < (b.buckets[i] ?? 0));
    out.set(keyOf(p), reset ? copy(p) : { requests: p.requests - b.requests, errors5xx: p.errors5xx - b.errors5xx, buckets: p.buckets.map((n, i) => n - (b.buckets[i] ?? 0)) });
  }
  return out;
}

const copy = (p: PairTraffic): Delta => ({ requests: p.requests, errors5xx: p.errors5xx, buckets: [...p.buckets] });

/**
 * The `q` quantile (ms) of a latency histogram given as per-bucket counts, interpolated
 * linearly inside the bucket it falls in (as Prometheus' `histogram_quantile`); in the last,
 * unbounded bucket it is the highest finite bound. Undefined without observations.
 */
export function quantileMs(q: number, buckets: readonly number[], boundsMs: readonly number[]): number | undefined {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total <= 0 || boundsMs.length === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      if (i >= boundsMs.length) return boundsMs[boundsMs.length - 1];
      const lower = i === 0 ? 0 : (boundsMs[i - 1] as number);
      const upper = boundsMs[i] as number;
      return lower + ((upper - lower) * (rank - below)) / n;
    }
    below += n;
  }
  return boundsMs[boundsMs.length - 1];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
