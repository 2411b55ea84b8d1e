/**
 * The data planes' reports as one (issue 15): the embedded gateways' report, read live, plus the
 * reports `lintas gateway` processes post on their config streams (`bus.reports`), each counted
 * while it is fresh. The alerts, the health contract's gateway view and the web console read the
 * merged report, so a fleet of gateway processes is watched exactly as the embedded one is.
 * @module
 */
import { EMPTY_REPORT, mergeReports, type DataPlaneReport, type RemoteDataPlaneReport } from '../ir/index.ts';
import type { Bus } from './bus.ts';

/** A remote report older than this (by the control plane's receive time) no longer counts: its gateway stopped reporting. */
export const REPORT_MAX_AGE_MS = 10_000;

/** The remote reports that still count at `nowMs` (received within {@link REPORT_MAX_AGE_MS}). Pure. */
export function freshReports(remote: Iterable<RemoteDataPlaneReport>, nowMs: number): RemoteDataPlaneReport[] {
  return [...remote].filter((r) => nowMs - Date.parse(r.at) <= REPORT_MAX_AGE_MS);
}

/** Every data plane's report, merged: the embedded one (live) and the fresh remote ones. */
export function dataPlaneReport(bus: Bus, embedded: DataPlaneReport | undefined, nowMs: number = Date.now()): DataPlaneReport {
  const all = [...(embedded !== undefined ? [embedded] : []), ...freshReports(bus.reports.snapshot().values(), nowMs)];
  return all.length === 0 ? EMPTY_REPORT : mergeReports(all);
}
