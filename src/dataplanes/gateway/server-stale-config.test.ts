/**
 * Fail-static staleness through real sockets (issue 15): a gateway fed by a control
 * plane refuses Owner-mode mutations (503 `config_stale`, flag SC) once its config has
 * not been confirmed within the staleness budget, judged by the data plane's injected
 * clock; reads and mutations of non-Owner policies keep flowing, and a confirmation
 * lifts the refusal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GatewayIR } from '../../ir/index.ts';
import { ConfigFreshness } from './freshness.ts';
import { backend, casesPolicy, endpoint, eventually, listener, rule, send, startBackend, startGateway, upstream, vhost, type TestBackend, type TestGateway } from './test-kit.ts';

const SUITE = { timeout: 60_000 };
const BUDGET_MS = 30_000;

describe('Owner-mode mutations on a stale config', SUITE, () => {
  let jkt: TestBackend;
  let sgp: TestBackend;
  let gw: TestGateway;
  // The data plane's clock: real time plus a skew the test moves forward (no waiting for 30 s).
  let skewMs = 0;
  const now = (): number => performance.timeOrigin + performance.now() + skewMs;
  const freshness = new ConfigFreshness(BUDGET_MS);

  const ir = (): GatewayIR => ({
    listeners: [
      // Precedence order: the longer prefix first.
      listener('127.0.0.1:0', [vhost('*', [rule('free', 0, { match: { path: { type: 'PathPrefix', value: '/free' }, headers: [], queryParams: [] }, backends: [backend('free')] }), rule('cases', 0, { backends: [backend('cases')] })])], { cluster: 'jkt', region: 'id' }),
    ],
    upstreams: [
      upstream('cases', [endpoint(jkt.port, 'jkt', { region: 'id' }), endpoint(sgp.port, 'sgp', { region: 'sg' })], { policy: 'ns/cases' }),
      upstream('free', [endpoint(jkt.port, 'jkt', { region: 'id' })], { policy: 'ns/free' }),
    ],
    policies: [casesPolicy({ requireIdempotencyKey: false }), { key: 'ns/free', locality: { mode: 'LocalPreferred' }, mutationMethods: ['POST'], requireIdempotencyKey: false }],
  });
  const post = (path: string, key: string) => send(gw.port(), path, { method: 'POST', body: '{}', headers: { 'x-case-id': key } });

  before(async () => {
    [jkt, sgp] = await Promise.all([startBackend('jkt'), startBackend('sgp')]);
    gw = await startGateway(ir(), { now, freshness });
  });
  after(async () => {
    await gw.close();
    await Promise.all([jkt.close(), sgp.close()]);
  });

  test('never confirmed: a fed gateway refuses Owner-mode mutations from the start', async () => {
    const r = await post('/cases', 'SGP-1');
    assert.equal(r.status, 503);
    assert.equal(r.json<{ error: string }>().error, 'config_stale');
    assert.equal(r.json<{ config_age_ms: unknown }>().config_age_ms, null);
  });

  test('within the budget mutations go to the owner; past it they get 503 config_stale (SC) and never reach a backend', async () => {
    freshness.confirm(now());
    assert.equal((await post('/cases', 'SGP-2')).json().backend, 'sgp');
    skewMs += BUDGET_MS - 1_000;
    assert.equal((await post('/cases', 'SGP-3')).status, 200, 'still inside the budget');
    skewMs += 2_000;
    const before = jkt.seen.length + sgp.seen.length;
    const refused = await post('/cases/SGP-4', 'SGP-4');
    assert.equal(refused.status, 503);
    const body = refused.json<{ error: string; message: string; owner: string; key: string; config_age_ms: number; stale_after_ms: number; policy: string }>();
    assert.equal(body.error, 'config_stale');
    assert.equal(body.owner, 'sgp');
    assert.equal(body.key, 'SGP-4');
    assert.equal(body.policy, 'ns/cases');
    assert.equal(body.stale_after_ms, BUDGET_MS);
    assert.ok(body.config_age_ms > BUDGET_MS, String(body.config_age_ms));
    assert.match(body.message, /ownership may have moved/);
    assert.equal(jkt.seen.length + sgp.seen.length, before, 'fails closed: no backend saw it');
    await eventually(() => gw.lines.some((l) => l.path === '/cases/SGP-4'));
    const line = gw.lines.find((l) => l.path === '/cases/SGP-4');
    assert.equal(line?.status, 503);
    assert.equal(line?.response_flags, 'SC');
  });

  test('on a stale config reads still flow (nearest), and mutations under a non-Owner policy too', async () => {
    const read = await send(gw.port(), '/cases/SGP-4', { headers: { 'x-case-id': 'SGP-4' } });
    assert.equal(read.status, 200);
    assert.equal(read.json().backend, 'jkt');
    assert.equal((await post('/free', 'SGP-4')).status, 200);
  });

  test('a new confirmation lifts the refusal', async () => {
    freshness.confirm(now());
    assert.equal((await post('/cases', 'SGP-5')).json().backend, 'sgp');
  });
});
