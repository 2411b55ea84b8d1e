/**
 * Pure helpers for wrk (https://github.com/wg/wrk, the Debian `wrk` 4.x): the
 * command line the gateway bench runs, and the parser of its `--latency`
 * report. No I/O here, so all of it is unit-tested (wrk.test.ts).
 * @module
 */

/** What one wrk run is asked to do. */
export interface WrkParams {
  readonly url: string;
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
  /** wrk --timeout: a response slower than this is a socket timeout error. */
  readonly timeoutSeconds: number;
  /** Extra request headers (`Name: value`). */
  readonly headers?: readonly string[];
}

/** Latencies in milliseconds. */
export interface WrkLatency {
  readonly avgMs: number;
  readonly stdevMs: number;
  readonly maxMs: number;
  readonly p50Ms: number;
  readonly p75Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
}

/** wrk's "Socket errors" line (absent when there were none). */
export interface WrkSocketErrors {
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly timeout: number;
}

/** One parsed wrk report. */
export interface WrkResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly latency: WrkLatency;
  readonly socketErrors: WrkSocketErrors;
  /** "Non-2xx or 3xx responses" (wrk counts 3xx as success). */
  readonly non2xx3xx: number;
  /** Socket errors plus non-2xx/3xx responses. */
  readonly errors: number;
  /** errors / (requests + connect errors): connect errors never become requests. */
  readonly errorRate: number;
}

/** The bound: more than this share of failed requests fails the run. */
export const MAX_ERROR_RATE = 0.01;

/** wrk's arguments for one run (`--latency` for the percentile table). */
export function wrkArgs(p: WrkParams): string[] {
  return ['-t', String(p.threads), '-c', String(p.connections), '-d', `${p.seconds}s`, '--timeout', `${p.timeoutSeconds}s`, ...(p.headers ?? []).flatMap((h) => ['-H', h]), '--latency', p.url];
}

const TIME_UNITS_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A wrk time ("812.00us", "1.23ms", "2.01s", "1.00m") in milliseconds. */
export function parseWrkTime(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/.exec(text.trim());
  if (m === null) throw new Error(`not a wrk time: "${text}"`);
  // Rounded to nanoseconds: wrk prints two decimals, and 708.78 × 0.001 should read 0.70878.
  return Math.round(Number(m[1]) * (TIME_UNITS_MS[m[2] as string] as number) * 1e6) / 1e6;
}

function timeAfter(text: string, re: RegExp, what: string): number {
  const m = re.exec(text);
  if (m === null) throw new Error(`wrk output has no ${what}`);
  return parseWrkTime(m[1] as string);
}

function countAfter(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m === null ? 0 : Number(m[1]);
}

/**
 * Parses a `wrk --latency` report. Throws when a number the bench relies on
 * (requests, duration, Requests/sec, the latency averages and the 50/75/90/99%
 * rows) is missing, so a changed wrk format fails loudly instead of reading 0.
 */
export function parseWrk(text: string): WrkResult {
  const total = /^\s*(\d+) requests in (\S+), /m.exec(text);
  if (total === null) throw new Error('wrk output has no "N requests in T" line');
  const rps = /^Requests\/sec:\s+(\d+(?:\.\d+)?)\s*$/m.exec(text);
  if (rps === null) throw new Error('wrk output has no "Requests/sec:" line');
  const lat = /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+%\s*$/m.exec(text);
  if (lat === null) throw new Error('wrk output has no "Latency avg stdev max" row (Thread Stats)');
  const pct = (p: number): number => timeAfter(text, new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm'), `${p}% latency row (run wrk with --latency)`);
  const se = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$/m.exec(text);
  const socketErrors: WrkSocketErrors = {
    connect: Number(se?.[1] ?? 0),
    read: Number(se?.[2] ?? 0),
    write: Number(se?.[3] ?? 0),
    timeout: Number(se?.[4] ?? 0),
  };
  const non2xx3xx = countAfter(text, /^\s*Non-2xx or 3xx responses: (\d+)\s*$/m);
  const requests = Number(total[1]);
  const errors = socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout + non2xx3xx;
  const attempts = requests + socketErrors.connect;
  return {
    requests,
    durationSeconds: parseWrkTime(total[2] as string) / 1000,
    requestsPerSecond: Number(rps[1]),
    latency: {
      avgMs: parseWrkTime(lat[1] as string),
      stdevMs: parseWrkTime(lat[2] as string),
      maxMs: parseWrkTime(lat[3] as string),
      p50Ms: pct(50),
      p75Ms: pct(75),
      p90Ms: pct(90),
      p99Ms: pct(99),
    },
    socketErrors,
    non2xx3xx,
    errors,
    errorRate: attempts === 0 ? (errors > 0 ? 1 : 0) : errors / attempts,
  };
}

/** Why a run's errors are too many, or undefined when they are within {@link MAX_ERROR_RATE}. */
export function errorVerdict(who: string, r: WrkResult): string | undefined {
  if (r.requests === 0) return `${who}: wrk completed no requests`;
  if (r.errorRate <= MAX_ERROR_RATE) return undefined;
  const s = r.socketErrors;
  return (
    `${who}: ${(r.errorRate * 100).toFixed(2)}% of requests failed (limit ${MAX_ERROR_RATE * 100}%): ` +
    `${r.non2xx3xx} non-2xx/3xx, socket errors connect ${s.connect} read ${s.read} write ${s.write} timeout ${s.timeout}, of ${r.requests} requests`
  );
}
