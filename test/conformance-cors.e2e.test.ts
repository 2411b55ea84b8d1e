/**
 * The HTTPRoute CORS filter through `lintas serve`, on the conformance suite's
 * `httproute-cors.yaml` with every case of its HTTPRouteCORS test (statuses and
 * header values it accepts, headers that must be absent), plus Lintas' own:
 * preflights never reach the backend, a port or a bare domain does not match
 * a `*.` pattern, responses get `Vary: Origin` and the expose list.
 * Loopback 127.121.0.0/16.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { conformanceMissing, INFRA_NS, routeConditions, startConformanceFleet, type ConformanceFleet } from './conformance-fleet.ts';
import { httpRoute, removeDir, request } from './gateway-fleet.ts';

/** One case: the request, the statuses accepted, accepted values per header (whitespace ignored), headers that must be absent. */
interface Case {
  readonly name: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly statuses: readonly number[];
  readonly valid?: Readonly<Record<string, readonly string[]>>;
  readonly absent?: readonly string[];
}

const FOO = 'https://www.foo.com';
const preflight = (origin: string, method: string, headers?: string): Record<string, string> => ({ origin, 'access-control-request-method': method, ...(headers !== undefined ? { 'access-control-request-headers': headers } : {}) });
const BOTH = (a: string, b: string): string[] => [`${a}, ${b}`, `${b}, ${a}`];
const CORS1_ALLOWED = (origin: string): Record<string, readonly string[]> => ({
  'access-control-allow-origin': [origin],
  'access-control-allow-methods': BOTH('GET', 'OPTIONS'),
  'access-control-allow-headers': BOTH('x-header-1', 'x-header-2'),
  'access-control-expose-headers': BOTH('x-header-3', 'x-header-4'),
  'access-control-max-age': ['3600'],
  'access-control-allow-credentials': ['true'],
});

