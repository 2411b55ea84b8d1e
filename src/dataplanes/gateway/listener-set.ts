/**
 * The bound HTTP listeners, one node:http server per IR listener key
 * (`address:port`). Apply binds new keys, swaps the routing table of kept ones
 * (a plain reference swap: requests in flight keep the table they started
 * with) and drains removed ones: they stop accepting, new requests on open
 * connections get `Connection: close`, in-flight requests finish, and
 * connections left after the drain deadline are closed. A bind failure is
 * reported for that listener; the others keep serving.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { formatAccessLog } from './access-log.ts';
import type { CompiledListener } from './compile.ts';
import { GatewayError } from './errors.ts';
import { closeEngines, createCleartextFront, createHttp1Engine, createTlsFront, destroyEngines, serveHttp1, updateDefaultCertificate } from './engines.ts';
import { FLAG_DPE, flagString, type GatewayRuntime, type ListenerRuntime } from './runtime.ts';
import { closeTunnels } from './upgrade.ts';

/** Downstream (client-side) limits of every listener. */
export interface HttpServerOptions {
  /** Time to receive the request headers (slowloris bound). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included. */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive time of a client connection. */
  readonly keepAliveTimeoutMs: number;
  /**
   * How long a response may stay blocked on a client that stops reading (then it
   * is cut, flag `SI`). Timed only while blocked: a socket-wide idle timer
   * (`server.setTimeout`) would re-arm on every read and write, a measurable cost.
   */
  readonly idleTimeoutMs: number;
  /** Largest request head; larger gets 431. */
  readonly maxHeaderSize: number;
  /** How often node:http checks the header/request timeouts. */
  readonly connectionsCheckingIntervalMs: number;
  /** How long a removed listener may drain before its connections are closed. */
  readonly drainTimeoutMs: number;
  /**
   * Bind with SO_REUSEPORT, so that several threads (a gateway's workers) each bind the same
   * address and the kernel spreads connections over them. Off by default: without it a second
   * process on the same port fails to bind (EADDRINUSE) instead of silently sharing it.
   */
  readonly reusePort: boolean;
}

/** Defaults: 10 s headers, 60 s request, 5 s keep-alive, 120 s blocked on a non-reading client, 16 KiB head, 1 s checks, 30 s drain, no SO_REUSEPORT. */
export const DEFAULT_HTTP_SERVER_OPTIONS: HttpServerOptions = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 120_000,
  maxHeaderSize: 16 * 1024,
  connectionsCheckingIntervalMs: 1_000,
  drainTimeoutMs: 30_000,
  reusePort: false,
};

/** What apply did to one listener. */
export interface ListenerApplyResult {
  readonly key: string;
  readonly address: string;
  /** The bound port (requested port for a failed or draining listener). */
  readonly port: number;
  readonly status: 'bound' | 'updated' | 'draining' | 'failed';
  readonly error?: GatewayError;
}

/** A bound listener as reported by `listeners()`. */
export interface BoundListener {
  readonly key: string;
  readonly address: string;
  readonly port: number;
}

