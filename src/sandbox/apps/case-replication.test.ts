import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startCaseApi, type CaseApiOptions } from './case-api.ts';
import { call, freePort, obj, waitFor } from './test-kit.ts';

type CaseApp = Awaited<ReturnType<typeof startCaseApi>>;

const url = (port: number): string => `http://127.0.0.1:${String(port)}`;

describe('case-api replication', () => {
  const apps: CaseApp[] = [];
  const start = async (options: CaseApiOptions): Promise<CaseApp> => {
    const app = await startCaseApi({ peerTimeoutMs: 500, ...options });
    apps.push(app);
    return app;
  };
  after(() => Promise.all(apps.map((a) => a.close())));

  it('replicates synchronously to same-cluster replicas: a read on replica 2 right after a write on replica 1 finds it', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const r1 = await start({ cluster: 'jkt-prod-1', replica: 1, port: p1, peers: { sameCluster: [url(p2)], otherClusters: [] } });
    const r2 = await start({ cluster: 'jkt-prod-1', replica: 2, port: p2, peers: { sameCluster: [url(p1)], otherClusters: [] } });
    const created = obj(await call(r1.url, '/cases', { method: 'POST', headers: { 'idempotency-key': 'sync-1' }, body: { title: 'sync' } }));
    const read = await call(r2.url, `/cases/${String(created.id)}`);
    assert.equal(read.status, 200);
    assert.deepEqual(obj(read).servedBy, { cluster: 'jkt-prod-1', replica: 2 });
    assert.equal(obj(read).version, 1);

    // The idempotency record travelled too: a retry that lands on replica 2 is a replay.
    const retry = await call(r2.url, '/cases', { method: 'POST', headers: { 'idempotency-key': 'sync-1' }, body: { title: 'sync' } });
    assert.equal(retry.status, 201);
    assert.equal(obj(retry).id, created.id);
    assert.equal(r2.stats().replays, 1);
    assert.equal(r2.stats().writes, 0);
    assert.equal(r2.stats().cases, 1);

    // Generated ids of the two replicas never collide.
    const other = obj(await call(r2.url, '/cases', { method: 'POST', body: { title: 'from r2' } }));
    assert.notEqual(other.id, created.id);
    assert.equal((await call(r1.url, `/cases/${String(other.id)}`)).status, 200);
    assert.ok(r1.stats().replicatedOut >= 2);
  });

  it('replicates to other clusters after the lag, and fencing knowledge travels with the data', async () => {
    const [pj, ps] = [await freePort(), await freePort()];
    const jkt = await start({ cluster: 'jkt-prod-1', port: pj, replicationLagMs: 50, peers: { sameCluster: [], otherClusters: [{ cluster: 'sgp-prod-1', url: url(ps) }] } });
    const sgp = await start({ cluster: 'sgp-prod-1', port: ps, replicationLagMs: 50, peers: { sameCluster: [], otherClusters: [{ cluster: 'jkt-prod-1', url: url(pj) }] } });
    const headers = { 'x-case-id': 'SGP-7', 'x-lintas-owner-domain': 'sgp-prod-1', 'x-lintas-owner-epoch': '2', 'x-lintas-owner': 'sgp-prod-1' };
    assert.equal((await call(sgp.url, '/cases', { method: 'POST', headers, body: { title: 'async' } })).status, 201);
    const seen = await waitFor('SGP-7 on jkt', async () => {
      const res = await call(jkt.url, '/cases/SGP-7');
      return res.status === 200 ? obj(res) : undefined;
    });
    assert.equal(seen.ownerCluster, 'sgp-prod-1');
    assert.ok(jkt.stats().replicatedIn >= 1);
    assert.deepEqual(jkt.stats().epochs['sgp-prod-1'], { epoch: 2, owner: 'sgp-prod-1' });

    const stale = await call(jkt.url, '/cases/SGP-7', { method: 'PATCH', headers: { 'x-lintas-owner-domain': 'sgp-prod-1', 'x-lintas-owner-epoch': '1' }, body: { state: 'UNDER_REVIEW' } });
    assert.equal(stale.status, 409);
    assert.equal(obj(stale).error, 'stale_epoch');
    await waitFor('lag back to 0 on sgp', async () => ((await call(sgp.url, '/replication-lag')).text === '0\n' ? true : undefined));
  });

  it('reports a growing lag while an other-cluster peer is unreachable, and 0 once it caught up', async () => {
    const deadThenAlive = await freePort();
    const jkt = await start({ cluster: 'jkt-prod-1', replicationLagMs: 10, peers: { sameCluster: [], otherClusters: [{ cluster: 'tyo-prod-1', url: url(deadThenAlive) }] } });
    assert.equal((await call(jkt.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'JKT-9' }, body: { title: 'lag' } })).status, 201);
    const lag = async (query = ''): Promise<number> => Number((await call(jkt.url, `/replication-lag${query}`)).text);
    const first = await waitFor('a positive lag', async () => ((await lag()) > 0 ? lag() : undefined));
    await waitFor('the lag to grow', async () => ((await lag()) > first ? true : undefined));
    assert.equal(await lag('?exclude=tyo-prod-1'), 0, 'excluding the unreachable cluster');
    const peerLag = jkt.stats().replicationPeers[0];
    assert.equal(peerLag?.cluster, 'tyo-prod-1');
    assert.equal(peerLag.pending, 1);

    const tyo = await start({ cluster: 'tyo-prod-1', port: deadThenAlive, bootstrap: false });
    await waitFor('lag back to 0', async () => ((await lag()) === 0 ? true : undefined));
    assert.equal((await call(tyo.url, '/cases/JKT-9')).status, 200);
  });

  it('passes changes from another cluster on to the replicas of its own cluster', async () => {
    const [s1, s2] = [await freePort(), await freePort()];
    const sgp1 = await start({ cluster: 'sgp-prod-1', replica: 1, port: s1, peers: { sameCluster: [url(s2)], otherClusters: [] } });
    const sgp2 = await start({ cluster: 'sgp-prod-1', replica: 2, port: s2, peers: { sameCluster: [url(s1)], otherClusters: [] } });
    // jkt knows sgp by one URL only (as through a service address).
    const jkt = await start({ cluster: 'jkt-prod-1', replicationLagMs: 0, peers: { sameCluster: [], otherClusters: [{ cluster: 'sgp-prod-1', url: sgp1.url }] } });
    assert.equal((await call(jkt.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'JKT-77' }, body: { title: 'fan-out' } })).status, 201);
    await waitFor('JKT-77 on sgp replica 2', async () => ((await call(sgp2.url, '/cases/JKT-77')).status === 200 ? true : undefined));
  });

  it('loads its peers’ state when it starts, so a restarted replica is not empty', async () => {
    const source = await start({ cluster: 'sgp-prod-1', replica: 1 });
    await call(source.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'SGP-300', 'x-lintas-owner-epoch': '4' }, body: { title: 'kept' } });
    await call(source.url, '/cases/SGP-300', { method: 'PATCH', headers: { 'idempotency-key': 'boot-1' }, body: { state: 'UNDER_REVIEW' } });
    const dead = await freePort();
    const restarted = await start({ cluster: 'sgp-prod-1', replica: 2, peers: { sameCluster: [source.url], otherClusters: [{ cluster: 'tyo-prod-1', url: url(dead) }] } });
    assert.equal(restarted.stats().bootstrappedFrom, 1);
    assert.equal(obj(await call(restarted.url, '/cases/SGP-300')).state, 'UNDER_REVIEW');
    assert.equal(restarted.stats().maxEpoch, 4);
    const retry = await call(restarted.url, '/cases/SGP-300', { method: 'PATCH', headers: { 'idempotency-key': 'boot-1' }, body: { state: 'UNDER_REVIEW' } });
    assert.equal(retry.status, 200);
    assert.equal(restarted.stats().replays, 1);
  });

  it('ignores a replayed or older replication message', async () => {
    const app = await start({ cluster: 'jkt-prod-1' });
    const created = obj(await call(app.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'JKT-5' }, body: { title: 'v1' } }));
    await call(app.url, '/cases/JKT-5', { method: 'PATCH', body: { state: 'UNDER_REVIEW' } });
    const { servedBy: _servedBy, ...record } = created;
    const message = { source: { cluster: 'sgp-prod-1', replica: 0 }, epochs: {}, changes: [{ kind: 'case', record }] };
    const res = await call(app.url, '/_replicate', { method: 'POST', body: message });
    assert.deepEqual(res.json, { applied: 0, ignored: 1 });
    assert.equal(obj(await call(app.url, '/cases/JKT-5')).state, 'UNDER_REVIEW');
    assert.equal((await call(app.url, '/_replicate', { method: 'POST', body: { nonsense: true } })).status, 400);
  });
});
