/**
 * The DNS server on a thread of its own (issue 14 item 5): `lintas serve` translates the fleet
 * on its main thread, and a query that arrives during a translation would wait for it (18 ms per
 * edit of a 10,000-endpoint file). Here the UDP/TCP server, its zone index and the public (GSLB)
 * index live on a `node:worker_threads` thread named `lintas-dns`; the main thread sends what
 * changed and reads what happened:
 *
 * - zone: the services whose IR object changed since the last message, and the keys removed
 *   (the MCS translator keeps an unchanged service's object, so an edit sends one service);
 * - public zones: the GSLB IR whole (a few hostnames), indexed on the thread;
 * - queries: the thread counts answered queries by event and posts the counts every
 *   {@link QUERY_FLUSH_MS} ms, or at once when asked (`flush`, before a metrics scrape), with a
 *   copy of its counters; the main thread hands them to `onQuery` with their count.
 *
 * A thread that dies is started again on the same port with the current zones, as the gateway
 * workers are. One module is both sides, as the gateway workers: the check at the bottom starts
 * the thread's loop.
 * @module
 */
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { setTimeout as delay } from 'node:timers/promises';
import type { DnsServiceIR, DnsZoneIR, PublicDnsIR } from '../../ir/index.ts';
import { workerModuleSource } from '../../lib/index.ts';
import { forwardingLogger, type ForwardedLog, type Logger, type LogLevel } from '../../observability/index.ts';
import { EMPTY_PUBLIC_INDEX, indexPublicZones, type PublicDnsIndex } from './public-index.ts';
import { startDnsServer, type DnsServer, type DnsServerOptions } from './server.ts';
import { DnsCounters, type DnsServerStats } from './stats.ts';
import type { DnsQueryEvent } from './wire.ts';
import { ZoneIndexer, type DnsIndex } from './zone-index.ts';

/** Marks the DNS thread's `workerData`. */
export const DNS_THREAD_TAG = 'lintas-dns-thread';
/** The thread's name, for `top -H` and the benches. */
export const DNS_THREAD_NAME = 'lintas-dns';
/** How often the thread posts its query counts unasked (they are also posted on `flush`). */
export const QUERY_FLUSH_MS = 250;

type TcpLimits = Pick<DnsServerOptions, 'tcpIdleTimeoutMs' | 'tcpMessageTimeoutMs' | 'maxTcpConnections' | 'maxTcpConnectionsPerSource'>;

/** What the main thread gives the thread at start (structured-cloneable). */
export interface DnsThreadData extends TcpLimits {
  readonly tag: typeof DNS_THREAD_TAG;
  readonly address: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** Set when a module other than this one runs the loop (tests wrap it to inject faults). */
  readonly customModule?: boolean;
}

