/**
 * Forwarding: the request body (small bodies buffered so they can be retried,
 * larger or chunked ones streamed), mirrors, attempts on keep-alive pools, and
 * retries. An attempt is an undici dispatch handler (undici 8's controller
 * callbacks): the response head is copied from the controller's raw header
 * list, and the body streams to the client with back-pressure (pause/resume).
 *
 * Retries: after a connect failure, always (nothing reached the backend; to
 * another endpoint and away from the failed endpoint's cluster; up to
 * max(1, retry.attempts), not charged to the budget; at once, or after the
 * route's `retry.backoff` when it sets one). With a retry stanza in force
 * (GEP-1731, the route's or a policy's), also after a connection error once
 * the request was sent (reset before the response) or a per-try
 * `backendRequest` timeout, whatever its `codes` (the spec's "SHOULD retry on
 * connection errors"), and after a response with one of its codes: for
 * GET/HEAD/OPTIONS or an `Idempotency-Key`, within `retry.attempts` and the
 * retry budget, after the jittered back-off. When the attempts run out on
 * connection errors under a stanza, the answer is 503 (as Envoy's, and the
 * suite's HTTPRouteRetryConnectionError); without one, 502. Never once the
 * response has started, never with a body that was streamed (except a connect
 * failure before any byte was read). Under a TrafficPolicy, a mutation is
 * retried only after a connect failure, and only inside its pick context (the
 * owner's endpoints in Owner mode).
 * A request the upstream client refuses to build is the client's fault: 400,
 * never retried and never charged to the endpoint (attempt-errors.ts).
 * @module
 */
import { PassThrough, type Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { attemptPhase, classifyAttemptError, FAILURE_CLASSES, type AttemptFailure } from './attempt-errors.ts';
import { applyCorsResponse } from './cors.ts';
import type { Exchange } from './exchange.ts';
import { modifyHeaders } from './filters.ts';
import { grpcStatusIn, relayedTrailers } from './grpc.ts';
import { rawHeaderList, responseHeaders } from './headers.ts';
import type { AttemptResult } from './metrics.ts';
import { sendMirrors } from './mirror.ts';
import { replyOwnerUnavailable } from './policy.ts';
import { FLAG_SI, FLAG_UH, FLAG_UPE, FLAG_URX } from './runtime.ts';
import { openTunnel } from './upgrade.ts';
import type { AttemptOutcome, EndpointRef, PickContext } from './upstream/index.ts';

/** Bodies up to this size (by Content-Length) are buffered, so the request can be retried. */
export const MAX_BUFFERED_BODY = 64 * 1024;

/** An error undici gets when the proxy abandons an attempt (never shown to clients). */
class AttemptCancelled extends Error {
  override readonly name = 'AttemptCancelled';
}

/** One attempt to one endpoint (an undici dispatch handler). */
export class Attempt implements Dispatcher.DispatchHandler {
  /** True while the request is being handed to the upstream client (errors then are the request's own). */
  building = false;
  connected = false;
  headersSeen = false;
  ended = false;
  /** Set once the proxy stopped caring: later undici callbacks are ignored. */
  stale = false;
  private controller: Dispatcher.DispatchController | null = null;
  private drainFn: (() => void) | null = null;

  /** Creates an attempt; `slot` says it holds a retry-budget slot. */
  constructor(
    readonly ex: Exchange,
    readonly endpoint: EndpointRef,
    readonly upstream: string,
    readonly slot: boolean,
  ) {}

  /** Records the outcome once: upstream state, retry slot, timer, metrics. */
  end(outcome: AttemptOutcome, result: AttemptResult): void {
    if (this.ended) return;
    this.ended = true;
    const ex = this.ex;
    if (ex.attemptTimer !== undefined) {
      clearTimeout(ex.attemptTimer);
      ex.attemptTimer = undefined;
    }
    ex.upstreamEnd = ex.rt.now();
    ex.rt.upstreams.onAttemptEnd(this.upstream, this.endpoint, outcome);
    if (this.slot) ex.rt.upstreams.releaseRetry();
    ex.rt.metrics.attempt(result, false);
  }

  /** Abandons the attempt (client gone, request timeout, discarded retryable response); by default the backend is not judged on it. */
  cancel(outcome: AttemptOutcome = { uncharged: true }, result: AttemptResult = 'cancelled'): void {
    this.end(outcome, result);
    if (this.stale) return;
    this.stale = true;
    this.controller?.abort(new AttemptCancelled('attempt cancelled by the gateway'));
  }

  /** The request is being written to a connected socket: from here on a failure is not a connect failure. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.stale) return controller.abort(new AttemptCancelled('attempt cancelled by the gateway'));
    this.controller = controller;
    this.connected = true;
  }

  /** The response head: retried, refused or relayed (from the raw header list, so repeated headers keep their order). */
  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (this.stale || status < 200) return;
    this.headersSeen = true;
    onResponseHead(this, status, rawHeaderList(controller, headers));
  }

  /** A body chunk: written to the client; a full client buffer pauses the upstream read. */
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.stale) return;
    const ex = this.ex;
    const res = ex.res;
    if (res.write(chunk)) return;
    // Back-pressure (the slow path): undici stops reading until the client drains; bound how long.
    controller.pause();
    this.drainFn ??= () => {
      if (ex.stallTimer !== undefined) clearTimeout(ex.stallTimer);
      ex.stallTimer = undefined;
      controller.resume();
    };
    res.once('drain', this.drainFn);
    if (ex.stallTimer === undefined) ex.stallTimer = setTimeout(onDownstreamStall, ex.rt.downstreamStallMs, this);
  }

  /** The upstream switched protocols (an upgrade request's 101): the attempt succeeded and becomes a tunnel. */
  onRequestUpgrade(controller: Dispatcher.DispatchController, status: number, _headers: unknown, socket: Duplex): void {
    const upgrade = this.ex.upgrade;
    if (this.stale || upgrade === undefined || this.ex.finished) {
      socket.destroy();
      return;
    }
    this.stale = true;
    this.headersSeen = true;
    this.end({ status }, 'response');
    openTunnel(this.ex, upgrade, socket, status, (controller as { rawHeaders?: Buffer[] | null }).rawHeaders ?? []);
  }

  /** The response ended: the attempt succeeded; its trailers (gRPC's status) are relayed. */
  onResponseEnd(_controller: Dispatcher.DispatchController, trailers?: Record<string, string | string[] | undefined>): void {
    if (this.stale) return;
    this.stale = true;
    const ex = this.ex;
    this.end({ status: ex.status }, 'response');
    const relayed = relayedTrailers(trailers);
    if (relayed !== undefined) {
      ex.grpcStatus = grpcStatusIn(relayed as Record<string, string | string[] | undefined>) ?? ex.grpcStatus;
      ex.res.addTrailers(relayed);
    }
    ex.res.end();
  }

  /** The attempt failed; `controller` is null when undici refused the request before starting it. */
  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.stale) return;
    this.stale = true;
    attemptFailed(this, classifyAttemptError(attemptPhase(this), err), err);
  }
}