/** The suite's HTTPRouteCORS cases, in its order. */
const SUITE: readonly Case[] = [
  { name: 'preflight from an exact matching origin is allowed', path: '/cors-1', method: 'OPTIONS', headers: preflight(FOO, 'GET', 'x-header-1, x-header-2'), statuses: [200, 204], valid: CORS1_ALLOWED(FOO) },
  { name: 'preflight from a wildcard matching origin is allowed', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://www.bar.com', 'GET', 'x-header-1, x-header-2'), statuses: [200, 204], valid: CORS1_ALLOWED('https://www.bar.com') },
  { name: "preflight from a wildcard matching any number of periods left to '*' is allowed", path: '/cors-1', method: 'OPTIONS', headers: preflight('https://xpto.www.bar.com', 'GET', 'x-header-1, x-header-2'), statuses: [200, 204], valid: CORS1_ALLOWED('https://xpto.www.bar.com') },
  { name: 'preflight from a non-matching origin is not allowed', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://foobar.com', 'GET'), statuses: [200, 204, 403], absent: ['access-control-allow-origin'] },
  { name: 'simple request from an exact matching origin is allowed', path: '/cors-1', method: 'GET', headers: preflight(FOO, 'GET', 'x-header-1, x-header-2'), statuses: [200], valid: { 'access-control-allow-origin': [FOO] } },
  { name: 'simple request from a wildcard matching origin is allowed', path: '/cors-1', method: 'GET', headers: preflight('https://www.bar.com', 'GET', 'x-header-1, x-header-2'), statuses: [200], valid: { 'access-control-allow-origin': ['https://www.bar.com'] } },
  { name: 'simple request from a non-matching origin is not allowed', path: '/cors-1', method: 'GET', headers: preflight('https://foobar.com', 'GET'), statuses: [200], absent: ['access-control-allow-origin'] },
  { name: 'preflight with POST is allowed by allowMethods "*"', path: '/cors-2', method: 'OPTIONS', headers: preflight(FOO, 'POST'), statuses: [200, 204], valid: { 'access-control-allow-methods': ['POST', '*'], 'access-control-allow-origin': [FOO] }, absent: ['access-control-allow-credentials'] },
  { name: 'preflight gets no allow-credentials unless allowCredentials is true', path: '/cors-2', method: 'OPTIONS', headers: preflight(FOO, 'POST'), statuses: [200, 204], absent: ['access-control-allow-credentials'] },
  { name: "preflight from a wildcard origin gets '*' or the origin", path: '/cors-wildcard-origin', method: 'OPTIONS', headers: preflight('https://foobar.com', 'PUT'), statuses: [200, 204], valid: { 'access-control-allow-origin': ['https://foobar.com', '*'], 'access-control-allow-methods': ['PUT'] }, absent: ['access-control-allow-credentials'] },
  { name: "preflight from a wildcard origin with a port gets '*' or the origin", path: '/cors-wildcard-origin', method: 'OPTIONS', headers: preflight('https://foobar.com:12345', 'PUT'), statuses: [200, 204], valid: { 'access-control-allow-origin': ['https://foobar.com:12345', '*'], 'access-control-allow-methods': ['PUT'] }, absent: ['access-control-allow-credentials'] },
  { name: "request from a wildcard origin with a port gets '*' or the origin", path: '/cors-wildcard-origin', method: 'PUT', headers: { origin: 'https://foobar.com:12345' }, statuses: [200], valid: { 'access-control-allow-origin': ['https://foobar.com:12345', '*'] } },
  { name: "simple request from a wildcard origin gets '*' or the origin", path: '/cors-wildcard-origin', method: 'PUT', headers: { origin: 'https://foobar.com' }, statuses: [200], valid: { 'access-control-allow-origin': ['https://foobar.com', '*'] }, absent: ['access-control-allow-credentials'] },
  {
    name: 'preflight for a method and headers under wildcards echoes them with allowCredentials true',
    path: '/cors-wildcard-methods-headers',
    method: 'OPTIONS',
    headers: preflight('https://other.foo.com', 'PUT', 'x-header-1, x-header-2'),
    statuses: [200, 204],
    valid: { 'access-control-allow-origin': ['https://other.foo.com'], 'access-control-allow-methods': ['PUT'], 'access-control-allow-headers': BOTH('x-header-1', 'x-header-2'), 'access-control-allow-credentials': ['true'] },
  },
  {
    name: 'preflight under wildcards hides allow-credentials with allowCredentials false',
    path: '/cors-wildcard-methods-headers-unauth',
    method: 'OPTIONS',
    headers: preflight('https://other.foo.com', 'PUT', 'x-header-1, x-header-2'),
    statuses: [200, 204],
    valid: { 'access-control-allow-origin': ['https://other.foo.com', '*'], 'access-control-allow-methods': ['PUT', '*'], 'access-control-allow-headers': [...BOTH('x-header-1', 'x-header-2'), '*'] },
    absent: ['access-control-allow-credentials'],
  },
  { name: 'request gets allow-credentials with allowCredentials true', path: '/cors-wildcard-methods-headers', method: 'GET', headers: { origin: 'https://other.foo.com' }, statuses: [200], valid: { 'access-control-allow-origin': ['https://other.foo.com'], 'access-control-allow-credentials': ['true'] } },
  { name: 'request gets no allow-credentials without allowCredentials', path: '/cors-wildcard-methods-headers-unauth', method: 'GET', headers: { origin: 'https://other.foo.com' }, statuses: [200], valid: { 'access-control-allow-origin': ['https://other.foo.com', '*'] }, absent: ['access-control-allow-credentials'] },
];

/** Lintas' own cases on the same routes. */
const OWN: readonly Case[] = [
  { name: 'an origin on another port does not match a pattern without one (default 443)', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://www.foo.com:8443', 'GET'), statuses: [204], absent: ['access-control-allow-origin'] },
  { name: 'the bare domain does not match "*.bar.com"', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://bar.com', 'GET'), statuses: [204], absent: ['access-control-allow-origin'] },
  { name: 'the default port spelled out matches', path: '/cors-1', method: 'OPTIONS', headers: preflight('https://www.foo.com:443', 'GET'), statuses: [204], valid: { 'access-control-allow-origin': ['https://www.foo.com:443'] } },
  { name: 'another scheme does not match', path: '/cors-1', method: 'OPTIONS', headers: preflight('http://www.foo.com', 'GET'), statuses: [204], absent: ['access-control-allow-origin'] },
  { name: 'an actual response carries expose-headers and Vary: Origin', path: '/cors-1', method: 'GET', headers: { origin: FOO }, statuses: [200], valid: { 'access-control-expose-headers': BOTH('x-header-3', 'x-header-4'), vary: ['Origin'], 'access-control-allow-credentials': ['true'] } },
  { name: 'a plain OPTIONS (no Access-Control-Request-Method) is proxied', path: '/cors-1', method: 'OPTIONS', headers: { origin: FOO }, statuses: [200], valid: { 'access-control-allow-origin': [FOO] } },
  { name: 'a request without Origin gets no CORS headers', path: '/cors-1', method: 'GET', headers: {}, statuses: [200], absent: ['access-control-allow-origin', 'access-control-allow-credentials', 'vary'] },
];

const squash = (v: string): string => v.replace(/\s+/g, '');

describe('HTTPRoute CORS filter through lintas serve (conformance manifests)', { skip: conformanceMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-conf-cors-'));
  let fleet: ConformanceFleet | undefined;
  const backendRefCors = httpRoute(INFRA_NS, 'cors-on-backend-ref', {
    parentRefs: [{ name: 'same-namespace' }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/cors-backend-ref' } }], backendRefs: [{ name: 'infra-backend-v1', port: 8080, filters: [{ type: 'CORS', cors: { allowOrigins: ['*'] } }] }] }],
  });

  before(async () => {
    fleet = await startConformanceFleet(root, { net: '127.121', tests: ['cors.yaml'], extra: [backendRefCors] });
  });
  after(async () => {
    try {
      await fleet?.stop();
    } finally {
      removeDir(root);
    }
  });

  it('the four CORS routes are Accepted with resolved refs; CORS on a backendRef is not (UnsupportedValue)', async () => {
    const names = ['cors-multiple-origins-methods-headers', 'cors-wildcard-methods', 'cors-wildcard-origin', 'cors-wildcard-methods-headers', 'cors-on-backend-ref'];
    const summary = Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await routeConditions(fleet, n)).join(' ')])));
    const ok = 'Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs';
    assert.deepEqual(summary, {
      'cors-multiple-origins-methods-headers': ok,
      'cors-wildcard-methods': ok,
      'cors-wildcard-origin': ok,
      'cors-wildcard-methods-headers': ok,
      'cors-on-backend-ref': 'Accepted=False/UnsupportedValue ResolvedRefs=True/ResolvedRefs',
    });
  });

  const check = async (c: Case): Promise<void> => {
    const gw = fleet?.gateway('same-namespace', 80);
    assert.ok(gw !== undefined);
    const echo = fleet?.echo('infra-backend-v1');
    const before = echo?.seen.length ?? 0;
    const r = await request(`${gw.url}${c.path}`, { method: c.method, headers: c.headers, ...(c.method === 'PUT' ? { body: '' } : {}) });
    assert.ok(c.statuses.includes(r.status), `status ${String(r.status)}, want ${c.statuses.join(' or ')}`);
    for (const [name, values] of Object.entries(c.valid ?? {})) {
      const got = r.headers[name];
      assert.ok(typeof got === 'string' && values.map(squash).includes(squash(got)), `${name}: got ${JSON.stringify(got)}, want one of ${JSON.stringify(values)}`);
    }
    for (const name of c.absent ?? []) assert.equal(r.headers[name.toLowerCase()], undefined, `${name} must be absent`);
    const preflightCase = c.method === 'OPTIONS' && c.headers['access-control-request-method'] !== undefined;
    // A preflight is answered by the gateway; everything else reaches the echo (and its body says so).
    assert.equal((echo?.seen.length ?? 0) - before, preflightCase ? 0 : 1, preflightCase ? 'a preflight must not reach the backend' : 'the request must reach the backend');
    if (!preflightCase) assert.equal((r.body as { namespace?: string }).namespace, INFRA_NS);
  };

  for (const c of SUITE) it(`HTTPRouteCORS: ${c.name}`, () => check(c));
  for (const c of OWN) it(`Lintas: ${c.name}`, () => check(c));
});
