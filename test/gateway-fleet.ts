/**
 * Test helper for end-to-end gateway tests through `lintas serve`: echo backends
 * that say what they received, a plain HTTP client, fleet manifests written as JSON
 * documents (YAML is a superset of JSON), and `startServe()`, which runs
 * `run(['serve', ...])` in-process on a temp dir and waits for `/readyz`.
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { run } from '../src/cli/main.ts';
import { waitFor } from './wait.ts';

/** What an echo backend saw of one request. */
export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The JSON an echo backend answers: its identity plus what it saw. */
export interface EchoBody extends Partial<Seen> {
  readonly name?: string;
  readonly address?: string;
  readonly cluster?: string;
}

/** A running echo backend. */
export interface Echo {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly received: Seen[];
  close(): Promise<void>;
}

/** Response headers every echo sets, for ResponseHeaderModifier cases. */
export const ECHO_RESPONSE_HEADERS: Readonly<Record<string, string>> = { 'x-resp-set': 'original', 'x-resp-add': 'orig', 'x-resp-remove': 'gone' };

/** Request header that makes an echo wait this many ms before answering (timeout cases). */
export const ECHO_DELAY_HEADER = 'x-echo-delay';

/** Options of {@link startEcho}. */
export interface EchoOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Status of every answer (default 200). */
  readonly status?: number;
  /** Extra fields of the JSON body (e.g. `{ cluster: 'a' }`). */
  readonly identity?: Readonly<Record<string, string>>;
}

/** Starts an echo backend on `address`: it answers JSON `{...identity, name, address, method, path, host, headers, body}`. */
export async function startEcho(address: string, name: string, options: EchoOptions = {}): Promise<Echo> {
  const received: Seen[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      const seen: Seen = { method: req.method ?? '', path: req.url ?? '', host: req.headers.host ?? '', headers, body };
      received.push(seen);
      const answer = (): void => {
        if (res.destroyed) return;
        res.writeHead(options.status ?? 200, { 'content-type': 'application/json', 'x-echo-name': name, ...ECHO_RESPONSE_HEADERS });
        res.end(JSON.stringify({ ...options.identity, name, address, ...seen }));
      };
      const delay = Number(headers[ECHO_DELAY_HEADER] ?? 0);
      if (!(delay > 0)) return answer();
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delay);
      timers.add(timer);
      // The gateway gave up (timeout): stop waiting too.
      res.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, address, () => resolve());
  });
  return {
    name,
    address,
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port free on `address` right now. */
export async function freePort(address: string): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, address, r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** One answer as the client saw it. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The echo's JSON, or `{}` for gateway-generated answers. */
  readonly body: EchoBody;
}

/** Options of {@link request}. */
export interface RequestOptions {
  readonly host?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly localAddress?: string;
  /** A keep-alive agent for bulk requests; default: a new connection per request. */
  readonly agent?: http.Agent;
}

/** Sends one request to `url` (the Host header is `host` when given) and reads the whole answer. */
export function request(url: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.host !== undefined) headers.host = options.host;
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers, agent: options.agent ?? false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let body: EchoBody = {};
          try {
            body = JSON.parse(text) as EchoBody;
          } catch {
            // Gateway-generated answers are not JSON.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes `files` (path relative to `root` → text), creating folders. */
export function writeFiles(root: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** Manifests as one multi-document YAML stream (each document written as JSON). */
export function manifests(...objects: readonly object[]): string {
  return `${objects.map((o) => JSON.stringify(o, null, 1)).join('\n---\n')}\n`;
}

/** A `lintas.dev/v1alpha1` Cluster. */
export function clusterObject(name: string, region: string, zone: string, podCIDR: string): object {
  return { apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { region, zones: [zone], podCIDRs: [podCIDR] } };
}

/** A Namespace, optionally labelled. */
export function namespaceObject(name: string, labels?: Readonly<Record<string, string>>): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

/** The GatewayClass Lintas programs. */
export function gatewayClassObject(name = 'lintas'): object {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName: 'lintas.dev/gateway-controller' } };
}

