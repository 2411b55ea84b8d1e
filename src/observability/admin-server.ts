/**
 * The admin HTTP server: `/readyz`, `/healthz`, `/metrics` (Prometheus text),
 * JSON routes that runners register (e.g. computed objects for `--server`),
 * GET routes that need a role, authenticated mutating actions (POST with a
 * bearer token and a `reason`), raw routes that write their own response after the
 * role check (streams), and public path prefixes (a built app's static files). Without an authenticator, actions are refused:
 * the server is read-only, never open. Requests whose `Host` is not a name the
 * server is reached by are refused with 421 (DNS rebinding, admin-host.ts);
 * refusals are logged with the client address, rate-limited (log-limiter.ts).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createHostCheck } from './admin-host.ts';
import { hasRole, type Authenticator, type Principal, type Role } from './auth.ts';
import { createLogLimiter } from './log-limiter.ts';
import type { Logger } from './logger.ts';
import type { PrefixHandler } from './static-files.ts';

/** Path parameters matched by `:name` segments of a route pattern, percent-decoded. */
export type PathParams = Readonly<Record<string, string>>;

/** A JSON route: returns the body to serialise (or a promise of it), or undefined for 404. */
export type JsonRoute = (url: URL, params: PathParams) => unknown;

/** A GET route that needs a role (e.g. audit queries need `viewer`). */
export interface ProtectedRoute {
  readonly role: Role;
  readonly handler: JsonRoute;
}

/** What an action handler receives: who asked, the path parameters, the JSON body and its `reason`. */
export interface ActionContext {
  readonly principal: Principal;
  readonly params: PathParams;
  readonly body: Readonly<Record<string, unknown>>;
  /** The body's `reason`, trimmed and non-empty. */
  readonly reason: string;
  readonly url: URL;
}

/** What an action handler returns: the JSON body and its status (200 by default). */
export interface ActionResult {
  readonly status?: number;
  readonly body: unknown;
}

/** A mutating call (POST): the role it needs and its handler; throw an error with `status` and `code` to refuse. */
export interface AdminAction {
  readonly role: Role;
  handler(ctx: ActionContext): Promise<ActionResult> | ActionResult;
}

/** What a raw route's handler receives once the bearer token holds the route's role. */
export interface RawRouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly principal: Principal;
  readonly params: PathParams;
  readonly url: URL;
}

/**
 * A route that writes its own response after the role check: a long-lived stream, or a
 * machine-to-machine call that is not an audited action (no `reason`), such as the config
 * stream of the gateways and their acknowledgements.
 */
export interface RawRoute {
  readonly method: 'GET' | 'POST';
  /** The role the token must hold, which may depend on the path (e.g. `gateway:<cluster>`). */
  role(params: PathParams): Role;
  /** Writes the response; throw an error with `status` and `code` (before writing) to refuse. */
  handle(ctx: RawRouteContext): Promise<void> | void;
}

/** An error a handler throws to answer with `status` and `{ error: code, message }` (any error with `status` works). */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  /** Creates an error answered with HTTP `status` and a stable `code`. */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The largest action body accepted (bigger bodies get 413). */
export const MAX_ACTION_BODY_BYTES = 64 * 1024;

/** The longest `reason` and `changeRequest` accepted (they go into the audit chain; longer gets 400). */
export const MAX_AUDIT_TEXT_CHARS = 1024;

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** Why the process is not ready yet (undefined when ready). */
  readonly notReady: () => string | undefined;
  /** Conditions worth knowing while ready (e.g. serving the last good config): lines after `ok` on `/readyz`. */
  readonly readyDetail?: () => readonly string[];
  readonly registry?: Registry;
  /** More Prometheus text for `/metrics`, after the registry's (a gateway's worker threads' metrics, summed). */
  readonly extraMetrics?: () => Promise<string>;
  /** Awaited before the registry is read at each scrape (counts held by another thread are posted first). */
  readonly beforeMetrics?: () => Promise<void>;
  /** Public GET JSON routes by path or pattern, e.g. `/api/v1/serviceimports` or `/api/v1/x/:name`. */
  readonly routes?: Readonly<Record<string, JsonRoute>>;
  /** GET JSON routes that need a role, by path or pattern, e.g. `/api/v1/audit/:id`. */
  readonly protectedRoutes?: Readonly<Record<string, ProtectedRoute>>;
  /** POST actions by path or pattern, e.g. `/api/v1/failover/:namespace/:name/propose`. */
  readonly actions?: Readonly<Record<string, AdminAction>>;
  /** Routes that write their own response after the role check (streams, acknowledgements), by path or pattern. */
  readonly rawRoutes?: Readonly<Record<string, RawRoute>>;
  /** Public handlers of a path prefix and everything below it (e.g. the console's static files at `/ui`); they need no token. */
  readonly prefixes?: Readonly<Record<string, PrefixHandler>>;
  /** Checks bearer tokens; without one (or a read-only one) actions and protected routes are refused. */
  readonly auth?: Authenticator;
  /** `Host` names accepted besides loopback names/addresses and the bound address (e.g. the name Prometheus scrapes). */
  readonly allowedHosts?: readonly string[];
  /** Rate limit of refusal log lines: at most `burst` per `intervalMs`, then one summary line (default 20 per 60 s). */
  readonly refusalLog?: { readonly burst?: number; readonly intervalMs?: number; readonly now?: () => number };
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

