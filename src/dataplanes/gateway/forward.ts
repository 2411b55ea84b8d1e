/**
 * Forwarding: the request body (small bodies buffered so they can be retried,
 * larger or chunked ones streamed), mirrors, attempts on keep-alive pools, and
 * retries. An attempt is an undici dispatch handler (undici 8's controller
 * callbacks): the response head is copied from the controller's raw header
 * list, and the body streams to the client with back-pressure (pause/resume).
 *
 * Retries: after a connect failure, always (nothing reached the backend; to
 * another endpoint and away from the failed endpoint's cluster; up to
 * max(1, retry.attempts), not charged to the budget); after a retry-code
 * response, reset or timeout, only with a retry stanza, for GET/HEAD/OPTIONS
 * or an `Idempotency-Key`, within `retry.attempts` and the retry budget, after
 * the jittered back-off. Never once the response has started, never with a
 * body that was streamed (except a connect failure before any byte was read).
 * Under a TrafficPolicy, a mutation is retried only after a connect failure,
 * and only inside its pick context (the owner's endpoints in Owner mode).
 * @module
 */
import { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Exchange } from './exchange.ts';
import { modifyHeaders } from './filters.ts';
import { responseHeaders } from './headers.ts';
import type { AttemptResult } from './metrics.ts';
import { sendMirrors } from './mirror.ts';
import { replyOwnerUnavailable } from './policy.ts';
import { FLAG_SI, FLAG_UC, FLAG_UF, FLAG_UH, FLAG_URX, FLAG_UT } from './runtime.ts';
import type { AttemptOutcome, EndpointRef, PickContext } from './upstream/index.ts';

/** Bodies up to this size (by Content-Length) are buffered, so the request can be retried. */
export const MAX_BUFFERED_BODY = 64 * 1024;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** An error undici gets when the proxy abandons an attempt (never shown to clients). */
class AttemptCancelled extends Error {
  override readonly name = 'AttemptCancelled';
}

/** One attempt to one endpoint (an undici dispatch handler). */
export class Attempt implements Dispatcher.DispatchHandler {
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

  /** Abandons the attempt (client gone, request timeout, discarded retryable response). */
  cancel(outcome: AttemptOutcome = {}, result: AttemptResult = 'cancelled'): void {
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
  onResponseStart(controller: Dispatcher.DispatchController, status: number): void {
    if (this.stale || status < 200) return;
    this.headersSeen = true;
    const raw = (controller as { rawHeaders?: Buffer[] | null }).rawHeaders ?? [];
    onResponseHead(this, status, raw);
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

  /** The response ended: the attempt succeeded. */
  onResponseEnd(): void {
    if (this.stale) return;
    this.stale = true;
    this.end({ status: this.ex.status }, 'response');
    this.ex.res.end();
  }

  /** The attempt failed; `controller` is null when undici refused the request before starting it. */
  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.stale) return;
    this.stale = true;
    const code = (err as { code?: string }).code ?? '';
    const kind: 'connect' | 'reset' | 'timeout' = !this.connected ? 'connect' : TIMEOUT_CODES.has(code) ? 'timeout' : 'reset';
    attemptFailed(this, kind);
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
    ex.lastFlag = 0;
    a.cancel({ status }, 'retried_5xx');
    scheduleRetry(ex);
    return;
  }
  const headers = responseHeaders(raw);
  const rf = ex.rule?.filters.responseHeaders;
  if (rf !== undefined) modifyHeaders(headers, rf);
  const bf = ex.backend?.filters?.responseHeaders;
  if (bf !== undefined) modifyHeaders(headers, bf);
  ex.status = status;
  try {
    ex.res.writeHead(status, headers);
  } catch {
    // A header node:http refuses to send (undici's parser is more lenient).
    a.cancel({ status }, 'response');
    ex.reply(502, FLAG_UC, 'upstream sent an invalid response\n');
  }
}

function attemptFailed(a: Attempt, kind: 'connect' | 'reset' | 'timeout'): void {
  const ex = a.ex;
  a.end({ error: kind }, kind === 'connect' ? 'connect_error' : kind);
  if (ex.finished) return;
  if (a.headersSeen) {
    // The response already started: it cannot be retried or replaced, only cut.
    ex.flags |= kind === 'timeout' ? FLAG_UT : FLAG_UC;
    ex.cut = true;
    ex.res.destroy();
    return;
  }
  remember(ex, a, kind === 'connect');
  if (kind === 'connect') {
    ex.lastStatus = 502;
    ex.lastFlag = FLAG_UF;
    if (ex.rule !== undefined && ex.connectRetries < Math.max(1, ex.retryAttempts) && bodyReplayable(ex, true)) {
      ex.connectRetries += 1;
      ex.retries += 1;
      startAttempt(ex);
      return;
    }
    if (ex.connectRetries > 0) ex.flags |= FLAG_URX;
  } else {
    const status = kind === 'timeout' ? 504 : 502;
    ex.lastStatus = status;
    ex.lastFlag = kind === 'timeout' ? FLAG_UT : FLAG_UC;
    if (mayRetryStatus(ex, status)) {
      scheduleRetry(ex);
      return;
    }
  }
  replyFailure(ex);
}

function replyFailure(ex: Exchange): void {
  const status = ex.lastStatus;
  const text =
    ex.lastFlag === FLAG_UF
      ? 'upstream connect error\n'
      : ex.lastFlag === FLAG_UT
        ? 'upstream request timeout\n'
        : ex.lastFlag === FLAG_UC
          ? 'upstream reset before response\n'
          : 'upstream error\n';
  ex.reply(status, ex.lastFlag, text);
}

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
  a.cancel({ error: 'timeout' }, 'timeout');
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
  try {
    rt.pools.get(ep).dispatch(
      { path: ex.outPath, method: ex.method as Dispatcher.HttpMethod, headers: ex.outHeaders, body: ex.body, headersTimeout: perAttempt, bodyTimeout: perAttempt },
      a,
    );
  } catch (err) {
    // undici refused the request synchronously (e.g. a header value it rejects): not worth a retry.
    rt.log.warn('upstream dispatch refused', { error: err instanceof Error ? err.message : String(err), upstream: ex.upstream });
    a.cancel({}, 'cancelled');
    ex.reply(502, FLAG_UF, 'upstream request refused\n');
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
  if (ex.mirrorsAllowed) {
    const mirrors = ex.rule?.filters.mirrors;
    if (mirrors !== undefined && mirrors.length > 0) sendMirrors(ex, mirrors);
    const bm = ex.backend?.filters?.mirrors;
    if (bm !== undefined && bm.length > 0) sendMirrors(ex, bm);
    const pm = ex.policy?.ir.mirror;
    if (pm?.upstream !== undefined) sendMirrors(ex, [{ upstream: pm.upstream, percent: pm.percent }]);
  }
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
