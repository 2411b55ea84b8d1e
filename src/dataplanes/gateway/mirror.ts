/**
 * RequestMirror: a copy of the request (after the rule's and backend's request
 * filters, with `X-Shadow-Traffic: true`) to one endpoint of the mirror
 * upstream, for `percent` of requests. The response is read and dropped;
 * errors are counted and otherwise ignored; the main request never waits for
 * it. Streamed (large or chunked) bodies are not mirrored: copying them would
 * tie the main request's pace to the mirror's.
 *
 * Shadow-safety (seed 000 §21, issue 14): only safe methods (GET, HEAD,
 * OPTIONS, TRACE) that are not a policy's mutations are mirrored to any
 * target. Everything else (POST, PUT, PATCH, DELETE, other methods) is
 * mirrored only to a target a policy declared shadow-safe: the mirror
 * target's own TrafficPolicy (`spec.shadowSafe`), or the policy whose
 * `spec.mirror.shadowSafe` vouches for its mirror.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { MirrorIR } from '../../ir/index.ts';
import { attemptPhase, classifyAttemptError, FAILURE_CLASSES } from './attempt-errors.ts';
import type { Exchange } from './exchange.ts';
import type { AttemptResult } from './metrics.ts';
import type { GatewayRuntime } from './runtime.ts';
import type { AttemptOutcome, EndpointRef } from './upstream/index.ts';

/** Discards the mirror response; reports the outcome once (classified like a main attempt, attempt-errors.ts). */
class MirrorHandler implements Dispatcher.DispatchHandler {
  private done = false;
  private status: number | undefined;
  /** True while the copy is being handed to the upstream client. */
  building = false;
  connected = false;
  headersSeen = false;

  /** Creates a handler for one mirror request. */
  constructor(
    private readonly rt: GatewayRuntime,
    private readonly upstream: string,
    private readonly endpoint: EndpointRef,
  ) {}

  private finish(outcome: AttemptOutcome, result: AttemptResult): void {
    if (this.done) return;
    this.done = true;
    this.rt.upstreams.onAttemptEnd(this.upstream, this.endpoint, outcome);
    this.rt.metrics.attempt(result, true);
  }

  /** The copy is being written to a connected socket. */
  onRequestStart(): void {
    this.connected = true;
  }

  /** Keeps the final status; informational responses are skipped. */
  onResponseStart(_controller: Dispatcher.DispatchController, status: number): void {
    if (status >= 200) {
      this.status = status;
      this.headersSeen = true;
    }
  }

  /** The body is read and dropped. */
  onResponseData(): void {}

  /** The mirror answered in full. */
  onResponseEnd(): void {
    this.finish(this.status !== undefined ? { status: this.status } : {}, 'response');
  }

  /** The mirror failed: classified by phase like a main attempt (attempt-errors.ts). */
  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    const c = FAILURE_CLASSES[classifyAttemptError(attemptPhase(this), err)];
    this.finish(c.outcome, c.result);
  }
}

/** Methods that may be mirrored to a target nobody declared shadow-safe (RFC 9110 safe methods). */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether a copy of `ex` may go to `upstream` (see the module comment); `vouched` = the policy mirror's own shadowSafe. */
export function mayMirror(ex: Pick<Exchange, 'method' | 'requestClass' | 'table'>, upstream: string, vouched: boolean): boolean {
  if (vouched || ex.table.shadowSafe.has(upstream)) return true;
  return ex.requestClass !== 'mutation' && SAFE_METHODS.has(ex.method);
}

/** Sends the mirror copies of `ex` that the percentages and shadow-safety allow. */
export function sendMirrors(ex: Exchange, mirrors: readonly MirrorIR[], vouched: boolean): void {
  const rt = ex.rt;
  const body = ex.body;
  if (body !== null && !Buffer.isBuffer(body)) return;
  for (const m of mirrors) {
    if (!mayMirror(ex, m.upstream, vouched)) continue;
    if (m.percent <= 0 || (m.percent < 100 && rt.random() * 100 >= m.percent)) continue;
    if (rt.pools.refusal(m.upstream) !== undefined) continue;
    const ep = rt.upstreams.pick(m.upstream, ex.table.pickContext);
    if (ep === undefined) continue;
    const servername = rt.pools.servername(m.upstream);
    const headers = ex.outHeaders.slice();
    headers.push('x-shadow-traffic', 'true');
    rt.upstreams.onAttemptStart(m.upstream, ep);
    const handler = new MirrorHandler(rt, m.upstream, ep);
    handler.building = true;
    try {
      rt.pools.get(ep, m.upstream).dispatch(
        {
          path: ex.outPath,
          method: ex.method as Dispatcher.HttpMethod,
          headers,
          body,
          headersTimeout: rt.defaultBackendTimeoutMs,
          bodyTimeout: rt.defaultBackendTimeoutMs,
          ...(servername !== undefined ? { servername } : {}),
        },
        handler,
      );
    } catch (err) {
      handler.onResponseError(null, err instanceof Error ? err : new Error(String(err)));
    } finally {
      handler.building = false;
    }
  }
}
