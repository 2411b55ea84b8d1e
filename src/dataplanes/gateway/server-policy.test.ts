/**
 * The TrafficPolicy stage through real sockets (issue 5): Owner-mode
 * mutations reach only the owner (and fail closed when it has no healthy
 * endpoint), reads go nearest, 428/400/409 answers, owner headers upstream
 * (never forgeable), failover moves with a new epoch, mirrors skip
 * mutations, session affinity, and the access log's policy fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GatewayIR, TrafficPolicyIR, UpstreamIR } from '../../ir/index.ts';
import { backend, casesPolicy, deadPort, endpoint, eventually, listener, rule, send, startBackend, startGateway, upstream, vhost, type TestBackend, type TestGateway } from './test-kit.ts';

const SUITE = { timeout: 60_000 };

describe('TrafficPolicy through the gateway', SUITE, () => {
  let jkt: TestBackend;
  let sgp: TestBackend;
  let tyo: TestBackend;
  let shadow: TestBackend;
  let gw: TestGateway;
  let port: number;

  const ir = (policy: TrafficPolicyIR, sgpEndpoint = () => endpoint(sgp.port, 'sgp', { region: 'sg' })): GatewayIR => {
    const cases: UpstreamIR = upstream('cases', [endpoint(jkt.port, 'jkt', { region: 'id' }), sgpEndpoint(), endpoint(tyo.port, 'tyo', { region: 'jp' })], { policy: policy.key });
    return {
      listeners: [listener('127.0.0.1:0', [vhost('*', [rule('cases', 0, { backends: [backend('cases')] })])], { cluster: 'jkt', region: 'id' })],
      upstreams: [cases, upstream('shadow', [endpoint(shadow.port, 'jkt', { region: 'id' })])],
      policies: [policy],
    };
  };
  const post = (key: string | undefined, headers: Record<string, string> = {}) =>
    send(port, '/cases', { method: 'POST', body: '{"title":"t"}', headers: { ...(key !== undefined ? { 'x-case-id': key } : {}), 'idempotency-key': `k-${String(Math.random())}`, ...headers } });
  const posts = (b: TestBackend) => b.seen.filter((s) => s.method === 'POST').length;

  before(async () => {
    [jkt, sgp, tyo, shadow] = await Promise.all([startBackend('jkt'), startBackend('sgp'), startBackend('tyo'), startBackend('shadow')]);
    gw = await startGateway(ir(casesPolicy()));
    port = gw.port();
  });
  after(async () => {
    await gw.close();
    await Promise.all([jkt, sgp, tyo, shadow].map((b) => b.close()));
  });

  test('a mutation goes to the owner only, with X-Lintas-Owner and the epoch; reads go nearest', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await post(`SGP-${String(i)}`);
      assert.equal(r.status, 200);
      const seen = r.json();
      assert.equal(seen.backend, 'sgp');
      assert.equal(seen.headers['x-lintas-owner'], 'sgp');
      assert.equal(seen.headers['x-lintas-owner-epoch'], '1');
    }
    assert.equal(posts(jkt) + posts(tyo), 0);
    const listed = await post('VIP-1');
    assert.equal(listed.json().backend, 'tyo');
    const read = await send(port, '/cases/SGP-1', { headers: { 'x-case-id': 'SGP-1' } });
    assert.equal(read.json().backend, 'jkt', 'reads: Nearest');
    assert.equal(read.json().headers['x-lintas-owner'], 'sgp');
    await eventually(() => gw.lines.length >= 12);
    const line = gw.lines.find((l) => l.method === 'POST' && l.owner === 'sgp');
    assert.equal(line?.policy, 'ns/cases');
    assert.equal(line?.request_class, 'mutation');
    assert.equal(line?.owner_epoch, 1);
    // The routing mode and the failover phase (seed 000 §24.1: normal, degraded, failover) are separate fields.
    assert.equal(line?.routing_mode, 'Owner');
    assert.equal(line?.failover_mode, 'normal');
    assert.equal(line?.destination_cluster, 'sgp');
  });

  test('failover_mode follows the owner\'s failover phase: degraded before a move, failover after, normal elsewhere', async () => {
    const modeOf = async (key: string | undefined, path = '/cases'): Promise<unknown> => {
      const before = gw.lines.length;
      const r = await (path === '/cases' ? post(key) : send(port, path, { headers: key === undefined ? {} : { 'x-case-id': key } }));
      assert.ok(r.status < 500, String(r.status));
      await eventually(() => gw.lines.length > before);
      return gw.lines.at(-1)?.failover_mode;
    };
    try {
      await gw.dp.apply(ir(casesPolicy({}, { degraded: ['sgp'] })));
      assert.equal(await modeOf('SGP-20'), 'degraded');
      assert.equal(await modeOf('JKT-20'), 'normal');
      assert.equal(await modeOf(undefined, '/cases/list'), 'degraded', 'a read without a key: the domain\'s worst phase');
      await gw.dp.apply(ir(casesPolicy({}, { epoch: 2, moved: [{ from: 'sgp', to: 'tyo' }] })));
      assert.equal(await modeOf('SGP-21'), 'failover');
      assert.equal(await modeOf('JKT-21'), 'normal');
      assert.equal(await modeOf(undefined, '/cases/list'), 'failover');
      assert.equal(gw.lines.at(-1)?.routing_mode, 'Owner');
    } finally {
      await gw.dp.apply(ir(casesPolicy()));
    }
  });

  test('unlisted keys have a stable rendezvous owner among the default clusters', async () => {
    const owners = new Set<string>();
    for (const key of ['case-a', 'case-b', 'case-c', 'case-d', 'case-e', 'case-f']) {
      const first = (await post(key)).json().backend;
      assert.equal((await post(key)).json().backend, first);
      owners.add(first);
    }
    assert.ok(owners.size >= 2, 'keys spread over clusters');
  });

  test('428 without Idempotency-Key, 400 without the ownership key; the backends see neither', async () => {
    const before = posts(jkt) + posts(sgp) + posts(tyo);
    const noIdem = await send(port, '/cases', { method: 'POST', body: '{}', headers: { 'x-case-id': 'SGP-1' } });
    assert.equal(noIdem.status, 428);
    assert.equal(noIdem.json<{ error: string }>().error, 'idempotency_key_required');
    const noKey = await post(undefined);
    assert.equal(noKey.status, 400);
    assert.equal(noKey.json<{ error: string }>().error, 'ownership_key_missing');
    assert.equal(posts(jkt) + posts(sgp) + posts(tyo), before);
  });

  test('a forged X-Lintas-Owner is replaced; an older client epoch is refused with 409 (FE)', async () => {
    const r = await post('JKT-9', { 'x-lintas-owner': 'tyo', 'x-lintas-owner-epoch': '1' });
    assert.equal(r.json().backend, 'jkt');
    assert.equal(r.json().headers['x-lintas-owner'], 'jkt');
    const stale = await post('JKT-9', { 'x-lintas-owner-epoch': '0' });
    assert.equal(stale.status, 409);
    assert.deepEqual(stale.json(), { error: 'stale_epoch', epoch: 0, current: 1, owner: 'jkt' });
    await eventually(() => gw.lines.some((l) => l.status === 409));
    assert.equal(gw.lines.find((l) => l.status === 409)?.response_flags, 'FE');
  });

  test('a dead owner: connect failures stay on the owner (502 UF), a not-ready owner fails closed (503 OU); reads flow', async () => {
    const dead = await deadPort();
    await gw.dp.apply(ir(casesPolicy(), () => endpoint(dead, 'sgp', { region: 'sg' })));
    const before = { jkt: posts(jkt), tyo: posts(tyo) };
    const r = await post('SGP-7');
    assert.equal(r.status, 502);
    await gw.dp.apply(ir(casesPolicy(), () => endpoint(dead, 'sgp', { region: 'sg', ready: false, serving: false })));
    const closed = await post('SGP-7');
    assert.equal(closed.status, 503);
    assert.deepEqual(closed.json(), { error: 'owner_unavailable', owner: 'sgp', key: 'SGP-7' });
    assert.deepEqual({ jkt: posts(jkt), tyo: posts(tyo) }, before, 'never sent to another region');
    const read = await send(port, '/cases/SGP-7', { headers: { 'x-case-id': 'SGP-7' } });
    assert.equal(read.status, 200);
    await eventually(() => gw.lines.some((l) => l.status === 503));
    assert.equal(gw.lines.find((l) => l.status === 503)?.response_flags, 'OU');
    await gw.dp.apply(ir(casesPolicy()));
  });

  test('after a failover move, the new owner takes the keys with the new epoch', async () => {
    await gw.dp.apply(ir(casesPolicy({}, { epoch: 2, moved: [{ from: 'sgp', to: 'tyo' }] })));
    const r = await post('SGP-8');
    assert.equal(r.json().backend, 'tyo');
    assert.equal(r.json().headers['x-lintas-owner-epoch'], '2');
    assert.equal((await post('SGP-8', { 'x-lintas-owner-epoch': '1' })).status, 409);
    await gw.dp.apply(ir(casesPolicy()));
  });

  test('policy mirror copies reads but never mutations unless shadowSafe', async () => {
    const mirror = { upstream: 'shadow', percent: 100, shadowSafe: false };
    await gw.dp.apply(ir(casesPolicy({ mirror })));
    await send(port, '/cases/JKT-1', { headers: { 'x-case-id': 'JKT-1' } });
    await post('JKT-2');
    await eventually(() => shadow.seen.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(shadow.seen.map((s) => [s.method, s.headers['x-shadow-traffic']]), [['GET', 'true']]);
    await gw.dp.apply(ir(casesPolicy({ mirror: { ...mirror, shadowSafe: true } })));
    await post('JKT-3');
    await eventually(() => shadow.seen.some((s) => s.method === 'POST'));
    await gw.dp.apply(ir(casesPolicy()));
  });

  test('session affinity: the same X-Session always lands on the same endpoint', async () => {
    const extra = await Promise.all([startBackend('jkt-2'), startBackend('jkt-3')]);
    try {
      const policy: TrafficPolicyIR = { key: 'ns/aff', locality: { mode: 'LocalPreferred' }, mutationMethods: ['POST'], requireIdempotencyKey: false, sessionAffinity: { header: 'X-Session' } };
      await gw.dp.apply({
        listeners: [listener('127.0.0.1:0', [vhost('*', [rule('aff', 0, { backends: [backend('aff')] })])], { cluster: 'jkt', region: 'id' })],
        upstreams: [upstream('aff', [jkt, ...extra].map((b) => endpoint(b.port, 'jkt', { region: 'id' })), { policy: 'ns/aff' })],
        policies: [policy],
      });
      const landed = new Set<string>();
      for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8']) {
        const first = (await send(port, '/', { headers: { 'x-session': user } })).json().backend;
        for (let i = 0; i < 4; i++) assert.equal((await send(port, '/', { headers: { 'x-session': user } })).json().backend, first);
        landed.add(first);
      }
      assert.ok(landed.size >= 2);
    } finally {
      await gw.dp.apply(ir(casesPolicy()));
      await Promise.all(extra.map((b) => b.close()));
    }
  });
});
