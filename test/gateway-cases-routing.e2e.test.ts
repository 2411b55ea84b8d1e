/**
 * Gateway API routing semantics through a running `lintas serve`, as case tables:
 * matching, precedence and hostnames (listener isolation, hostname intersection).
 * One fleet (loopback 127.94.0.0/17) holds every case on its own hostname; every rule
 * tags the request with its id (`x-case`), and one echo backend shows which rule
 * routed it. Each precedence row is built so that it would route differently if that
 * tie-breaker were broken (the loser is older, alphabetically first, or has more
 * lower-tier matches).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CASE_HEADER,
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
  tag,
  writeFiles,
  type Echo,
  type Serve,
} from './gateway-fleet.ts';

const EDGE_IP = '127.94.100.1';
const ISO_IP = '127.94.100.2';
const ECHO_IP = '127.94.0.10';
const OLD = { creationTimestamp: '2020-01-01T00:00:00Z' };
const NEW = { creationTimestamp: '2024-01-01T00:00:00Z' };

const exact = (value: string): object => ({ type: 'Exact', value });
const prefix = (value: string): object => ({ type: 'PathPrefix', value });
const regex = (value: string): object => ({ type: 'RegularExpression', value });
const hdr = (name: string, value: string, type = 'Exact'): object => ({ type, name, value });
const qp = hdr;
const ECHO_REF = [{ name: 'echo', port: 8080 }];
/** A rule that tags requests with `id`; `matches` omitted means the default (PathPrefix /). */
const rule = (id: string, matches?: readonly object[]): object => ({ ...(matches ? { matches } : {}), filters: [tag(id)], backendRefs: ECHO_REF });
const edgeRoute = (name: string, hostnames: readonly string[], rules: readonly object[], metadata: object = {}, namespace = 'demo'): object =>
  httpRoute(namespace, name, { parentRefs: [{ name: 'edge', namespace: 'demo' }], hostnames, rules }, metadata);
const isoRoute = (name: string, sectionName: string | undefined, hostnames: readonly string[] | undefined, rules: readonly object[]): object =>
  httpRoute('demo', name, { parentRefs: [{ name: 'iso', ...(sectionName ? { sectionName } : {}) }], ...(hostnames ? { hostnames } : {}), rules });