/** A message of the main thread. */
export type DnsThreadRequest =
  /** Services upserted (by `namespace/name`) and removed; `reset` drops every service first. */
  | { readonly type: 'zone'; readonly zone: string; readonly ttlSeconds: number; readonly reset: boolean; readonly upsert: readonly DnsServiceIR[]; readonly remove: readonly string[] }
  | { readonly type: 'public'; readonly ir: PublicDnsIR }
  | { readonly type: 'flush'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

/** A message of the thread. */
export type DnsThreadMessage =
  | ForwardedLog
  | { readonly type: 'listening'; readonly udpPort: number; readonly tcpPort: number }
  | { readonly type: 'failed'; readonly error: string }
  /** Queries answered since the last such message, with their count; `id` answers a flush. */
  | { readonly type: 'queries'; readonly counts: readonly (readonly [DnsQueryEvent, number])[]; readonly stats: DnsServerStats; readonly id?: number }
  | { readonly type: 'closed'; readonly id: number };

/** The zone a thread holds: apex, TTL and the service objects it was sent, by `namespace/name`. */
export interface HeldZone {
  readonly zone: string;
  readonly ttlSeconds: number;
  readonly services: ReadonlyMap<string, DnsServiceIR>;
}

type ZoneRequest = Extract<DnsThreadRequest, { type: 'zone' }>;

/**
 * The message that brings a thread holding `held` to `next` (none when nothing changed), and what
 * the thread holds then. Services compare by object: the MCS translator keeps an unchanged one's.
 */
export function zoneDelta(held: HeldZone | undefined, next: DnsZoneIR): { readonly request?: ZoneRequest; readonly held: HeldZone } {
  const reset = held === undefined || held.zone !== next.zone || held.ttlSeconds !== next.ttlSeconds;
  const before = reset ? new Map<string, DnsServiceIR>() : held.services;
  const services = new Map<string, DnsServiceIR>();
  const upsert: DnsServiceIR[] = [];
  for (const svc of next.services) {
    const key = `${svc.namespace}/${svc.name}`;
    services.set(key, svc);
    if (before.get(key) !== svc) upsert.push(svc);
  }
  const remove = [...before.keys()].filter((key) => !services.has(key));
  const now: HeldZone = { zone: next.zone, ttlSeconds: next.ttlSeconds, services };
  if (!reset && upsert.length === 0 && remove.length === 0) return { held: now };
  return { request: { type: 'zone', zone: next.zone, ttlSeconds: next.ttlSeconds, reset, upsert, remove }, held: now };
}

/** The thread's loop: one DNS server answering from the zones the main thread sends. */
export function serveDnsThread(port: MessagePort, data: DnsThreadData): void {
  const log = forwardingLogger(port, data.logLevel);
  const services = new Map<string, DnsServiceIR>();
  const indexer = new ZoneIndexer();
  let index: DnsIndex = indexer.index({ zone: 'clusterset.local', ttlSeconds: 5, services: [] });
  let publicIndex: PublicDnsIndex = EMPTY_PUBLIC_INDEX;
  let server: DnsServer | undefined;
  // Counted here, posted in batches: a message per query would cost more than the answer.
  const counts = new Map<string, { readonly event: DnsQueryEvent; n: number }>();
  let timer: NodeJS.Timeout | undefined;
  const post = (id?: number): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (server === undefined) return;
    const batch = [...counts.values()].map((c) => [c.event, c.n] as const);
    counts.clear();
    port.postMessage({ type: 'queries', counts: batch, stats: server.stats(), ...(id !== undefined ? { id } : {}) } satisfies DnsThreadMessage);
  };
  const onQuery = (event: DnsQueryEvent): void => {
    const key = JSON.stringify(event);
    const c = counts.get(key);
    if (c !== undefined) c.n += 1;
    else counts.set(key, { event, n: 1 });
    timer ??= setTimeout(() => post(), QUERY_FLUSH_MS);
  };

  port.on('message', (req: DnsThreadRequest) => {
    switch (req.type) {
      case 'zone': {
        if (req.reset) services.clear();
        for (const key of req.remove) services.delete(key);
        for (const svc of req.upsert) services.set(`${svc.namespace}/${svc.name}`, svc);
        index = indexer.index({ zone: req.zone, ttlSeconds: req.ttlSeconds, services: [...services.values()] });
        return;
      }
      case 'public':
        publicIndex = indexPublicZones(req.ir);
        return;
      case 'flush':
        post(req.id);
        return;
      case 'close':
        post();
        void (server?.close() ?? Promise.resolve()).then(() => port.postMessage({ type: 'closed', id: req.id } satisfies DnsThreadMessage));
        return;
    }
  });

  const { tag: _tag, logLevel: _level, customModule: _custom, ...listen } = data;
  startDnsServer({ ...listen, getIndex: () => index, getPublic: () => publicIndex, log, onQuery }).then(
    (started) => {
      server = started;
      port.postMessage({ type: 'listening', udpPort: started.udpPort, tcpPort: started.tcpPort } satisfies DnsThreadMessage);
    },
    (error: unknown) => port.postMessage({ type: 'failed', error: error instanceof Error ? error.message : String(error) } satisfies DnsThreadMessage),
  );
}

/** Options of {@link startDnsThread}. */
export interface DnsThreadOptions extends TcpLimits {
  /** IP literal to bind, e.g. `127.0.0.1` or `::`. */
  readonly address: string;
  /** Port for both UDP and TCP; 0 picks an ephemeral one (a restarted thread binds the one it got). */
  readonly port: number;
  readonly log: Logger;
  /** Lowest level of the thread's log lines (default `info`). */
  readonly logLevel?: LogLevel;
  /** Called with every batch of answered queries: each distinct event once, with how many there were. */
  readonly onQuery?: (event: DnsQueryEvent, count: number) => void;
  /** The module that runs the thread's loop (default this one; tests wrap it). */
  readonly workerModule?: string;
}

/** The running DNS thread, as the main thread sees it. */
export interface DnsThread {
  readonly udpPort: number;
  readonly tcpPort: number;
  /** Serves `zone` from now on (only the services whose object changed cross to the thread). */
  setZone(zone: DnsZoneIR): void;
  /** Serves these public (GSLB) zones from now on. */
  setPublic(ir: PublicDnsIR): void;
  /** Resolves once every query answered before the call has reached `onQuery` and `stats()` (for scrapes). */
  flush(): Promise<void>;
  /** The thread's counters as of its last message. */
  stats(): DnsServerStats;
  /** Whether the thread is serving (false while a dead one is being started again). */
  serving(): boolean;
  /** How many times the thread was started again after dying. */
  restarts(): number;
  /** Stops the server and ends the thread. Idempotent. */
  close(): Promise<void>;
}

// A flush or close the thread does not answer within this long is given up (a dead thread answers nothing).
const REPLY_TIMEOUT_MS = 2_000;
const MAX_RESTART_WAIT_MS = 5_000;

