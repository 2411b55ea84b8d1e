/**
 * Issue 14 item 2: `Connection` cannot strip a header the gateway decided on.
 * RFC 9110 §7.6.1 lets a client nominate any field as hop-by-hop, and the
 * proxy drops what it names; for the ownership key, the idempotency key, the
 * session key, traceparent, Host or a header the route matched on, that would
 * forward a request other than the one that was routed. Such a request gets
 * 400 and no backend sees it; nominating any other field still works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GatewayIR, TrafficPolicyIR } from '../../ir/index.ts';
import { backend, endpoint, listener, match, rule, send, startBackend, startGateway, upstream, vhost, type TestBackend, type TestGateway } from './test-kit.ts';

const SUITE = { timeout: 60_000 };

const POLICY: TrafficPolicyIR = {
  key: 'ns/cases',
  locality: { mode: 'Owner' },
  mutationMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  requireIdempotencyKey: true,
  ownership: { key: { header: 'X-Case-Id' }, map: 'ns/owners', rules: [{ prefix: 'JKT-', cluster: 'jkt' }, { prefix: 'SGP-', cluster: 'sgp' }], defaultClusters: [], reads: 'Nearest', epoch: 1, moved: [] },
  sessionAffinity: { header: 'X-Session' },
};

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('Connection never strips a header a decision used (issue 14 item 2)', SUITE, () => {
  let jkt: TestBackend;
  let sgp: TestBackend;
  let gw: TestGateway;
  let port: number;
  const seen = (): number => jkt.seen.length + sgp.seen.length;

  before(async () => {
    [jkt, sgp] = await Promise.all([startBackend('jkt'), startBackend('sgp')]);
    const ir: GatewayIR = {
      listeners: [
        listener(
          '127.0.0.1:0',
          [
            vhost('*', [
              // Routed by a header match: x-canary decides which rule (and backend filters) apply.
              rule('canary', 0, { match: match({ headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }] }), backends: [backend('cases')] }),
              rule('cases', 0, { backends: [backend('cases')] }),
            ]),
          ],
          { cluster: 'jkt', region: 'id' },
        ),
      ],
      upstreams: [upstream('cases', [endpoint(jkt.port, 'jkt', { region: 'id' }), endpoint(sgp.port, 'sgp', { region: 'sg' })], { policy: POLICY.key })],
      policies: [POLICY],
    };
    gw = await startGateway(ir);
    port = gw.port();
  });
  after(async () => {
    await gw.close();
    await Promise.all([jkt.close(), sgp.close()]);
  });

  const write = { method: 'POST', body: '{"id":"SGP-902"}' } as const;
  const writeHeaders = { 'x-case-id': 'SGP-902', 'idempotency-key': 'k-902' };
  /** [what is nominated, request]: each nominates a header its own routing used. */
  const cases: readonly (readonly [string, { method?: string; body?: string; headers: Record<string, string> }])[] = [
    ['the idempotency key (the 428 check saw it; a retry would not be recognised)', { ...write, headers: { ...writeHeaders, connection: 'idempotency-key' } }],
    ['the ownership key (routed to its owner; the backend would not know the key)', { ...write, headers: { ...writeHeaders, connection: 'X-Case-Id' } }],
    ['the ownership key of a read', { headers: { 'x-case-id': 'SGP-902', connection: 'keep-alive, x-case-id' } }],
    ['the session key', { headers: { 'x-session': 'user-1', connection: 'x-session' } }],
    ['traceparent', { headers: { traceparent: TRACEPARENT, connection: 'traceparent' } }],
    ['a header the route matched on', { headers: { 'x-canary': 'yes', connection: 'x-canary' } }],
    ['Host', { headers: { connection: 'host' } }],
  ];
  for (const [name, request] of cases) {
    test(`nominating ${name} → 400, no backend sees the request`, async () => {
      const before = seen();
      const r = await send(port, '/cases', request);
      assert.equal(r.status, 400, r.body);
      const body = r.json<{ error: string; reason: string }>();
      assert.equal(body.error, 'invalid_request');
      assert.match(body.reason, /Connection nominates/);
      assert.equal(seen(), before);
    });
  }

  test('nominating a header no decision used still drops it, and the decision headers arrive as decided', async () => {
    const r = await send(port, '/cases', { ...write, headers: { ...writeHeaders, traceparent: TRACEPARENT, 'x-hop': 'drop me', connection: 'x-hop' } });
    assert.equal(r.status, 200);
    const got = r.json();
    assert.equal(got.backend, 'sgp');
    assert.equal(got.headers['x-hop'], undefined);
    assert.equal(got.headers['x-case-id'], 'SGP-902');
    assert.equal(got.headers['idempotency-key'], 'k-902');
    assert.equal(got.headers.traceparent, TRACEPARENT);
    assert.equal(got.headers['x-lintas-owner'], 'sgp');
  });
});
