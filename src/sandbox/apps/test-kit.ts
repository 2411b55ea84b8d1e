/**
 * Test helpers for the demo apps (not a test file itself): a bounded HTTP
 * client, a polling wait, free and dead ports on 127.0.0.1, and a scripted
 * random source.
 * @module
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Every client wait in these tests is bounded by this. */
export const CLIENT_TIMEOUT_MS = 10_000;

/** An answer as tests look at it. */
export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** Parsed body (undefined when not JSON). */
  readonly json: unknown;
}

/** Sends one request on a fresh connection (so `Host` can be set and nothing lingers); `body` objects are sent as JSON. */
export function call(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method: init.method ?? 'GET',
      agent: false,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }), ...init.headers },
      timeout: init.timeoutMs ?? CLIENT_TIMEOUT_MS,
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${base}${path} timed out`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text) as unknown;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.end(body);
  });
}

/** The JSON body as a record (fails the test when it is not an object). */
export function obj(answer: Answer): Record<string, unknown> {
  assert.equal(typeof answer.json, 'object', `expected a JSON object, got: ${answer.text}`);
  return answer.json as Record<string, unknown>;
}

/** Polls until a probe yields a value (the project's bounded wait). */
export { waitFor } from '../../../test/wait.ts';

/** A port on 127.0.0.1 that was free a moment ago (bound, then closed): nothing answers on it until a test starts something there. */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A random source that returns `values` in turn, cycling. */
export function scriptedRandom(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}
