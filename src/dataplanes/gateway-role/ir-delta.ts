/**
 * A Gateway IR as a delta of the one a data-plane worker already holds (issue 14 item 5).
 * Copying a whole IR to a worker costs the worker's thread, the one that proxies, the
 * structured-clone decode of every listener, upstream and endpoint; a one-line edit of a
 * 10,000-endpoint Service cost it ~25 ms per edit. The control plane keeps unchanged
 * elements as the same objects (east-west.ts, share-upstream.ts), so the delta names those
 * by their index in the base's list and sends only new objects; an upstream rebuilt from
 * one of the base's (same key) is sent as a patch whose endpoints are a delta of that
 * one's. The worker rebuilds the IR from its base with the base's own objects, so its data
 * plane sees unchanged elements as the same objects too and skips them. Pure.
 * @module
 */
import type { GatewayIR, UpstreamEndpointIR, UpstreamIR } from '../../ir/index.ts';

/** A list as sent: an element of the base's list (by index), or a new element. */
export type ListDelta<T> = readonly (number | T)[];

/** An upstream rebuilt from the base's upstream at `patchOf`: its fields, and its endpoints as a delta of that one's. */
export interface UpstreamPatch {
  readonly patchOf: number;
  readonly upstream: Omit<UpstreamIR, 'endpoints'>;
  readonly endpoints: ListDelta<UpstreamEndpointIR>;
}

/** A Gateway IR relative to a base: its lists as deltas, any other member as is. */
export interface IrDelta {
  readonly lists: Readonly<Record<string, ListDelta<object>>>;
  /** The `upstreams` list: base indices, new upstreams and patches. */
  readonly upstreams: readonly (number | UpstreamIR | UpstreamPatch)[];
  readonly others: Readonly<Record<string, unknown>>;
}

/** How the message of an {@link IrDeltaError} starts (it crosses the thread boundary as text). */
export const IR_DELTA_ERROR_PREFIX = 'IR delta: ';

/** Why a delta cannot be decoded (the worker answers with this; the sender then sends the whole IR). */
export class IrDeltaError extends Error {
  override readonly name = 'IrDeltaError';
  constructor(message: string) {
    super(`${IR_DELTA_ERROR_PREFIX}${message}`);
  }
}

function indexOf<T extends object>(list: readonly T[]): Map<T, number> {
  const out = new Map<T, number>();
  list.forEach((e, i) => out.set(e, i));
  return out;
}

function encodeList<T extends object>(base: readonly T[] | undefined, next: readonly T[]): ListDelta<T> {
  if (base === undefined || base.length === 0) return next;
  const at = indexOf(base);
  return next.map((e) => at.get(e) ?? e);
}

function decodeList<T>(base: readonly T[] | undefined, delta: ListDelta<T>, what: string): T[] {
  return delta.map((e) => {
    if (typeof e !== 'number') return e;
    const hit = base?.[e];
    if (hit === undefined) throw new IrDeltaError(`names ${what}[${String(e)}], which the base does not have`);
    return hit;
  });
}

/** `next` relative to `base`: what a worker holding `base` needs to rebuild `next`. */
export function encodeIrDelta(base: GatewayIR, next: GatewayIR): IrDelta {
  const b = base as unknown as Record<string, unknown>;
  const lists: Record<string, ListDelta<object>> = {};
  const others: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (key === 'upstreams' || value === undefined) continue;
    if (Array.isArray(value)) lists[key] = encodeList(b[key] as readonly object[] | undefined, value as readonly object[]);
    else others[key] = value;
  }
  const at = indexOf(base.upstreams);
  const byKey = new Map(base.upstreams.map((u, i) => [u.key, i]));
  const upstreams = next.upstreams.map((u): number | UpstreamIR | UpstreamPatch => {
    const same = at.get(u);
    if (same !== undefined) return same;
    const patchOf = byKey.get(u.key);
    const from = patchOf === undefined ? undefined : base.upstreams[patchOf];
    if (patchOf === undefined || from === undefined) return u;
    const { endpoints, ...upstream } = u;
    return { patchOf, upstream, endpoints: encodeList(from.endpoints, endpoints) };
  });
  return { lists, upstreams, others };
}

/** Rebuilds the IR `delta` was encoded from, with `base`'s own objects where it names them; throws IrDeltaError when it does not fit `base`. */
export function decodeIrDelta(base: GatewayIR, delta: IrDelta): GatewayIR {
  const b = base as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...delta.others };
  for (const [key, list] of Object.entries(delta.lists)) out[key] = decodeList(b[key] as readonly object[] | undefined, list, key);
  out.upstreams = delta.upstreams.map((u) => {
    if (typeof u === 'number') return decodeList(base.upstreams, [u], 'upstreams')[0];
    if (!('patchOf' in u)) return u;
    const from = base.upstreams[u.patchOf];
    if (from === undefined) throw new IrDeltaError(`patches upstreams[${String(u.patchOf)}], which the base does not have`);
    return { ...u.upstream, endpoints: decodeList(from.endpoints, u.endpoints, `${from.key} endpoints`) };
  });
  return out as unknown as GatewayIR;
}