type Method = 'GET' | 'POST';
type Target =
  | { readonly kind: 'public'; readonly handler: JsonRoute }
  | { readonly kind: 'protected'; readonly role: Role; readonly handler: JsonRoute }
  | { readonly kind: 'action'; readonly role: Role; readonly action: AdminAction }
  | { readonly kind: 'raw'; readonly route: RawRoute };
type Segment = { readonly literal: string } | { readonly param: string };
interface CompiledRoute {
  readonly method: Method;
  readonly pattern: string;
  readonly segments: readonly Segment[];
  /** One character per segment, `0` literal and `1` parameter: sorting by it puts literals first. */
  readonly rank: string;
  readonly target: Target;
}
interface Match {
  readonly route: CompiledRoute;
  readonly params: PathParams;
}
/** A refusal the server answers with `{ error: code, message }` and `status`. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const BUILTIN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)$/;

/** Compiles every route table; throws on a malformed pattern or two routes of one method with the same shape. */
function compileRoutes(options: AdminServerOptions): CompiledRoute[] {
  const compiled: CompiledRoute[] = [];
  const add = (method: Method, pattern: string, target: Target): void => {
    if (!pattern.startsWith('/')) throw new Error(`admin route ${pattern}: must start with /`);
    const segments: Segment[] = pattern.slice(1).split('/').map((part) => {
      const param = PARAM.exec(part)?.[1];
      if (param !== undefined) return { param };
      if (part.startsWith(':')) throw new Error(`admin route ${pattern}: bad parameter ${part}`);
      return { literal: part };
    });
    const names = segments.flatMap((s) => ('param' in s ? [s.param] : []));
    if (new Set(names).size !== names.length) throw new Error(`admin route ${pattern}: repeated parameter name`);
    const shape = segments.map((s) => ('param' in s ? ':' : s.literal)).join('/');
    const clash = compiled.find((c) => c.method === method && c.segments.map((s) => ('param' in s ? ':' : s.literal)).join('/') === shape);
    if (clash) throw new Error(`admin route ${pattern}: ${method} clashes with ${clash.pattern}`);
    compiled.push({ method, pattern, segments, rank: segments.map((s) => ('param' in s ? '1' : '0')).join(''), target });
  };
  for (const [pattern, handler] of Object.entries(options.routes ?? {})) add('GET', pattern, { kind: 'public', handler });
  for (const [pattern, route] of Object.entries(options.protectedRoutes ?? {})) add('GET', pattern, { kind: 'protected', role: route.role, handler: route.handler });
  for (const [pattern, action] of Object.entries(options.actions ?? {})) add('POST', pattern, { kind: 'action', role: action.role, action });
  for (const [pattern, route] of Object.entries(options.rawRoutes ?? {})) add(route.method, pattern, { kind: 'raw', route });
  // The most specific route wins: `/audit/verify` before `/audit/:id`.
  return compiled.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
}

function matchRoute(route: CompiledRoute, parts: readonly string[]): PathParams | undefined {
  if (parts.length !== route.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const segment = route.segments[i] as Segment;
    const part = parts[i] as string;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
      continue;
    }
    if (part === '') return undefined;
    try {
      params[segment.param] = decodeURIComponent(part);
    } catch {
      return undefined; // malformed percent-encoding matches nothing (404)
    }
  }
  return params;
}