function routes(): object[] {
  return [
    // Matching (match.test, defaults.test).
    edgeRoute('m-paths', ['match.test'], [
      rule('m-exact', [{ path: exact('/exact') }]),
      rule('m-prefix', [{ path: prefix('/foo') }]),
      rule('m-prefix-slash', [{ path: prefix('/dir/') }]),
      rule('m-regex', [{ path: regex('/re/[0-9]+') }]),
      rule('m-or', [{ path: exact('/or-a') }, { path: exact('/or-b') }]),
    ]),
    edgeRoute('m-headers', ['match.test'], [
      rule('m-header', [{ path: prefix('/hdr'), headers: [hdr('X-Env', 'canary')] }]),
      rule('m-header-re', [{ path: prefix('/hre'), headers: [hdr('x-version', 'v[0-9]+', 'RegularExpression')] }]),
      rule('m-header-dup', [{ path: prefix('/hdup'), headers: [hdr('x-env', 'canary'), hdr('X-ENV', 'other')] }]),
    ]),
    edgeRoute('m-query', ['match.test'], [
      rule('m-query', [{ path: prefix('/q'), queryParams: [qp('animal', 'whale')] }]),
      rule('m-query-re', [{ path: prefix('/qre'), queryParams: [qp('id', '[0-9]+', 'RegularExpression')] }]),
    ]),
    edgeRoute('m-method', ['match.test'], [
      rule('m-method', [{ path: prefix('/meth'), method: 'POST' }]),
      rule('m-and', [{ path: exact('/and'), method: 'PUT', headers: [hdr('x-a', '1')], queryParams: [qp('b', '2')] }]),
    ]),
    edgeRoute('m-defaults', ['defaults.test'], [rule('m-default'), rule('m-nopath', [{ headers: [hdr('x-nopath', '1')] }])]),

    // Precedence: one hostname per tie-breaker.
    edgeRoute('p-host-wild', ['*.p-host.test'], [rule('p1-wild', [{ path: exact('/x') }])], OLD),
    edgeRoute('p-host-wild-long', ['*.b.p-host.test'], [rule('p1-wild-long')], NEW),
    edgeRoute('p-host-exact', ['h.p-host.test'], [rule('p1-exact')], NEW),
    edgeRoute('p-exact-a-prefix', ['p-exact.test'], [rule('p2-prefix', [{ path: prefix('/p'), headers: [hdr('x-h', '1')] }])], OLD),
    edgeRoute('p-exact-z-exact', ['p-exact.test'], [rule('p2-exact', [{ path: exact('/p') }])], NEW),
    edgeRoute('p-regex', ['p-regex.test'], [rule('p2-prefix-long', [{ path: prefix('/r/long/prefix') }]), rule('p2-regex', [{ path: regex('/r/.*') }]), rule('p2-exact-r', [{ path: exact('/r/exact') }])], OLD),
    edgeRoute('p-long-a-short', ['p-long.test'], [rule('p3-short', [{ path: prefix('/a'), method: 'GET', headers: [hdr('x-h', '1')], queryParams: [qp('q', '1')] }])], OLD),
    edgeRoute('p-long-z-long', ['p-long.test'], [rule('p3-long', [{ path: prefix('/a/b') }])], NEW),
    edgeRoute('p-method-a-headers', ['p-method.test'], [rule('p4-headers', [{ path: prefix('/m'), headers: [hdr('x-h', '1'), hdr('x-i', '1')], queryParams: [qp('q', '1')] }])], OLD),
    edgeRoute('p-method-z-method', ['p-method.test'], [rule('p4-method', [{ path: prefix('/m'), method: 'GET' }])], NEW),
    edgeRoute('p-headers-a-one', ['p-headers.test'], [rule('p5-one', [{ path: prefix('/h'), headers: [hdr('x-h', '1')], queryParams: [qp('q', '1'), qp('r', '1')] }])], OLD),
    edgeRoute('p-headers-z-two', ['p-headers.test'], [rule('p5-two', [{ path: prefix('/h'), headers: [hdr('x-h', '1'), hdr('x-i', '1')] }])], NEW),
    edgeRoute('p-query-a-one', ['p-query.test'], [rule('p6-one', [{ path: prefix('/q'), queryParams: [qp('q', '1')] }])], OLD),
    edgeRoute('p-query-z-two', ['p-query.test'], [rule('p6-two', [{ path: prefix('/q'), queryParams: [qp('q', '1'), qp('r', '1')] }])], NEW),
    edgeRoute('p-age-a-new', ['p-age.test'], [rule('p7-new')], NEW),
    // The old route wins with its SECOND rule: route age ranks before rule order.
    edgeRoute('p-age-z-old', ['p-age.test'], [rule('p7-unused', [{ path: exact('/unused') }]), rule('p7-old')], OLD),
    // No timestamps: `{namespace}/{name}` decides, and beta/a-route sorts after alpha/z-route.
    edgeRoute('a-route', ['p-alpha.test'], [rule('p8-beta')], {}, 'beta'),
    edgeRoute('z-route', ['p-alpha.test'], [rule('p8-alpha')], {}, 'alpha'),
    edgeRoute('p-rule', ['p-rule.test'], [rule('p9-first'), rule('p9-second')]),
    // Precedence ranks each (rule, match), not a rule by its first match.
    edgeRoute('p-match-a-old', ['p-match.test'], [rule('p10-old', [{ path: prefix('/e') }])], OLD),
    edgeRoute('p-match-z-new', ['p-match.test'], [rule('p10-second-match', [{ path: prefix('/') }, { path: exact('/e') }])], NEW),

    // Hostnames: Gateway iso has listeners any (no hostname), exact a.iso.test, wild *.iso.test, subwild *.sub.iso.test.
    isoRoute('iso-any', 'any', undefined, [rule('h-any'), rule('h-any-y', [{ path: exact('/y') }])]),
    isoRoute('iso-named', 'any', ['named.example'], [rule('h-named')]),
    isoRoute('iso-exact', 'exact', undefined, [rule('h-exact', [{ path: prefix('/only') }])]),
    isoRoute('iso-wild', 'wild', undefined, [rule('h-wild')]),
    isoRoute('iso-subwild', 'subwild', undefined, [rule('h-subwild', [{ path: exact('/sub') }])]),
    isoRoute('iso-isect', 'wild', ['x.iso.test', 'other.example'], [rule('h-isect', [{ path: exact('/isect') }])]),
    isoRoute('iso-isect-wild', 'wild', ['*.deep.iso.test'], [rule('h-deep', [{ path: exact('/wdeep') }])]),
    isoRoute('iso-broad', 'wild', ['*.test'], [rule('h-broad', [{ path: exact('/broad') }])]),
    isoRoute('iso-nomatch', 'exact', ['elsewhere.test'], [rule('h-nomatch')]),
    isoRoute('iso-exact-wildhost', 'exact', ['*.iso.test'], [rule('h-exact-wildhost', [{ path: exact('/wild-on-exact') }])]),
    // a.iso.test belongs to listener exact: these routes name it, but their listeners do not own it.
    isoRoute('iso-any-a', 'any', ['a.iso.test'], [rule('h-any-a', [{ path: exact('/from-any') }])]),
    isoRoute('iso-wild-a', 'wild', ['a.iso.test'], [rule('h-wild-a', [{ path: exact('/from-wild') }])]),
    isoRoute('iso-all', undefined, ['all.iso.test'], [rule('h-all', [{ path: exact('/all') }])]),
  ];
}