function idempotent(ex: Exchange): boolean {
  const m = ex.method;
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || ex.idempotencyKey;
}

/** Whether the body can be sent again: none, buffered, or a stream not read at all yet. */
function bodyReplayable(ex: Exchange, streamedOk: boolean): boolean {
  const body = ex.body;
  if (body === null || Buffer.isBuffer(body)) return true;
  return streamedOk && !body.readableDidRead;
}

/** Whether a retry-code result `status` may be retried now; takes a budget slot when so, flags URX when not. */
function mayRetryStatus(ex: Exchange, status: number): boolean {
  if (ex.retryCodes === undefined || !ex.retryCodes.has(status)) return false;
  return mayRetry(ex);
}

/**
 * Whether a failure after the request was sent (reset before the response, per-try timeout) may be
 * retried now: whenever a retry stanza is in force (`retryCodes` is then defined, possibly empty).
 */
function mayRetryTransport(ex: Exchange): boolean {
  return ex.retryCodes !== undefined && mayRetry(ex);
}

/** The checks every retry after the request reached a backend passes: idempotent, replayable, nothing sent yet, attempts and budget left. */
function mayRetry(ex: Exchange): boolean {
  if (!idempotent(ex) || !bodyReplayable(ex, false) || ex.res.headersSent || ex.finished) return false;
  if (ex.retries - ex.connectRetries >= ex.retryAttempts || !ex.rt.upstreams.tryAcquireRetry()) {
    ex.flags |= FLAG_URX;
    return false;
  }
  return true;
}

function remember(ex: Exchange, a: Attempt, connectFailure: boolean): void {
  (ex.tried ??= new Set()).add(a.endpoint.key);
  if (connectFailure) (ex.avoid ??= new Set()).add(a.endpoint.cluster);
}

