/**
 * The HTTP gateway data plane: `createGatewayDataPlane` serves a GatewayIR on
 * node:http listeners and proxies to backends over undici keep-alive pools.
 * `apply` is serialised: it compiles the IR, installs the upstreams, binds new
 * listeners, swaps the routing tables of kept ones and drains removed ones,
 * so a config change never drops a request in flight.
 * @module
 */
import type { Registry } from 'prom-client';
import type { GatewayIR, DataPlaneReport } from '../../ir/index.ts';
import type { Logger } from '../../observability/index.ts';
import { AccessLogWriter, DEFAULT_ACCESS_LOG_BUFFER_BYTES, type AccessLogSink } from './access-log.ts';
import { compileGateway, DEFAULT_BACKEND_TIMEOUT_MS, newListenerCompileCache, type CompileProblem } from './compile.ts';
import { GatewayError } from './errors.ts';
import type { ConfigFreshness } from './freshness.ts';
import { DEFAULT_HTTP_SERVER_OPTIONS, ListenerSet, type BoundListener, type HttpServerOptions, type ListenerApplyResult } from './listener-set.ts';
import { createGatewayMetrics, noGatewayMetrics } from './metrics.ts';
import { DEFAULT_POOL_OPTIONS, EndpointPools, type PoolOptions } from './pools.ts';
import { RecentWrites } from './recent-writes.ts';
import type { GatewayRuntime } from './runtime.ts';
import { SecureContextCache, type CertificateSource } from './tls.ts';
import type { UpstreamSet } from './upstream/index.ts';

/** Options of {@link createGatewayDataPlane}. */
export interface GatewayDataPlaneOptions {
  readonly log: Logger;
  /** Endpoint choice, health and retry budget (owned by the caller: `close()` leaves it open). */
  readonly upstreams: UpstreamSet;
  /**
   * Access log sink (default process.stdout). A function receives chunks of one
   * or more `\n`-terminated JSON lines; a Writable's back-pressure is honoured.
   */
  readonly accessLog?: AccessLogSink;
  /** Queued access log bytes beyond which lines are dropped (default 8 MiB). */
  readonly accessLogBufferBytes?: number;
  /** Where to register `lintas_gateway_*` metrics (none when absent). */
  readonly registry?: Registry;
  /** [0, 1) source for weighted backends and mirror percentages (default Math.random). */
  readonly random?: () => number;
  /** Epoch ms clock for the access log and durations (default performance-based, fractional). */
  readonly now?: () => number;
  /** Downstream limits (timeouts, header size, drain). */
  readonly http?: Partial<HttpServerOptions>;
  /** Upstream pool tuning. */
  readonly pool?: Partial<PoolOptions>;
  /** Per-attempt bound when a route sets no `backendRequest` timeout (default 15 s). */
  readonly defaultBackendTimeoutMs?: number;
  /**
   * How current the config is, when a control plane feeds it (`lintas gateway`): Owner-mode
   * mutations fail closed once it is stale, judged with `now`. Absent: never stale.
   */
  readonly freshness?: ConfigFreshness;
}

/** What one apply did. */
export interface ApplyReport {
  /** 1 for the first apply, +1 per apply. */
  readonly generation: number;
  readonly listeners: readonly ListenerApplyResult[];
  /** Rules that failed to compile (they never match; the rest serve). */
  readonly problems: readonly CompileProblem[];
}

/** A running gateway data plane. */
export interface GatewayDataPlane {
  /** Serves `ir` from now on (see the module doc); `certificates` gives HTTPS listeners their key material. */
  apply(ir: GatewayIR, certificates?: CertificateSource): Promise<ApplyReport>;
  /** Listeners bound right now, with their actual ports. */
  listeners(): readonly BoundListener[];
  /** Its own counters since start: traffic by (entry, destination), non-owner mutations, served certificates (empty without a registry). */
  counters(): Omit<DataPlaneReport, 'observation'>;
  /** Drains listeners, closes pools, flushes the access log. */
  close(): Promise<void>;
}

const performanceClock = (): number => performance.timeOrigin + performance.now();

/** Creates the data plane (nothing is bound until the first apply). */
export function createGatewayDataPlane(options: GatewayDataPlaneOptions): GatewayDataPlane {
  const accessLog = new AccessLogWriter(options.accessLog ?? process.stdout, options.accessLogBufferBytes ?? DEFAULT_ACCESS_LOG_BUFFER_BYTES);
  const metrics = options.registry === undefined ? noGatewayMetrics : createGatewayMetrics(options.registry, () => accessLog.dropped);
  const pools = new EndpointPools({ ...DEFAULT_POOL_OPTIONS, ...options.pool });
  const now = options.now ?? performanceClock;
  const rt: GatewayRuntime = {
    upstreams: options.upstreams,
    pools,
    metrics,
    recentWrites: new RecentWrites(now),
    accessLog,
    random: options.random ?? Math.random,
    now,
    log: options.log,
    defaultBackendTimeoutMs: options.defaultBackendTimeoutMs ?? DEFAULT_BACKEND_TIMEOUT_MS,
    downstreamStallMs: options.http?.idleTimeoutMs ?? DEFAULT_HTTP_SERVER_OPTIONS.idleTimeoutMs,
    ...(options.freshness !== undefined ? { freshness: options.freshness } : {}),
  };
  const httpOptions: HttpServerOptions = { ...DEFAULT_HTTP_SERVER_OPTIONS, ...options.http };
  const listeners = new ListenerSet(rt, httpOptions);
  let generation = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  const contexts = new SecureContextCache();
  // Listeners that are the same IR objects as last apply keep their compiled form.
  const listenerCache = newListenerCompileCache();
  const applyNow = async (ir: GatewayIR, certificates: CertificateSource | undefined): Promise<ApplyReport> => {
    if (closed) throw new GatewayError('LINTAS_ERR_GATEWAY_CLOSED', 'gateway data plane is closed');
    const { listeners: compiled, problems } = compileGateway(ir, { source: certificates, cache: contexts }, listenerCache);
    contexts.commit();
    for (const p of problems) rt.log.warn('gateway rule not programmed', { ...p });
    rt.upstreams.update(ir.upstreams);
    pools.setUpstreams(ir.upstreams);
    const results = await listeners.apply(compiled);
    rt.recentWrites.retain(new Set((ir.policies ?? []).map((p) => p.key)));
    generation += 1;
    metrics.generation(generation);
    metrics.certificates(ir.listeners.flatMap((l) => (l.tls?.listeners ?? []).flatMap((t) => t.certificates.map((c) => ({ cluster: l.cluster, secret: c.secret, notAfter: c.notAfter })))));
    return { generation, listeners: results, problems };
  };

  return {
    apply(ir, certificates) {
      const run = queue.then(() => applyNow(ir, certificates));
      queue = run.catch(() => undefined);
      return run;
    },
    listeners: () => listeners.list(),
    counters: () => ({ traffic: metrics.traffic(), nonOwnerMutations: metrics.nonOwnerMutations(), certificates: metrics.certificateList() }),
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await listeners.close();
      await pools.close();
      await accessLog.close();
    },
  };
}
