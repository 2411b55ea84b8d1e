/**
 * A data-plane worker's report as a delta of the one it sent before (issue 14 item 5). The
 * report lists every endpoint's state, and it is read every second: with 10,000 endpoints
 * copying it cost the worker's thread, the one that proxies, ~4 ms each time, a stall in
 * every second's traffic. Endpoint states rarely change, so after the first report only the
 * endpoints whose observation changed, and the keys of those gone, cross the thread; the
 * reader keeps the last full list and patches it. Pure.
 * @module
 */
import type { DataPlaneReport, EndpointObservation } from '../../ir/index.ts';

/** Endpoint observations by key, in the order first seen (the reader's copy, and the worker's record of what it sent). */
export type ObservationMap = Map<string, EndpointObservation>;

/** The endpoints of a report relative to the one numbered `base`. */
export interface ObservationDelta {
  readonly base: number;
  readonly changed: readonly EndpointObservation[];
  readonly removed: readonly string[];
}

/** What a worker answers a report request with: the report (its endpoints left out when `delta` is set) and its number. */
export interface ReportReply {
  readonly seq: number;
  readonly report: DataPlaneReport;
  readonly delta?: ObservationDelta;
}

/** The key of an endpoint observation: upstream, address, port. */
export function observationKey(e: EndpointObservation): string {
  return `${e.upstream}\u0000${e.address}\u0000${String(e.port)}`;
}

const same = (a: EndpointObservation, b: EndpointObservation): boolean =>
  a.state === b.state && a.cluster === b.cluster && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

/** Every observation of `endpoints` by key. */
export function observationMap(endpoints: readonly EndpointObservation[]): ObservationMap {
  return new Map(endpoints.map((e) => [observationKey(e), e]));
}

/** What changed from `sent` to `endpoints` (numbered against `base`), and the map of `endpoints`. */
export function diffObservations(sent: ObservationMap, endpoints: readonly EndpointObservation[], base: number): { delta: ObservationDelta; next: ObservationMap } {
  const next = observationMap(endpoints);
  const changed: EndpointObservation[] = [];
  for (const [key, e] of next) {
    const before = sent.get(key);
    if (before === undefined || !same(before, e)) changed.push(e);
  }
  const removed = [...sent.keys()].filter((key) => !next.has(key));
  return { delta: { base, changed, removed }, next };
}

/** Applies `delta` to `held` in place. */
export function applyObservationDelta(held: ObservationMap, delta: ObservationDelta): void {
  for (const key of delta.removed) held.delete(key);
  for (const e of delta.changed) held.set(observationKey(e), e);
}
