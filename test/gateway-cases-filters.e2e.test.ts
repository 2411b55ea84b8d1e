/**
 * Gateway API filters, weights, error statuses and timeouts through a running
 * `lintas serve`, as case tables: RequestHeaderModifier as the backend sees it,
 * ResponseHeaderModifier as the client sees it, RequestRedirect `Location`s (with the
 * port rules), URLRewrite as the backend sees it, RequestMirror (a copy with
 * `X-Shadow-Traffic: true`, the client gets the primary's answer; mutations only to a
 * target a TrafficPolicy declares shadow-safe), weights within a
 * 5-sigma binomial tolerance, 500/503 for invalid, unready and missing backends, 504
 * for timeouts and 404 for unmatched requests. One fleet on loopback 127.94.128.0/17.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ECHO_DELAY_HEADER,
  clusterObject,
  freePort,
  gatewayClassObject,
  gatewayObject,
  httpRoute,
  manifests,
  namespaceObject,
  removeDir,
  request,
  serviceObjects,
  startEcho,
  startServe,
  writeFiles,
  type Echo,
  type Reply,
  type Serve,
} from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

const GW_IP = '127.94.200.1';
const BACKENDS = {
  echo: '127.94.128.10',
  mirror: '127.94.128.11',
  'mirror-err': '127.94.128.12',
  'w-a': '127.94.128.13',
  'w-b': '127.94.128.14',
  'w-c': '127.94.128.15',
  'shadow-safe': '127.94.128.16',
} as const;
type BackendName = keyof typeof BACKENDS;
/** An address nothing listens on; its endpoint is not ready anyway. */
const UNREADY_IP = '127.94.128.99';

const ref = (name: string, weight?: number, filters?: readonly object[]): object => ({ name, port: 8080, ...(weight !== undefined ? { weight } : {}), ...(filters ? { filters } : {}) });
const exact = (value: string): object[] => [{ path: { type: 'Exact', value } }];
const prefix = (value: string): object[] => [{ path: { type: 'PathPrefix', value } }];
const route = (name: string, host: string, rules: readonly object[]): object => httpRoute('demo', name, { parentRefs: [{ name: 'edge' }], hostnames: [host], rules });
const requestHeaders = (m: object): object => ({ type: 'RequestHeaderModifier', requestHeaderModifier: m });
const redirect = (path: string, r: object, matches = exact(path)): object => ({ matches, filters: [{ type: 'RequestRedirect', requestRedirect: r }] });
const rewrite = (matches: readonly object[], r: object): object => ({ matches, filters: [{ type: 'URLRewrite', urlRewrite: r }], backendRefs: [ref('echo')] });
const mirror = (target: string, share: object = {}): object => ({ type: 'RequestMirror', requestMirror: { backendRef: { name: target, port: 8080 }, ...share } });

