import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { BackendIR, RouteRuleIR } from '../../ir/index.ts';
import {
  backend,
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
import { seededRandom } from './upstream/test-support.ts';

const SUITE = { timeout: 60_000 };
const prefix = (value: string) => match({ path: { type: 'PathPrefix', value } });

describe('filters through real sockets', SUITE, () => {
  let a: TestBackend;
  let b: TestBackend;
  let mirror: TestBackend;
  let safeMirror: TestBackend;
  let gw: TestGateway;
  let port: number;
  const heldMirror: http.ServerResponse[] = [];

  const invalid: BackendIR = { ...backend('x'), upstream: undefined, invalid: { reason: 'BackendNotFound', message: 'missing' } };
  const routes: RouteRuleIR[] = [
    rule('reqhdr', 0, { match: prefix('/reqhdr'), backends: [backend('a')] }, {
      requestHeaders: { set: [{ name: 'x-set', value: 'new' }], add: [{ name: 'x-add', value: 'add-appends-values' }], remove: ['x-remove'] },
    }),
    rule('reshdr', 0, { match: prefix('/reshdr'), backends: [backend('a')] }, {
      responseHeaders: { set: [{ name: 'x-backend', value: 'overwritten' }], add: [{ name: 'x-extra', value: 'e' }], remove: ['content-type'] },
    }),
    rule('redir', 0, { match: prefix('/redir-host') }, { redirect: { hostname: 'new.example.com', statusCode: 302 } }),
    rule('redir', 1, { match: prefix('/redir-https') }, { redirect: { scheme: 'https', statusCode: 301 } }),
    rule('redir', 2, { match: prefix('/redir-port') }, { redirect: { port: 8443, statusCode: 308 } }),
    rule('redir', 3, { match: prefix('/redir-prefix') }, { redirect: { path: { type: 'ReplacePrefixMatch', value: '/moved' }, statusCode: 302 } }),
    rule('rewrite', 0, { match: prefix('/rw-prefix'), backends: [backend('a')] }, { urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/new' } } }),
    rule('rewrite', 1, { match: prefix('/rw-strip'), backends: [backend('a')] }, { urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/' } } }),
    rule('rewrite', 2, { match: prefix('/rw-full'), backends: [backend('a')] }, { urlRewrite: { hostname: 'internal.svc', path: { type: 'ReplaceFullPath', value: '/full' } } }),
    rule('mirror', 0, { match: prefix('/mirror'), backends: [backend('a')] }, { mirrors: [{ upstream: 'mirror', percent: 100 }] }),
    rule('mirror', 1, { match: prefix('/half-mirror'), backends: [backend('a')] }, { mirrors: [{ upstream: 'mirror', percent: 50 }] }),
    rule('mirror', 2, { match: prefix('/safe-mirror'), backends: [backend('a')] }, { mirrors: [{ upstream: 'safe-mirror', percent: 100 }] }),
    rule('weights', 0, { match: prefix('/weights'), backends: [backend('a', 3), backend('b', 1)] }),
    rule('halfbad', 0, { match: prefix('/halfbad'), backends: [backend('a', 1), invalid] }),
    rule('bfilter', 0, {
      match: prefix('/bfilter'),
      backends: [
        backend('a', 1, { filters: { requestHeaders: { set: [{ name: 'x-chosen', value: 'a' }], add: [], remove: [] } } }),
        backend('b', 1, { filters: { responseHeaders: { set: [{ name: 'x-chosen', value: 'b' }], add: [], remove: [] } } }),
      ],
    }),
  ];

  before(async () => {
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    // The mirror backend never answers until the test ends: the main request must not wait for it.
    const hold = (_req: http.IncomingMessage, res: http.ServerResponse): boolean => {
      heldMirror.push(res);
      return true;
    };
    mirror = await startBackend('mirror', hold);
    safeMirror = await startBackend('safe-mirror', hold);
    const upstreams = [
      upstream('a', [endpoint(a.port)]),
      upstream('b', [endpoint(b.port)]),
      upstream('mirror', [endpoint(mirror.port)]),
      // A TrafficPolicy with `shadowSafe: true` targets this one: it may receive mutations.
      upstream('safe-mirror', [endpoint(safeMirror.port)], { shadowSafe: true }),
    ];
    gw = await startGateway(simpleIR(routes, upstreams), { random: seededRandom(7) });
    port = gw.port();
  });
  after(async () => {
    for (const res of heldMirror) res.end();
    await gw.close();
    await Promise.all([a.close(), b.close(), mirror.close(), safeMirror.close()]);
  });

  test('RequestHeaderModifier: set overwrites, add appends, remove deletes', async () => {
    const h = (await send(port, '/reqhdr', { headers: { 'X-Set': 'old', 'x-add': 'some-other-value', 'x-remove': 'bye' } })).json().headers;
    assert.equal(h['x-set'], 'new');
    assert.equal(h['x-add'], 'some-other-value,add-appends-values');
    assert.equal(h['x-remove'], undefined);
  });

  test('ResponseHeaderModifier applies to the backend response', async () => {
    const r = await send(port, '/reshdr');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-backend'], 'overwritten');
    assert.equal(r.headers['x-extra'], 'e');
    assert.equal(r.headers['content-type'], undefined);
  });

  describe('RequestRedirect', () => {
    const cases: [string, number, (port: number) => string][] = [
      ['/redir-host/a?x=1', 302, (p) => `http://new.example.com:${String(p)}/redir-host/a?x=1`],
      ['/redir-https/a', 301, () => 'https://example.com/redir-https/a'],
      ['/redir-port/a', 308, () => 'http://example.com:8443/redir-port/a'],
      ['/redir-prefix/a/b', 302, (p) => `http://example.com:${String(p)}/moved/a/b`],
    ];
    for (const [path, status, location] of cases) {
      test(`${path} → ${String(status)}`, async () => {
        const r = await send(port, path, { host: 'example.com:9999' });
        assert.equal(r.status, status);
        assert.equal(r.headers.location, location(port));
      });
    }
  });

  describe('URLRewrite', () => {
    const cases: [string, string, string?][] = [
      ['/rw-prefix/a/b?q=1', '/new/a/b?q=1'],
      ['/rw-prefix', '/new'],
      ['/rw-strip/three', '/three'],
      ['/rw-strip', '/'],
      ['/rw-full/anything?z', '/full?z', 'internal.svc'],
    ];
    for (const [path, want, host] of cases) {
      test(`${path} → ${want}`, async () => {
        const r = (await send(port, path, { host: 'example.com' })).json();
        assert.equal(r.url, want);
        assert.equal(r.headers.host, host ?? 'example.com');
        if (host !== undefined) assert.equal(r.headers['x-forwarded-host'], 'example.com');
      });
    }
  });

  /** Copies dispatched to an upstream and not answered yet (the mirrors hold every response): counted when sent, so no wait is needed. */
  const copiesInFlight = (key: string): number => gw.upstreams.explain(key, { entryCluster: 'c1' })?.endpoints[0]?.activeRequests ?? -1;

  test('RequestMirror: the mirror gets X-Shadow-Traffic: true; the main response does not wait', async () => {
    const before = mirror.seen.length;
    const r = await send(port, '/mirror/x', { headers: { 'x-trace-me': '1' } });
    assert.equal(r.status, 200);
    assert.equal(r.json().backend, 'a');
    assert.equal(r.json().headers['x-shadow-traffic'], undefined);
    await eventually(() => mirror.seen.length > before);
    const copy = mirror.seen[before];
    assert.equal(copy?.headers['x-shadow-traffic'], 'true');
    assert.equal(copy?.headers['x-trace-me'], '1');
    assert.equal(copy?.url, '/mirror/x');
    // The mirror still has not answered (held), yet the client got its response above.
    assert.ok(heldMirror.length > 0);
    assert.ok(heldMirror.every((res) => !res.writableEnded));
  });

  test('RequestMirror never copies a mutation to a target no policy declared shadow-safe (seed 000 §21)', async () => {
    const before = copiesInFlight('mirror');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await send(port, '/mirror/write', { method, body: 'payload' });
      assert.equal(r.status, 200, method);
      assert.equal(r.json().method, method, 'the main request still goes through');
    }
    assert.equal(copiesInFlight('mirror'), before, 'no copy was dispatched');
    await send(port, '/mirror/read');
    assert.equal(copiesInFlight('mirror'), before + 1, 'a read is copied');
    await eventually(() => mirror.seen.some((s) => s.url === '/mirror/read'));
    assert.deepEqual(mirror.seen.filter((s) => s.url === '/mirror/write'), []);
  });

  test('RequestMirror to a target declared shadow-safe copies mutations too, with the body', async () => {
    const before = safeMirror.seen.length;
    const r = await send(port, '/safe-mirror/x', { method: 'POST', body: 'payload' });
    assert.equal(r.status, 200);
    await eventually(() => safeMirror.seen.length > before);
    const copy = safeMirror.seen[before];
    assert.equal(copy?.method, 'POST');
    assert.equal(copy?.headers['x-shadow-traffic'], 'true');
    assert.equal(copy?.body, 'payload');
  });

  test('RequestMirror percent: about half of the requests are mirrored', async () => {
    const before = mirror.seen.filter((s) => s.url === '/half-mirror').length;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      for (let i = 0; i < 200; i++) assert.equal((await send(port, '/half-mirror', { agent })).status, 200);
    } finally {
      agent.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const mirrored = mirror.seen.filter((s) => s.url === '/half-mirror').length - before;
    assert.ok(mirrored > 60 && mirrored < 140, `mirrored ${String(mirrored)} of 200`);
  });

  test('weights 3:1 over 1000 requests within ±6 %', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const counts = new Map<string, number>();
    try {
      for (let batch = 0; batch < 50; batch++) {
        const rs = await Promise.all(Array.from({ length: 20 }, () => send(port, '/weights', { agent })));
        for (const r of rs) {
          const name = r.json().backend;
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      }
    } finally {
      agent.destroy();
    }
    const share = (counts.get('a') ?? 0) / 1000;
    assert.ok(Math.abs(share - 0.75) <= 0.06, `share of a: ${String(share)}`);
    assert.equal((counts.get('a') ?? 0) + (counts.get('b') ?? 0), 1000);
  });

  test('an invalid backend gets its share of traffic as 500s', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const s = (await send(port, '/halfbad')).status;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    assert.deepEqual([...statuses.keys()].sort(), [200, 500]);
    const share = (statuses.get(500) ?? 0) / 200;
    assert.ok(share > 0.35 && share < 0.65, `500 share ${String(share)}`);
  });

  test('backendRef filters run only for the chosen backend', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const r = await send(port, '/bfilter');
      const body = r.json();
      seen.add(body.backend);
      if (body.backend === 'a') {
        assert.equal(body.headers['x-chosen'], 'a');
        assert.equal(r.headers['x-chosen'], undefined);
      } else {
        assert.equal(body.headers['x-chosen'], undefined);
        assert.equal(r.headers['x-chosen'], 'b');
      }
    }
    assert.equal(seen.size, 2);
  });
});
