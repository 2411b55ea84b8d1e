import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RouteRuleIR } from '../../ir/index.ts';
import { createTestUpstreams, type TestUpstreams } from './test-upstreams.ts';
import {
  backend,
  deadPort,
  endpoint,
  eventually,
  match,
  rule,
  send,
  simpleIR,
  startBackend,
  startGateway,
  upstream,
  type TestBackend,
  type TestGateway,
} from './test-kit.ts';

const SUITE = { timeout: 60_000 };
const prefix = (value: string) => match({ path: { type: 'PathPrefix', value } });
const retry = { codes: [500, 502, 503, 504], attempts: 2, backoffMs: 1 };

describe('forwarding, timeouts and retries', SUITE, () => {
  let ok: TestBackend;
  let flaky: TestBackend;
  let hang: TestBackend;
  let reset: TestBackend;
  let midReset: TestBackend;
  let slowBody: TestBackend;
  let dead: number;
  let gw: TestGateway;
  let port: number;
  const held: ServerResponse[] = [];
  /** How many upcoming requests to the flaky backend fail with 503. */
  let failNext = 0;

  before(async () => {
    ok = await startBackend('ok');
    flaky = await startBackend('flaky', (_req, res) => {
      if (failNext <= 0) return false;
      failNext -= 1;
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('flaky says no');
      return true;
    });
    hang = await startBackend('hang', (_req, res) => {
      held.push(res);
      return true;
    });
    reset = await startBackend('reset', (req) => {
      req.socket.destroy();
      return true;
    });
    midReset = await startBackend('midreset', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
      return true;
    });
    slowBody = await startBackend('slowbody', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
      held.push(res);
      return true;
    });
    dead = await deadPort();
    const routes: RouteRuleIR[] = [
      rule('ok', 0, { match: prefix('/ok'), backends: [backend('ok')] }),
      rule('flaky', 0, { match: prefix('/flaky'), backends: [backend('flaky')], retry }),
      rule('flaky', 1, { match: prefix('/noretry'), backends: [backend('flaky')] }),
      rule('hang', 0, { match: prefix('/hang-backend'), backends: [backend('hang')], timeouts: { backendRequestMs: 150 } }),
      rule('hang', 1, { match: prefix('/hang-request'), backends: [backend('hang')], timeouts: { requestMs: 200 } }),
      rule('hang', 2, { match: prefix('/hang-default'), backends: [backend('hang')] }),
      rule('hang', 3, { match: prefix('/hang-retry'), backends: [backend('hang')], timeouts: { requestMs: 2000, backendRequestMs: 100 }, retry }),
      rule('reset', 0, { match: prefix('/reset'), backends: [backend('reset')] }),
      rule('midreset', 0, { match: prefix('/midreset'), backends: [backend('midreset')] }),
      rule('slowbody', 0, { match: prefix('/slowbody'), backends: [backend('slowbody')], timeouts: { backendRequestMs: 200 } }),
      rule('failover', 0, { match: prefix('/failover'), backends: [backend('failover')] }),
      rule('deadonly', 0, { match: prefix('/deadonly'), backends: [backend('deadonly')] }),
    ];
    gw = await startGateway(
      simpleIR(routes, [
        upstream('ok', [endpoint(ok.port)]),
        upstream('flaky', [endpoint(flaky.port)]),
        upstream('hang', [endpoint(hang.port)]),
        upstream('reset', [endpoint(reset.port)]),
        upstream('midreset', [endpoint(midReset.port)]),
        upstream('slowbody', [endpoint(slowBody.port)]),
        upstream('failover', [endpoint(dead, 'c1'), endpoint(ok.port, 'c2')]),
        upstream('deadonly', [endpoint(dead, 'c1')]),
      ]),
      { defaultBackendTimeoutMs: 300, upstreams: createTestUpstreams() },
    );
    port = gw.port();
  });
  after(async () => {
    for (const res of held) res.destroy();
    await gw.close();
    await Promise.all([ok, flaky, hang, reset, midReset, slowBody].map((s) => s.close()));
  });

  const line = async (path: string): Promise<Record<string, unknown>> => {
    await eventually(() => gw.lines.some((l) => l.path === path));
    return gw.lines.find((l) => l.path === path) as Record<string, unknown>;
  };
  const tu = (): TestUpstreams => gw.upstreams as TestUpstreams;

  describe('bodies', () => {
    test('a small POST body is forwarded (buffered)', async () => {
      const r = await send(port, '/ok/small', { method: 'POST', body: 'hello' });
      assert.equal(r.json().body, 'hello');
    });

    test('a large POST body streams through intact', async () => {
      const big = 'x'.repeat(300 * 1024);
      const r = await send(port, '/ok/big', { method: 'POST', body: big });
      assert.equal(r.json().body.length, big.length);
    });

    test('a chunked request body streams through intact', async () => {
      const r = await send(port, '/ok/chunked', { method: 'PUT', body: 'chunk-body', chunked: true });
      assert.equal(r.json().body, 'chunk-body');
    });
  });

  describe('timeouts', () => {
    const cases: [string, string][] = [
      ['backendRequest timeout', '/hang-backend'],
      ['request timeout', '/hang-request'],
      ['default backend timeout when the route sets none', '/hang-default'],
    ];
    for (const [name, path] of cases) {
      test(`${name} → 504 UT`, async () => {
        const r = await send(port, path);
        assert.equal(r.status, 504);
        const l = await line(path);
        assert.equal(l.status, 504);
        assert.equal(l.response_flags, 'UT');
      });
    }

    test('backendRequest timeouts are retried (idempotent GET) within the request timeout', async () => {
      const r = await send(port, '/hang-retry');
      assert.equal(r.status, 504);
      const l = await line('/hang-retry');
      assert.equal(l.retries, 2);
      assert.equal(l.response_flags, 'UT,URX');
    });

    test('a backend that stalls mid-body: the response is cut (UT), never replaced', async () => {
      await assert.rejects(send(port, '/slowbody'));
      const l = await line('/slowbody');
      assert.equal(l.status, 200);
      assert.equal(l.response_flags, 'UT');
    });
  });

  describe('retries on retry codes', () => {
    test('GET is retried and succeeds', async () => {
      failNext = 1;
      const r = await send(port, '/flaky/get');
      assert.equal(r.status, 200);
      assert.equal((await line('/flaky/get')).retries, 1);
    });

    test('POST is not retried', async () => {
      failNext = 1;
      const r = await send(port, '/flaky/post', { method: 'POST', body: 'b' });
      assert.equal(r.status, 503);
      assert.equal((await line('/flaky/post')).retries, 0);
      failNext = 0;
    });

    test('POST with Idempotency-Key is retried with its body', async () => {
      failNext = 1;
      const before = flaky.seen.length;
      const r = await send(port, '/flaky/idem', { method: 'POST', body: 'again', headers: { 'Idempotency-Key': 'k-1' } });
      assert.equal(r.status, 200);
      assert.equal(r.json().body, 'again');
      assert.equal(flaky.seen.length - before, 2);
    });

    test('attempts are bounded: 1 + 2 tries, then the last 503 with URX', async () => {
      failNext = 10;
      const before = flaky.seen.length;
      const r = await send(port, '/flaky/exhaust');
      assert.equal(r.status, 503);
      assert.equal(r.body, 'flaky says no');
      assert.equal(flaky.seen.length - before, 3);
      const l = await line('/flaky/exhaust');
      assert.equal(l.retries, 2);
      assert.equal(l.response_flags, 'URX');
      failNext = 0;
    });

    test('no retry stanza: no retry', async () => {
      failNext = 1;
      assert.equal((await send(port, '/noretry/x')).status, 503);
      failNext = 0;
    });

    test('an exhausted retry budget stops retries (URX) and slots are returned', async () => {
      tu().budget = false;
      try {
        failNext = 1;
        const r = await send(port, '/flaky/budget');
        assert.equal(r.status, 503);
        const l = await line('/flaky/budget');
        assert.equal(l.retries, 0);
        assert.equal(l.response_flags, 'URX');
      } finally {
        tu().budget = true;
        failNext = 0;
      }
      assert.equal(tu().retriesHeld(), 0);
    });
  });

  describe('connect failures and resets', () => {
    test('connect failure is retried on another endpoint, avoiding the failed cluster', async () => {
      const r = await send(port, '/failover/one');
      assert.equal(r.status, 200);
      assert.equal(r.json().backend, 'ok');
      const picks = tu().picks.filter((p) => p.upstream === 'failover');
      const first = picks.findIndex((p) => p.chosen === `127.0.0.1:${String(dead)}`);
      assert.ok(first >= 0);
      const next = picks[first + 1];
      assert.ok(next?.ctx.exclude?.has(`127.0.0.1:${String(dead)}`));
      assert.ok(next?.ctx.avoidClusters?.has('c1'));
      const l = await line('/failover/one');
      assert.equal(l.retries, 1);
      assert.equal(l.destination_cluster, 'c2');
      assert.ok(tu().outcomes.some((o) => o.endpoint === `127.0.0.1:${String(dead)}` && o.outcome.error === 'connect'));
    });

    test('connect failure with a POST body is retried too (nothing was sent)', async () => {
      const results = await Promise.all([1, 2, 3, 4].map((i) => send(port, `/failover/post${String(i)}`, { method: 'POST', body: 'payload' })));
      for (const r of results) {
        assert.equal(r.status, 200);
        assert.equal(r.json().body, 'payload');
      }
    });

    test('every endpoint refuses → 502 UF after one connect retry (URX)', async () => {
      const r = await send(port, '/deadonly/x');
      assert.equal(r.status, 502);
      const l = await line('/deadonly/x');
      assert.equal(l.response_flags, 'UF,URX');
      assert.equal(l.retries, 1);
    });

    test('backend resets before answering → 502 UC', async () => {
      const r = await send(port, '/reset/x');
      assert.equal(r.status, 502);
      assert.equal((await line('/reset/x')).response_flags, 'UC');
    });

    test('backend resets mid-body → the client response is cut, flagged UMR (not UC: that is before the response)', async () => {
      await assert.rejects(send(port, '/midreset/x'));
      const l = await line('/midreset/x');
      assert.equal(l.status, 200);
      assert.equal(l.response_flags, 'UMR');
      // Still charged to the endpoint: a backend that cuts its responses is failing.
      assert.ok(tu().outcomes.some((o) => o.endpoint.endsWith(`:${String(midReset.port)}`) && o.outcome.error === 'reset'));
    });

    test('every attempt started was ended (no leaked accounting)', async () => {
      await eventually(() => tu().active() === 0 || held.length > 0);
      assert.equal(tu().retriesHeld(), 0);
    });
  });
});
