import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCaseApi } from './case-api.ts';
import { call, obj } from './test-kit.ts';
import type { RunningApp } from './types.ts';

type CaseApp = Awaited<ReturnType<typeof startCaseApi>>;

describe('case-api', () => {
  let app: CaseApp;
  before(async () => {
    app = await startCaseApi({ cluster: 'jkt-prod-1', replica: 1, version: 'v7' });
  });
  after(() => app.close());

  it('creates a case OPEN with a generated id, version 1 and who served it', async () => {
    const res = await call(app.url, '/cases', { method: 'POST', body: { title: 'fraud report', amount: 10 } });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-served-by'], 'jkt-prod-1/1');
    const body = obj(res);
    assert.match(String(body.id), /^JKT-[0-9]+$/);
    assert.equal(body.state, 'OPEN');
    assert.equal(body.version, 1);
    assert.equal(body.ownerCluster, 'jkt-prod-1');
    assert.deepEqual(body.servedBy, { cluster: 'jkt-prod-1', replica: 1 });
    assert.deepEqual(body.data, { amount: 10 });
    const second = obj(await call(app.url, '/cases', { method: 'POST', body: { title: 'another' } }));
    assert.notEqual(second.id, body.id);
  });

  it('walks the whole lifecycle and refuses illegal transitions', async () => {
    const created = await call(app.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'SGP-1' }, body: { title: 'permit appeal' } });
    assert.equal(obj(created).id, 'SGP-1');
    const skip = await call(app.url, '/cases/SGP-1', { method: 'PATCH', body: { state: 'SANCTIONED' } });
    assert.equal(skip.status, 409);
    assert.equal(obj(skip).error, 'illegal_transition');
    for (const [i, state] of ['UNDER_REVIEW', 'ESCALATED', 'SANCTIONED', 'CLOSED'].entries()) {
      const res = await call(app.url, '/cases/SGP-1', { method: 'PATCH', body: { state } });
      assert.equal(res.status, 200, res.text);
      assert.equal(obj(res).state, state);
      assert.equal(obj(res).version, i + 2);
    }
    const back = await call(app.url, '/cases/SGP-1', { method: 'PATCH', body: { state: 'OPEN' } });
    assert.equal(back.status, 409);
    assert.equal(obj(back).error, 'illegal_transition');
    const read = obj(await call(app.url, '/cases/SGP-1'));
    assert.equal(read.state, 'CLOSED');
    assert.deepEqual((read.history as { state: string }[]).map((h) => h.state), ['OPEN', 'UNDER_REVIEW', 'ESCALATED', 'SANCTIONED', 'CLOSED']);
  });

  it('answers 404, 400 and 405 where they belong', async () => {
    assert.equal((await call(app.url, '/cases/NOPE-1')).status, 404);
    assert.equal((await call(app.url, '/cases/NOPE-1', { method: 'PATCH', body: { state: 'UNDER_REVIEW' } })).status, 404);
    assert.equal(obj(await call(app.url, '/cases', { method: 'POST', body: {} })).error, 'invalid_case');
    assert.equal(obj(await call(app.url, '/cases', { method: 'POST', body: '{not json' })).error, 'invalid_json');
    assert.equal(obj(await call(app.url, '/cases/SGP-1', { method: 'PATCH', body: { state: 'DONE' } })).error, 'invalid_state');
    assert.equal((await call(app.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'SGP-1' }, body: { title: 'dup' } })).status, 409);
    assert.equal((await call(app.url, '/cases/SGP-1', { method: 'DELETE' })).status, 405);
    assert.equal((await call(app.url, '/nowhere')).status, 404);
  });

  it('lists cases sorted by id', async () => {
    const list = obj(await call(app.url, '/cases'));
    const ids = (list.cases as { id: string }[]).map((c) => c.id);
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(list.count, ids.length);
    assert.ok(ids.includes('SGP-1'));
  });

  it('replays a repeated mutation with the same Idempotency-Key without applying it again', async () => {
    const headers = { 'idempotency-key': 'k-create-1' };
    const first = await call(app.url, '/cases', { method: 'POST', headers, body: { title: 'idem' } });
    const writesBefore = app.stats().writes;
    const again = await call(app.url, '/cases', { method: 'POST', headers, body: { title: 'idem' } });
    assert.equal(again.status, first.status);
    assert.equal(again.text, first.text);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(app.stats().writes, writesBefore);
    assert.equal(app.stats().replays, 1);

    const id = String(obj(first).id);
    const patch = { method: 'PATCH', headers: { 'idempotency-key': 'k-patch-1' }, body: { state: 'UNDER_REVIEW' } };
    const p1 = await call(app.url, `/cases/${id}`, patch);
    const p2 = await call(app.url, `/cases/${id}`, patch);
    assert.equal(p1.status, 200);
    assert.equal(p2.status, 200, 'the retry gets the first answer, not illegal_transition');
    assert.equal(p2.text, p1.text);
    assert.equal(obj(await call(app.url, `/cases/${id}`)).version, 2);
    assert.equal(app.stats().replays, 2);

    const reused = await call(app.url, '/cases/SGP-1', { ...patch, body: { state: 'ESCALATED' } });
    assert.equal(reused.status, 422);
    assert.equal(obj(reused).error, 'idempotency_key_reused');
  });

  it('refuses a write whose owner epoch is older than the newest seen', async () => {
    const ok = await call(app.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'TYO-1', 'x-lintas-owner-epoch': '3', 'x-lintas-owner': 'jkt-prod-1' }, body: { title: 'fenced' } });
    assert.equal(ok.status, 201);
    assert.equal(obj(ok).epoch, 3);
    assert.equal(obj(ok).owner, 'jkt-prod-1');
    const stale = await call(app.url, '/cases/TYO-1', { method: 'PATCH', headers: { 'x-lintas-owner-epoch': '2' }, body: { state: 'UNDER_REVIEW' } });
    assert.equal(stale.status, 409);
    assert.deepEqual(stale.json, { error: 'stale_epoch', epoch: 2, newest: 3 });
    assert.equal(obj(await call(app.url, '/cases/TYO-1')).state, 'OPEN', 'the stale write was not applied');
    const staleCreate = await call(app.url, '/cases', { method: 'POST', headers: { 'x-lintas-owner-epoch': '1' }, body: { title: 'x' } });
    assert.equal(staleCreate.status, 409);
    const same = await call(app.url, '/cases/TYO-1', { method: 'PATCH', headers: { 'x-lintas-owner-epoch': '3' }, body: { state: 'UNDER_REVIEW' } });
    assert.equal(same.status, 200);
    assert.equal((await call(app.url, '/cases/TYO-1', { method: 'PATCH', headers: { 'x-lintas-owner-epoch': 'three' }, body: { state: 'ESCALATED' } })).status, 400);
    const stats = app.stats();
    assert.equal(stats.staleEpochRejected, 2);
    assert.equal(stats.maxEpoch, 3);
    assert.deepEqual(stats.epochs['*'], { epoch: 3, owner: 'jkt-prod-1' });
  });

  it('keeps one newest epoch per fencing domain when writes name their domain', async () => {
    const write = (id: string, domain: string, epoch: number): Promise<number> =>
      call(app.url, '/cases', { method: 'POST', headers: { 'x-case-id': id, 'x-lintas-owner-domain': domain, 'x-lintas-owner-epoch': String(epoch) }, body: { title: id } }).then((r) => r.status);
    assert.equal(await write('SGP-50', 'sgp-prod-1', 5), 201);
    assert.equal(await write('JKT-50', 'jkt-prod-1', 1), 201, 'another domain with a lower epoch is not stale');
    assert.equal(await write('SGP-51', 'sgp-prod-1', 4), 409);
  });

  it('serves /healthz, /dependencies/db, /replication-lag and /stats', async () => {
    assert.equal((await call(app.url, '/healthz')).status, 200);
    assert.equal((await call(app.url, '/dependencies/db')).text, 'ok\n');
    assert.equal((await call(app.url, '/replication-lag')).text, '0\n');
    const stats = obj(await call(app.url, '/stats'));
    assert.equal(stats.app, 'case-api');
    assert.equal(stats.version, 'v7');
    assert.equal(typeof stats.requests, 'number');
    for (const key of ['writes', 'replays', 'staleEpochRejected', 'replicatedIn', 'replicatedOut', 'maxEpoch']) assert.equal(typeof stats[key], 'number', key);
  });
});

describe('case-api start failure', () => {
  it('rejects when the port is taken', async () => {
    const first: RunningApp = await startCaseApi({ cluster: 'jkt-prod-1' });
    try {
      await assert.rejects(startCaseApi({ cluster: 'jkt-prod-1', port: first.port }), { code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
