import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startAuditIngest } from './audit-ingest.ts';
import { call, freePort, obj } from './test-kit.ts';

type AuditApp = Awaited<ReturnType<typeof startAuditIngest>>;

describe('audit-ingest', () => {
  const apps: AuditApp[] = [];
  after(() => Promise.all(apps.map((a) => a.close())));

  it('refuses an event without Idempotency-Key and deduplicates by key', async () => {
    const app = await startAuditIngest({ cluster: 'jkt-prod-1' });
    apps.push(app);
    const missing = await call(app.url, '/events', { method: 'POST', body: { action: 'x' } });
    assert.equal(missing.status, 400);
    assert.equal(obj(missing).error, 'idempotency_key_required');

    const post = (key: string): ReturnType<typeof call> => call(app.url, '/events', { method: 'POST', headers: { 'idempotency-key': key }, body: { action: 'case.write' } });
    assert.equal((await post('e1')).status, 202);
    assert.equal((await post('e2')).status, 202);
    assert.deepEqual(obj(await call(app.url, '/stats')).duplicates, 0);
    const dup = await post('e1');
    assert.equal(dup.status, 200);
    assert.equal(obj(dup).duplicate, true);
    const stats = app.stats();
    assert.deepEqual({ received: stats.received, unique: stats.unique, duplicates: stats.duplicates, missingKey: stats.missingKey }, { received: 3, unique: 2, duplicates: 1, missingKey: 1 });
    assert.equal((await call(app.url, '/events')).status, 405, 'write-only');
  });

  it('shares seen keys with same-cluster replicas, so dedup holds across them', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const r1 = await startAuditIngest({ cluster: 'sgp-prod-1', replica: 1, port: p1, peers: { sameCluster: [`http://127.0.0.1:${String(p2)}`], otherClusters: [] } });
    apps.push(r1);
    const r2 = await startAuditIngest({ cluster: 'sgp-prod-1', replica: 2, port: p2, peers: { sameCluster: [`http://127.0.0.1:${String(p1)}`], otherClusters: [] } });
    apps.push(r2);
    assert.equal((await call(r1.url, '/events', { method: 'POST', headers: { 'idempotency-key': 'shared-1' }, body: {} })).status, 202);
    assert.equal((await call(r2.url, '/events', { method: 'POST', headers: { 'idempotency-key': 'shared-1' }, body: {} })).status, 200);
    assert.equal(r2.stats().duplicates, 1);
    assert.equal(r1.stats().unique + r2.stats().unique, 1);

    // A replica that starts later loads the keys its peers saw.
    const r3 = await startAuditIngest({ cluster: 'sgp-prod-1', replica: 3, peers: { sameCluster: [r1.url], otherClusters: [] } });
    apps.push(r3);
    assert.equal((await call(r3.url, '/events', { method: 'POST', headers: { 'idempotency-key': 'shared-1' }, body: {} })).status, 200);
    assert.equal(r3.stats().duplicates, 1);
  });
});
