/**
 * One process's gateway data plane, assembled: the upstream set, the HTTP
 * gateway and the east-west TCP proxy sharing it, and one access log for both
 * (a file opened at once, so a bad path fails at start, or a line sink).
 * `apply` serves a Gateway IR on both and says which listeners failed to bind.
 * The gateway role (`lintas gateway`) and the embedded gateway runner of
 * `serve` are both built on it.
 * @module
 */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { Registry } from 'prom-client';
import type { DataPlaneReport, GatewayIR } from '../ir/index.ts';
import type { Logger } from '../observability/index.ts';
import { createGatewayDataPlane, type ApplyReport, type BoundListener, type CertificateSource, type ConfigFreshness } from './gateway/index.ts';
import { createUpstreamSet, type UpstreamSet, type UpstreamSetOptions } from './gateway/upstream/index.ts';
import { createTcpProxy } from './tcp-proxy/server.ts';

/** Options of {@link createLocalDataPlane}. */
export interface LocalDataPlaneOptions {
  readonly log: Logger;
  readonly registry?: Registry;
  /** Access log file (appended); without it lines go to `write`. */
  readonly accessLogPath?: string;
  /** Access log sink when there is no file (default: stdout). */
  readonly write?: (chunk: string) => void;
  /** Fail-static staleness of a config fed by a control plane (see `ConfigFreshness`). */
  readonly freshness?: ConfigFreshness;
  /** Epoch ms clock of the request path (default performance-based). */
  readonly now?: () => number;
  /** Health checks of the upstream set (tests turn them off). */
  readonly healthCheck?: UpstreamSetOptions['healthCheck'];
  /** Bind listeners with SO_REUSEPORT: a gateway's worker threads each bind the same addresses. */
  readonly reusePort?: boolean;
}

/** What one apply did on both proxies. */
export interface LocalApplyResult {
  readonly report: ApplyReport;
  /** Listeners (HTTP or TCP) that could not be bound, with the error. */
  readonly failed: readonly { readonly key: string; readonly error: string }[];
}

/** A running local data plane. */
export interface LocalDataPlane {
  readonly upstreams: UpstreamSet;
  /** Serves `ir` on the HTTP gateway and the TCP proxy (applies are serialised by the gateway); HTTPS listeners take their key material from `certificates`. */
  apply(ir: GatewayIR, certificates?: CertificateSource): Promise<LocalApplyResult>;
  /** Listeners bound right now (`address:port`). */
  bound(): readonly string[];
  /** Listeners bound right now, HTTP then TCP, with their IR keys. */
  listeners(): readonly BoundListener[];
  /** Its report: the HTTP gateway's counters and the upstream set's view (what it tells the control plane). */
  report(): DataPlaneReport;
  close(): Promise<void>;
}

/** Creates the data plane (nothing bound until the first apply); throws when the access log file cannot be opened. */
export function createLocalDataPlane(options: LocalDataPlaneOptions): LocalDataPlane {
  const { log } = options;
  let stream: WriteStream | undefined;
  if (options.accessLogPath !== undefined) {
    stream = createWriteStream(options.accessLogPath, { fd: openSync(options.accessLogPath, 'a') });
    stream.on('error', (error) => log.error('access log write failed', { path: options.accessLogPath, error: error.message }));
  }
  const write = options.write ?? ((chunk: string) => void process.stdout.write(chunk));
  // A stream sink lets the data plane see back-pressure (and count what it drops) instead of buffering without bound.
  const sink = (line: string): void => void (stream !== undefined ? stream.write(line) : write(line));
  const upstreams = createUpstreamSet({ log: log.child({ component: 'upstreams' }), ...(options.registry !== undefined ? { registry: options.registry } : {}), ...(options.healthCheck !== undefined ? { healthCheck: options.healthCheck } : {}) });
  const http = createGatewayDataPlane({
    log: log.child({ component: 'gateway' }),
    upstreams,
    accessLog: stream ?? sink,
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
    ...(options.freshness !== undefined ? { freshness: options.freshness } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.reusePort === true ? { http: { reusePort: true } } : {}),
  });
  const tcp = createTcpProxy({
    log: log.child({ component: 'tcp-proxy' }),
    upstreams,
    ...(options.reusePort === true ? { reusePort: true } : {}),
    onConnection: (e) =>
      sink(
        `${JSON.stringify({ time: new Date().toISOString(), protocol: 'tcp', listener: e.listener, service_import: e.serviceImport, entry_cluster: e.entryCluster ?? null, destination_cluster: e.upstream?.cluster ?? null, upstream: e.upstream?.key ?? null, attempts: e.attempts, bytes_in: e.bytesIn, bytes_out: e.bytesOut, response_flags: e.responseFlags })}\n`,
      ),
  });
  const listeners = (): BoundListener[] => [...http.listeners(), ...tcp.listeners()].map(({ key, address, port }) => ({ key, address, port }));
  return {
    upstreams,
    async apply(ir, certificates) {
      const report = await http.apply(ir, certificates);
      const tcpResult = await tcp.apply(ir.tcpListeners ?? []);
      const failed = [...report.listeners.filter((l) => l.status === 'failed').map((l) => ({ key: l.key, error: l.error?.message ?? 'bind failed' })), ...tcpResult.failed];
      return { report, failed };
    },
    report: () => ({ ...http.counters(), observation: upstreams.observe() }),
    bound: () => listeners().map((l) => `${l.address}:${String(l.port)}`),
    listeners,
    async close() {
      await Promise.all([http.close(), tcp.close()]);
      upstreams.close();
      if (stream !== undefined) await new Promise<void>((resolve) => stream.end(resolve));
    },
  };
}
