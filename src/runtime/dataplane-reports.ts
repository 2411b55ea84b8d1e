/**
 * The data planes' reports as one (issue 15): the embedded gateways' report, read live, plus the
 * reports `lintas gateway` processes post on their config streams (`bus.reports`), each counted
 * while it is fresh. The alerts, the health contract's gateway view and the web console read the
 * merged report, so a fleet of gateway processes is watched exactly as the embedded one is.
 * @module
 */
import type { DataPlaneReport, PairTraffic, RemoteDataPlaneReport } from '../ir/index.ts';
import type { Bus } from './bus.ts';

/** A remote report older than this (by the control plane's receive time) no longer counts: its gateway stopped reporting. */
export const REPORT_MAX_AGE_MS = 10_000;

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

/** The remote reports that still count at `nowMs` (received within {@link REPORT_MAX_AGE_MS}). Pure. */
export function freshReports(remote: Iterable<RemoteDataPlaneReport>, nowMs: number): RemoteDataPlaneReport[] {
  return [...remote].filter((r) => nowMs - Date.parse(r.at) <= REPORT_MAX_AGE_MS);
}

/** Every data plane's report, merged: the embedded one (live) and the fresh remote ones. */
export function dataPlaneReport(bus: Bus, embedded: DataPlaneReport | undefined, nowMs: number = Date.now()): DataPlaneReport {
  const all = [...(embedded !== undefined ? [embedded] : []), ...freshReports(bus.reports.snapshot().values(), nowMs)];
  return all.length === 0 ? EMPTY_REPORT : mergeReports(all);
}
