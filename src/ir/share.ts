/**
 * Structural sharing between two Gateway IRs (issue 14 item 5). A one-line edit of an
 * EndpointSlice makes the translator rebuild that service's upstream, and every endpoint
 * in it is a new object even though one changed. Everything after the translator works by
 * identity: config versions memoise encodings per object (ir-digest.ts), the data plane's
 * delta sends only new objects to its worker, and the worker reinstalls only what is new.
 * So a rebuilt upstream takes back last time's endpoint objects where they are equal, and
 * is last time's upstream itself when nothing changed. A `lintas gateway` process gets each
 * version parsed from JSON, sharing nothing with the last: {@link shareIr} gives it the same
 * identities before it applies. Pure: the outputs equal their `fresh`/`next` input.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import type { GatewayIR, UpstreamEndpointIR, UpstreamIR } from './gateway.ts';

/** Every member of an endpoint; the check below fails to compile when UpstreamEndpointIR gains one not listed. */
const ENDPOINT_FIELDS = ['address', 'port', 'cluster', 'region', 'zone', 'ready', 'serving', 'terminating', 'version'] as const;
const everyField: Exclude<keyof UpstreamEndpointIR, (typeof ENDPOINT_FIELDS)[number]> extends never ? true : never = true;
void everyField;

/** Endpoints are flat records of primitives: equal when every member has the same value (absent = undefined). */
function sameEndpoint(a: UpstreamEndpointIR, b: UpstreamEndpointIR): boolean {
  if (a === b) return true;
  for (const k of ENDPOINT_FIELDS) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * True when `a` holds endpoints of the same addresses and ports as `b`, in the same order (readiness
 * may differ): a rebuilt upstream can then be applied in place. `endpointOf` reads an element of `a`.
 */
export function sameAddresses<T>(a: readonly T[], b: readonly UpstreamEndpointIR[], endpointOf: (x: T) => UpstreamEndpointIR): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) {
    const x = endpointOf(a[i] as T);
    const y = b[i] as UpstreamEndpointIR;
    if (x !== y && (x.address !== y.address || x.port !== y.port)) return false;
  }
  return true;
}

const endpointKey = (e: UpstreamEndpointIR): string => `${e.cluster}|${e.address}|${String(e.port)}`;

/** `fresh`, with every endpoint equal to one of `before`'s replaced by that object; `before` itself when the two are equal. */
export function shareUpstream(before: UpstreamIR | undefined, fresh: UpstreamIR): UpstreamIR {
  if (before === undefined || before === fresh) return fresh;
  const old = before.endpoints;
  let byKey: Map<string, UpstreamEndpointIR> | undefined;
  let shared = 0;
  const endpoints = fresh.endpoints.map((e, i) => {
    // Both lists are sorted the same way, so an edit that changes no membership keeps every index aligned.
    const aligned = old[i];
    if (aligned !== undefined && sameEndpoint(aligned, e)) {
      shared += 1;
      return aligned;
    }
    // The same endpoint at the same position with another value (a readiness flip): new, no lookup needed.
    if (aligned !== undefined && aligned.cluster === e.cluster && aligned.address === e.address && aligned.port === e.port) return e;
    byKey ??= new Map(old.map((o) => [endpointKey(o), o]));
    const match = byKey.get(endpointKey(e));
    if (match !== undefined && sameEndpoint(match, e)) {
      shared += 1;
      return match;
    }
    return e;
  });
  if (shared === 0) return fresh;
  if (shared === old.length && shared === endpoints.length && isDeepStrictEqual({ ...before, endpoints: [] }, { ...fresh, endpoints: [] })) return before;
  return { ...fresh, endpoints };
}

/** `next` with every list element equal to `previous`'s element of the same key replaced by that object (upstreams by {@link shareUpstream}). */
export function shareIr(previous: GatewayIR | undefined, next: GatewayIR): GatewayIR {
  if (previous === undefined || previous === next) return next;
  const before = previous as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    const old = before[key];
    if (!Array.isArray(value) || !Array.isArray(old)) {
      out[key] = value;
      continue;
    }
    const byKey = new Map((old as { key?: unknown }[]).map((e) => [e.key, e]));
    out[key] = (value as { key?: unknown }[]).map((e) => {
      const match = e.key === undefined ? undefined : byKey.get(e.key);
      if (match === undefined) return e;
      if (key === 'upstreams') return shareUpstream(match as UpstreamIR, e as UpstreamIR);
      return isDeepStrictEqual(match, e) ? match : e;
    });
  }
  return out as unknown as GatewayIR;
}
