/**
 * A gateway's data plane on N worker threads (`lintas gateway --workers N`, issue 15 item 6).
 * Every worker binds the same listener addresses with SO_REUSEPORT and the kernel spreads
 * connections over them; the role's thread keeps the config stream and drives them all:
 *
 * - An apply goes to every worker (applies to one worker run in order). It succeeded only if
 *   every worker applied it; the role NACKs otherwise and applies the last good version
 *   again, on every worker. A listener whose IR port is 0 (tests) is bound by worker 0 first
 *   and the others bind the port it got.
 * - A worker that exits (a crash, an uncaught error) is logged, counted and started again with
 *   the current version (after a back-off if it keeps dying young). A request in flight to it
 *   fails: an apply then counts as failed.
 * - The report is every worker's, merged (endpoints out of rotation once per endpoint); the
 *   metrics are every worker's registry summed with prom-client's cluster aggregation.
 *
 * `lintas serve`'s embedded gateways use the same pool (issue 14 item 5): the control plane's
 * thread translates and applies here, the workers proxy (see `runtime/embedded-data-plane.ts`).
 * @module
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { EMPTY_REPORT, mergeReports, type DataPlaneReport, type GatewayIR } from '../../ir/index.ts';
import type { Logger, LogLevel } from '../../observability/index.ts';
import type { BoundListener } from '../gateway/index.ts';
import type { ExplainRequest, RouteExplanation } from '../gateway/explain.ts';
import { DATA_PLANE_WORKER_TAG, dataPlaneWorkerSource, type ApplyConfig, type DataPlaneWorkerData, type WorkerApplyResult, type WorkerMessage, type WorkerRequest } from './data-plane-worker.ts';
import { encodeIrDelta, IR_DELTA_ERROR_PREFIX } from './ir-delta.ts';
import { applyObservationDelta, observationMap, type ObservationMap, type ReportReply } from './report-delta.ts';
import type { RoleDataPlane, WorkerStatus } from './role-data-plane.ts';
import type { ClusterListenerCertificates, ListenerCertificates } from './certificates.ts';

/** Options of {@link startWorkerPool}. */
export interface WorkerPoolOptions {
  readonly workers: number;
  readonly log: Logger;
  /** Lowest level of the workers' log lines (what they do not send is not cloned). */
  readonly logLevel: LogLevel;
  /** Fail-static staleness budget of the workers; absent: none (embedded gateways). */
  readonly staleAfterMs?: number;
  /** Bind with SO_REUSEPORT (default true; the embedded gateways' single worker binds alone). */
  readonly reusePort?: boolean;
  /** Access log file every worker appends to (whole lines, O_APPEND); without it lines go to `write`. */
  readonly accessLogPath?: string;
  readonly write: (chunk: string) => void;
  readonly healthCheckEnabled?: boolean;
  /** `file:` URL of the module the workers run (default the data-plane worker; tests wrap it to inject faults). */
  readonly workerModule?: string;
}

/** The worker pool: a role data plane that also applies several clusters' listeners (certificates by cluster) and explains routes. */
export interface WorkerPool extends RoleDataPlane {
  /** As RoleDataPlane's, and with `byCluster` every cluster's certificates (embedded gateways serve them all). */
  apply(ir: GatewayIR, certificates?: ListenerCertificates, byCluster?: ClusterListenerCertificates): Promise<{ readonly failed: readonly { readonly key: string; readonly error: string }[] }>;
  /** `route explain` of `ir` against the first running worker's upstream health. */
  explain(ir: GatewayIR, req: ExplainRequest): Promise<RouteExplanation[]>;
}

/** The OS thread name of data-plane worker i is this prefix and i. */
export const DATA_PLANE_THREAD_PREFIX = 'lintas-gw-';

/** An apply may take this long on one worker before it counts as failed. */
const APPLY_TIMEOUT_MS = 60_000;
/** A report or metrics read waits this long for a worker, then goes without it. */
const READ_TIMEOUT_MS = 2_000;
/** A worker may drain its listeners this long on close (the gateway's drain is 30 s), then it is ended. */
const CLOSE_TIMEOUT_MS = 35_000;
/** A worker that dies younger than this is restarted after a back-off (100 ms doubling, at most 5 s). */
const YOUNG_MS = 10_000;

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  startedAt: number;
  restarts: number;
  /** Exits in a row, each younger than YOUNG_MS. */
  youngExits: number;
  requests: number;
  listeners: readonly BoundListener[];
  /** Applies (and restarts) of this worker, in order. */
  queue: Promise<unknown>;
  /** The endpoints of the last report read from this worker and its number (the base of the next one's delta). */
  observed: { readonly seq: number; readonly endpoints: ObservationMap } | undefined;
  /** The IR this worker holds and its seq (the base of the next delta); undefined after a failed request or an exit. */
  held: { readonly seq: number; readonly ir: GatewayIR } | undefined;
  exited: Promise<void>;
}