/** Starts the admin server; resolves once it listens. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const registry = options.registry ?? createRegistry();
  const routes = compileRoutes(options);
  const log = options.log;
  const readOnly = options.auth === undefined || options.auth.readOnly;
  const hostAllowed = createHostCheck(options.host, options.allowedHosts);
  // Anyone can make the server refuse them, so refusal lines are rate-limited.
  const refusals = createLogLimiter({ log, summary: 'admin refusals suppressed (rate limit)', ...options.refusalLog });

  const find = (method: Method, pathname: string): { match?: Match; allowed: Method[] } => {
    const parts = pathname.slice(1).split('/');
    const allowed = new Set<Method>(BUILTIN_PATHS.has(pathname) ? ['GET'] : []);
    let match: Match | undefined;
    for (const route of routes) {
      const params = matchRoute(route, parts);
      if (params === undefined) continue;
      allowed.add(route.method);
      if (match === undefined && route.method === method) match = { route, params };
    }
    return { ...(match ? { match } : {}), allowed: [...allowed].sort() };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const sendJson = (status: number, body: unknown, headers: Record<string, string> = {}): void =>
      send(status, 'application/json', JSON.stringify(body), headers);
    const refuse = (r: Refusal, headers: Record<string, string> = {}): void => sendJson(r.status, { error: r.code, message: r.message }, headers);
    const method = req.method === 'GET' || req.method === 'HEAD' ? 'GET' : req.method === 'POST' ? 'POST' : undefined;
    const client = req.socket.remoteAddress ?? 'unknown';

    if (!hostAllowed(req.headers.host)) {
      refusals.warn('admin request refused', { client, method: req.method, path: url.pathname, status: 421, error: 'host_not_allowed', host: req.headers.host?.slice(0, 100) });
      return refuse({ status: 421, code: 'host_not_allowed', message: 'this Host is not one the admin server answers to (DNS rebinding defence); use its address, or add the name with --admin-allowed-host' });
    }
    for (const [prefix, serve] of Object.entries(options.prefixes ?? {})) {
      if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) return serve(req, res, url);
    }
    if (method === 'GET') {
      if (url.pathname === '/healthz') return send(200, 'text/plain', 'ok\n');
      if (url.pathname === '/readyz') {
        const why = options.notReady();
        const detail = options.readyDetail?.() ?? [];
        return why === undefined ? send(200, 'text/plain', ['ok', ...detail.map((d) => `warning: ${d}`)].join('\n') + '\n') : send(503, 'text/plain', [`not ready: ${why}`, ...detail].join('\n') + '\n');
      }
      if (url.pathname === '/metrics') {
        await options.beforeMetrics?.();
        return send(200, registry.contentType, (await registry.metrics()) + ((await options.extraMetrics?.()) ?? ''));
      }
    }
    const { match, allowed } = find(method ?? 'GET', url.pathname);
    if (method === undefined || match === undefined) {
      if (allowed.length > 0 && !(method !== undefined && allowed.includes(method))) {
        return refuse({ status: 405, code: 'method_not_allowed', message: `${req.method} not allowed on ${url.pathname} (allowed: ${allowed.join(', ')})` }, { allow: allowed.join(', ') });
      }
      return refuse({ status: 404, code: 'not_found', message: `no route ${url.pathname}` });
    }
    const { route, params } = match;
    const target = route.target;
    const where = { client, method, path: url.pathname };
    const who = (): { subject?: string } => (principal ? { subject: principal.subject } : {});

    let principal: Principal | undefined;
    if (target.kind !== 'public') {
      const checked = authorize(req, target.kind === 'raw' ? target.route.role(params) : target.role, target.kind === 'action');
      if ('status' in checked) {
        refusals.warn('admin request refused', { ...where, status: checked.status, error: checked.code, ...(checked.subject ? { subject: checked.subject } : {}) });
        return refuse(checked, checked.status === 401 ? { 'www-authenticate': 'Bearer realm="lintas"' } : {});
      }
      principal = checked.principal;
    }

    try {
      if (target.kind === 'raw') return await target.route.handle({ req, res, principal: principal as Principal, params, url });
      if (target.kind !== 'action') {
        const body = await target.handler(url, params);
        if (body === undefined) return refuse({ status: 404, code: 'not_found', message: `no route ${url.pathname}` });
        return sendJson(200, body);
      }
      const parsed = await readActionBody(req);
      if (parsed === 'aborted') return;
      if ('status' in parsed) {
        refusals.warn('admin request refused', { ...where, ...who(), status: parsed.status, error: parsed.code });
        return refuse(parsed, parsed.status === 413 ? { connection: 'close' } : {});
      }
      const ctx: ActionContext = { principal: principal as Principal, params, body: parsed.body, reason: parsed.reason, url };
      const result = await target.action.handler(ctx);
      const status = result.status ?? 200;
      // The subject and reason, never the token; the reason is capped so one call cannot flood the log.
      log.info('admin action', { ...where, ...who(), reason: ctx.reason.slice(0, 200), status });
      return sendJson(status, result.body);
    } catch (error) {
      if (res.headersSent) {
        // A stream that failed half-way: nothing sensible can be sent any more.
        log.warn('admin response failed after it started', { ...where, ...who(), error: error instanceof Error ? error.message : String(error) });
        res.destroy();
        return;
      }
      const known = statusOf(error);
      if (known) {
        log.info('admin request refused by handler', { ...where, ...who(), status: known.status, error: known.code });
        return refuse(known);
      }
      // The message goes to the log only: a stack or internal detail must not reach the client.
      log.error('admin request failed', { ...where, ...who(), error: error instanceof Error ? error.message : String(error) });
      return refuse({ status: 500, code: 'internal', message: 'internal error (see the server log)' });
    }
  };

  /** Authenticates and checks the role; never logs or echoes the token. */
  const authorize = (req: IncomingMessage, role: Role, mutating: boolean): { principal: Principal } | (Refusal & { subject?: string }) => {
    if (readOnly || options.auth === undefined) {
      return mutating
        ? { status: 403, code: 'read_only', message: 'the admin API is read-only: mutating calls are refused; start lintas serve with --auth-file FILE to enable them' }
        : { status: 403, code: 'auth_not_configured', message: `this route needs role ${role}; start lintas serve with --auth-file FILE to enable it` };
    }
    const header = req.headers.authorization;
    if (header === undefined || header.trim() === '') {
      return { status: 401, code: 'unauthenticated', message: 'missing bearer token (Authorization: Bearer TOKEN)' };
    }
    const principal = options.auth.authenticate(header);
    if (principal === undefined) return { status: 401, code: 'invalid_token', message: 'invalid bearer token' };
    if (!hasRole(principal, role)) {
      const held = principal.roles.length > 0 ? principal.roles.join(', ') : 'none';
      return { status: 403, code: 'forbidden', subject: principal.subject, message: `requires role ${role}; ${principal.subject} has ${held}` };
    }
    return { principal };
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
        refusals.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The status, code and message of an error that carries an HTTP `status` (4xx/5xx), else undefined. */
function statusOf(error: unknown): Refusal | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, code, message } = error as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) return undefined;
  return { status, code: typeof code === 'string' ? code : 'error', message: typeof message === 'string' ? message : '' };
}