function fleetFiles(port: number, echo: Echo): Record<string, string> {
  const endpoints = [{ address: echo.address, port: echo.port }];
  return {
    'fleet.yaml': manifests(clusterObject('a', 'r1', 'r1a', '127.94.0.0/17')),
    'clusters/a/base.yaml': manifests(
      gatewayClassObject(),
      ...['demo', 'alpha', 'beta'].flatMap((ns) => [namespaceObject(ns), ...serviceObjects(ns, 'echo', endpoints)]),
      gatewayObject('demo', 'edge', EDGE_IP, [{ name: 'http', protocol: 'HTTP', port, allowedRoutes: { namespaces: { from: 'All' } } }]),
      gatewayObject('demo', 'iso', ISO_IP, [
        { name: 'any', protocol: 'HTTP', port },
        { name: 'exact', protocol: 'HTTP', port, hostname: 'a.iso.test' },
        { name: 'wild', protocol: 'HTTP', port, hostname: '*.iso.test' },
        { name: 'subwild', protocol: 'HTTP', port, hostname: '*.sub.iso.test' },
      ]),
    ),
    'clusters/a/routes.yaml': manifests(...routes()),
  };
}

/** One row: a request and the rule id that must route it (or the status when no rule does). */
interface Row {
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly want: string | number;
  readonly why: string;
}

