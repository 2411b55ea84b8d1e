/**
 * Starting the gateway bench's servers: the origin and proxy nginx instances
 * (each in its own prefix directory) and `lintas serve` on a generated fleet,
 * each waited for with a bounded probe; plus the HTTP probe both proxies are
 * checked with before any load.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import { originAddresses } from './fleet.ts';
import { ORIGIN_BODY, originConfig, proxyConfig, type NginxInstance } from './nginx.ts';
import { adoptChildren, freePort, waitFor, type Proc, type Supervisor } from '../lib/procs.ts';

const START_TIMEOUT_MS = 30_000;
const NGINX_START_TIMEOUT_MS = 10_000;

/** A started server. */
export interface Server {
  readonly name: string;
  readonly port: number;
  readonly proc: Proc;
}

/** What one HTTP GET answered. */
export interface Probe {
  readonly status: number;
  readonly body: string;
}

/** The bench's certificates are self-signed: its probes check what the proxies answer, not who they are. */
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** One GET with a 2 s bound; undefined when the connection fails. */
export async function probe(url: string): Promise<Probe | undefined> {
  try {
    const res = url.startsWith('https:') ? await undiciFetch(url, { signal: AbortSignal.timeout(2_000), dispatcher: insecure }) : await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** Waits until `url` answers 200 with the origin's body. */
export async function waitForOk(what: string, url: string, proc: Proc, ms: number, extra?: () => string): Promise<void> {
  let last: Probe | undefined;
  const said = (): string => `${extra?.() ?? ''}\n[last answer from ${url}: ${last === undefined ? 'no connection' : `HTTP ${last.status} ${JSON.stringify(last.body.slice(0, 200))}`}]`;
  await waitFor(what, ms, async () => {
    last = await probe(url);
    return last?.status === 200 && last.body === ORIGIN_BODY ? true : undefined;
  }, proc, said);
}

/** `user` for nginx: only when we are root (see NginxInstance.user). */
export function nginxUser(): NginxInstance['user'] {
  return process.getuid?.() === 0 ? { user: 'root', group: 'root' } : undefined;
}

function errorLog(prefix: string): () => string {
  return () => {
    const path = join(prefix, 'error.log');
    return existsSync(path) ? `\n[${path}]\n${readFileSync(path, 'utf8')}` : '';
  };
}

async function startNginx(sv: Supervisor, bin: string, name: string, prefix: string, conf: (port: number) => string, host: string, readyUrl: (port: number) => string): Promise<Server> {
  mkdirSync(prefix, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(host);
    writeFileSync(join(prefix, 'nginx.conf'), conf(port));
    const proc = sv.launch(name, bin, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')]);
    try {
      await waitForOk(`${name} to answer 200 on ${readyUrl(port)}`, readyUrl(port), proc, NGINX_START_TIMEOUT_MS, errorLog(prefix));
      adoptChildren(proc);
      return { name, port, proc };
    } catch (error) {
      await sv.stop(proc);
      // Another process took the port between freePort() and nginx's bind: try another.
      if (attempt < 3 && /in use/i.test(errorLog(prefix)())) continue;
      throw error;
    }
  }
}

/** The origin nginx: 200 "ok\n" on 127.77.0.1..N, one port. */
export function startOrigin(sv: Supervisor, bin: string, prefix: string, endpoints: number): Promise<Server> {
  const addresses = originAddresses(endpoints);
  return startNginx(sv, bin, 'origin nginx', prefix, (port) => originConfig({ prefix, addresses, port, user: nginxUser() }), addresses[0] as string, (port) => `http://${addresses[0]}:${port}/`);
}

/** The proxy nginx in front of the origin's first `endpoints` addresses, with the fleet's route layout (TLS with `tls`; `workers` processes; a JSON `accessLog`). */
export function startNginxProxy(
  sv: Supervisor,
  bin: string,
  prefix: string,
  o: { routes: number; endpoints: number; originPort: number; path: string; keepalive: number; tls?: { certFile: string; keyFile: string }; workers?: number; accessLog?: string },
): Promise<Server> {
  const scheme = o.tls === undefined ? 'http' : 'https';
  const upstreams = originAddresses(o.endpoints).map((a) => `${a}:${o.originPort}`);
  return startNginx(
    sv,
    bin,
    'nginx proxy',
    prefix,
    (port) =>
      proxyConfig({
        prefix,
        listen: { host: '127.0.0.1', port },
        upstreams,
        routes: o.routes,
        keepalive: o.keepalive,
        user: nginxUser(),
        ...(o.tls !== undefined ? { tls: o.tls } : {}),
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
        ...(o.accessLog !== undefined ? { accessLog: o.accessLog } : {}),
      }),
    '127.0.0.1',
    (port) => `${scheme}://127.0.0.1:${port}${o.path}`,
  );
}

/** How `lintas serve` is started. */
export interface LintasLaunch {
  readonly root: string;
  readonly entry: 'dist' | 'src';
  readonly fleet: string;
  readonly stateDir: string;
  readonly accessLog: string;
  /** The Gateway listener's port (written into the fleet). */
  readonly listenerPort: number;
  readonly path: string;
  /** Node options before the entry (e.g. `--import` a probe into the serve process). */
  readonly nodeArgs?: readonly string[];
  /** `https` when the fleet's listener is HTTPS. */
  readonly scheme: 'http' | 'https';
  /** More `lintas serve` flags (e.g. `--gateway-workers 0`). */
  readonly serveArgs?: readonly string[];
}

/** The argv that runs `lintas <args>` from the bundle or from the sources (as bin/lintas.js does without a bundle). */
export function lintasArgv(root: string, entry: 'dist' | 'src', args: readonly string[]): string[] {
  if (entry === 'dist') return [join(root, 'bin', 'lintas.js'), ...args];
  const mainUrl = pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href;
  const fromSources = `const { run } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await run(process.argv.slice(1));`;
  return ['--import', 'tsx', '--input-type=module', '-e', fromSources, ...args];
}

/** Starts `lintas serve`, waits for /readyz 200 and for its Gateway listener to route to the origin. */
export async function startLintas(sv: Supervisor, o: LintasLaunch): Promise<Server & { admin: string }> {
  const serveArgs = ['serve', '--config', o.fleet, '--dns', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--state-dir', o.stateDir, '--access-log', o.accessLog, '--log-level', 'warn', ...(o.serveArgs ?? [])];
  const proc = sv.launch('lintas serve', process.execPath, [...(o.nodeArgs ?? []), ...lintasArgv(o.root, o.entry, serveArgs)], o.root);
  const banner = await waitFor('the `lintas serve` banner', START_TIMEOUT_MS, () => /admin (http:\/\/[^\s,]+)/.exec(proc.output()) ?? undefined, proc);
  const admin = banner[1] as string;
  await waitFor('/readyz 200', START_TIMEOUT_MS, async () => ((await probe(`${admin}/readyz`))?.status === 200 ? true : undefined), proc);
  const url = `${o.scheme}://127.0.0.1:${o.listenerPort}${o.path}`;
  await waitForOk(`the Gateway listener to route ${url} to the origin (200 "ok\\n")`, url, proc, START_TIMEOUT_MS);
  return { name: 'lintas', port: o.listenerPort, proc, admin };
}
