/**
 * The fleet loader on a worker thread (issue 14 item 5): reading, parsing,
 * decoding and checking a tree is CPU work of tens to hundreds of milliseconds
 * per reload, and on the thread that proxies traffic it stalls every request in
 * flight. Here it runs in a `node:worker_threads` worker; the main thread only
 * receives the result.
 *
 * Receiving is kept proportional to the change, not to the fleet: the worker
 * remembers the shards (fleet-scoped objects, each cluster's objects) it sent
 * last, and sends an unchanged shard as `null` and, inside a changed one, every
 * object equal to one it sent before as that object's index. A one-line edit
 * re-decodes its whole file, but only the one object that really changed crosses
 * the thread boundary; the main thread rebuilds the shards from the objects it
 * already holds, so the store's equality checks of unchanged objects are
 * identity comparisons.
 *
 * One module is both sides: the worker evaluates this very file (the TypeScript
 * source under tsx, or the CLI bundle, which contains it), and the check at the
 * bottom starts the worker loop when it runs on a loader worker. If a worker
 * cannot start at all, loads fall back to the main thread (and say so once); if
 * one dies later, its loads fail like unreadable trees and the next load starts
 * a new one.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { clusterName, type ClusterName, type ClusterSnapshot, type FleetSnapshot, type Sourced } from '../../api/index.ts';
import { LOWEST_NICE, setThisThreadNice, workerModuleSource } from '../../lib/index.ts';
import { SourceError, type SourceErrorCode } from '../errors.ts';
import type { LastGoodMissing } from './last-good.ts';
import { createFleetLoader, type FleetLoader, type LoaderOptions, type LoadResult } from './load-fleet.ts';

const WORKER_TAG = 'lintas-fleet-loader';
/** The shard key of the fleet-scoped objects (cluster names are DNS labels: no clash). */
const FLEET_KEY = '@fleet';

/** Options of {@link createWorkerFleetLoader}. */
export interface WorkerLoaderOptions extends LoaderOptions {
  /** Called once if no worker can be started and loads run on the calling thread instead. */
  readonly onFallback?: (why: string) => void;
}

type Op = 'load' | 'restore';
interface Request {
  readonly id: number;
  readonly op: Op;
  readonly root: string;
}
/** A shard: null when it is the same as in the previous reply, else its objects, each one the previous reply already had as its index there. */
type PackedShard = readonly (Sourced | number)[] | null;
interface PackedResult extends Omit<LoadResult, 'snapshot'> {
  readonly shards: readonly (readonly [string, PackedShard])[];
}
type Reply =
  | { readonly ready: true }
  | { readonly id: number; readonly ok: true; readonly value: PackedResult | LastGoodMissing }
  | { readonly id: number; readonly ok: false; readonly error: { readonly message: string; readonly code?: string; readonly path?: string } };

const sameRefs = (a: readonly Sourced[] | undefined, b: readonly Sourced[]): boolean => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
const identityOf = (s: Sourced): string => `${s.object.apiVersion}|${s.object.kind}|${s.object.metadata.namespace ?? ''}|${s.object.metadata.name}`;

/** One shard against the objects of the same shard in the previous reply. */
function packShard(previous: readonly Sourced[] | undefined, objects: readonly Sourced[]): PackedShard {
  if (previous === undefined) return objects;
  if (sameRefs(previous, objects)) return null;
  const byRef = new Map(previous.map((s, i) => [s, i]));
  const byIdentity = new Map(previous.map((s, i) => [identityOf(s), i]));
  return objects.map((s) => {
    const same = byRef.get(s);
    if (same !== undefined) return same;
    // Re-decoded because its file changed, but maybe not itself changed: then it need not cross.
    const twin = byIdentity.get(identityOf(s));
    return twin !== undefined && isDeepStrictEqual(previous[twin], s) ? twin : s;
  });
}

/** Packs `result` against what was sent before; `sent` becomes this snapshot's shards. */
function pack(result: LoadResult, sent: Map<string, readonly Sourced[]>): PackedResult {
  const { snapshot, ...rest } = result;
  const current: [string, readonly Sourced[]][] = [[FLEET_KEY, snapshot.fleetObjects], ...[...snapshot.clusters].map(([name, c]): [string, readonly Sourced[]] => [name, c.objects])];
  const shards = current.map(([key, objects]) => [key, packShard(sent.get(key), objects)] as const);
  sent.clear();
  for (const [key, objects] of current) sent.set(key, objects);
  return { ...rest, shards };
}

/** Rebuilds the snapshot from a packed reply and the shards held from the previous one. */
function unpack(packed: PackedResult, held: Map<string, readonly Sourced[]>): LoadResult {
  const { shards, ...rest } = packed;
  const next = new Map<string, readonly Sourced[]>();
  for (const [key, entries] of shards) {
    const previous = held.get(key);
    const resolved =
      entries === null
        ? previous
        : entries.map((e) => {
            if (typeof e !== 'number') return e;
            const s = previous?.[e];
            if (s === undefined) throw new Error(`fleet loader worker: object ${String(e)} of shard ${key} was not sent before`);
            return s;
          });
    if (resolved === undefined) throw new Error(`fleet loader worker: shard ${key} was not sent before`);
    // An unchanged list of held objects is kept as the same list (identity all the way down).
    next.set(key, previous !== undefined && sameRefs(previous, resolved) ? previous : resolved);
  }
  held.clear();
  for (const [key, objects] of next) held.set(key, objects);
  const clusters = new Map<ClusterName, ClusterSnapshot>();
  for (const [key, objects] of next) if (key !== FLEET_KEY) clusters.set(clusterName(key), { cluster: clusterName(key), objects });
  const snapshot: FleetSnapshot = { fleetObjects: next.get(FLEET_KEY) ?? [], clusters };
  return { ...rest, snapshot };
}

