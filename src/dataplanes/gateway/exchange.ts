/**
 * The state of one request through the gateway, its local replies and its
 * end (timers, the attempt still in flight, metrics and the access log line).
 * A request keeps the routing table it started with, so a config swap never
 * changes a request in flight.
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { CompiledBackend, CompiledListener, CompiledRule, CompiledVhost } from './compile.ts';
import type { AttemptFailure } from './attempt-errors.ts';
import type { Attempt } from './forward.ts';
import type { CompiledPolicy, FailoverMode } from './policy.ts';
import { scanRequestHeaders, type RequestHead } from './headers.ts';
import { replyGrpc } from './grpc.ts';
import { exchangeLogLine } from './log-line.ts';
import type { MatchInput } from './match.ts';
import { FLAG_DC, FLAG_DPE, FLAG_UT, type GatewayRuntime, type ListenerRuntime } from './runtime.ts';
import type { UpgradeRequest } from './upgrade.ts';
import type { EndpointRef, PickContext } from './upstream/index.ts';

/** Status logged when the client went away before any response (nginx's convention). */
export const STATUS_CLIENT_CLOSED = 499;

/** Per-request state (fields are shared with forward.ts and mirror.ts). */
export class Exchange implements RequestHead, MatchInput {
  // RequestHead (filled by scanRequestHeaders)
  host = '';
  hostLines = 0;
  contentLength = -1;
  contentLengthLines = 0;
  chunked = false;
  transferEncoding: string | undefined = undefined;
  connectionTokens: readonly string[] | undefined = undefined;
  idempotencyKey = false;
  forwardedFor: string | undefined = undefined;
  requestId: string | undefined = undefined;
  traceparent: string | undefined = undefined;
  clientEpoch: string | undefined = undefined;
  // MatchInput
  path = '/';
  queryString = '';
  readonly method: string;
  query: Map<string, string> | undefined = undefined;

  readonly start: number;
  readonly table: CompiledListener;
  /** The client's address (an h2c connection's socket is wrapped: see engines.ts). */
  readonly clientAddress: string | undefined;
  traceId = '';
  outHeaders: string[] = [];
  outPath = '/';
  vhost: CompiledVhost | undefined = undefined;
  rule: CompiledRule | undefined = undefined;
  backend: CompiledBackend | undefined = undefined;
  upstream = '';
  body: Buffer | Readable | null = null;

  // Set from the rule when it matches; a TrafficPolicy may tighten them (policy.ts).
  /** Whole-request timeout in force (0 = none). */
  requestMs = 0;
  /** Per-attempt timeout (0 = the default bound). */
  backendRequestMs = 0;
  retryCodes: ReadonlySet<number> | undefined = undefined;
  retryAttempts = 0;
  /** The request's `Origin` when the rule has a CORS filter (its response gets the CORS headers). */
  corsOrigin: string | undefined = undefined;

  // TrafficPolicy outcome (policy.ts), for the pick, the log and the owner-unavailable answer.
  policy: CompiledPolicy | undefined = undefined;
  requestClass: 'mutation' | 'read' | undefined = undefined;
  ownershipKey: string | undefined = undefined;
  owner: string | undefined = undefined;
  ownerEpoch: number | undefined = undefined;
  /** The failover phase of the request's ownership domain (access log `failover_mode`); undefined without ownership. */
  failoverMode: FailoverMode | undefined = undefined;
  /** The pick may only use the owner's endpoints: none → 503 `owner_unavailable`. */
  ownerStrict = false;
  /** Pick context of this request when a policy changed it (else the listener's). */
  pickCtx: PickContext | undefined = undefined;

  attempt: Attempt | null = null;
  attempts = 0;
  retries = 0;
  connectRetries = 0;
  /** Endpoints already tried, and clusters to avoid, for retries (allocated on the first failure). */
  tried: Set<string> | undefined = undefined;
  avoid: Set<string> | undefined = undefined;
  endpoint: EndpointRef | undefined = undefined;
  upstreamStart = 0;
  upstreamEnd = 0;
  /** What to answer when the last attempt failed and no retry follows (`lastFailure` undefined: a retry-code response). */
  lastStatus = 502;
  lastFailure: AttemptFailure | undefined = undefined;
  /** A retry-budget slot taken for the next attempt. */
  slotPending = false;

  status = 0;
  flags = 0;
  finished = false;
  /** Set when the proxy itself cut the response short (mid-stream upstream failure). */
  cut = false;
  /** A gRPC call (content-type application/grpc): the gateway's own answers are gRPC errors (grpc.ts). */
  grpc = false;
  /** The call's gRPC status (upstream trailers or headers, or the gateway's answer), for the access log. */
  grpcStatus: number | undefined = undefined;
  /** An HTTP/1.1 Upgrade request (upgrade.ts), else undefined. */
  upgrade: UpgradeRequest | undefined = undefined;
  /** Set once the upgrade's tunnel is open: the request ends when it closes. */
  tunnel = false;
  requestTimer: NodeJS.Timeout | undefined = undefined;
  attemptTimer: NodeJS.Timeout | undefined = undefined;
  backoffTimer: NodeJS.Timeout | undefined = undefined;
  /** Runs while the response is blocked on a client that does not read. */
  stallTimer: NodeJS.Timeout | undefined = undefined;

  /** Starts a request (headers scanned; nothing routed yet). */
  constructor(
    readonly rt: GatewayRuntime,
    readonly listener: ListenerRuntime,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.start = rt.now();
    this.clientAddress = clientAddressOf(req);
    this.table = listener.table.bySource?.(this.clientAddress) ?? listener.table;
    this.method = req.method ?? 'GET';
    this.outHeaders = scanRequestHeaders(req.rawHeaders, this);
    // HTTP/2 frames the body itself: a request with one but without Content-Length is streamed (as chunked).
    const stream = (req as { stream?: { endAfterHeaders?: boolean } }).stream;
    if (stream !== undefined && stream.endAfterHeaders === false && this.contentLength < 0) this.chunked = true;
  }

