/**
 * The request path: identify (request id, trace), pick the virtual host and
 * the first matching rule, then run the rule's filters in spec order —
 * CORS (a preflight is answered here), RequestHeaderModifier, RequestRedirect, URLRewrite, then the weighted backend
 * choice and its backendRef filters (RequestMirror copies go out with the
 * first attempt, see forward.ts), then the chosen backend's TrafficPolicy
 * (policy.ts) — and hand over to forwarding.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { FiltersIR } from '../../ir/index.ts';
import type { CompiledCors } from './cors.ts';
import { isPreflight, preflightHeaders } from './cors.ts';
import { Exchange } from './exchange.ts';
import { modifyHeaders, setHeader } from './filters.ts';
import { forward } from './forward.ts';
import { isGrpcContentType } from './grpc.ts';
import { newRequestId, newTraceparent, randomHex, traceIdOf } from './ids.ts';
import { matches } from './match.ts';
import { applyPolicy } from './policy.ts';
import { redirectLocation } from './redirect.ts';
import { absoluteTarget, nominatedDecisionHeader, requestHeadProblem, upstreamHeadersProblem, type AbsoluteTarget } from './request-checks.ts';
import { rewritePath } from './rewrite.ts';
import { misdirected } from './tls.ts';
import { upgradeResponse, type UpgradeRequest } from './upgrade.ts';
import { FLAG_NR, type GatewayRuntime, type ListenerRuntime } from './runtime.ts';
import { hostOf, pickHost } from './vhost.ts';
import { pickWeighted } from './weights.ts';

const kExchange = Symbol('lintas.exchange');
type Tagged = ServerResponse & { [kExchange]?: Exchange };

/** Longest `x-request-id` taken from a client; longer ones are replaced. */
const MAX_REQUEST_ID = 200;

// A shared listener (no closure per request): the exchange rides on the response.
function onResponseClose(this: Tagged): void {
  this[kExchange]?.finish();
}