/** Answers a request node:http could not parse: 431 for an oversized head, 408 for a slow one, else 400. */
function onClientError(rt: GatewayRuntime, l: ListenerRuntime, err: Error & { code?: string }, socket: Duplex): void {
  const code = err.code ?? '';
  if (code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // A response already started on this socket (node's own check): no room for an error reply.
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (current?.headersSent === true) {
    socket.destroy();
    return;
  }
  const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  socket.end(`HTTP/1.1 ${String(status)} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  const t = rt.now();
  rt.metrics.request('', '', l.table.cluster, status, 0);
  rt.accessLog.push(
    formatAccessLog({
      time: t,
      request_id: '',
      trace_id: '',
      entry_region: l.table.region,
      entry_cluster: l.table.cluster,
      destination_region: null,
      destination_cluster: null,
      gateway: null,
      listener: null,
      route: null,
      service: null,
      service_import: null,
      upstream: null,
      backend_version: null,
      failover_mode: null,
      routing_mode: null,
      policy: null,
      request_class: null,
      owner: null,
      owner_epoch: null,
      method: '',
      authority: '',
      path: '',
      status,
      duration_ms: 0,
      upstream_duration_ms: null,
      retries: 0,
      response_flags: flagString(FLAG_DPE),
      grpc_status: null,
    }),
  );
}

/** The set of bound listeners of one data plane. */
export class ListenerSet {
  private readonly live = new Map<string, ListenerRuntime>();
  private readonly draining = new Set<Promise<void>>();

  /** Creates an empty set. */
  constructor(
    private readonly rt: GatewayRuntime,
    private readonly options: HttpServerOptions,
  ) {}

  /** Bound listeners, sorted by key. */
  list(): BoundListener[] {
    return [...this.live.values()]
      .map((l) => ({ key: l.key, address: l.address, port: l.port }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Reconciles the bound listeners with `listeners`. */
  async apply(listeners: readonly CompiledListener[]): Promise<ListenerApplyResult[]> {
    const wanted = new Map(listeners.map((c) => [c.ir.key, c]));
    const results: ListenerApplyResult[] = [];
    for (const [key, l] of this.live) {
      if (wanted.has(key)) continue;
      this.live.delete(key);
      this.drain(l, this.options.drainTimeoutMs);
      results.push({ key, address: l.address, port: l.port, status: 'draining' });
    }
    const binds: Promise<ListenerApplyResult>[] = [];
    for (const c of listeners) {
      let existing = this.live.get(c.ir.key);
      if (existing !== undefined && (existing.table.tls === undefined) !== (c.tls === undefined)) {
        // HTTP became HTTPS or back: another kind of server has to listen there.
        this.live.delete(c.ir.key);
        this.drain(existing, this.options.drainTimeoutMs);
        existing = undefined;
      }
      if (existing !== undefined) {
        existing.table = c;
        updateDefaultCertificate(existing);
        results.push({ key: c.ir.key, address: existing.address, port: existing.port, status: 'updated' });
      } else {
        binds.push(this.bind(c));
      }
    }
    results.push(...(await Promise.all(binds)));
    return results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Drains every listener (bounded by `graceMs`) and waits for them to close. */
  async close(graceMs = this.options.drainTimeoutMs): Promise<void> {
    for (const l of this.live.values()) this.drain(l, graceMs);
    this.live.clear();
    await Promise.all([...this.draining]);
  }

  private async bind(c: CompiledListener): Promise<ListenerApplyResult> {
    const o = this.options;
    const { key, address, port } = c.ir;
    const rt = this.rt;
    const server = createHttp1Engine(o);
    const l: ListenerRuntime = { key, address, port, server, front: server, h2: undefined, sessions: new Set(), defaultCertificate: undefined, table: c, closing: false, inFlight: 0, tunnels: new Set() };
    serveHttp1(rt, l, server, (err, socket) => onClientError(rt, l, err, socket));
    const front = c.tls !== undefined ? createTlsFront(rt, l, o) : c.ir.http2PriorKnowledge === false ? server : createCleartextFront(rt, l, o);
    (l as { front: NetServer }).front = front;
    updateDefaultCertificate(l);
    try {
      await new Promise<void>((resolve, reject) => {
        front.once('error', reject);
        front.listen({ host: address, port, reusePort: o.reusePort }, () => {
          front.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unknown';
      const error = new GatewayError('LINTAS_ERR_GATEWAY_BIND', `cannot listen on ${key}: ${code}`, { cause: err });
      rt.log.error('gateway listener bind failed', { listener: key, code });
      return { key, address, port, status: 'failed', error };
    }
    front.on('error', (err) => rt.log.error('gateway listener error', { listener: key, error: err.message }));
    l.port = (front.address() as AddressInfo).port;
    this.live.set(key, l);
    rt.log.info('gateway listener bound', { listener: key, port: l.port, tls: c.tls !== undefined });
    return { key, address, port: l.port, status: 'bound' };
  }

  private drain(l: ListenerRuntime, graceMs: number): void {
    l.closing = true;
    const done = new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        destroyEngines(l);
        closeTunnels(l);
      }, graceMs);
      closeEngines(l, () => {
        clearTimeout(deadline);
        resolve();
      });
    });
    this.draining.add(done);
    void done.then(() => {
      this.draining.delete(done);
      this.rt.log.info('gateway listener closed', { listener: l.key });
    });
  }
}
