/**
 * Summary of Lintas' access log after a run: how many lines (one per request,
 * unless the log dropped some under pressure) and, from the last lines, which
 * routes and statuses were served and how many distinct upstreams took the
 * load. Pure (takes the file's bytes), unit-tested in access-log.test.ts.
 * @module
 */

/** What the access log says about a run. */
export interface AccessLogStats {
  readonly lines: number;
  readonly bytes: number;
  /** Lines looked at for the fields below (the last ones). */
  readonly sampled: number;
  /** Distinct `route` values in the sample, sorted. */
  readonly routes: readonly string[];
  /** Distinct `status` values in the sample, sorted. */
  readonly statuses: readonly string[];
  /** Distinct `upstream` values in the sample. */
  readonly upstreams: number;
  /** Sampled lines that are not JSON objects. */
  readonly unparsed: number;
}

/** Lines parsed for the route/status/upstream summary. */
export const SAMPLE_LINES = 5_000;

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined';
}

/** Counts lines and summarises the last {@link SAMPLE_LINES} of them. */
export function accessLogStats(log: Buffer, sampleLines = SAMPLE_LINES): AccessLogStats {
  let lines = 0;
  for (let i = log.indexOf(10); i !== -1; i = log.indexOf(10, i + 1)) lines++;
  // Only the tail is decoded: the file can be tens of MB.
  let start = log.length;
  for (let seen = 0; start > 0 && seen <= sampleLines; ) {
    start = log.lastIndexOf(10, start - 1);
    if (start === -1) {
      start = 0;
      break;
    }
    seen++;
  }
  const sample = log.subarray(start).toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-sampleLines);
  const routes = new Set<string>();
  const statuses = new Set<string>();
  const upstreams = new Set<string>();
  let unparsed = 0;
  for (const line of sample) {
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      unparsed++;
      continue;
    }
    if (typeof rec !== 'object' || rec === null) {
      unparsed++;
      continue;
    }
    const r = rec as Record<string, unknown>;
    routes.add(text(r.route));
    statuses.add(text(r.status));
    if (r.upstream !== null && r.upstream !== undefined) upstreams.add(text(r.upstream));
  }
  return { lines, bytes: log.length, sampled: sample.length, routes: [...routes].sort(), statuses: [...statuses].sort(), upstreams: upstreams.size, unparsed };
}