interface Pending {
  readonly slot: Slot;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Omit over each member of a union (the requests without their id). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const outOfRotation = (state: string): boolean => state === 'unhealthy' || state === 'ejected';

/** Starts `options.workers` data-plane workers (nothing bound until the first apply). */
export function startWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const { log } = options;
  const source = dataPlaneWorkerSource(options.workerModule);
  const pending = new Map<number, Pending>();
  // The IR port of a listener bound on port 0 → the port worker 0 got (the others bind the same).
  const ports = new Map<string, number>();
  const stopping = new AbortController();
  let current: GatewayIR | undefined;
  // The PEM of the current version's listener certificates (sent with every apply, and to a restarted worker).
  let currentCertificates: ListenerCertificates | undefined;
  let currentByCluster: ClusterListenerCertificates | undefined;
  let nextId = 0;
  let nextSeq = 0;
  let restarts = 0;

  const request = <T>(slot: Slot, req: DistributiveOmit<WorkerRequest, 'id'>, timeoutMs: number): Promise<T> => {
    const w = slot.worker;
    if (w === undefined) return Promise.reject(new Error(`worker ${String(slot.index)} is restarting`));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`worker ${String(slot.index)} did not answer ${req.type} within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      pending.set(id, {
        slot,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      w.postMessage({ ...req, id } as WorkerRequest);
    });
  };

  const onMessage = (slot: Slot, m: WorkerMessage): void => {
    if (m.type === 'log') log.child({ worker: slot.index })[m.level](m.msg, m.fields);
    else if (m.type === 'access') options.write(m.chunk);
    else {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (p === undefined) return;
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    }
  };

  /** The IR as `slot` gets it: listeners on port 0 pinned to the port another worker already got. */
  const pinned = (ir: GatewayIR): GatewayIR => {
    const pin = <L extends { key: string; port: number }>(l: L): L => (l.port === 0 && ports.has(l.key) ? { ...l, port: ports.get(l.key) as number } : l);
    return { ...ir, listeners: ir.listeners.map(pin), ...(ir.tcpListeners !== undefined ? { tcpListeners: ir.tcpListeners.map(pin) } : {}) };
  };
  const applyNow = async (slot: Slot, ir: GatewayIR): Promise<WorkerApplyResult> => {
    const sent = pinned(ir);
    const seq = nextSeq++;
    const base = slot.held;
    slot.held = undefined;
    // A delta of what the worker holds (only new objects are copied to its thread), else the whole IR.
    const config: ApplyConfig = base === undefined ? { ir: sent } : { delta: encodeIrDelta(base.ir, sent), base: base.seq };
    const certificates = { ...(currentCertificates !== undefined ? { certificates: currentCertificates } : {}), ...(currentByCluster !== undefined ? { byCluster: currentByCluster } : {}) };
    let result: WorkerApplyResult;
    try {
      result = await request<WorkerApplyResult>(slot, { type: 'apply', seq, config, ...certificates }, APPLY_TIMEOUT_MS);
    } catch (error) {
      // The worker could not rebuild the delta (it should not happen: applies to a worker are serial): send it whole.
      if (!('delta' in config) || !(error as Error).message.startsWith(IR_DELTA_ERROR_PREFIX)) throw error;
      log.warn('gateway worker refused an IR delta; sending the whole IR', { worker: slot.index, error: (error as Error).message });
      result = await request<WorkerApplyResult>(slot, { type: 'apply', seq, config: { ir: sent }, ...certificates }, APPLY_TIMEOUT_MS);
    }
    slot.held = { seq, ir: sent };
    slot.listeners = result.listeners;
    const zero = new Set([...ir.listeners, ...(ir.tcpListeners ?? [])].filter((l) => l.port === 0).map((l) => l.key));
    for (const l of result.listeners) if (zero.has(l.key) && !ports.has(l.key)) ports.set(l.key, l.port);
    return result;
  };
  const enqueue = <T>(slot: Slot, run: () => Promise<T>): Promise<T> => {
    const done = slot.queue.then(run, run);
    slot.queue = done.catch(() => undefined);
    return done;
  };

  const spawn = (slot: Slot): void => {
    const data: DataPlaneWorkerData = {
      tag: DATA_PLANE_WORKER_TAG,
      index: slot.index,
      logLevel: options.logLevel,
      ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
      ...(options.reusePort !== undefined ? { reusePort: options.reusePort } : {}),
      ...(options.accessLogPath !== undefined ? { accessLogPath: options.accessLogPath } : {}),
      ...(options.healthCheckEnabled !== undefined ? { healthCheckEnabled: options.healthCheckEnabled } : {}),
      ...(options.workerModule !== undefined ? { customModule: true } : {}),
    };
    // No inherited execArgv: the parent's preloads (`--import x.ts`, a profiler) have no business here.
    // Named for `top -H` and the benches (a thread name holds 15 characters).
    const w = new Worker(source, { eval: true, execArgv: [], workerData: data, name: `${DATA_PLANE_THREAD_PREFIX}${String(slot.index)}` });
    slot.worker = w;
    slot.startedAt = performance.now();
    w.on('message', (m: WorkerMessage) => onMessage(slot, m));
    w.on('error', (error) => log.error('gateway worker failed', { worker: slot.index, error: error.message }));
    slot.exited = new Promise((resolve) => {
      w.once('exit', (code) => {
        resolve();
        if (slot.worker === w) onExit(slot, code);
      });
    });
  };

  const onExit = (slot: Slot, code: number): void => {
    slot.worker = undefined;
    slot.listeners = [];
    slot.held = undefined;
    slot.observed = undefined;
    for (const [id, p] of pending) {
      if (p.slot !== slot) continue;
      pending.delete(id);
      p.reject(new Error(`worker ${String(slot.index)} exited (code ${String(code)})`));
    }
    if (stopping.signal.aborted) return;
    restarts += 1;
    slot.restarts += 1;
    slot.youngExits = performance.now() - slot.startedAt < YOUNG_MS ? slot.youngExits + 1 : 0;
    const waitMs = slot.youngExits === 0 ? 0 : Math.min(5_000, 100 * 2 ** Math.min(slot.youngExits - 1, 6));
    log.error('gateway worker exited; starting it again with the current config', { worker: slot.index, code, restarts: slot.restarts, afterMs: waitMs });
    // Ahead of any apply the role queues meanwhile: the new thread first serves the current version.
    void enqueue(slot, async () => {
      if (waitMs > 0) await delay(waitMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted) return;
      spawn(slot);
      if (current === undefined) return;
      const result = await applyNow(slot, current);
      if (result.failed.length > 0) log.error('a restarted gateway worker could not bind every listener', { worker: slot.index, failed: result.failed });
      else log.info('gateway worker restarted', { worker: slot.index, restarts: slot.restarts });
    }).catch((error: unknown) => log.error('a restarted gateway worker could not apply the current config', { worker: slot.index, error: (error as Error).message }));
  };

  const slots: Slot[] = Array.from({ length: options.workers }, (_, index) => {
    const slot: Slot = { index, worker: undefined, startedAt: 0, restarts: 0, youngExits: 0, requests: 0, listeners: [], queue: Promise.resolve(), held: undefined, observed: undefined, exited: Promise.resolve() };
    spawn(slot);
    return slot;
  });

  const read = <T>(type: 'metrics'): Promise<(T | undefined)[]> =>
    Promise.all(slots.map((slot) => request<T>(slot, { type }, READ_TIMEOUT_MS).catch((error: unknown) => void log.debug(`gateway worker ${type} not read`, { worker: slot.index, error: (error as Error).message }))));

  /** One worker's report, its endpoints patched into the copy this side holds (report-delta.ts). */
  const readReport = async (slot: Slot): Promise<DataPlaneReport | undefined> => {
    const held = slot.observed;
    let reply: ReportReply;
    try {
      reply = await request<ReportReply>(slot, { type: 'report', ...(held !== undefined ? { since: held.seq } : {}) }, READ_TIMEOUT_MS);
    } catch (error) {
      log.debug('gateway worker report not read', { worker: slot.index, error: (error as Error).message });
      return undefined;
    }
    let endpoints: ObservationMap;
    if (reply.delta === undefined) endpoints = observationMap(reply.report.observation.endpoints);
    else if (held !== undefined && slot.observed === held && reply.delta.base === held.seq) {
      endpoints = held.endpoints;
      applyObservationDelta(endpoints, reply.delta);
    } else {
      // Out of step (another read in between): the next read asks for the whole report.
      slot.observed = undefined;
      return undefined;
    }
    slot.observed = { seq: reply.seq, endpoints };
    return { ...reply.report, observation: { ...reply.report.observation, endpoints: [...endpoints.values()] } };
  };

  return {
    async apply(ir, certificates, byCluster) {
      current = ir;
      currentCertificates = certificates;
      currentByCluster = byCluster;
      const unpinned = [...ir.listeners, ...(ir.tcpListeners ?? [])].some((l) => l.port === 0 && !ports.has(l.key));
      const [first, ...rest] = slots;
      const settled: PromiseSettledResult<WorkerApplyResult>[] = [];
      // A listener on port 0 gets its port from the first worker, then the others bind that one.
      if (unpinned && first !== undefined) settled.push(...(await Promise.allSettled([enqueue(first, () => applyNow(first, ir))])));
      settled.push(...(await Promise.allSettled((unpinned ? rest : slots).map((slot) => enqueue(slot, () => applyNow(slot, ir))))));
      const live = new Set([...ir.listeners, ...(ir.tcpListeners ?? [])].map((l) => l.key));
      for (const key of ports.keys()) if (!live.has(key)) ports.delete(key);
      // One entry per listener and error, naming the workers it happened on.
      const failures = new Map<string, { key: string; error: string; workers: number[] }>();
      settled.forEach((s, i) => {
        const failed = s.status === 'fulfilled' ? s.value.failed : [{ key: '(worker)', error: (s.reason as Error).message }];
        for (const f of failed) {
          const id = `${f.key}\u0000${f.error}`;
          const e = failures.get(id) ?? { key: f.key, error: f.error, workers: [] };
          e.workers.push(i);
          failures.set(id, e);
        }
      });
      return { failed: [...failures.values()].map((f) => ({ key: f.key, error: `${f.error} (worker${f.workers.length > 1 ? 's' : ''} ${f.workers.join(', ')})` })) };
    },
    confirmed(ageMs) {
      for (const slot of slots) slot.worker?.postMessage({ type: 'confirm', ageMs } satisfies WorkerRequest);
    },
    async report() {
      const reports = await Promise.all(slots.map((slot) => readReport(slot)));
      const got: DataPlaneReport[] = [];
      reports.forEach((r, i) => {
        const slot = slots[i];
        if (r === undefined || slot === undefined) return;
        slot.requests = r.traffic.pairs.reduce((n, p) => n + p.requests, 0);
        got.push(r);
      });
      if (got.length === 0) return EMPTY_REPORT;
      const merged = mergeReports(got);
      // Every worker watches the same endpoints: one entry per endpoint, out of rotation if any worker has it out.
      const endpoints = new Map<string, DataPlaneReport['observation']['endpoints'][number]>();
      for (const e of merged.observation.endpoints) {
        const key = `${e.upstream}\u0000${e.address}\u0000${String(e.port)}`;
        const seen = endpoints.get(key);
        if (seen === undefined || (!outOfRotation(seen.state) && outOfRotation(e.state))) endpoints.set(key, e);
      }
      return { ...merged, observation: { ...merged.observation, endpoints: [...endpoints.values()] } };
    },
    async explain(ir, req) {
      const slot = slots.find((s) => s.worker !== undefined);
      if (slot === undefined) throw new Error('no gateway worker is running (restarting)');
      return request<RouteExplanation[]>(slot, { type: 'explain', ir, req }, READ_TIMEOUT_MS);
    },
    bound() {
      return [...new Set(slots.flatMap((s) => s.listeners.map((l) => `${l.address}:${String(l.port)}`)))];
    },
    workers(): WorkerStatus[] {
      return slots.map((s) => ({ index: s.index, ...(s.worker !== undefined ? { threadId: s.worker.threadId } : {}), restarts: s.restarts, requests: s.requests }));
    },
    async metrics() {
      const got = (await read<MetricObjectWithValues<MetricValue<string>>[]>('metrics')).filter((m) => m !== undefined);
      return got.length === 0 ? '' : AggregatorRegistry.aggregate(got).metrics();
    },
    restarts: () => restarts,
    async close() {
      stopping.abort();
      await Promise.all(
        slots.map(async (slot) => {
          await slot.queue;
          const w = slot.worker;
          if (w === undefined) return;
          await request(slot, { type: 'close' }, CLOSE_TIMEOUT_MS).catch((error: unknown) => log.warn('gateway worker did not close cleanly', { worker: slot.index, error: (error as Error).message }));
          await w.terminate();
          await slot.exited;
        }),
      );
    },
  };
}
