/**
 * RequestMirror: a copy of the request (after the rule's and backend's request
 * filters, with `X-Shadow-Traffic: true`) to one endpoint of the mirror
 * upstream, for `percent` of requests. The response is read and dropped;
 * errors are counted and otherwise ignored; the main request never waits for
 * it. Streamed (large or chunked) bodies are not mirrored: copying them would
 * tie the main request's pace to the mirror's.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { MirrorIR } from '../../ir/index.ts';
import type { Exchange } from './exchange.ts';
import type { GatewayRuntime } from './runtime.ts';
import type { EndpointRef } from './upstream/index.ts';

/** Discards the mirror response; reports the outcome once. */
class MirrorHandler implements Dispatcher.DispatchHandler {
  private done = false;

  /** Creates a handler for one mirror request. */
  constructor(
    private readonly rt: GatewayRuntime,
    private readonly upstream: string,
    private readonly endpoint: EndpointRef,
  ) {}

  private finish(status: number | undefined, error: 'connect' | 'reset' | 'timeout' | undefined): void {
    if (this.done) return;
    this.done = true;
    this.rt.upstreams.onAttemptEnd(this.upstream, this.endpoint, error !== undefined ? { error } : status !== undefined ? { status } : {});
    this.rt.metrics.attempt(error === undefined ? 'response' : error === 'connect' ? 'connect_error' : error, true);
  }

  private status: number | undefined;
  private connected = false;

  /** The copy is being written to a connected socket. */
  onRequestStart(): void {
    this.connected = true;
  }

  /** Keeps the final status; informational responses are skipped. */
  onResponseStart(_controller: Dispatcher.DispatchController, status: number): void {
    if (status >= 200) this.status = status;
  }

  /** The body is read and dropped. */
  onResponseData(): void {}

  /** The mirror answered in full. */
  onResponseEnd(): void {
    this.finish(this.status, undefined);
  }

  /** The mirror failed (before connecting, after a reset, or on a timeout). */
  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    const code = (err as { code?: string }).code ?? '';
    this.finish(undefined, !this.connected ? 'connect' : code.endsWith('_TIMEOUT') ? 'timeout' : 'reset');
  }
}

/** Sends the mirror copies of `ex` that the percentages select. */
export function sendMirrors(ex: Exchange, mirrors: readonly MirrorIR[]): void {
  const rt = ex.rt;
  const body = ex.body;
  if (body !== null && !Buffer.isBuffer(body)) return;
  for (const m of mirrors) {
    if (m.percent <= 0 || (m.percent < 100 && rt.random() * 100 >= m.percent)) continue;
    const ep = rt.upstreams.pick(m.upstream, ex.table.pickContext);
    if (ep === undefined) continue;
    const headers = ex.outHeaders.slice();
    headers.push('x-shadow-traffic', 'true');
    rt.upstreams.onAttemptStart(m.upstream, ep);
    const handler = new MirrorHandler(rt, m.upstream, ep);
    try {
      rt.pools.get(ep).dispatch(
        {
          path: ex.outPath,
          method: ex.method as Dispatcher.HttpMethod,
          headers,
          body,
          headersTimeout: rt.defaultBackendTimeoutMs,
          bodyTimeout: rt.defaultBackendTimeoutMs,
        },
        handler,
      );
    } catch {
      handler.onResponseError(null, new Error('mirror dispatch refused'));
    }
  }
}
