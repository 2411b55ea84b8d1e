/**
 * The admin HTTP server: `/readyz`, `/healthz`, `/metrics` (Prometheus text),
 * plus JSON routes that runners register (e.g. computed objects for `--server`).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from './logger.ts';

/** A JSON route: returns the body to serialise, or undefined for 404. */
export type JsonRoute = (url: URL) => unknown;

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** Why the process is not ready yet (undefined when ready). */
  readonly notReady: () => string | undefined;
  readonly registry?: Registry;
  /** Extra JSON routes by exact path, e.g. `/api/v1/serviceimports`. */
  readonly routes?: Readonly<Record<string, JsonRoute>>;
}

/** A running admin server. */
export interface AdminServer {
  readonly url: string;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** A registry with Node's default process metrics, prefixed `lintas_`. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lintas_' });
  return registry;
}

/** Starts the admin server; resolves once it listens. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const registry = options.registry ?? createRegistry();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (url.pathname === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (url.pathname === '/readyz') {
      const why = options.notReady();
      return why === undefined ? send(200, 'text/plain', 'ok\n') : send(503, 'text/plain', `not ready: ${why}\n`);
    }
    if (url.pathname === '/metrics') return send(200, registry.contentType, await registry.metrics());
    const route = options.routes?.[url.pathname];
    const body = route?.(url);
    if (body === undefined) return send(404, 'application/json', JSON.stringify({ error: `no route ${url.pathname}` }));
    return send(200, 'application/json', JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in one handler must never take the admin server (or the data plane) down.
      options.log.error('admin request failed', { path: req.url, error: (error as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
