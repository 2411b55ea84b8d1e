import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RouteRuleIR } from '../../ir/index.ts';
import {
  backend,
  endpoint,
  eventually,
  listener,
  match,
  rule,
  send,
  startBackend,
  startGateway,
  upstream,
  vhost,
  type TestBackend,
  type TestGateway,
} from './test-kit.ts';

const SUITE = { timeout: 60_000 };

describe('routing through real sockets', SUITE, () => {
  let a: TestBackend;
  let b: TestBackend;
  let c: TestBackend;
  let gw: TestGateway;
  let port: number;
  let port2: number;

  const fooRoutes: RouteRuleIR[] = [
    rule('exact', 0, { match: match({ path: { type: 'Exact', value: '/exact' } }), backends: [backend('a')] }),
    rule('prefix', 0, { match: match({ path: { type: 'PathPrefix', value: '/prefix' } }), backends: [backend('b')] }),
    rule('regex', 0, { match: match({ path: { type: 'RegularExpression', value: '/re/[0-9]+' } }), backends: [backend('c')] }),
    rule('hdr', 0, {
      match: match({ path: { type: 'PathPrefix', value: '/h' }, headers: [{ name: 'x-env', type: 'Exact', value: 'canary' }] }),
      backends: [backend('b')],
    }),
    rule('hdr', 1, { match: match({ path: { type: 'PathPrefix', value: '/h' } }), backends: [backend('a')] }),
    rule('qry', 0, {
      match: match({ path: { type: 'PathPrefix', value: '/q' }, queryParams: [{ name: 'animal', type: 'Exact', value: 'whale' }] }),
      backends: [backend('c')],
    }),
    rule('qry', 1, { match: match({ path: { type: 'PathPrefix', value: '/q' } }), backends: [backend('a')] }),
    rule('meth', 0, { match: match({ path: { type: 'PathPrefix', value: '/m' }, method: 'POST' }), backends: [backend('b')] }),
    rule('meth', 1, { match: match({ path: { type: 'PathPrefix', value: '/m' } }), backends: [backend('a')] }),
    rule('direct', 0, { match: match({ path: { type: 'Exact', value: '/direct' } }), directResponse: { status: 418, body: 'teapot' } }),
    rule('nobackends', 0, { match: match({ path: { type: 'Exact', value: '/none' } }) }),
    rule('invalid', 0, {
      match: match({ path: { type: 'Exact', value: '/invalid' } }),
      backends: [{ ...backend('x'), upstream: undefined, invalid: { reason: 'BackendNotFound', message: 'no such service' } }],
    }),
    rule('zero', 0, { match: match({ path: { type: 'Exact', value: '/zero' } }), backends: [backend('a', 0)] }),
    rule('empty', 0, { match: match({ path: { type: 'Exact', value: '/empty' } }), backends: [backend('empty')] }),
    rule('badregex', 0, { match: match({ path: { type: 'RegularExpression', value: '/bad(' } }), backends: [backend('a')] }),
  ];

  before(async () => {
    [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
    gw = await startGateway({
      listeners: [
        listener('127.0.0.1:0', [
          vhost('foo.example.com', fooRoutes),
          vhost('*.foo.example.com', [rule('deepwild', 0, { backends: [backend('b')] })]),
          vhost('*.example.com', [rule('wild', 0, { backends: [backend('c')] })]),
          vhost('*', [rule('any', 0, { match: match({ path: { type: 'Exact', value: '/only' } }), backends: [backend('a')] })]),
        ]),
        listener('127.0.0.2:0', [vhost('foo.example.com', [rule('l2', 0, { match: match({ path: { type: 'PathPrefix', value: '/l2' } }), backends: [backend('b')] })], 'second')], {
          address: '127.0.0.2',
        }),
      ],
      upstreams: [
        upstream('a', [endpoint(a.port)]),
        upstream('b', [endpoint(b.port)]),
        upstream('c', [endpoint(c.port)]),
        upstream('empty', []),
      ],
    });
    port = gw.port('127.0.0.1:0');
    port2 = gw.port('127.0.0.2:0');
  });
  after(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  describe('matching (first vhost, then first matching rule)', () => {
    const cases: [string, string, string | number, { method?: string; host?: string; headers?: Record<string, string> }?][] = [
      ['Exact', '/exact', 'a'],
      ['Exact does not match a trailing slash → 404', '/exact/', 404],
      ['PathPrefix', '/prefix/deeper', 'b'],
      ['PathPrefix is element-wise → 404', '/prefixed', 404],
      ['RegularExpression', '/re/42', 'c'],
      ['RegularExpression is anchored → 404', '/re/42/x', 404],
      ['header match (case-insensitive name)', '/h', 'b', { headers: { 'X-Env': 'canary' } }],
      ['header mismatch falls to the next rule', '/h', 'a', { headers: { 'x-env': 'prod' } }],
      ['query match', '/q?animal=whale', 'c'],
      ['query names are case-sensitive', '/q?ANIMAL=whale', 'a'],
      ['method match', '/m', 'b', { method: 'POST' }],
      ['method mismatch falls through', '/m', 'a', { method: 'GET' }],
      ['Host port and case are ignored', '/exact', 'a', { host: 'FOO.example.com:8080' }],
      ['wildcard vhost for a subdomain', '/anything', 'c', { host: 'bar.example.com' }],
      ['more specific wildcard first', '/anything', 'b', { host: 'x.foo.example.com' }],
      ['wildcard does not match the apex → catch-all vhost → 404', '/anything', 404, { host: 'example.com' }],
      ['catch-all vhost', '/only', 'a', { host: 'other.net' }],
      ['an invalid regex rule never matches → 404', '/bad(', 404],
    ];
    for (const [name, path, want, opts] of cases) {
      test(`${name}: ${path}`, async () => {
        const r = await send(port, path, { host: 'foo.example.com', ...opts });
        if (typeof want === 'number') assert.equal(r.status, want);
        else {
          assert.equal(r.status, 200);
          assert.equal(r.json().backend, want);
        }
      });
    }
  });

  describe('listener isolation', () => {
    test('a request on listener 2 only sees listener 2 routes (no fall-through)', async () => {
      const second = { host: 'foo.example.com', address: '127.0.0.2' };
      assert.equal((await send(port2, '/l2/x', second)).json().backend, 'b');
      assert.equal((await send(port2, '/exact', second)).status, 404);
      assert.equal((await send(port, '/l2/x', { host: 'foo.example.com' })).status, 404);
    });
  });

  describe('local answers', () => {
    const cases: [string, number, string][] = [
      ['/direct', 418, 'teapot'],
      ['/none', 500, 'no backend\n'],
      ['/invalid', 500, 'invalid backend\n'],
      ['/zero', 500, 'no backend\n'],
      ['/empty', 503, 'no healthy upstream\n'],
    ];
    for (const [path, status, body] of cases) {
      test(`${path} → ${String(status)}`, async () => {
        const r = await send(port, path, { host: 'foo.example.com' });
        assert.equal(r.status, status);
        assert.equal(r.body, body);
      });
    }

    test('flags in the access log: NR for no route, UH for no healthy upstream', async () => {
      await send(port, '/nope', { host: 'foo.example.com' });
      await send(port, '/empty', { host: 'foo.example.com' });
      await eventually(() => gw.lines.some((l) => l.path === '/nope') && gw.lines.some((l) => l.path === '/empty'));
      const nr = gw.lines.find((l) => l.path === '/nope');
      const uh = gw.lines.find((l) => l.path === '/empty');
      assert.equal(nr?.response_flags, 'NR');
      assert.equal(nr?.status, 404);
      assert.equal(nr?.route, null);
      assert.equal(uh?.response_flags, 'UH');
      assert.equal(uh?.route, 'ns/empty/0');
    });
  });

  describe('proxy headers', () => {
    test('X-Forwarded-*, x-request-id and traceparent added; Host forwarded unmodified; hop-by-hop stripped', async () => {
      const r = await send(port, '/exact', { host: 'foo.example.com:1234', headers: { connection: 'keep-alive, x-hop', 'x-hop': '1', 'x-forwarded-for': '10.1.1.1' } });
      const h = r.json().headers;
      assert.equal(h.host, 'foo.example.com:1234');
      assert.equal(h['x-forwarded-for'], '10.1.1.1, 127.0.0.1');
      assert.equal(h['x-forwarded-proto'], 'http');
      assert.equal(h['x-forwarded-host'], 'foo.example.com:1234');
      assert.match(String(h['x-request-id']), /^[0-9a-f-]{36}$/);
      assert.match(String(h.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.equal(h['x-hop'], undefined);
    });

    test('a valid incoming traceparent and x-request-id are kept and logged', async () => {
      const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const r = await send(port, '/exact?log=trace', { host: 'foo.example.com', headers: { traceparent: tp, 'x-request-id': 'my-id' } });
      assert.equal(r.json().headers.traceparent, tp);
      assert.equal(r.json().headers['x-request-id'], 'my-id');
      await eventually(() => gw.lines.some((l) => l.path === '/exact?log=trace'));
      const line = gw.lines.find((l) => l.path === '/exact?log=trace');
      assert.equal(line?.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.equal(line?.request_id, 'my-id');
    });
  });

  test('keep-alive connections serve many requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const results = await Promise.all(Array.from({ length: 40 }, () => send(port, '/exact', { host: 'foo.example.com', agent })));
      assert.ok(results.every((r) => r.status === 200));
    } finally {
      agent.destroy();
    }
  });
});
