/**
 * Test helpers for the gateway data plane (not a test file itself): real
 * backend HTTP servers on 127.0.0.1 that echo what they received, IR
 * builders, a gateway started on an ephemeral port, and a bounded HTTP client.
 * @module
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type {
  BackendIR,
  FiltersIR,
  GatewayIR,
  HttpListenerIR,
  RouteMatchIR,
  RouteRuleIR,
  TrafficPolicyIR,
  UpstreamEndpointIR,
  UpstreamIR,
  VirtualHostIR,
} from '../../ir/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { createGatewayDataPlane, type GatewayDataPlane, type GatewayDataPlaneOptions } from './server.ts';
import { createUpstreamSet } from './upstream/index.ts';
import type { UpstreamSet } from './upstream/index.ts';

/** Every client wait in these tests is bounded by this. */
export const CLIENT_TIMEOUT_MS = 10_000;

/** What a test backend saw. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A running test backend. */
export interface TestBackend {
  readonly name: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/** Custom backend behaviour; return true when the handler answered itself. */
export type BackendBehaviour = (req: IncomingMessage, res: ServerResponse, body: string, seen: SeenRequest[]) => boolean | void;

/** Starts an echo backend: answers 200 with JSON `{backend, method, url, headers, body}` unless `behaviour` answers. */
export async function startBackend(name: string, behaviour?: BackendBehaviour): Promise<TestBackend> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(entry);
      if (behaviour?.(req, res, body, seen) === true) return;
      const out = JSON.stringify({ backend: name, ...entry });
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that refuses connections (bound, then closed). */
export async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An upstream endpoint on 127.0.0.1. */
export function endpoint(port: number, cluster = 'c1', extra: Partial<UpstreamEndpointIR> = {}): UpstreamEndpointIR {
  return { address: '127.0.0.1', port, cluster, ready: true, serving: true, terminating: false, ...extra };
}

/** An upstream named `key`. */
export function upstream(key: string, endpoints: readonly UpstreamEndpointIR[], extra: Partial<UpstreamIR> = {}): UpstreamIR {
  return { key, kind: 'Service', namespace: 'ns', name: key, port: 80, protocol: 'http', endpoints, ...extra };
}

/** A backendRef to upstream `key`. */
export function backend(key: string, weight = 1, extra: Partial<BackendIR> = {}): BackendIR {
  return { weight, kind: 'Service', namespace: 'ns', name: key, port: 80, upstream: key, ...extra };
}

/** A route match (PathPrefix `/` by default). */
export function match(extra: Partial<RouteMatchIR> = {}): RouteMatchIR {
  return { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...extra };
}

/** A rule of route `ns/<route>`. */
export function rule(route: string, ruleIndex: number, extra: Partial<RouteRuleIR> = {}, filters: FiltersIR = {}): RouteRuleIR {
  return {
    name: `httproute/ns/${route}/rule/${String(ruleIndex)}/match/0`,
    route: { namespace: 'ns', name: route },
    ruleIndex,
    matchIndex: 0,
    match: match(),
    filters,
    backends: [],
    ...extra,
  };
}

/** A virtual host. */
export function vhost(hostname: string, routes: readonly RouteRuleIR[], listener = 'http'): VirtualHostIR {
  return { hostname, gateway: 'ns/gw', listener, routes };
}

/** A listener on 127.0.0.1 (port 0 = ephemeral). */
export function listener(key: string, virtualHosts: readonly VirtualHostIR[], extra: Partial<HttpListenerIR> = {}): HttpListenerIR {
  return { key, address: '127.0.0.1', port: 0, cluster: 'c1', region: 'r1', virtualHosts, ...extra };
}

/** A running gateway for a test. */
export interface TestGateway {
  readonly dp: GatewayDataPlane;
  readonly upstreams: UpstreamSet;
  /** Access log lines, parsed. */
  readonly lines: Record<string, unknown>[];
  /** Port of the listener with `key` (the first one by default). */
  port(key?: string): number;
  close(): Promise<void>;
}

/** Starts a gateway serving `ir` (health checks off; the real UpstreamSet). */
export async function startGateway(ir: GatewayIR, options: Partial<GatewayDataPlaneOptions> = {}): Promise<TestGateway> {
  const upstreams = options.upstreams ?? createUpstreamSet({ log: silentLogger, healthCheck: { enabled: false } });
  const lines: Record<string, unknown>[] = [];
  const dp = createGatewayDataPlane({
    log: silentLogger,
    accessLog: (chunk) => {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    },
    ...options,
    upstreams,
  });
  await dp.apply(ir);
  return {
    dp,
    upstreams,
    lines,
    port(key) {
      const all = dp.listeners();
      const l = key === undefined ? all[0] : all.find((x) => x.key === key);
      if (l === undefined) throw new Error(`no listener ${key ?? '(first)'}`);
      return l.port;
    },
    async close() {
      await dp.close();
      upstreams.close();
    },
  };
}

/** A response as the tests see it. */
export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The echo backend's JSON, when the body is one. */
  json<T = { backend: string; method: string; url: string; headers: IncomingHttpHeaders; body: string }>(): T;
}

