/**
 * Thread priorities, and the one way Lintas starts a thread that serves traffic (issue 14 item 5).
 *
 * `lintas serve` translates every fleet edit on its main thread. On a small machine that CPU
 * competes with the threads that proxy and answer DNS, so the main thread lowers its own
 * priority once the data-plane threads run ({@link lowerControlPlanePriority}). A thread inherits
 * the nice value of the thread that creates it, and an unprivileged process cannot lower a nice
 * value again, so a data-plane thread started after that (a restart) would run niced too. Hence
 * {@link spawnThread}: once the control plane has lowered its priority, new threads are created
 * by a small thread that was started at normal priority (`lintas-spawner`), and their messages
 * still flow straight to the main thread over a MessageChannel. The thread receives its end of
 * that channel in `workerData` ({@link threadPort} reads it, or `parentPort` without one).
 * @module
 */
import { EventEmitter } from 'node:events';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread, MessageChannel, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { workerModuleSource } from './worker-source.ts';

/** The subset of `Worker` the data planes use; a spawned thread's handle has the same shape. */
export interface ThreadHandle {
  /** The thread's id (-1 until a spawned thread has been created). */
  readonly threadId: number;
  postMessage(value: unknown): void;
  on(event: 'message', listener: (value: never) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'exit', listener: (code: number) => void): this;
  terminate(): Promise<number>;
}

/** Options of {@link spawnThread}. */
export interface SpawnOptions {
  /** The thread's name (`top -H`; at most 15 characters show). */
  readonly name: string;
  readonly workerData: Readonly<Record<string, unknown>>;
}

const SPAWNER_TAG = 'lintas-thread-spawner';
const PORT_KEY = 'lintasThreadPort';

type SpawnerRequest =
  | { readonly type: 'spawn'; readonly id: number; readonly source: string; readonly name: string; readonly workerData: Readonly<Record<string, unknown>>; readonly port: MessagePort }
  | { readonly type: 'terminate'; readonly id: number };
type SpawnerMessage =
  | { readonly type: 'spawned'; readonly id: number; readonly threadId: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | { readonly type: 'exit'; readonly id: number; readonly code: number };

/** The thread's id on Linux (the last part of /proc/thread-self); undefined elsewhere. */
function linuxThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Raises the calling thread's nice value to `nice` (a lower priority). On Linux setpriority(2)
 * with the thread's own id changes only that thread; elsewhere, or when refused, nothing changes.
 * Returns whether it changed.
 */
export function lowerThreadPriority(nice: number): boolean {
  const tid = linuxThreadId();
  if (tid === undefined) return false;
  try {
    if (getPriority(tid) >= nice) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

let spawner: { readonly worker: Worker; readonly handles: Map<number, EventEmitter & { threadId: number }> } | undefined;
let nextId = 0;

/** Starts the spawner thread (at the calling thread's priority, which is why this runs before the main thread lowers its own). */
function startSpawner(): NonNullable<typeof spawner> {
  const worker = new Worker(workerModuleSource(import.meta.url), { eval: true, execArgv: [], workerData: { tag: SPAWNER_TAG }, name: 'lintas-spawner' });
  const handles = new Map<number, EventEmitter & { threadId: number }>();
  worker.on('message', (m: SpawnerMessage) => {
    const handle = handles.get(m.id);
    if (handle === undefined) return;
    if (m.type === 'spawned') handle.threadId = m.threadId;
    else if (m.type === 'error') handle.emit('error', new Error(m.message));
    else {
      handles.delete(m.id);
      // As a Worker does, a running thread keeps the process alive; the spawner alone does not.
      if (handles.size === 0) worker.unref();
      handle.emit('exit', m.code);
    }
  });
  worker.unref();
  return { worker, handles };
}

/**
 * Lowers the main thread's priority to `nice` once the data-plane threads run; from then on
 * {@link spawnThread} creates threads through the spawner, at the priority the process started
 * with. Returns whether the priority changed (false off Linux, or when `nice` is not above the
 * current one).
 */
export function lowerControlPlanePriority(nice: number): boolean {
  if (!isMainThread || nice <= 0) return false;
  spawner ??= startSpawner();
  return lowerThreadPriority(nice);
}

/** Starts a thread that evaluates `source`; before {@link lowerControlPlanePriority} a plain Worker, after it one the spawner creates. */
export function spawnThread(source: string, options: SpawnOptions): ThreadHandle {
  // A Worker has every member of ThreadHandle; only TypeScript's overloads of `on` differ.
  if (spawner === undefined) return new Worker(source, { eval: true, execArgv: [], workerData: options.workerData, name: options.name }) as unknown as ThreadHandle;
  const { worker, handles } = spawner;
  const id = nextId++;
  const { port1, port2 } = new MessageChannel();
  const emitter = Object.assign(new EventEmitter(), { threadId: -1 });
  port1.on('message', (value: unknown) => emitter.emit('message', value));
  emitter.once('exit', () => port1.close());
  handles.set(id, emitter);
  worker.ref();
  worker.postMessage({ type: 'spawn', id, source, name: options.name, workerData: { ...options.workerData, [PORT_KEY]: port2 }, port: port2 } satisfies SpawnerRequest, [port2]);
  const handle = Object.assign(emitter, {
    postMessage: (value: unknown) => port1.postMessage(value),
    terminate: () =>
      new Promise<number>((resolve) => {
        if (!handles.has(id)) return resolve(0);
        emitter.once('exit', resolve);
        worker.postMessage({ type: 'terminate', id } satisfies SpawnerRequest);
      }),
  });
  return handle as unknown as ThreadHandle;
}

/** The port a thread talks to the main thread on: its channel when the spawner created it, else `parentPort`. */
export function threadPort(): MessagePort | null {
  const port = (workerData as Record<string, unknown> | null)?.[PORT_KEY];
  return port !== undefined ? (port as MessagePort) : parentPort;
}

/** The spawner's loop: creates threads, reports their exits, and ends them on request. */
function serveSpawner(port: MessagePort): void {
  const threads = new Map<number, Worker>();
  port.on('message', (m: SpawnerRequest) => {
    if (m.type === 'terminate') {
      void threads.get(m.id)?.terminate();
      return;
    }
    const w = new Worker(m.source, { eval: true, execArgv: [], workerData: m.workerData, transferList: [m.port], name: m.name });
    threads.set(m.id, w);
    port.postMessage({ type: 'spawned', id: m.id, threadId: w.threadId } satisfies SpawnerMessage);
    w.on('error', (error) => port.postMessage({ type: 'error', id: m.id, message: error.message } satisfies SpawnerMessage));
    w.once('exit', (code) => {
      threads.delete(m.id);
      port.postMessage({ type: 'exit', id: m.id, code } satisfies SpawnerMessage);
    });
  });
}

const data = workerData as { tag?: unknown } | null;
if (!isMainThread && parentPort !== null && data?.tag === SPAWNER_TAG) serveSpawner(parentPort);