function onResponseHead(a: Attempt, status: number, raw: Buffer[]): void {
  const ex = a.ex;
  if (status >= 500 && mayRetryStatus(ex, status)) {
    remember(ex, a, false);
    ex.lastStatus = status;
    ex.lastFailure = undefined;
    a.cancel({ status }, 'retried_5xx');
    scheduleRetry(ex);
    return;
  }
  const headers = responseHeaders(raw);
  // A Trailers-Only gRPC response carries its status in the headers.
  if (ex.grpc) ex.grpcStatus = grpcStatusIn(headers);
  const rf = ex.rule?.filters.responseHeaders;
  if (rf !== undefined) modifyHeaders(headers, rf);
  const bf = ex.backend?.filters?.responseHeaders;
  if (bf !== undefined) modifyHeaders(headers, bf);
  const cors = ex.rule?.cors;
  if (cors !== undefined && ex.corsOrigin !== undefined) applyCorsResponse(cors, ex.corsOrigin, headers);
  ex.status = status;
  try {
    ex.res.writeHead(status, headers);
  } catch {
    // A header node:http refuses to send (undici's parser is more lenient).
    a.cancel({ status }, 'response');
    ex.reply(502, FLAG_UPE, 'upstream sent an invalid response\n');
  }
}

function attemptFailed(a: Attempt, failure: AttemptFailure, err?: Error): void {
  const ex = a.ex;
  const c = FAILURE_CLASSES[failure];
  a.end(c.outcome, c.result);
  if (ex.finished) return;
  if (failure === 'invalid_request') {
    // Debug only: any client can cause this, and one log line per request would be theirs to fill.
    ex.rt.log.debug('upstream client refused the request', { error: err?.message ?? '', upstream: ex.upstream });
    ex.refuse(`the request cannot be forwarded: ${err?.message ?? 'refused by the upstream client'}`);
    return;
  }
  if (a.headersSeen) {
    // The response already started: it cannot be retried or replaced, only cut.
    ex.flags |= c.flag;
    ex.cut = true;
    ex.res.destroy();
    return;
  }
  remember(ex, a, failure === 'connect');
  ex.lastStatus = c.status;
  ex.lastFailure = failure;
  if (failure === 'connect') {
    if (ex.rule !== undefined && ex.connectRetries < Math.max(1, ex.retryAttempts) && bodyReplayable(ex, true)) {
      ex.connectRetries += 1;
      ex.retries += 1;
      // The route's minimum back-off holds for every retry (GEP-1731); without one, another endpoint is tried at once.
      const backoff = ex.retryCodes === undefined ? undefined : ex.rule.retryBackoffMs;
      if (backoff === undefined) startAttempt(ex);
      else ex.backoffTimer = setTimeout(retryNow, ex.rt.upstreams.backoffMs(ex.connectRetries, backoff), ex);
      return;
    }
    if (ex.connectRetries > 0) ex.flags |= FLAG_URX;
  } else if (failure === 'timeout' || failure === 'reset_before_response' ? mayRetryTransport(ex) : mayRetryStatus(ex, c.status)) {
    scheduleRetry(ex);
    return;
  }
  replyFailure(ex);
}

/** The answer after the last attempt failed and nothing more is retried. */
function replyFailure(ex: Exchange): void {
  const failure = ex.lastFailure;
  const c = failure === undefined ? undefined : FAILURE_CLASSES[failure];
  // Under a retry stanza, connection errors that outlast the attempts mean the backend is unavailable: 503 (Envoy's answer).
  const unavailable = ex.retryCodes !== undefined && (failure === 'connect' || failure === 'reset_before_response');
  ex.reply(unavailable ? 503 : ex.lastStatus, c?.flag ?? 0, c?.text ?? 'upstream error\n');
}

/** Schedules a retry that holds a budget slot, after the jittered back-off. */
function scheduleRetry(ex: Exchange): void {
  ex.retries += 1;
  ex.slotPending = true;
  const wait = ex.rt.upstreams.backoffMs(ex.retries - ex.connectRetries, ex.rule?.retryBackoffMs);
  ex.backoffTimer = setTimeout(retryNow, wait, ex);
}

function retryNow(ex: Exchange): void {
  ex.backoffTimer = undefined;
  if (ex.finished) return;
  startAttempt(ex);
}

function onDownstreamStall(a: Attempt): void {
  const ex = a.ex;
  ex.stallTimer = undefined;
  if (a.stale || ex.finished) return;
  a.cancel();
  ex.flags |= FLAG_SI;
  ex.cut = true;
  ex.res.destroy();
}

