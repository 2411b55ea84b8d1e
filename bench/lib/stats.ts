/**
 * Latency summaries shared by the benches (bench/mcs, bench/config-edits):
 * nearest-rank percentiles over the samples a run recorded.
 * @module
 */

/** The nearest-rank `q` quantile (0..1) of ascending `sorted`; NaN when empty. */
export function pct(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** p50, p99, max and min of a set of samples. */
export interface Summary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
}

/** Summarises `xs` (any order; not modified). */
export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p99: pct(s, 0.99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}