/** Starts the DNS thread; resolves once it listens on UDP and TCP (rejects with why it could not). */
export async function startDnsThread(options: DnsThreadOptions): Promise<DnsThread> {
  const log = options.log.child({ component: 'dns' });
  const source = workerModuleSource(options.workerModule ?? import.meta.url);
  const { log: _log, logLevel, onQuery, workerModule, ...limits } = options;
  let zone: DnsZoneIR | undefined;
  let publicIr: PublicDnsIR | undefined;
  // What the current thread holds: a service crosses again only when its object changes.
  let held: HeldZone | undefined;
  let stats = new DnsCounters().snapshot();
  let worker: Worker | undefined;
  let closing: Promise<void> | undefined;
  let restarts = 0;
  let nextId = 0;
  const pending = new Map<number, () => void>();

  const sendZone = (w: Worker, next: DnsZoneIR): void => {
    const delta = zoneDelta(held, next);
    held = delta.held;
    if (delta.request !== undefined) w.postMessage(delta.request);
  };

  const onMessage = (m: DnsThreadMessage): void => {
    switch (m.type) {
      case 'log':
        log[m.level](m.msg, m.fields);
        return;
      case 'queries':
        stats = m.stats;
        if (onQuery !== undefined) {
          for (const [event, n] of m.counts) {
            try {
              onQuery(event, n);
            } catch (error) {
              log.warn('dns onQuery hook failed', { err: String(error) });
            }
          }
        }
        if (m.id !== undefined) pending.get(m.id)?.();
        return;
      case 'closed':
        pending.get(m.id)?.();
        return;
      default:
        return;
    }
  };

  /** Starts a thread on `port`; resolves with it once it listens. */
  const spawn = (port: number): Promise<{ worker: Worker; udpPort: number; tcpPort: number }> =>
    new Promise((resolve, reject) => {
      const data: DnsThreadData = { tag: DNS_THREAD_TAG, ...limits, port, logLevel: logLevel ?? 'info', ...(workerModule !== undefined ? { customModule: true } : {}) };
      // No inherited execArgv: the parent's preloads (`--import x.ts`, a profiler) have no business here.
      const w = new Worker(source, { eval: true, execArgv: [], workerData: data, name: DNS_THREAD_NAME });
      const early = (why: string): void => reject(new Error(`the DNS thread did not start: ${why}`));
      w.on('message', (m: DnsThreadMessage) => {
        if (m.type === 'listening') resolve({ worker: w, udpPort: m.udpPort, tcpPort: m.tcpPort });
        else if (m.type === 'failed') {
          early(m.error);
          void w.terminate();
        } else onMessage(m);
      });
      w.on('error', (error) => {
        // After the start, an uncaught exception on the thread: it exits next and is started again.
        if (worker === w) log.error('the DNS thread failed', { error: error.stack ?? error.message });
        early(error.message);
      });
      w.once('exit', (code) => {
        early(`exited with code ${String(code)}`);
        if (worker === w) onExit(code);
      });
    });

  const first = await spawn(options.port);
  worker = first.worker;
  const { udpPort, tcpPort } = first;

  const onExit = (code: number): void => {
    worker = undefined;
    held = undefined;
    for (const [id, done] of pending) {
      pending.delete(id);
      done();
    }
    if (closing !== undefined) return;
    void (async () => {
      for (let attempt = 0; closing === undefined; attempt++) {
        restarts += 1;
        const waitMs = Math.min(MAX_RESTART_WAIT_MS, 100 * 2 ** Math.min(attempt, 6));
        log.error('the DNS thread exited; starting it again with the current zones', { code, restarts, afterMs: waitMs });
        await delay(waitMs);
        if (closing !== undefined) return;
        try {
          const next = await spawn(udpPort);
          if (closing !== undefined) {
            await next.worker.terminate();
            return;
          }
          worker = next.worker;
          if (zone !== undefined) sendZone(next.worker, zone);
          if (publicIr !== undefined) next.worker.postMessage({ type: 'public', ir: publicIr } satisfies DnsThreadRequest);
          log.info('DNS thread restarted', { restarts });
          return;
        } catch (error) {
          log.error('the DNS thread could not be started again', { error: (error as Error).message });
        }
      }
    })();
  };

  /** Posts a request that the thread answers by id; resolves on the answer, a timeout or the thread's exit. */
  const ask = (type: 'flush' | 'close'): Promise<void> => {
    const w = worker;
    if (w === undefined) return Promise.resolve();
    const id = nextId++;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), REPLY_TIMEOUT_MS);
      const done = (): void => {
        clearTimeout(timer);
        pending.delete(id);
        resolve();
      };
      pending.set(id, done);
      w.postMessage({ type, id } satisfies DnsThreadRequest);
    });
  };

  return {
    udpPort,
    tcpPort,
    setZone(next) {
      zone = next;
      if (worker !== undefined) sendZone(worker, next);
    },
    setPublic(ir) {
      if (ir === publicIr) return;
      publicIr = ir;
      worker?.postMessage({ type: 'public', ir } satisfies DnsThreadRequest);
    },
    flush: () => ask('flush'),
    stats: () => stats,
    serving: () => worker !== undefined && closing === undefined,
    restarts: () => restarts,
    close() {
      closing ??= (async () => {
        const w = worker;
        await ask('close');
        worker = undefined;
        await w?.terminate();
      })();
      return closing;
    },
  };
}

const data = workerData as Partial<DnsThreadData> | null;
if (!isMainThread && parentPort !== null && data?.tag === DNS_THREAD_TAG && data.customModule !== true) {
  serveDnsThread(parentPort, data as DnsThreadData);
}
