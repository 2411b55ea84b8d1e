/**
 * The HTTP scaffolding every demo app shares: a node:http server that reads
 * the body, stamps `X-Served-By`, injects the latency and error-rate faults
 * into app routes (never into internal ones such as `/_replicate`, so a
 * faulty replica still converges), answers `/healthz`, `/dependencies/db` and
 * `/stats`, and closes without leaving sockets or timers behind.
 * @module
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../observability/index.ts';
import type { AppFault, AppName, AppOptions, BaseStats, RunningApp } from './types.ts';

/** Largest request body an app reads (bytes); more is answered 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Who this replica is, with defaults filled in. */
export interface AppIdentity {
  readonly cluster: string;
  readonly region: string;
  readonly replica: number;
  readonly version: string;
}

/** A request as an app handler sees it (body fully read). */
export interface AppRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly remoteAddress: string;
}

/** What a handler answers: JSON (`json`) or plain text (`text`). */
export interface AppReply {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What an app plugs into the host. */
export interface AppSpec<X extends object> {
  readonly app: AppName;
  /** Answers app routes; undefined means 404. */
  handle(req: AppRequest): Promise<AppReply | undefined> | AppReply | undefined;
  /** Routes that bypass the latency and error-rate faults (replication, stats). */
  isInternal?(path: string): boolean;
  /** App-specific counters merged into `/stats`. */
  stats(): X;
  /** Stops the app's own timers and clients (runs after the server stopped listening). */
  close?(): Promise<void>;
}

/** The host's live state an app reads while handling requests. */
export interface AppHost {
  readonly identity: AppIdentity;
  readonly logger: Logger;
  /** The fault in force. */
  fault(): AppFault;
}

/** Fills in identity defaults from the options. */
export function resolveIdentity(options: AppOptions): AppIdentity {
  return {
    cluster: options.cluster,
    region: options.region ?? options.cluster,
    replica: options.replica ?? 0,
    version: options.version ?? 'v1',
  };
}

/** Shorthand for a JSON reply. */
export function jsonReply(status: number, json: unknown, headers?: Readonly<Record<string, string>>): AppReply {
  return headers === undefined ? { status, json } : { status, json, headers };
}

/** The answer of a data route while the dependency fault is on. */
export const DEPENDENCY_DOWN_REPLY: AppReply = { status: 503, json: { error: 'dependency_unavailable' } };

// /healthz is the readiness probe: service faults (error rate, latency) must be found by the
// gateway's outlier detection and retries, not turned into endpoints leaving the EndpointSlice.
const ALWAYS_INTERNAL = new Set(['/stats', '/healthz']);

/** One header value as a string (first of a repeated header), or undefined. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Starts an app on node:http. `build` receives the host (identity, logger,
 * current fault) and returns the app's routes; the server listens once it is built.
 */
export async function startAppHost<X extends object>(
  options: AppOptions,
  build: (host: AppHost) => Promise<AppSpec<X>> | AppSpec<X>,
): Promise<RunningApp<BaseStats & X>> {
  const identity = resolveIdentity(options);
  const logger = (options.logger ?? silentLogger).child({ cluster: identity.cluster, replica: identity.replica });
  const random = options.random ?? Math.random;
  let fault: AppFault = {};
  let requests = 0;
  let faultErrors = 0;
  const timers = new Set<NodeJS.Timeout>();
  const host: AppHost = { identity, logger, fault: () => fault };
  const spec = await build(host);
  const servedBy = `${identity.cluster}/${String(identity.replica)}`;

  const send = (res: ServerResponse, reply: AppReply, method: string): void => {
    if (res.headersSent || res.destroyed) return;
    const isText = reply.json === undefined;
    const body = isText ? (reply.text ?? '') : JSON.stringify(reply.json);
    res.writeHead(reply.status, {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-served-by': servedBy,
      ...reply.headers,
    });
    res.end(method === 'HEAD' ? undefined : body);
  };

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      // Unref'd and tracked: a slow fault never keeps a closing process alive.
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      timers.add(timer);
    });

  const common = (req: AppRequest): AppReply | undefined => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    if (req.path === '/healthz') return { status: 200, text: 'ok\n' };
    if (req.path === '/dependencies/db') {
      return fault.dependencyDown === true ? { status: 503, text: 'db unavailable\n' } : { status: 200, text: 'ok\n' };
    }
    if (req.path === '/stats') return jsonReply(200, stats());
    return undefined;
  };

  const dispatch = async (req: AppRequest): Promise<AppReply> => {
    const internal = ALWAYS_INTERNAL.has(req.path) || spec.isInternal?.(req.path) === true;
    if (!internal) {
      const current = fault;
      if (current.latencyMs !== undefined && current.latencyMs > 0) await delay(current.latencyMs);
      const rate = current.errorRate ?? 0;
      if (rate > 0) {
        const draw = random();
        if (draw < rate) {
          faultErrors++;
          // Both kinds of server error, so clients see what a failing backend really answers.
          const status = draw < rate / 2 ? 500 : 503;
          return jsonReply(status, { error: 'injected_fault', status });
        }
      }
    }
    return common(req) ?? (await spec.handle(req)) ?? jsonReply(404, { error: 'not_found', path: req.path });
  };

  const onRequest = (raw: IncomingMessage, res: ServerResponse): void => {
    requests++;
    const method = raw.method ?? 'GET';
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    raw.on('error', () => undefined);
    raw.on('end', () => {
      if (tooLarge) {
        send(res, jsonReply(413, { error: 'body_too_large', limit: MAX_BODY_BYTES }), method);
        return;
      }
      const url = new URL(raw.url ?? '/', 'http://app.invalid');
      const req: AppRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remoteAddress: raw.socket.remoteAddress ?? '',
      };
      dispatch(req).then(
        (reply) => send(res, reply, method),
        (error: unknown) => {
          logger.error('app handler failed', { app: spec.app, path: req.path, error: (error as Error).message });
          send(res, jsonReply(500, { error: 'internal' }), method);
        },
      );
    });
  };

  const server = http.createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => reject(error);
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await spec.close?.();
    throw error;
  });
  server.on('error', (error) => logger.error('app server error', { app: spec.app, error: error.message }));
  const bound = server.address() as AddressInfo;
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${urlHost}:${String(bound.port)}`;

  function stats(): BaseStats & X {
    return {
      app: spec.app,
      ...identity,
      requests,
      faultErrors,
      fault,
      ...spec.stats(),
    };
  }

  let closing: Promise<void> | undefined;
  logger.debug('app listening', { app: spec.app, url });
  return {
    app: spec.app,
    url,
    address: bound.address,
    port: bound.port,
    applyFault: (next) => {
      fault = { ...next };
      logger.info('fault applied', { app: spec.app, fault });
    },
    stats,
    close: () => {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await spec.close?.();
      })();
      return closing;
    },
  };
}