/** Request options of {@link send}. */
export interface SendOptions {
  readonly method?: string;
  readonly host?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Send the body chunked (no Content-Length). */
  readonly chunked?: boolean;
  /** Address to connect to (default 127.0.0.1). */
  readonly address?: string;
  /** A keep-alive agent for many requests (default: a fresh connection). */
  readonly agent?: http.Agent;
}

/** Sends one request on a fresh connection; rejects on socket errors, bounded by {@link CLIENT_TIMEOUT_MS}. */
export function send(port: number, path: string, options: SendOptions = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: options.host ?? 'example.com', ...options.headers };
    const body = options.body;
    if (body !== undefined) {
      if (options.chunked === true) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = http.request(
      { host: options.address ?? '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: options.agent ?? false, timeout: CLIENT_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Writes raw bytes on a fresh connection and collects the reply until the server closes (bounded by {@link CLIENT_TIMEOUT_MS}). */
export function sendRaw(port: number, bytes: string, endAfterWrite = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(CLIENT_TIMEOUT_MS, () => socket.destroy(new Error('raw timeout')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(Buffer.from(bytes, 'latin1'));
    if (endAfterWrite) socket.end();
  });
}

/** Polls `check` until it returns true (bounded); for effects that land asynchronously (access log, mirrors). */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A gateway IR with one listener serving `routes` for `*` and the given upstreams. */
export function simpleIR(routes: readonly RouteRuleIR[], upstreams: readonly UpstreamIR[]): GatewayIR {
  return { listeners: [listener('127.0.0.1:0', [vhost('*', routes)])], upstreams };
}

/** An Owner-mode policy `ns/cases` keyed by `X-Case-Id`: JKT- to jkt, SGP- to sgp, VIP-1 to tyo, other keys by rendezvous; override any field. */
export function casesPolicy(extra: Partial<TrafficPolicyIR> = {}, ownership: Partial<NonNullable<TrafficPolicyIR['ownership']>> = {}): TrafficPolicyIR {
  return {
    key: 'ns/cases',
    locality: { mode: 'Owner' },
    mutationMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    requireIdempotencyKey: true,
    ownership: {
      key: { header: 'X-Case-Id' },
      map: 'ns/case-owners',
      rules: [
        { prefix: 'JKT-', cluster: 'jkt' },
        { prefix: 'SGP-', cluster: 'sgp' },
        { keys: ['VIP-1'], cluster: 'tyo' },
      ],
      defaultClusters: ['jkt', 'sgp', 'tyo'],
      reads: 'Nearest',
      epoch: 1,
      moved: [],
      ...ownership,
    },
    ...extra,
  };
}