function onAttemptTimeout(a: Attempt): void {
  const ex = a.ex;
  ex.attemptTimer = undefined;
  if (a.stale) return;
  // cancel() records the outcome; then decide as for any other timeout.
  a.cancel(FAILURE_CLASSES.timeout.outcome, 'timeout');
  attemptFailed(a, 'timeout');
}

/** Starts one attempt on an endpoint of the chosen upstream. */
export function startAttempt(ex: Exchange): void {
  const rt = ex.rt;
  const slot = ex.slotPending;
  ex.slotPending = false;
  const base = ex.pickCtx ?? ex.table.pickContext;
  const ctx: PickContext = ex.tried === undefined ? base : { ...base, exclude: ex.tried, ...(ex.avoid !== undefined ? { avoidClusters: ex.avoid } : {}) };
  const ep = rt.upstreams.pick(ex.upstream, ctx);
  if (ep === undefined) {
    if (slot) rt.upstreams.releaseRetry();
    if (ex.attempts === 0 && ex.ownerStrict) return replyOwnerUnavailable(ex);
    if (ex.attempts === 0) return ex.reply(503, FLAG_UH, 'no healthy upstream\n');
    return replyFailure(ex);
  }
  const a = new Attempt(ex, ep, ex.upstream, slot);
  ex.attempt = a;
  ex.attempts += 1;
  ex.endpoint = ep;
  ex.upstreamStart = rt.now();
  ex.upstreamEnd = 0;
  rt.upstreams.onAttemptStart(ex.upstream, ep);
  const perAttempt = ex.backendRequestMs > 0 ? ex.backendRequestMs : rt.defaultBackendTimeoutMs;
  if (ex.backendRequestMs > 0) ex.attemptTimer = setTimeout(onAttemptTimeout, ex.backendRequestMs, a);
  const servername = rt.pools.servername(ex.upstream);
  // The build phase: whatever fails before dispatch returns (reported through onResponseError with no
  // controller, as undici 8 does, or thrown) is a request the upstream client will not build, never a network failure.
  a.building = true;
  try {
    rt.pools.get(ep, ex.upstream).dispatch(
      {
        path: ex.outPath,
        method: ex.method as Dispatcher.HttpMethod,
        headers: ex.outHeaders,
        body: ex.body,
        headersTimeout: perAttempt,
        bodyTimeout: perAttempt,
        ...(ex.upgrade !== undefined ? { upgrade: ex.upgrade.protocol } : {}),
        ...(servername !== undefined ? { servername } : {}),
      },
      a,
    );
  } catch (err) {
    a.onResponseError(null, err instanceof Error ? err : new Error(String(err)));
  } finally {
    a.building = false;
  }
}

function collectBody(ex: Exchange): void {
  const chunks: Buffer[] = [];
  const req = ex.req;
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => {
    if (ex.finished) return;
    ex.body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    begin(ex);
  });
}

function begin(ex: Exchange): void {
  // An invalid BackendTLSPolicy: the backend must get nothing, least of all plaintext (5xx, per the spec).
  const refused = ex.rt.pools.refusal(ex.upstream);
  if (refused !== undefined) return ex.reply(503, 0, `${refused}\n`);
  if (ex.upgrade !== undefined) {
    // An HTTP/2 backend cannot take an HTTP/1.1 Upgrade (that would be extended CONNECT, RFC 8441).
    if (ex.rt.pools.protocolOf(ex.upstream) === 'h2c') return ex.reply(501, 0, 'upgrade not supported to an h2c backend\n');
    return startAttempt(ex);
  }
  const mirrors = ex.rule?.filters.mirrors;
  if (mirrors !== undefined && mirrors.length > 0) sendMirrors(ex, mirrors, false);
  const bm = ex.backend?.filters?.mirrors;
  if (bm !== undefined && bm.length > 0) sendMirrors(ex, bm, false);
  const pm = ex.policy?.ir.mirror;
  if (pm?.upstream !== undefined) sendMirrors(ex, [{ upstream: pm.upstream, percent: pm.percent }], pm.shadowSafe);
  startAttempt(ex);
}

/** Forwards the routed request: body handling, mirrors, the first attempt. */
export function forward(ex: Exchange): void {
  if (!ex.chunked && ex.contentLength <= 0) return begin(ex);
  if (!ex.chunked && ex.contentLength <= MAX_BUFFERED_BODY) return collectBody(ex);
  // Streamed through a PassThrough: undici destroys a failed body stream, and that must not be the client socket.
  const pass = new PassThrough();
  ex.req.pipe(pass);
  ex.body = pass;
  begin(ex);
}
