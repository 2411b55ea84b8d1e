/**
 * A Gateway IR as a delta of the one a data-plane worker already holds (issue 14 item 5).
 * Copying a whole IR to a worker costs the worker's thread, the one that proxies, the
 * structured-clone decode of every listener, upstream and endpoint; a one-line edit of a
 * 10,000-endpoint Service cost it ~25 ms per edit. The control plane keeps unchanged
 * elements as the same objects (east-west.ts, ir/share.ts), so the delta names those
 * by their index in the base's list and sends only new objects; an upstream rebuilt from
 * one of the base's (same key) is sent as a patch whose endpoints are a delta of that
 * one's. The worker rebuilds the IR from its base with the base's own objects, so its data
 * plane sees unchanged elements as the same objects too and skips them. Pure.
 * @module
 */
import type { GatewayIR, UpstreamEndpointIR, UpstreamIR } from '../../ir/index.ts';

/**
 * A list as sent: a run `[from, count]` of the base's elements from index `from`, or a new element
 * (IR list elements are objects, never arrays). A readiness flip in 10,000 endpoints is three entries.
 */
export type ListDelta<T> = readonly (readonly [number, number] | T)[];

/** An upstream rebuilt from the base's upstream at `patchOf`: its fields, and its endpoints as a delta of that one's. */
export interface UpstreamPatch {
  readonly patchOf: number;
  readonly upstream: Omit<UpstreamIR, 'endpoints'>;
  readonly endpoints: ListDelta<UpstreamEndpointIR>;
}

/** A Gateway IR relative to a base: its lists as deltas, any other member as is. */
export interface IrDelta {
  readonly lists: Readonly<Record<string, ListDelta<object>>>;
  /** The `upstreams` list: runs of the base's, new upstreams and patches. */
  readonly upstreams: readonly (readonly [number, number] | UpstreamIR | UpstreamPatch)[];
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
  const out: ([number, number] | T)[] = [];
  let run: [number, number] | undefined;
  for (const e of next) {
    const i = at.get(e);
    if (i === undefined) {
      run = undefined;
      out.push(e);
    } else if (run !== undefined && run[0] + run[1] === i) run[1] += 1;
    else {
      run = [i, 1];
      out.push(run);
    }
  }
  return out;
}

function decodeList<T>(base: readonly T[] | undefined, delta: ListDelta<T>, what: string): T[] {
  const out: T[] = [];
  for (const e of delta) {
    if (!Array.isArray(e)) {
      out.push(e as T);
      continue;
    }
    const [from, count] = e as readonly [number, number];
    if (base === undefined || !Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 1 || from + count > base.length) {
      throw new IrDeltaError(`names ${what}[${String(from)}..+${String(count)}], which the base does not have`);
    }
    for (let i = from; i < from + count; i++) out.push(base[i] as T);
  }
  return out;
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
  const upstreams: ([number, number] | UpstreamIR | UpstreamPatch)[] = [];
  let run: [number, number] | undefined;
  for (const u of next.upstreams) {
    const same = at.get(u);
    if (same !== undefined) {
      if (run !== undefined && run[0] + run[1] === same) run[1] += 1;
      else upstreams.push((run = [same, 1]));
      continue;
    }
    run = undefined;
    const patchOf = byKey.get(u.key);
    const from = patchOf === undefined ? undefined : base.upstreams[patchOf];
    if (patchOf === undefined || from === undefined) {
      upstreams.push(u);
      continue;
    }
    const { endpoints, ...upstream } = u;
    upstreams.push({ patchOf, upstream, endpoints: encodeList(from.endpoints, endpoints) });
  }
  return { lists, upstreams, others };
}

/** Rebuilds the IR `delta` was encoded from, with `base`'s own objects where it names them; throws IrDeltaError when it does not fit `base`. */
export function decodeIrDelta(base: GatewayIR, delta: IrDelta): GatewayIR {
  const b = base as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...delta.others };
  for (const [key, list] of Object.entries(delta.lists)) out[key] = decodeList(b[key] as readonly object[] | undefined, list, key);
  const upstreams: UpstreamIR[] = [];
  for (const u of delta.upstreams) {
    if (Array.isArray(u)) for (const kept of decodeList(base.upstreams, [u as readonly [number, number]], 'upstreams')) upstreams.push(kept);
    else if (!('patchOf' in u)) upstreams.push(u as UpstreamIR);
    else {
      const from = base.upstreams[u.patchOf];
      if (from === undefined) throw new IrDeltaError(`patches upstreams[${String(u.patchOf)}], which the base does not have`);
      upstreams.push({ ...u.upstream, endpoints: decodeList(from.endpoints, u.endpoints, `${from.key} endpoints`) });
    }
  }
  out.upstreams = upstreams;
  return out as unknown as GatewayIR;
}
