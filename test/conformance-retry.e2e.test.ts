/**
 * GEP-1731 retries through `lintas serve`, on the conformance suite's own
 * manifests (HTTPRouteRetryConnectionError, HTTPRouteRetryWithTimeouts) and its
 * echo's retry simulation: connection resets and per-try `backendRequest`
 * timeouts are retried with the route's attempts whatever its `codes`; when the
 * attempts run out, resets answer 503 and timeouts 504. TrafficPolicy safety
 * still holds: a mutation without an Idempotency-Key is never retried once it
 * reached a backend, nor is any mutation under a TrafficPolicy.
 * Loopback 127.120.0.0/16.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { conformanceMissing, INFRA_NS, routeConditions, startConformanceFleet, type ConformanceFleet } from './conformance-fleet.ts';
import { httpRoute, removeDir, request } from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

/** One case of the suite: the path, the retry simulation's settings, the statuses it accepts, and how many tries the backend must see. */
interface Case {
  readonly test: string;
  readonly path: string;
  readonly sim: Readonly<Record<string, string>>;
  readonly want: readonly number[];
  readonly tries: number;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const CONNECTION_ERROR: readonly Case[] = [
  { test: 'HTTPRouteRetryConnectionError', path: '/retry/no-status-code-attempts-3', sim: { succeedAfter: '2' }, want: [200], tries: 3 },
  { test: 'HTTPRouteRetryConnectionError', path: '/retry/no-status-code-attempts-3', sim: { succeedAfter: '4' }, want: [500, 503], tries: 4 },
];
const WITH_TIMEOUTS: readonly Case[] = [
  { test: 'HTTPRouteRetryWithTimeouts', path: '/retry/backend-request-timeout-200ms', sim: { responseCode: '500', succeedAfter: '2', delayRetry: '300ms' }, want: [200], tries: 3 },
  { test: 'HTTPRouteRetryWithTimeouts', path: '/retry/backend-request-timeout-200ms', sim: { responseCode: '500', succeedAfter: '3', delayRetry: '300ms' }, want: [504], tries: 3 },
  { test: 'HTTPRouteRetryWithTimeouts', path: '/retry/request-timeout-200ms', sim: { responseCode: '500', succeedAfter: '1' }, want: [200], tries: 2 },
  // Each try takes 100 ms and fails: the 400 ms request timeout ends it (how many tries fit depends on the back-off).
  { test: 'HTTPRouteRetryWithTimeouts', path: '/retry/request-timeout-200ms', sim: { responseCode: '500', succeedAfter: '4', delayRetry: '100ms' }, want: [504], tries: -1 },
];
const SAFETY: readonly Case[] = [
  { test: 'mutation safety', path: '/retry/no-status-code-attempts-3', method: 'POST', sim: { succeedAfter: '1' }, want: [503], tries: 1 },
  { test: 'mutation safety', path: '/retry/no-status-code-attempts-3', method: 'POST', headers: { 'idempotency-key': 'k-1' }, sim: { succeedAfter: '1' }, want: [200], tries: 2 },
  { test: 'mutation safety', path: '/retry/policy', method: 'POST', headers: { 'idempotency-key': 'k-2' }, sim: { succeedAfter: '1' }, want: [502], tries: 1 },
  { test: 'mutation safety', path: '/retry/policy', sim: { succeedAfter: '1' }, want: [200], tries: 2 },
];

/** A route with a retry stanza under a TrafficPolicy (mutations are never retried after reaching a backend). */
const policyRoute = httpRoute(INFRA_NS, 'retries-under-policy', {
  parentRefs: [{ name: 'same-namespace' }],
  rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/retry/policy' } }], retry: { attempts: 3 }, backendRefs: [{ name: 'infra-backend-v3', port: 8080 }] }],
});
const policy = {
  apiVersion: 'lintas.dev/v1alpha1',
  kind: 'TrafficPolicy',
  metadata: { name: 'retries-under-policy', namespace: INFRA_NS },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'retries-under-policy' }] },
};

describe('GEP-1731 retries through lintas serve (conformance manifests)', { skip: conformanceMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-conf-retry-'));
  let fleet: ConformanceFleet | undefined;

  before(async () => {
    fleet = await startConformanceFleet(root, {
      net: '127.120',
      tests: ['retry-connection-error.yaml', 'retry-with-timeouts.yaml'],
      extra: [policyRoute],
      fleetExtra: [policy],
    });
  });

  after(async () => {
    try {
      await fleet?.stop();
    } finally {
      removeDir(root);
    }
  });

  /** The access log line of request `id`. */
  const logLine = (id: string): Promise<{ retries: number; response_flags: string; status: number }> =>
    waitFor(`access log line ${id}`, () => {
      const line = readFileSync(fleet?.serve.accessLog ?? '', 'utf8').split('\n').find((l) => l.includes(`"request_id":"${id}"`));
      return line === undefined ? undefined : (JSON.parse(line) as { retries: number; response_flags: string; status: number });
    });

  const run = async (c: Case): Promise<void> => {
    const gw = fleet?.gateway('same-namespace', 80);
    const echo = fleet?.echo('infra-backend-v3');
    assert.ok(gw !== undefined && echo !== undefined);
    // The suite runs each case until it holds several times in a row, each with a fresh uuid.
    for (let i = 0; i < 3; i++) {
      const uuid = randomUUID();
      const query = new URLSearchParams({ ...c.sim, uuid }).toString();
      const id = `retry-${uuid}`;
      const r = await request(`${gw.url}${c.path}?${query}`, { method: c.method ?? 'GET', headers: { 'x-request-id': id, ...c.headers }, ...(c.method === 'POST' ? { body: '{}' } : {}) });
      const tries: number = echo.seen.filter((s) => s.path.includes(uuid)).length;
      const line = await logLine(id);
      assert.ok(c.want.includes(r.status), `${c.test} ${c.path} ${JSON.stringify(c.sim)}: status ${String(r.status)}, want ${c.want.join(' or ')} (tries ${String(tries)}, flags ${line.response_flags})`);
      if (c.tries >= 0) {
        assert.equal(tries, c.tries, `${c.test} ${c.path} ${JSON.stringify(c.sim)}: the backend saw ${String(tries)} tries`);
        assert.equal(line.retries, tries - 1, 'the access log counts the retries sent');
      }
      if (r.status === 200) assert.equal((r.body as { pod?: string }).pod, 'infra-backend-v3-0');
    }
  };

  it('the routes are accepted with resolved refs', async () => {
    for (const name of ['retries-connection-error', 'retries-with-timeouts', 'retries-under-policy']) {
      assert.deepEqual(await routeConditions(fleet, name), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'], name);
    }
  });

  for (const c of CONNECTION_ERROR) it(`${c.test}: ${JSON.stringify(c.sim)} → ${c.want.join('/')} after ${String(c.tries)} tries`, () => run(c));
  for (const c of WITH_TIMEOUTS) it(`${c.test}: ${c.path} ${JSON.stringify(c.sim)} → ${c.want.join('/')}`, () => run(c));
  for (const c of SAFETY) {
    const what = `${c.method ?? 'GET'} ${c.path}${c.headers?.['idempotency-key'] !== undefined ? ' with Idempotency-Key' : ''}`;
    it(`${c.test}: ${what}, backend resets once → ${c.want.join('/')} after ${String(c.tries)} tries`, () => run(c));
  }
});