const MATCHING: readonly Row[] = [
  { host: 'match.test', path: '/exact', want: 'm-exact', why: 'Exact matches the same path' },
  { host: 'match.test', path: '/exact/', want: 404, why: 'Exact: a trailing slash is another path' },
  { host: 'match.test', path: '/Exact', want: 404, why: 'Exact is case-sensitive' },
  { host: 'match.test', path: '/exactly', want: 404, why: 'Exact is not a prefix' },
  { host: 'match.test', path: '/exact?x=1', want: 'm-exact', why: 'Exact ignores the query string' },
  { host: 'match.test', path: '/foo', want: 'm-prefix', why: 'PathPrefix /foo matches /foo' },
  { host: 'match.test', path: '/foo/', want: 'm-prefix', why: 'PathPrefix /foo matches /foo/' },
  { host: 'match.test', path: '/foo/bar', want: 'm-prefix', why: 'PathPrefix /foo matches /foo/bar' },
  { host: 'match.test', path: '/foobar', want: 404, why: 'PathPrefix is element-wise: /foo does not match /foobar' },
  { host: 'match.test', path: '/Foo/bar', want: 404, why: 'PathPrefix is case-sensitive' },
  { host: 'match.test', path: '/dir', want: 'm-prefix-slash', why: 'PathPrefix /dir/ ignores its trailing slash: matches /dir' },
  { host: 'match.test', path: '/dir/x', want: 'm-prefix-slash', why: 'PathPrefix /dir/ matches /dir/x' },
  { host: 'match.test', path: '/directory', want: 404, why: 'PathPrefix /dir/ does not match /directory' },
  { host: 'match.test', path: '/re/123', want: 'm-regex', why: 'RegularExpression /re/[0-9]+ matches' },
  { host: 'match.test', path: '/re/abc', want: 404, why: 'RegularExpression does not match' },
  { host: 'match.test', path: '/re/123/x', want: 404, why: 'RegularExpression is a full match (Lintas, as Envoy)' },
  { host: 'match.test', path: '/or-a', want: 'm-or', why: 'matches of a rule are ORed (first)' },
  { host: 'match.test', path: '/or-b', want: 'm-or', why: 'matches of a rule are ORed (second)' },
  { host: 'match.test', path: '/hdr', headers: { 'X-Env': 'canary' }, want: 'm-header', why: 'header Exact' },
  { host: 'match.test', path: '/hdr', headers: { 'x-ENV': 'canary' }, want: 'm-header', why: 'header names are case-insensitive' },
  { host: 'match.test', path: '/hdr', headers: { 'x-env': 'Canary' }, want: 404, why: 'header values are case-sensitive' },
  { host: 'match.test', path: '/hdr', want: 404, why: 'a missing header does not match' },
  { host: 'match.test', path: '/hre', headers: { 'x-version': 'v12' }, want: 'm-header-re', why: 'header RegularExpression' },
  { host: 'match.test', path: '/hre', headers: { 'x-version': 'v12-beta' }, want: 404, why: 'header RegularExpression is a full match' },
  { host: 'match.test', path: '/hdup', headers: { 'x-env': 'canary' }, want: 'm-header-dup', why: 'a header name listed twice: the first entry counts' },
  { host: 'match.test', path: '/hdup', headers: { 'x-env': 'other' }, want: 404, why: 'a header name listed twice: the second entry is ignored' },
  { host: 'match.test', path: '/q?animal=whale', want: 'm-query', why: 'query param Exact' },
  { host: 'match.test', path: '/q?ANIMAL=whale', want: 404, why: 'query param names are case-sensitive' },
  { host: 'match.test', path: '/q?animal=Whale', want: 404, why: 'query param values are case-sensitive' },
  { host: 'match.test', path: '/q?x=1&animal=whale', want: 'm-query', why: 'query param among others' },
  { host: 'match.test', path: '/q?animal=whale&animal=dolphin', want: 'm-query', why: 'repeated query param: the first value counts' },
  { host: 'match.test', path: '/q?animal=dolphin&animal=whale', want: 404, why: 'repeated query param: later values do not count' },
  { host: 'match.test', path: '/qre?id=42', want: 'm-query-re', why: 'query param RegularExpression' },
  { host: 'match.test', path: '/qre?id=4x2', want: 404, why: 'query param RegularExpression does not match' },
  { host: 'match.test', path: '/meth', method: 'POST', want: 'm-method', why: 'method POST' },
  { host: 'match.test', path: '/meth', want: 404, why: 'method POST does not match GET' },
  { host: 'match.test', path: '/and?b=2', method: 'PUT', headers: { 'x-a': '1' }, want: 'm-and', why: 'path, method, header and query are ANDed' },
  { host: 'match.test', path: '/and?b=2', headers: { 'x-a': '1' }, want: 404, why: 'ANDed: wrong method' },
  { host: 'match.test', path: '/and?b=2', method: 'PUT', want: 404, why: 'ANDed: missing header' },
  { host: 'match.test', path: '/and', method: 'PUT', headers: { 'x-a': '1' }, want: 404, why: 'ANDed: missing query param' },
  { host: 'match.test', path: '/unmatched', want: 404, why: 'no rule matches: 404' },
  { host: 'defaults.test', path: '/any/thing', want: 'm-default', why: 'a rule without matches matches PathPrefix /' },
  { host: 'defaults.test', path: '/any', headers: { 'x-nopath': '1' }, want: 'm-nopath', why: 'a match without path is PathPrefix / (and its header ranks it first)' },
];