function routes(): object[] {
  return [
    route('req-headers', 'req-headers.test', [
      { filters: [requestHeaders({ set: [{ name: 'X-Set', value: 'set-value' }], add: [{ name: 'X-Add', value: 'add-appends-values' }, { name: 'x-fresh', value: 'fresh-value' }], remove: ['X-REMOVE'] })], backendRefs: [ref('echo')] },
    ]),
    route('resp-headers', 'resp-headers.test', [
      {
        filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Resp-Set', value: 'new' }], add: [{ name: 'X-Resp-Add', value: 'added' }, { name: 'X-Resp-New', value: 'fresh' }], remove: ['X-Resp-Remove'] } }],
        backendRefs: [ref('echo')],
      },
    ]),
    route('backend-filters', 'backend-filters.test', [{ backendRefs: [ref('w-a', 1, [requestHeaders({ set: [{ name: 'x-bf', value: 'a' }] })]), ref('w-b', 1, [requestHeaders({ set: [{ name: 'x-bf', value: 'b' }] })])] }]),
    route('redirects', 'redirect.test', [
      redirect('/r/scheme', { scheme: 'https' }),
      redirect('/r/host', { hostname: 'moved.test' }),
      redirect('/r/port', { port: 8081 }),
      redirect('/r/port-80', { port: 80 }),
      redirect('/r/http', { scheme: 'http' }),
      redirect('/r/https-port', { scheme: 'https', port: 8443 }),
      redirect('/r/301', { hostname: 'moved.test', statusCode: 301 }),
      redirect('/r/308', { statusCode: 308 }),
      redirect('/r/full', { path: { type: 'ReplaceFullPath', replaceFullPath: '/new-home' } }),
      redirect('/r/prefix', { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/moved' } }, prefix('/r/prefix')),
    ]),
    route('rewrites', 'rewrite.test', [
      rewrite(exact('/w/host'), { hostname: 'rewritten.test' }),
      rewrite(exact('/w/full'), { path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } }),
      rewrite(prefix('/w/prefix'), { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/xyz' } }),
      rewrite(prefix('/w/slash/'), { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/xyz/' } }),
      rewrite(prefix('/w/root'), { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } }),
      rewrite(prefix('/w/both'), { hostname: 'both.test', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } }),
    ]),
    route('mirror', 'mirror.test', [{ filters: [mirror('mirror')], backendRefs: [ref('echo')] }]),
    route('mirror-err', 'mirror-err.test', [{ filters: [mirror('mirror-err')], backendRefs: [ref('echo')] }]),
    route('mirror-two', 'mirror-two.test', [{ filters: [mirror('mirror'), mirror('mirror-err')], backendRefs: [ref('echo')] }]),
    route('mirror-none', 'mirror-none.test', [{ filters: [mirror('mirror', { percent: 0 })], backendRefs: [ref('echo')] }]),
    route('mirror-half', 'mirror-half.test', [{ filters: [mirror('mirror', { fraction: { numerator: 1, denominator: 2 } })], backendRefs: [ref('echo')] }]),
    route('mirror-safe', 'mirror-safe.test', [{ filters: [mirror('shadow-safe')], backendRefs: [ref('echo')] }]),
    route('weights', 'weights.test', [{ backendRefs: [ref('w-a', 80), ref('w-b', 20), ref('w-c', 0)] }]),
    route('invalid-share', 'invalid-share.test', [{ backendRefs: [ref('w-a', 1), ref('ghost', 1)] }]),
    route('zero-invalid', 'zero-invalid.test', [{ backendRefs: [ref('w-a', 1), ref('ghost', 0)] }]),
    route('unready-share', 'unready-share.test', [{ backendRefs: [ref('w-a', 1), ref('unready', 1)] }]),
    route('all-invalid', 'all-invalid.test', [{ backendRefs: [ref('ghost')] }]),
    route('all-zero', 'all-zero.test', [{ backendRefs: [ref('w-a', 0), ref('w-b', 0)] }]),
    route('no-backends', 'no-backends.test', [{ matches: prefix('/') }]),
    route('unready', 'unready.test', [{ backendRefs: [ref('unready')] }]),
    route('no-endpoints', 'no-endpoints.test', [{ backendRefs: [ref('empty')] }]),
    route('timeouts', 'timeouts.test', [
      { matches: exact('/t/request'), timeouts: { request: '300ms' }, backendRefs: [ref('echo')] },
      { matches: exact('/t/backend'), timeouts: { request: '10s', backendRequest: '300ms' }, backendRefs: [ref('echo')] },
      { matches: exact('/t/fast'), timeouts: { request: '10s' }, backendRefs: [ref('echo')] },
    ]),
  ];
}

function fleetFiles(port: number, echoes: ReadonlyMap<BackendName, Echo>): Record<string, string> {
  const services = [...echoes.values()].flatMap((e) => serviceObjects('demo', e.name, [{ address: e.address, port: e.port }]));
  return {
    'fleet.yaml': manifests(
      clusterObject('a', 'r1', 'r1a', '127.94.128.0/17'),
      // The only mirror target declared shadow-safe: it may receive mirrored mutations (seed 000 §21).
      { apiVersion: 'lintas.dev/v1alpha1', kind: 'TrafficPolicy', metadata: { name: 'shadow-safe', namespace: 'demo' }, spec: { targetRefs: [{ kind: 'Service', name: 'shadow-safe' }], shadowSafe: true } },
    ),
    'clusters/a/base.yaml': manifests(
      gatewayClassObject(),
      namespaceObject('demo'),
      ...services,
      ...serviceObjects('demo', 'unready', [{ address: UNREADY_IP, port: 9, ready: false }]),
      ...serviceObjects('demo', 'empty', []),
      gatewayObject('demo', 'edge', GW_IP, [{ name: 'http', protocol: 'HTTP', port }]),
    ),
    'clusters/a/routes.yaml': manifests(...routes()),
  };
}

describe('gateway case tables through lintas serve: filters, weights, errors, timeouts', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-gw-cases-filters-'));
  const echoes = new Map<BackendName, Echo>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let serve: Serve | undefined;
  let gw = '';
  let port = 0;
  const get = (host: string, path: string, headers?: Record<string, string>, method?: string, body?: string): Promise<Reply> =>
    request(`${gw}${path}`, { host, ...(headers ? { headers } : {}), ...(method ? { method } : {}), ...(body !== undefined ? { body } : {}) });
  const echo = (name: BackendName): Echo => echoes.get(name) as Echo;

  before(async () => {
    for (const [name, address] of Object.entries(BACKENDS) as [BackendName, string][]) {
      echoes.set(name, await startEcho(address, name, name === 'mirror-err' ? { status: 503 } : {}));
    }
    port = await freePort(GW_IP);
    gw = `http://${GW_IP}:${port}`;
    writeFiles(join(root, 'fleet'), fleetFiles(port, echoes));
    serve = await startServe(root, join(root, 'fleet'));
  });

  after(async () => {
    agent.destroy();
    try {
      if (serve !== undefined) assert.equal(await serve.stop(), 0);
    } finally {
      await Promise.all([...echoes.values()].map((e) => e.close()));
      removeDir(root);
    }
  });

  describe('filters', () => {
    it('RequestHeaderModifier: set overwrites, add appends with ",", add creates, remove deletes (names case-insensitive), others untouched', async () => {
      const r = await get('req-headers.test', '/', { 'x-set': 'client', 'x-add': 'some-other-value', 'x-remove': 'bye', 'x-keep': 'kept' });
      assert.equal(r.status, 200);
      const h = r.body.headers ?? {};
      assert.deepEqual([h['x-set'], h['x-add'], h['x-fresh'], h['x-remove'], h['x-keep']], ['set-value', 'some-other-value,add-appends-values', 'fresh-value', undefined, 'kept']);
    });

    it('ResponseHeaderModifier: the client sees set, appended, added and removed response headers', async () => {
      const r = await get('resp-headers.test', '/');
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-resp-set'], 'new');
      assert.match(String(r.headers['x-resp-add']), /^orig, ?added$/);
      assert.equal(r.headers['x-resp-new'], 'fresh');
      assert.equal(r.headers['x-resp-remove'], undefined);
    });

    it('backendRef filters run only for the chosen backend', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const r = await get('backend-filters.test', '/');
        seen.add(`${r.body.name}:${r.body.headers?.['x-bf']}`);
      }
      assert.deepEqual([...seen].sort(), ['w-a:a', 'w-b:b']);
    });

    const redirects: readonly { path: string; host?: string; status: number; location: (port: number) => string; why: string }[] = [
      { path: '/r/scheme', status: 302, location: () => 'https://redirect.test/r/scheme', why: 'scheme https, no port: well-known 443, omitted; default status 302' },
      { path: '/r/host', status: 302, location: (p) => `http://moved.test:${p}/r/host`, why: 'hostname only: no scheme, so the listener port' },
      { path: '/r/port', status: 302, location: () => 'http://redirect.test:8081/r/port', why: 'port only; hostname defaults to the request Host' },
      { path: '/r/port', host: 'redirect.test:1234', status: 302, location: () => 'http://redirect.test:8081/r/port', why: 'the Host header port does not leak into Location' },
      { path: '/r/host', host: 'redirect.test:1234', status: 302, location: (p) => `http://moved.test:${p}/r/host`, why: 'no scheme, no port: the listener port, not the Host header port' },
      { path: '/r/scheme?a=b', status: 302, location: () => 'https://redirect.test/r/scheme?a=b', why: 'the query is kept' },
      { path: '/r/port-80', status: 302, location: () => 'http://redirect.test/r/port-80', why: 'port 80 with http: omitted' },
      { path: '/r/http', status: 302, location: () => 'http://redirect.test/r/http', why: 'scheme http, no port: well-known 80, omitted' },
      { path: '/r/https-port', status: 302, location: () => 'https://redirect.test:8443/r/https-port', why: 'scheme https with port 8443: kept' },
      { path: '/r/301', status: 301, location: (p) => `http://moved.test:${p}/r/301`, why: 'statusCode 301' },
      { path: '/r/308', status: 308, location: (p) => `http://redirect.test:${p}/r/308`, why: 'statusCode 308 (Extended)' },
      { path: '/r/full?a=1', status: 302, location: (p) => `http://redirect.test:${p}/new-home?a=1`, why: 'path ReplaceFullPath (the query is kept)' },
      { path: '/r/prefix/x?y=1', status: 302, location: (p) => `http://redirect.test:${p}/moved/x?y=1`, why: 'path ReplacePrefixMatch' },
      { path: '/r/prefix', status: 302, location: (p) => `http://redirect.test:${p}/moved`, why: 'path ReplacePrefixMatch on the whole prefix' },
    ];
    for (const row of redirects) {
      it(`RequestRedirect ${row.host ?? 'redirect.test'}${row.path} → ${row.status} (${row.why})`, async () => {
        const r = await get(row.host ?? 'redirect.test', row.path);
        assert.deepEqual({ status: r.status, location: r.headers.location }, { status: row.status, location: row.location(port) });
      });
    }
    it('RequestRedirect never reaches a backend', () => {
      assert.equal(echo('echo').received.filter((s) => s.path.startsWith('/r/')).length, 0);
    });

    const rewrites: readonly { path: string; host: string; wantPath: string; why: string }[] = [
      { path: '/w/host', host: 'rewritten.test', wantPath: '/w/host', why: 'hostname replaces Host' },
      { path: '/w/full?k=v', host: 'rewrite.test', wantPath: '/replaced?k=v', why: 'ReplaceFullPath' },
      { path: '/w/prefix/bar', host: 'rewrite.test', wantPath: '/xyz/bar', why: 'ReplacePrefixMatch /w/prefix → /xyz' },
      { path: '/w/prefix', host: 'rewrite.test', wantPath: '/xyz', why: 'ReplacePrefixMatch, the whole path' },
      { path: '/w/prefix/', host: 'rewrite.test', wantPath: '/xyz/', why: 'ReplacePrefixMatch keeps a trailing slash' },
      { path: '/w/slash/bar', host: 'rewrite.test', wantPath: '/xyz/bar', why: 'ReplacePrefixMatch /w/slash/ → /xyz/ (spec table)' },
      { path: '/w/root', host: 'rewrite.test', wantPath: '/', why: 'ReplacePrefixMatch with / (spec table: /foo → /)' },
      { path: '/w/root/x', host: 'rewrite.test', wantPath: '/x', why: 'ReplacePrefixMatch with /, deeper path' },
      { path: '/w/both/c?d=1', host: 'both.test', wantPath: '/b/c?d=1', why: 'hostname and path together' },
    ];
    for (const row of rewrites) {
      it(`URLRewrite ${row.path} → backend sees ${row.host}${row.wantPath} (${row.why})`, async () => {
        const r = await get('rewrite.test', row.path);
        assert.deepEqual({ status: r.status, host: r.body.host, path: r.body.path }, { status: 200, host: row.host, path: row.wantPath });
      });
    }

    it('RequestMirror: the mirror gets a copy with X-Shadow-Traffic: true; the client gets the primary answer', async () => {
      const r = await get('mirror.test', '/mirror/1');
      assert.equal(r.status, 200);
      assert.equal(r.body.name, 'echo');
      assert.equal(r.body.headers?.['x-shadow-traffic'], undefined, 'the primary request is not marked');
      const copy = await waitFor('mirror copy', () => echo('mirror').received.find((s) => s.path === '/mirror/1'));
      assert.deepEqual({ shadow: copy.headers['x-shadow-traffic'], method: copy.method, host: copy.host }, { shadow: 'true', method: 'GET', host: 'mirror.test' });
    });

    it('RequestMirror never copies a mutation to a target no TrafficPolicy declared shadow-safe (seed 000 §21)', async () => {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const r = await get('mirror.test', `/mirror/write-${method}`, { 'content-type': 'text/plain' }, method, 'hello mirror');
        assert.equal(r.body.body, 'hello mirror', `the ${method} itself goes through`);
      }
      await get('mirror.test', '/mirror/after-writes');
      await waitFor('marker mirrored', () => echo('mirror').received.find((s) => s.path === '/mirror/after-writes'));
      assert.deepEqual(echo('mirror').received.filter((s) => s.path.startsWith('/mirror/write-')).map((s) => s.method), []);
    });

    it('RequestMirror copies a mutation, with its body, to a target a TrafficPolicy declares shadowSafe', async () => {
      const r = await get('mirror-safe.test', '/mirror/post', { 'content-type': 'text/plain' }, 'POST', 'hello mirror');
      assert.equal(r.body.body, 'hello mirror');
      const copy = await waitFor('mirrored POST', () => echo('shadow-safe').received.find((s) => s.path === '/mirror/post'));
      assert.deepEqual({ method: copy.method, body: copy.body, shadow: copy.headers['x-shadow-traffic'] }, { method: 'POST', body: 'hello mirror', shadow: 'true' });
    });

    it('RequestMirror ignores the mirror response: a failing mirror does not change the client answer', async () => {
      const r = await get('mirror-err.test', '/err');
      assert.deepEqual({ status: r.status, name: r.body.name }, { status: 200, name: 'echo' });
      await waitFor('mirror-err copy', () => echo('mirror-err').received.find((s) => s.path === '/err'));
    });

    it('RequestMirror may repeat: each mirror gets a copy', async () => {
      assert.equal((await get('mirror-two.test', '/two')).body.name, 'echo');
      await waitFor('copy at mirror', () => echo('mirror').received.find((s) => s.path === '/two'));
      await waitFor('copy at mirror-err', () => echo('mirror-err').received.find((s) => s.path === '/two'));
    });

    it('RequestMirror percent 0 mirrors nothing; fraction 1/2 mirrors about half (5 sigma)', async () => {
      const n = 200;
      await Promise.all(Array.from({ length: n }, (_, i) => request(`${gw}/half/${i}`, { host: 'mirror-half.test', agent })));
      await Promise.all(Array.from({ length: 20 }, (_, i) => request(`${gw}/none/${i}`, { host: 'mirror-none.test', agent })));
      await get('mirror.test', '/mirror/marker');
      await waitFor('marker mirrored', () => echo('mirror').received.find((s) => s.path === '/mirror/marker'));
      const low = n / 2 - 5 * Math.sqrt(n / 4);
      const half = await waitFor('half of the copies', () => {
        const count = echo('mirror').received.filter((s) => s.path.startsWith('/half/')).length;
        return count >= low ? count : undefined;
      });
      assert.ok(half <= n / 2 + 5 * Math.sqrt(n / 4), `${half}/${n} mirrored with fraction 1/2`);
      assert.equal(echo('mirror').received.filter((s) => s.path.startsWith('/none/')).length, 0);
    });
  });

  describe('weights and backend errors', () => {
    it('splits 80/20 within 5 sigma over 1,000 requests; weight 0 gets none', async () => {
      const n = 1000;
      const counts: Record<string, number> = {};
      for (let batch = 0; batch < n / 50; batch++) {
        const replies = await Promise.all(Array.from({ length: 50 }, () => request(`${gw}/`, { host: 'weights.test', agent })));
        for (const r of replies) {
          const key = r.status === 200 ? (r.body.name ?? '?') : String(r.status);
          counts[key] = (counts[key] ?? 0) + 1;
        }
      }
      const sigma = Math.sqrt(n * 0.8 * 0.2);
      const a = counts['w-a'] ?? 0;
      assert.ok(Math.abs(a - 800) <= 5 * sigma, `w-a got ${a}/1000 (want 800 ± ${Math.round(5 * sigma)}): ${JSON.stringify(counts)}`);
      assert.equal(a + (counts['w-b'] ?? 0), n, `only w-a and w-b answer: ${JSON.stringify(counts)}`);
      assert.equal(counts['w-c'], undefined, 'weight 0 gets no traffic');
    });

    it("an invalid backendRef's share gets 500 (1:1 over 400 requests, 5 sigma); the rest is served", async () => {
      const n = 400;
      const replies = await Promise.all(Array.from({ length: n }, () => request(`${gw}/`, { host: 'invalid-share.test', agent })));
      const errors = replies.filter((r) => r.status === 500).length;
      assert.ok(Math.abs(errors - n / 2) <= 5 * Math.sqrt(n / 4), `${errors}/${n} answered 500`);
      assert.ok(replies.every((r) => r.status === 500 || (r.status === 200 && r.body.name === 'w-a')));
    });

    it("a Service without ready endpoints gets 503 for its share (1:1 over 400 requests, 5 sigma)", async () => {
      const n = 400;
      const replies = await Promise.all(Array.from({ length: n }, () => request(`${gw}/`, { host: 'unready-share.test', agent })));
      const unavailable = replies.filter((r) => r.status === 503).length;
      assert.ok(Math.abs(unavailable - n / 2) <= 5 * Math.sqrt(n / 4), `${unavailable}/${n} answered 503`);
      assert.ok(replies.every((r) => r.status === 503 || (r.status === 200 && r.body.name === 'w-a')));
    });

    it('an invalid backendRef with weight 0 has no share: no 500s', async () => {
      const replies = await Promise.all(Array.from({ length: 50 }, () => request(`${gw}/`, { host: 'zero-invalid.test', agent })));
      assert.deepEqual([...new Set(replies.map((r) => `${r.status} ${r.body.name}`))], ['200 w-a']);
    });

    const statuses: readonly { host: string; status: number; why: string }[] = [
      { host: 'all-invalid.test', status: 500, why: 'the only backendRef does not resolve (BackendNotFound)' },
      { host: 'no-backends.test', status: 500, why: 'a rule without backendRefs' },
      { host: 'all-zero.test', status: 500, why: 'every backendRef has weight 0 (spec silent; Lintas as Envoy Gateway)' },
      { host: 'unready.test', status: 503, why: 'a Service whose only endpoint is not ready' },
      { host: 'no-endpoints.test', status: 503, why: 'a Service without any endpoints' },
      { host: 'nobody.test', status: 404, why: 'no route for the host' },
      { host: 'rewrite.test', status: 404, why: 'a host with routes, but no rule matches the path' },
    ];
    for (const row of statuses) {
      it(`${row.host} → ${row.status}: ${row.why}`, async () => {
        for (let i = 0; i < 3; i++) assert.equal((await get(row.host, '/unmatched-path')).status, row.status);
      });
    }
  });

  // Last, and only two slow attempts: three consecutive gateway errors would eject the echo endpoint (outlier detection).
  describe('timeouts', () => {
    it('timeouts.request: a slow backend → 504', async () => {
      assert.equal((await get('timeouts.test', '/t/request', { [ECHO_DELAY_HEADER]: '5000' })).status, 504);
    });
    it('timeouts.backendRequest: a slow attempt → 504', async () => {
      assert.equal((await get('timeouts.test', '/t/backend', { [ECHO_DELAY_HEADER]: '5000' })).status, 504);
    });
    it('a backend that answers within the timeouts → 200', async () => {
      assert.equal((await get('timeouts.test', '/t/fast', { [ECHO_DELAY_HEADER]: '20' })).status, 200);
    });
  });
});