/** Reads a JSON object body with a non-empty `reason`, at most {@link MAX_ACTION_BODY_BYTES}. */
async function readActionBody(req: IncomingMessage): Promise<{ body: Record<string, unknown>; reason: string } | Refusal | 'aborted'> {
  const hint = 'the body must be a JSON object with a non-empty "reason"';
  const read = await readJsonObjectBody(req, hint, 'reason_required');
  if (read === 'aborted' || 'status' in read) return read;
  const body = read.body;
  const reason = body['reason'];
  if (typeof reason !== 'string' || reason.trim() === '') return { status: 400, code: 'reason_required', message: hint };
  // Both are kept forever in the audit chain: bound them.
  for (const field of ['reason', 'changeRequest']) {
    const value = body[field];
    if (typeof value === 'string' && value.trim().length > MAX_AUDIT_TEXT_CHARS) {
      return { status: 400, code: 'too_long', message: `"${field}" must be at most ${String(MAX_AUDIT_TEXT_CHARS)} characters, got ${String(value.trim().length)}` };
    }
  }
  return { body, reason: reason.trim() };
}

/**
 * Reads a JSON object body of at most {@link MAX_ACTION_BODY_BYTES} (raw routes use it too):
 * the object, or the refusal to send (400 with `hint`, 413), or 'aborted' when the client left.
 */
export async function readJsonObjectBody(req: IncomingMessage, hint = 'the body must be a JSON object', emptyCode = 'bad_request', maxBytes = MAX_ACTION_BODY_BYTES): Promise<{ body: Record<string, unknown> } | Refusal | 'aborted'> {
  const tooLarge: Refusal = { status: 413, code: 'too_large', message: `the body must be at most ${maxBytes} bytes` };
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    req.resume(); // discard; the 413 closes the connection
    return tooLarge;
  }
  const raw = await new Promise<Buffer | 'too_large' | 'aborted'>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | 'too_large' | 'aborted'): void => {
      if (!done) resolve(value);
      done = true;
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return; // past the limit: keep draining, keep nothing
      size += chunk.length;
      if (size > maxBytes) finish('too_large');
      else chunks.push(chunk);
    });
    req.on('end', () => finish(Buffer.concat(chunks)));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish('aborted'));
  });
  if (raw === 'aborted') return 'aborted';
  if (raw === 'too_large') return tooLarge;
  const text = raw.toString('utf8');
  if (text.trim() === '') return { status: 400, code: emptyCode, message: hint };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { status: 400, code: 'bad_json', message: `the body is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, code: 'bad_request', message: hint };
  return { body: body as Record<string, unknown> };
}