/** The worker's loop: one loader (its cache survives between loads), requests served in order. */
function serveLoads(port: MessagePort, options: LoaderOptions): void {
  // The lowest priority: a load is bulk work that can wait; the process's other threads may serve traffic (proxying, DNS).
  setThisThreadNice(LOWEST_NICE);
  const loader = createFleetLoader(options);
  const sent = new Map<string, readonly Sourced[]>();
  let queue = Promise.resolve();
  port.on('message', (req: Request) => {
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        const out = req.op === 'load' ? await loader.load(req.root) : await loader.restore(req.root);
        reply = { id: req.id, ok: true, value: 'reason' in out ? out : pack(out, sent) };
      } catch (error) {
        const e = error as Error & { code?: string; path?: string };
        reply = { id: req.id, ok: false, error: { message: e.message, ...(error instanceof SourceError ? { code: e.code, path: e.path } : {}) } };
      }
      port.postMessage(reply);
    });
  });
  port.postMessage({ ready: true } satisfies Reply);
}

interface Pending {
  readonly op: Op;
  readonly root: string;
  readonly resolve: (value: LoadResult | LastGoodMissing) => void;
  readonly reject: (error: Error) => void;
}

/** A {@link FleetLoader} whose loads run on a worker thread (see the module doc). */
export function createWorkerFleetLoader(options: WorkerLoaderOptions = {}): FleetLoader {
  const { onFallback, ...loaderOptions } = options;
  const pending = new Map<number, Pending>();
  const held = new Map<string, readonly Sourced[]>();
  let worker: Worker | undefined;
  let online = false;
  let fallback: FleetLoader | undefined;
  let nextId = 0;
  let closed = false;

  const run = (op: Op, root: string, loader: FleetLoader): Promise<LoadResult | LastGoodMissing> => (op === 'load' ? loader.load(root) : loader.restore(root));

  const lost = (w: Worker, why: string): void => {
    if (worker !== w) return;
    worker = undefined;
    held.clear();
    const waiting = [...pending.values()];
    pending.clear();
    if (!online && !closed) {
      // It never got to its loop: this runtime cannot start one (e.g. no TypeScript loader). Load here from now on.
      fallback = createFleetLoader(loaderOptions);
      onFallback?.(why);
      for (const p of waiting) run(p.op, p.root, fallback).then(p.resolve, p.reject);
      return;
    }
    for (const p of waiting) p.reject(new Error(`the fleet loader worker stopped: ${why}`));
  };

  const start = (): Worker => {
    online = false;
    // No inherited execArgv: a preload of the parent (`--import x.ts`, a profiler) has no business in the loader
    // and, being TypeScript, would fail there before tsx is registered.
    // Named for `top -H` and the config-edit bench.
    const w = new Worker(workerModuleSource(import.meta.url), { eval: true, execArgv: [], workerData: { tag: WORKER_TAG, options: loaderOptions }, name: 'lintas-loader' });
    w.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        online = true;
        return;
      }
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      try {
        if (!reply.ok) {
          const e = reply.error;
          throw e.code !== undefined ? new SourceError(e.code as SourceErrorCode, e.path ?? '', e.message) : new Error(e.message);
        }
        // Unpacked even without a waiter: the held shards must follow every reply the worker sent.
        const value = 'reason' in reply.value ? reply.value : unpack(reply.value, held);
        p?.resolve(value);
      } catch (error) {
        p?.reject(error as Error);
        if (reply.ok) void w.terminate(); // out of step: start over with a fresh worker
      }
    });
    w.on('error', (error) => lost(w, error.message));
    w.on('exit', (code) => lost(w, `exited with code ${String(code)}`));
    return w;
  };

  const request = (op: Op, root: string): Promise<LoadResult | LastGoodMissing> => {
    if (closed) return Promise.reject(new Error('the fleet loader is closed'));
    if (fallback !== undefined) return run(op, root, fallback);
    worker ??= start();
    const w = worker;
    const id = nextId++;
    w.ref(); // a load in flight keeps the process alive; an idle worker does not
    return new Promise((resolve, reject) => {
      pending.set(id, { op, root, resolve, reject });
      w.postMessage({ id, op, root } satisfies Request);
    });
  };

  return {
    async load(root) {
      const out = await request('load', root);
      if ('reason' in out) throw new Error(`fleet loader worker: no result for ${root}`);
      return out;
    },
    restore: (root) => request('restore', root),
    close() {
      closed = true;
      fallback?.close();
      const w = worker;
      worker = undefined;
      for (const p of pending.values()) p.reject(new Error('the fleet loader was closed'));
      pending.clear();
      if (w !== undefined) void w.terminate();
    },
  };
}

if (!isMainThread && parentPort !== null && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) {
  serveLoads(parentPort, (workerData as { options: LoaderOptions }).options);
}