/** Serves one request on `listener` (`upgrade` for an HTTP/1.1 Upgrade request). Never throws. */
export function handleRequest(rt: GatewayRuntime, listener: ListenerRuntime, req: IncomingMessage, res: ServerResponse, upgrade?: UpgradeRequest): void {
  const ex = new Exchange(rt, listener, req, res);
  ex.upgrade = upgrade;
  listener.inFlight += 1;
  if (listener.closing) res.shouldKeepAlive = false;
  (res as Tagged)[kExchange] = ex;
  res.once('close', onResponseClose);
  try {
    route(ex);
  } catch (err) {
    rt.log.error('gateway request failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    ex.reply(500, 0, 'internal error\n');
  }
}

/** Serves an HTTP/1.1 Upgrade request (upgrade.ts): routed like any other, answered on its own socket. */
export function handleUpgrade(rt: GatewayRuntime, listener: ListenerRuntime, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  handleRequest(rt, listener, req, upgradeResponse(req, socket), { protocol: req.headers.upgrade ?? '', socket, head });
}

/** Splits the request target into path and query (absolute-form keeps its path; its authority is returned for the checks). */
function parseTarget(ex: Exchange, url: string): AbsoluteTarget | undefined {
  const absolute = absoluteTarget(url);
  const target = absolute === undefined ? url : absolute.target;
  // HTTP/1.0 without Host: the absolute-form authority is the host (RFC 9112 §3.2.2).
  if (absolute !== undefined && ex.hostLines === 0) {
    ex.host = absolute.authority;
    ex.outHeaders.push('host', absolute.authority);
  }
  const q = target.indexOf('?');
  if (q < 0) {
    ex.path = target;
    ex.outPath = target;
  } else {
    ex.path = target.slice(0, q);
    ex.queryString = target.slice(q + 1);
    ex.outPath = target;
  }
  return absolute;
}

/** Adds X-Forwarded-*, x-request-id and traceparent to the upstream headers. */
function identify(ex: Exchange): void {
  const out = ex.outHeaders;
  const client = ex.clientAddress ?? '';
  out.push('x-forwarded-for', ex.forwardedFor === undefined ? client : `${ex.forwardedFor}, ${client}`, 'x-forwarded-proto', ex.table.tls === undefined ? 'http' : 'https');
  if (ex.host !== '') out.push('x-forwarded-host', ex.host);
  const id = ex.requestId;
  if (id === undefined || id === '' || id.length > MAX_REQUEST_ID) ex.requestId = newRequestId();
  out.push('x-request-id', ex.requestId as string);
  const trace = traceIdOf(ex.traceparent);
  if (trace === undefined) {
    ex.traceId = randomHex(16);
    out.push('traceparent', newTraceparent(ex.traceId));
  } else {
    ex.traceId = trace;
    out.push('traceparent', ex.traceparent as string);
  }
}

/** Runs a redirect; true when the request was answered. */
function redirect(ex: Exchange, filters: FiltersIR): boolean {
  const r = filters.redirect;
  const match = ex.rule?.match;
  if (r === undefined || match === undefined) return false;
  const location = redirectLocation(r, {
    host: hostOf(ex.host),
    path: ex.path,
    queryString: ex.queryString,
    listenerPort: ex.listener.port,
    listenerScheme: ex.table.tls === undefined ? 'http' : 'https',
    match,
  });
  ex.reply(r.statusCode, 0, '', ['location', location]);
  return true;
}

/** Applies URLRewrite (hostname, path) to the upstream request. */
function urlRewrite(ex: Exchange, filters: FiltersIR): void {
  const u = filters.urlRewrite;
  const match = ex.rule?.match;
  if (u === undefined || match === undefined) return;
  if (u.hostname !== undefined) setHeader(ex.outHeaders, 'host', u.hostname);
  if (u.path !== undefined) {
    const path = rewritePath(ex.path, u.path, match);
    ex.outPath = ex.queryString === '' ? path : `${path}?${ex.queryString}`;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The CORS filter: answers a preflight (true), or remembers the origin for the response headers. */
function cors(ex: Exchange, c: CompiledCors): boolean {
  const h = ex.headers();
  const origin = single(h.origin);
  if (origin === undefined) return false;
  const requestMethod = single(h['access-control-request-method']);
  if (isPreflight(ex.method, origin, requestMethod)) {
    ex.replyEmpty(204, preflightHeaders(c, origin, requestMethod as string, single(h['access-control-request-headers'])));
    return true;
  }
  ex.corsOrigin = origin;
  return false;
}

function route(ex: Exchange): void {
  // A gRPC call gets gRPC errors from here on, and keeps `te: trailers` (grpc.ts).
  if (isGrpcContentType(ex.req.headers['content-type'])) {
    ex.grpc = true;
    ex.outHeaders.push('te', 'trailers');
  }
  const absolute = parseTarget(ex, ex.req.url ?? '/');
  identify(ex);
  const problem = requestHeadProblem(ex, absolute);
  if (problem !== undefined) return ex.refuse(problem);
  const tls = ex.table.tls;
  // The connection was authenticated for the listener SNI selected: a Host of another listener is misdirected.
  if (tls !== undefined && misdirected(tls, (ex.req.socket as TLSSocket).servername, hostOf(ex.host))) return ex.reply(421, 0, 'misdirected request: this connection serves another listener\n');
  const vhost = pickHost(ex.table.hosts, hostOf(ex.host));
  if (vhost === undefined) return ex.reply(404, FLAG_NR, 'no route\n');
  ex.vhost = vhost;
  let rule;
  for (const r of vhost.rules) {
    if (r.match !== undefined && matches(r.match, ex)) {
      rule = r;
      break;
    }
  }
  if (rule === undefined) return ex.reply(404, FLAG_NR, 'no route\n');
  ex.rule = rule;
  ex.backendRequestMs = rule.backendRequestMs;
  ex.retryCodes = rule.retryCodes;
  ex.retryAttempts = rule.retryAttempts;
  if (rule.requestMs > 0) ex.tightenRequestTimeout(rule.requestMs);
  if (rule.cors !== undefined && cors(ex, rule.cors)) return;
  const direct = rule.ir.directResponse;
  if (direct !== undefined) return ex.reply(direct.status, 0, direct.body ?? '');
  const filters = rule.filters;
  if (filters.requestHeaders !== undefined) modifyHeaders(ex.outHeaders, filters.requestHeaders);
  if (redirect(ex, filters)) return;
  urlRewrite(ex, filters);
  const backend = pickWeighted(rule.backends, ex.rt.random);
  // No backendRefs (or all weight 0), or an invalid ref: 500 for that share of traffic (spec).
  if (backend === undefined) return ex.reply(500, 0, 'no backend\n');
  ex.backend = backend;
  if (backend.upstream === undefined) return ex.reply(500, 0, 'invalid backend\n');
  ex.upstream = backend.upstream;
  const bf = backend.filters;
  if (bf !== undefined) {
    if (bf.requestHeaders !== undefined) modifyHeaders(ex.outHeaders, bf.requestHeaders);
    if (redirect(ex, bf)) return;
    urlRewrite(ex, bf);
  }
  if (backend.policy !== undefined && !applyPolicy(ex)) return;
  const nominated = nominatedDecisionHeader(ex.connectionTokens, rule.ir.match, ex.policy?.ir);
  if (nominated !== undefined) return ex.refuse(`Connection nominates ${nominated} as hop-by-hop, but the gateway decided on it: the backend must receive it`);
  // The request as it will be forwarded, checked as the upstream client would check it.
  const built = upstreamHeadersProblem(ex.outHeaders);
  if (built !== undefined) return ex.refuse(built);
  forward(ex);
}