  /** `1.1` or `1.0`, from the request line. */
  get httpVersion(): string {
    return this.req.httpVersion;
  }

  /** Lazily parsed request headers (only header matches need them). */
  headers(): IncomingHttpHeaders {
    return this.req.headers;
  }

  /** Sends a local reply (or cuts the response when one already started). */
  reply(status: number, flags: number, body: string, extra?: readonly string[]): void {
    this.flags |= flags;
    if (this.finished) return;
    const res = this.res;
    const upload = this.body;
    // A streamed request body still piped to an abandoned attempt: discard the rest so keep-alive can go on.
    if (upload !== null && !Buffer.isBuffer(upload)) {
      this.req.unpipe();
      this.req.resume();
    }
    if (res.headersSent) {
      this.cut = true;
      res.destroy();
      return;
    }
    if (this.grpc) return replyGrpc(this, status, body);
    this.status = status;
    const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body))];
    if (extra !== undefined) headers.push(...extra);
    res.writeHead(status, headers);
    res.end(body);
  }

  /** Sends a local answer without a body (204, or a 200 to a preflight), with `headers`. */
  replyEmpty(status: number, headers: readonly string[]): void {
    if (this.finished || this.res.headersSent) return this.reply(status, 0, '');
    this.status = status;
    this.res.writeHead(status, status === 204 ? [...headers] : [...headers, 'content-length', '0']);
    this.res.end();
  }

  /** Sends a local JSON reply (or cuts the response when one already started). */
  replyJson(status: number, flags: number, body: Readonly<Record<string, unknown>>): void {
    const text = `${JSON.stringify(body)}\n`;
    if (this.finished || this.res.headersSent || this.grpc) return this.reply(status, flags, text);
    this.flags |= flags;
    this.status = status;
    this.res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(text))]);
    this.res.end(text);
  }

  /**
   * Refuses an invalid request: 400 `invalid_request` with the reason, flag DPE, and the
   * connection closed after it (the framing of what follows on it cannot be trusted).
   */
  refuse(reason: string): void {
    this.res.shouldKeepAlive = false;
    this.replyJson(400, FLAG_DPE, { error: 'invalid_request', reason });
  }

  /** Starts the whole-request timer, or restarts it when `ms` is tighter than the one in force. */
  tightenRequestTimeout(ms: number): void {
    if (ms <= 0 || (this.requestMs > 0 && ms >= this.requestMs)) return;
    if (this.requestTimer !== undefined) clearTimeout(this.requestTimer);
    this.requestMs = ms;
    const elapsed = this.rt.now() - this.start;
    this.requestTimer = setTimeout(onRequestTimeout, Math.max(0, ms - elapsed), this);
  }

  /** The whole-request timeout fired: drop any attempt or back-off and answer 504 `UT`. */
  timeout(): void {
    if (this.finished) return;
    if (this.backoffTimer !== undefined) {
      clearTimeout(this.backoffTimer);
      this.backoffTimer = undefined;
    }
    const a = this.attempt;
    if (a !== null && !a.stale) a.cancel({ error: 'timeout' }, 'timeout');
    this.reply(504, FLAG_UT, 'upstream request timeout\n');
  }

  /** Clears every timer of the request (it ended, or became a tunnel that has none). */
  stopTimers(): void {
    if (this.requestTimer !== undefined) clearTimeout(this.requestTimer);
    if (this.attemptTimer !== undefined) clearTimeout(this.attemptTimer);
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.requestTimer = this.attemptTimer = this.backoffTimer = this.stallTimer = undefined;
  }

  /** Ends the request: timers, in-flight attempt, metrics, access log (runs once, on the response's `close`). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopTimers();
    if (this.slotPending) {
      this.slotPending = false;
      this.rt.upstreams.releaseRetry();
    }
    // node:http2's compatibility response has writableEnded, not writableFinished.
    if (!(this.res.writableFinished ?? this.res.writableEnded) && !this.cut && !this.tunnel) {
      this.flags |= FLAG_DC;
      if (this.status === 0) this.status = STATUS_CLIENT_CLOSED;
    }
    const a = this.attempt;
    if (a !== null && !a.ended) a.cancel();
    const end = this.rt.now();
    const rule = this.rule;
    const ep = this.endpoint;
    const route = rule?.label ?? '';
    const table = this.table;
    this.rt.metrics.request(route, ep?.cluster ?? '', table.cluster, this.status, end - this.start);
    // The owner was resolved at this request's epoch (after failover moves), so only a real breach counts.
    if (ep !== undefined && this.requestClass === 'mutation' && this.owner !== undefined && ep.cluster !== this.owner) this.rt.metrics.nonOwnerMutation(this.owner, ep.cluster);
    this.rt.accessLog.push(exchangeLogLine(this, end));
    const l = this.listener;
    l.inFlight -= 1;
    if (l.closing) setImmediate(() => l.server.closeIdleConnections());
  }
}

/** The client address of a request: its socket's, or for a wrapped (h2c) socket the one it wraps. */
export function clientAddressOf(req: IncomingMessage): string | undefined {
  const socket = req.socket as { remoteAddress?: string; stream?: { client?: { remoteAddress?: string } } };
  return socket.remoteAddress ?? socket.stream?.client?.remoteAddress;
}

/** Timer callback of the whole-request timeout. */
function onRequestTimeout(ex: Exchange): void {
  ex.requestTimer = undefined;
  ex.timeout();
}
