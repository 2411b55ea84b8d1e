/**
 * The evaluator's HTTP client: one request to `http://address:port/path` with a deadline
 * over the whole exchange, answering a status and a capped body, or why there was none.
 * It never throws: a refused connection or a timeout is evidence, not an exception.
 * @module
 */
import http from 'node:http';

/** Bodies are cut here: probes answer a word or a number, synthetic steps a small JSON object. */
export const MAX_BODY_BYTES = 64 * 1024;

/** One request. */
export interface HttpCall {
  readonly address: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly agent: http.Agent;
  /** Aborts the request (the runner stopping). */
  readonly signal?: AbortSignal;
}

/** What came back: a status and body, or an error code (`ECONNREFUSED`, `timeout`, `aborted`). */
export interface HttpAnswer {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    if ((err as { name?: unknown }).name === 'AbortError') return 'aborted';
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return String(err);
}

/** Sends one request and waits (at most `timeoutMs`) for the whole answer. */
export function httpCall(call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const headers: Record<string, string> = { ...(call.headers ?? {}) };
    // An explicit length, also 0 for a bodiless POST: some servers refuse chunked requests.
    if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
    else if (call.method !== 'GET' && call.method !== 'HEAD') headers['content-length'] = '0';
    const req = http.request({
      host: call.address,
      port: call.port,
      method: call.method,
      path: call.path,
      headers,
      agent: call.agent,
      ...(call.signal !== undefined ? { signal: call.signal } : {}),
    });
    const finish = (answer: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    // Settle first, then destroy: a destroyed request whose response already started may emit nothing more.
    // Decided one turn later: a thread that ran late (a translation held the control plane's thread)
    // runs its due timers before the I/O that arrived meanwhile, and an answer already here must win.
    const timer = setTimeout(() => {
      setImmediate(() => {
        finish({ error: `timeout after ${call.timeoutMs}ms` });
        req.destroy();
      });
    }, call.timeoutMs);
    timer.unref();
    req.on('error', (err) => finish({ error: errorCode(err) }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8') }));
      res.on('error', (err) => finish({ status: res.statusCode ?? 0, error: errorCode(err) }));
    });
    req.end(call.body);
  });
}