/** One endpoint of {@link serviceObjects}. */
export interface EndpointSpec {
  readonly address: string;
  readonly port: number;
  readonly ready?: boolean;
}

/**
 * A Service on port 8080 plus one EndpointSlice per distinct endpoint port (none when
 * `endpoints` is empty, so the Service has no endpoints at all).
 */
export function serviceObjects(namespace: string, name: string, endpoints: readonly EndpointSpec[]): object[] {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 8080 }] } };
  const ports = [...new Set(endpoints.map((e) => e.port))];
  const slices = ports.map((port, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-${i}`, namespace, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port }],
    endpoints: endpoints.filter((e) => e.port === port).map((e) => ({ addresses: [e.address], ...(e.ready === false ? { conditions: { ready: false } } : {}) })),
  }));
  return [service, ...slices];
}

/** A running `lintas serve`. */
export interface Serve {
  /** Admin base URL (`http://127.0.0.1:PORT`). */
  readonly admin: string;
  readonly accessLog: string;
  /** Stops serve and returns its exit code. */
  stop(): Promise<number>;
}

/** Runs `lintas serve --config fleet` in-process (DNS on a free port, state and access log in `root`) until `/readyz` answers 200. */
export async function startServe(root: string, fleet: string): Promise<Serve> {
  const adminPort = await freePort('127.0.0.1');
  const admin = `http://127.0.0.1:${adminPort}`;
  const accessLog = join(root, 'access.log');
  const controller = new AbortController();
  const errors: string[] = [];
  const io = { out: () => undefined, err: (text: string) => void errors.push(text), env: {}, cwd: root };
  const exited = run(
    ['serve', '--config', fleet, '--dns', '127.0.0.1:0', '--admin', `127.0.0.1:${adminPort}`, '--state-dir', join(root, '.lintas'), '--access-log', accessLog, '--log-level', 'error'],
    io,
    controller.signal,
  );
  let early: number | undefined;
  void exited.then((code) => (early = code));
  let outcome: 'ready' | 'exited';
  try {
    // Generous: the machine is shared, and a cold start under load can be slow.
    outcome = await waitFor(
      'lintas serve /readyz',
      // An invalid fleet does not stop serve (it waits for a good one): fail fast on it instead.
      async () => (early !== undefined || errors.some((e) => e.includes('fleet has errors')) ? 'exited' : (await fetch(`${admin}/readyz`)).status === 200 ? 'ready' : undefined),
      60_000,
    );
  } catch (error) {
    controller.abort();
    await exited;
    throw new Error(`${(error as Error).message}; serve stderr: ${errors.join(' ') || '(none)'}`, { cause: error });
  }
  if (outcome === 'exited') {
    const why = early !== undefined ? `exited with ${early}` : 'refused the fleet';
    controller.abort();
    await exited;
    throw new Error(`lintas serve ${why} before it was ready; stderr: ${errors.join(' ') || '(none)'}`);
  }
  return {
    admin,
    accessLog,
    stop: async () => {
      controller.abort();
      return exited;
    },
  };
}

/** Removes a temp dir made by a test. */
export function removeDir(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** A Gateway of class `lintas` binding `address`. */
export function gatewayObject(namespace: string, name: string, address: string, listeners: readonly object[], metadata: object = {}): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace, ...metadata },
    spec: { gatewayClassName: 'lintas', addresses: [{ type: 'IPAddress', value: address }], listeners },
  };
}

/** An HTTPRoute; `metadata` adds e.g. creationTimestamp or generation. */
export function httpRoute(namespace: string, name: string, spec: object, metadata: object = {}): object {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace, ...metadata }, spec };
}

/** The request header a {@link tag} filter sets. */
export const CASE_HEADER = 'x-case';

/** A RequestHeaderModifier that tags requests with the id of the rule that routed them (the echo shows it). */
export function tag(id: string): object {
  return { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: CASE_HEADER, value: id }] } };
}