const PRECEDENCE: readonly Row[] = [
  { host: 'h.p-host.test', path: '/x', want: 'p1-exact', why: '1 hostname: an exact route hostname beats a wildcard one, though the wildcard route has an Exact path and is older' },
  { host: 'other.p-host.test', path: '/x', want: 'p1-wild', why: '1 hostname (control): only the wildcard route applies' },
  { host: 'x.b.p-host.test', path: '/x', want: 'p1-wild-long', why: '1 hostname: the longer wildcard beats the shorter, though the shorter has an Exact path and is older' },
  { host: 'p-exact.test', path: '/p', headers: { 'x-h': '1' }, want: 'p2-exact', why: '2 Exact beats PathPrefix of the same length, though the prefix route has a header match, is older and sorts first' },
  { host: 'p-exact.test', path: '/p/more', headers: { 'x-h': '1' }, want: 'p2-prefix', why: '2 (control): the Exact path does not match' },
  { host: 'p-regex.test', path: '/r/exact', want: 'p2-exact-r', why: '2 Exact beats RegularExpression' },
  { host: 'p-regex.test', path: '/r/long/prefix/x', want: 'p2-regex', why: '2 implementation-specific: Lintas ranks RegularExpression before every PathPrefix' },
  { host: 'p-long.test', path: '/a/b/c?q=1', headers: { 'x-h': '1' }, want: 'p3-long', why: '3 the longest PathPrefix wins, though the shorter has method, header and query matches and is older' },
  { host: 'p-long.test', path: '/a/x?q=1', headers: { 'x-h': '1' }, want: 'p3-short', why: '3 (control): the longer prefix does not match' },
  { host: 'p-method.test', path: '/m?q=1', headers: { 'x-h': '1', 'x-i': '1' }, want: 'p4-method', why: '4 a method match beats more header and query matches and an older route' },
  { host: 'p-method.test', path: '/m?q=1', method: 'POST', headers: { 'x-h': '1', 'x-i': '1' }, want: 'p4-headers', why: '4 (control): the method does not match' },
  { host: 'p-headers.test', path: '/h?q=1&r=1', headers: { 'x-h': '1', 'x-i': '1' }, want: 'p5-two', why: '5 more header matches beat more query matches and an older route' },
  { host: 'p-headers.test', path: '/h?q=1&r=1', headers: { 'x-h': '1' }, want: 'p5-one', why: '5 (control): the second header is missing' },
  { host: 'p-query.test', path: '/q?q=1&r=1', want: 'p6-two', why: '6 more query matches beat an older route that sorts first' },
  { host: 'p-query.test', path: '/q?q=1', want: 'p6-one', why: '6 (control): the second query param is missing' },
  { host: 'p-age.test', path: '/', want: 'p7-old', why: '7 the oldest route wins, though it sorts last and wins with its second rule' },
  { host: 'p-alpha.test', path: '/', want: 'p8-alpha', why: '8 no timestamps: alpha/z-route beats beta/a-route ({namespace}/{name}, not name alone)' },
  { host: 'p-rule.test', path: '/', want: 'p9-first', why: '9 within one route the first matching rule wins' },
  { host: 'p-match.test', path: '/e', want: 'p10-second-match', why: 'each match ranks on its own: the Exact second match of a newer rule beats an older PathPrefix /e' },
  { host: 'p-match.test', path: '/e/x', want: 'p10-old', why: '(control) the longer prefix /e beats the same rule\'s PathPrefix /' },
];

const HOSTNAMES: readonly Row[] = [
  { host: 'a.iso.test', path: '/only', want: 'h-exact', why: 'the exact listener a.iso.test serves its route' },
  { host: 'a.iso.test', path: '/other', want: 404, why: 'listener isolation: a.iso.test misses its listener routes and never falls into *.iso.test or the catch-all listener' },
  { host: 'A.ISO.TEST:1234', path: '/only', want: 'h-exact', why: 'Host is case-insensitive and its port is ignored' },
  { host: 'a.iso.test', path: '/from-any', want: 404, why: 'listener isolation: a route on the listener without hostname naming a.iso.test does not serve it' },
  { host: 'a.iso.test', path: '/from-wild', want: 404, why: 'listener isolation: a route on *.iso.test naming a.iso.test does not serve it' },
  { host: 'a.iso.test', path: '/wild-on-exact', want: 'h-exact-wildhost', why: 'route *.iso.test on listener a.iso.test attaches as a.iso.test' },
  { host: 'b.iso.test', path: '/x', want: 'h-wild', why: 'wildcard listener *.iso.test' },
  { host: 'deep.b.iso.test', path: '/x', want: 'h-wild', why: 'a wildcard matches subdomains at any depth' },
  { host: 'iso.test', path: '/x', want: 'h-any', why: 'a wildcard never matches the apex: the listener without hostname serves it' },
  { host: 'x.sub.iso.test', path: '/sub', want: 'h-subwild', why: 'the wildcard listener with more labels wins' },
  { host: 'x.sub.iso.test', path: '/other', want: 404, why: 'listener isolation between wildcard listeners' },
  { host: 'unknown.example', path: '/x', want: 'h-any', why: 'the listener without hostname serves every other host' },
  { host: 'x.iso.test', path: '/isect', want: 'h-isect', why: 'route hostname x.iso.test intersects listener *.iso.test' },
  { host: 'x.iso.test', path: '/other', want: 'h-wild', why: 'x.iso.test misses its own routes: the wildcard routes of the same listener apply' },
  { host: 'other.example', path: '/isect', want: 'h-any', why: 'a route hostname outside the listener hostname is ignored' },
  { host: 'a.deep.iso.test', path: '/wdeep', want: 'h-deep', why: 'route *.deep.iso.test on listener *.iso.test: the narrower wildcard' },
  { host: 'b.iso.test', path: '/wdeep', want: 'h-wild', why: 'route *.deep.iso.test does not cover b.iso.test' },
  { host: 'q.iso.test', path: '/broad', want: 'h-broad', why: 'route *.test on listener *.iso.test attaches as *.iso.test' },
  { host: 'q.other.test', path: '/broad', want: 'h-any', why: 'route *.test is narrowed to the listener *.iso.test: q.other.test is not served by it' },
  { host: 'elsewhere.test', path: '/', want: 'h-any', why: 'a route whose hostnames do not intersect its listener is not attached' },
  { host: 'named.example', path: '/y', want: 'h-named', why: 'precedence 1: a route with the request hostname beats a route without hostnames that has an Exact path' },
  { host: 'other.example', path: '/y', want: 'h-any-y', why: 'precedence 1 (control): only the route without hostnames applies' },
  { host: 'all.iso.test', path: '/all', want: 'h-all', why: 'a parentRef without sectionName attaches to every listener that intersects' },
];

