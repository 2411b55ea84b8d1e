import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Pool, type Dispatcher } from 'undici';
import type { HealthCheckIR, OutlierDetectionIR } from '../../ir/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { backend, endpoint, eventually, rule, send, sendRaw, simpleIR, startBackend, startGateway, upstream, type TestBackend, type TestGateway } from './test-kit.ts';
import { createUpstreamSet, type HealthEvent } from './upstream/index.ts';

// Issue 14 item 1: a malformed-but-parseable request is the client's fault. It gets a 400-class
// answer and never touches a backend's outlier or health state, and the next good request works.
// Outlier detection here ejects on the first charged failure (and may eject every endpoint), so
// any failure wrongly charged to a backend shows up as an ejection event.

const SUITE = { timeout: 60_000 };
const HOST = 'cases.example.com';
const OUTLIER: OutlierDetectionIR = { consecutive5xx: 1, consecutiveGatewayErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 60_000, maxEjectionTimeMs: 60_000, maxEjectionPercent: 100 };
const CHECK: HealthCheckIR = { path: '/healthz', intervalMs: 200, timeoutMs: 500, unhealthyThreshold: 1, healthyThreshold: 1 };

/** [name, raw request, expected status]. Every request names the route's host, so only the malformation decides. */
const CASES: readonly (readonly [string, string, number])[] = [
  ['two identical Host lines (the upstream client refuses a duplicate host)', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nHost: ${HOST}\r\nContent-Length: 2\r\n\r\n{}`, 400],
  ['two different Host lines', `GET /cases HTTP/1.1\r\nHost: ${HOST}\r\nHost: other.example.com\r\n\r\n`, 400],
  ['Host disagrees with the absolute-form target', `GET http://other.example.com/cases HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 400],
  ['absolute-form target with userinfo', `GET http://user@${HOST}/cases HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 400],
  ['Host with a space', 'GET /cases HTTP/1.1\r\nHost: cases .example.com\r\n\r\n', 400],
  ['Host with userinfo', `GET /cases HTTP/1.1\r\nHost: user@${HOST}\r\n\r\n`, 400],
  ['Transfer-Encoding and Content-Length', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400],
  ['chunked twice in one field', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`, 400],
  ['chunked in two field lines', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['a transfer coding the gateway does not speak (gzip, chunked)', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 400],
  ['chunked not the final coding', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`, 400],
  ['an empty Transfer-Encoding', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: \r\nContent-Length: 0\r\n\r\n`, 400],
  ['Transfer-Encoding in HTTP/1.0', `POST /cases HTTP/1.0\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['two Content-Length lines', `POST /cases HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}`, 400],
  ['a header value with DEL (the upstream client refuses it)', `GET /cases HTTP/1.1\r\nHost: ${HOST}\r\nX-Case-Note: a\x7fb\r\n\r\n`, 400],
  ['a header name that is not a token', `GET /cases HTTP/1.1\r\nHost: ${HOST}\r\nX{Case}: 1\r\n\r\n`, 400],
];

function statusOf(reply: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
  return m === null ? 0 : Number(m[1]);
}

describe('malformed requests never harm a backend (issue 14 item 1)', SUITE, () => {
  let jkt: TestBackend;
  let sgp: TestBackend;
  let gw: TestGateway;
  const events: HealthEvent[] = [];
  let initial = '';

  /** Health and ejection of every endpoint, as route explain shows them. */
  const state = (): string =>
    JSON.stringify(gw.upstreams.explain('cases', { entryCluster: 'jkt' })?.endpoints.map((e) => ({ key: e.key, healthy: e.healthy, ejected: e.ejected })));
  /** Requests the backends saw, health checks left out. */
  const proxied = (): number => [...jkt.seen, ...sgp.seen].filter((s) => s.url !== CHECK.path).length;

  before(async () => {
    [jkt, sgp] = await Promise.all([startBackend('jkt'), startBackend('sgp')]);
    const upstreams = createUpstreamSet({ log: silentLogger });
    upstreams.onHealthEvent((e) => events.push(e));
    const ir = simpleIR(
      [rule('cases', 0, { backends: [backend('cases')] })],
      [upstream('cases', [endpoint(jkt.port, 'jkt'), endpoint(sgp.port, 'sgp')], { healthCheck: CHECK, outlierDetection: OUTLIER })],
    );
    gw = await startGateway(ir, { upstreams });
    // Both endpoints have passed a check before the table runs, so "unchanged" means healthy and serving.
    await eventually(() => jkt.seen.some((s) => s.url === CHECK.path) && sgp.seen.some((s) => s.url === CHECK.path));
    initial = state();
    assert.match(initial, /"healthy":true,"ejected":false.*"healthy":true,"ejected":false/);
  });

  after(async () => {
    await gw.close();
    await Promise.all([jkt.close(), sgp.close()]);
  });

  /** The first access log line from index `from` on with `status` (lines land when responses close). */
  async function logLine(from: number, status: number): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await eventually(() => (found = gw.lines.slice(from).find((l) => l.status === status)) !== undefined);
    return found as Record<string, unknown>;
  }

  /** Checks the aftermath of one refused request: nothing proxied, no health event, same state, and a good request still works. */
  async function assertUnharmed(name: string, proxiedBefore: number): Promise<void> {
    assert.equal(proxied(), proxiedBefore, `${name}: no backend saw the request`);
    assert.deepEqual(
      events.map((e) => `${e.kind} ${e.endpoint.cluster} ${e.reason}`),
      [],
      `${name}: no health or outlier event`,
    );
    assert.equal(state(), initial, `${name}: health and ejection unchanged`);
    const good = await send(gw.port(), '/cases', { method: 'POST', host: HOST, body: '{}' });
    assert.equal(good.status, 200, `${name}: a following good request succeeds`);
  }

  for (const [name, request, status] of CASES) {
    test(`${name} → ${String(status)}`, async () => {
      const before = proxied();
      const lines = gw.lines.length;
      const reply = await sendRaw(gw.port(), request);
      assert.equal(statusOf(reply), status, `${name}: ${reply.split('\r\n')[0] ?? ''}`);
      const line = await logLine(lines, status);
      assert.match(String(line.response_flags), /DPE/);
      assert.equal(line.retries, 0);
      await assertUnharmed(name, before);
    });
  }

  test('absolute-form that agrees with Host (default port) is served', async () => {
    const reply = await sendRaw(gw.port(), `GET http://${HOST}:80/cases HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(reply), 200);
  });

  // The upstream client may refuse a request we did not foresee. Whether it reports that through
  // onResponseError inside dispatch (undici 8) or by throwing, the refusal happens while the request is
  // built: the client's fault, never a connect failure, never retried in another cluster.
  const refusals: readonly (readonly [string, (handler: Dispatcher.DispatchHandler) => boolean])[] = [
    [
      'reported through onResponseError while dispatching',
      (handler) => {
        handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, Object.assign(new Error('invalid x-refuse-me header'), { code: 'X_TEST_REFUSED' }));
        return false;
      },
    ],
    [
      'thrown while dispatching',
      () => {
        throw new Error('invalid x-refuse-me header');
      },
    ],
  ];
  for (const [name, refuse] of refusals) {
    test(`a request the upstream client refuses (${name}) → 400, no backend charged`, async (t) => {
      const original = Pool.prototype.dispatch;
      t.after(() => {
        Pool.prototype.dispatch = original;
      });
      Pool.prototype.dispatch = function (this: Pool, options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        const headers = options.headers as string[] | undefined;
        if (headers?.includes('x-refuse-me') === true) return refuse(handler);
        return original.call(this, options, handler);
      };
      const before = proxied();
      const lines = gw.lines.length;
      const r = await send(gw.port(), '/cases', { method: 'POST', host: HOST, body: '{}', headers: { 'x-refuse-me': '1' } });
      assert.equal(r.status, 400);
      assert.match(r.body, /"error":"invalid_request"/);
      const line = await logLine(lines, 400);
      assert.equal(line.response_flags, 'DPE');
      assert.equal(line.retries, 0);
      await assertUnharmed(name, before);
    });
  }
});
