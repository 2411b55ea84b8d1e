/**
 * The load a cluster carries, for the failover layer's headroom (`1 - load / capacity`,
 * seed 000 §13.3 and §20.3 "capacity available"): the request rate the gateways sent each
 * destination cluster over a sliding window, from readings of their monotonic attempt
 * counters taken once per health round. Pure: the runner takes the readings and passes the
 * time in.
 * @module
 */
import { compareStrings } from '../../lib/index.ts';

/** One reading of the gateways' attempt counters. */
export interface LoadSample {
  /** Milliseconds since the epoch. */
  readonly atMs: number;
  /** Attempts started since the gateways started, by destination cluster. */
  readonly attempts: Readonly<Record<string, number>>;
}

/** How far back the request rate looks: long enough to smooth bursts, short enough to follow a failover. */
export const LOAD_WINDOW_MS = 10_000;

/** The readings with `next` appended and those that fell out of the window dropped (the oldest kept is the window's start). */
export function addLoadSample(samples: readonly LoadSample[], next: LoadSample, windowMs = LOAD_WINDOW_MS): LoadSample[] {
  const kept = samples.filter((s) => s.atMs < next.atMs && s.atMs >= next.atMs - windowMs);
  return [...kept, next];
}

/** Requests per second, at most 2 decimals. */
function perSecond(count: number, ms: number): number {
  return Math.round((count * 1000 * 100) / ms) / 100;
}

/**
 * Requests per second each destination cluster received between the first and the last reading,
 * sorted by cluster; undefined until two readings span some time. A counter that went down (the
 * gateways restarted) counts from zero.
 */
export function loadRates(samples: readonly LoadSample[]): Record<string, number> | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return undefined;
  const ms = last.atMs - first.atMs;
  const out: Record<string, number> = {};
  for (const cluster of Object.keys(last.attempts).sort(compareStrings)) {
    const now = last.attempts[cluster] ?? 0;
    const then = first.attempts[cluster] ?? 0;
    out[cluster] = perSecond(now >= then ? now - then : now, ms);
  }
  return out;
}