async function outcome(url: string, row: Row): Promise<string | number> {
  const r = await request(`${url}${row.path}`, { host: row.host, ...(row.method ? { method: row.method } : {}), ...(row.headers ? { headers: row.headers } : {}) });
  return r.status === 200 ? (r.body.headers?.[CASE_HEADER] ?? `200 without ${CASE_HEADER}`) : r.status;
}

describe('gateway case tables through lintas serve: matching, precedence, hostnames', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-gw-cases-routing-'));
  let echo: Echo | undefined;
  let serve: Serve | undefined;
  let edge = '';
  let iso = '';

  before(async () => {
    echo = await startEcho(ECHO_IP, 'echo');
    const port = await freePort(EDGE_IP);
    edge = `http://${EDGE_IP}:${port}`;
    iso = `http://${ISO_IP}:${port}`;
    writeFiles(join(root, 'fleet'), fleetFiles(port, echo));
    serve = await startServe(root, join(root, 'fleet'));
  });

  after(async () => {
    try {
      if (serve !== undefined) assert.equal(await serve.stop(), 0);
    } finally {
      await echo?.close();
      removeDir(root);
    }
  });

  const table = (name: string, rows: readonly Row[], base: () => string): void => {
    describe(name, () => {
      for (const row of rows) {
        it(`${row.method ?? 'GET'} ${row.host}${row.path} → ${row.want}: ${row.why}`, async () => {
          assert.equal(await outcome(base(), row), row.want);
        });
      }
    });
  };
  table('matching', MATCHING, () => edge);
  table('precedence', PRECEDENCE, () => edge);
  table('hostnames', HOSTNAMES, () => iso);

  describe('hostnames (status and forwarding)', () => {
    it('forwards the Host header unmodified', async () => {
      const r = await request(`${iso}/only`, { host: 'A.ISO.TEST:1234' });
      assert.equal(r.body.host, 'A.ISO.TEST:1234');
    });

    it('reports the non-intersecting route as NoMatchingListenerHostname and counts attachedRoutes per listener', async () => {
      const status = (await (await fetch(`${serve?.admin}/api/v1/gateway`)).json()) as {
        gateways: { gateway: { metadata: { name: string }; status: { listeners: { name: string; attachedRoutes: number }[] } } }[];
        httpRoutes: { route: { metadata: { name: string }; status: { parents: { conditions: { type: string; status: string; reason: string }[] }[] } } }[];
      };
      const nomatch = status.httpRoutes.find((r) => r.route.metadata.name === 'iso-nomatch')?.route.status.parents[0]?.conditions.find((c) => c.type === 'Accepted');
      assert.deepEqual({ status: nomatch?.status, reason: nomatch?.reason }, { status: 'False', reason: 'NoMatchingListenerHostname' });
      const listeners = status.gateways.find((g) => g.gateway.metadata.name === 'iso')?.gateway.status.listeners ?? [];
      // any: iso-any, -named, -any-a, iso-all; exact: iso-exact, -exact-wildhost (iso-nomatch is not attached);
      // wild: iso-wild, -isect, -isect-wild, -broad, -wild-a, iso-all; subwild: iso-subwild. Attached routes count even where isolation hides them.
      assert.deepEqual(Object.fromEntries(listeners.map((l) => [l.name, l.attachedRoutes])), { any: 4, exact: 2, wild: 6, subwild: 1 });
    });
  });
});
