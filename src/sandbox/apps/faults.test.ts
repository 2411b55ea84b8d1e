import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startAuditIngest } from './audit-ingest.ts';
import { startCaseApi } from './case-api.ts';
import { startEcho } from './echo.ts';
import { startSearch } from './search.ts';
import { call, freePort, obj, scriptedRandom, waitFor } from './test-kit.ts';
import type { RunningApp } from './types.ts';

describe('faults', () => {
  const apps: RunningApp[] = [];
  const keep = <T extends RunningApp>(app: T): T => {
    apps.push(app);
    return app;
  };
  after(() => Promise.all(apps.map((a) => a.close())));

  it('errorRate answers 500 or 503 for the drawn share of requests, and {} clears it', async () => {
    // Draws below 0.5 fail: below 0.25 as 500, the rest as 503.
    const app = keep(await startEcho({ cluster: 'jkt-prod-1', random: scriptedRandom([0.1, 0.3, 0.6, 0.9]) }));
    app.applyFault({ errorRate: 0.5 });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(app.url, '/x')).status);
    assert.deepEqual(statuses, [500, 503, 200, 200, 500, 503, 200, 200]);
    assert.equal(app.stats().faultErrors, 4);
    assert.deepEqual(app.stats().fault, { errorRate: 0.5 });
    const health = await call(app.url, '/healthz');
    // The readiness probe is outside service faults: the gateway must find them, not the EndpointSlice.
    assert.equal(health.status, 200, 'the readiness probe does not see service faults');
    assert.equal(health.headers['x-served-by'], 'jkt-prod-1/0');
    assert.equal((await call(app.url, '/stats')).status, 200, '/stats is never faulted');
    app.applyFault({});
    for (let i = 0; i < 4; i++) assert.equal((await call(app.url, '/x')).status, 200);
  });

  it('latencyMs delays app routes but not /stats, /healthz or /_replicate', async () => {
    const app = keep(await startCaseApi({ cluster: 'jkt-prod-1' }));
    app.applyFault({ latencyMs: 400 });
    const order: string[] = [];
    const slow = call(app.url, '/cases').then(() => order.push('cases'));
    const fast = [
      call(app.url, '/stats').then(() => order.push('stats')),
      call(app.url, '/healthz').then(() => order.push('healthz')),
      call(app.url, '/_replicate', { method: 'POST', body: { source: { cluster: 'sgp-prod-1', replica: 0 }, epochs: {}, changes: [] } }).then(() => order.push('replicate')),
    ];
    await Promise.all([slow, ...fast]);
    assert.equal(order.at(-1), 'cases');
    app.applyFault({});
  });

  it('dependencyDown fails /dependencies/db and data routes, not /healthz', async () => {
    const caseApi = keep(await startCaseApi({ cluster: 'jkt-prod-1' }));
    const search = keep(await startSearch({ cluster: 'jkt-prod-1' }));
    const audit = keep(await startAuditIngest({ cluster: 'jkt-prod-1' }));
    for (const app of [caseApi, search, audit]) app.applyFault({ dependencyDown: true });
    for (const app of [caseApi, search, audit]) {
      assert.equal((await call(app.url, '/dependencies/db')).status, 503, app.app);
      assert.equal((await call(app.url, '/healthz')).status, 200, app.app);
    }
    assert.equal(obj(await call(caseApi.url, '/cases', { method: 'POST', body: { title: 'x' } })).error, 'dependency_unavailable');
    assert.equal((await call(search.url, '/search?q=tax')).status, 503);
    assert.equal((await call(audit.url, '/events', { method: 'POST', headers: { 'idempotency-key': 'k' } })).status, 503);
    assert.equal(audit.stats().received, 0);
    for (const app of [caseApi, search, audit]) app.applyFault({});
    assert.equal((await call(caseApi.url, '/dependencies/db')).status, 200);
    assert.equal((await call(search.url, '/search?q=tax')).status, 200);
  });

  it('replicationLagMs holds changes back from other clusters until it is lifted', async () => {
    const port = await freePort();
    const jkt = keep(
      await startCaseApi({ cluster: 'jkt-prod-1', replicationLagMs: 0, peers: { sameCluster: [], otherClusters: [{ cluster: 'sgp-prod-1', url: `http://127.0.0.1:${String(port)}` }] } }),
    );
    const sgp = keep(await startCaseApi({ cluster: 'sgp-prod-1', port, bootstrap: false }));
    jkt.applyFault({ replicationLagMs: 60_000 });
    assert.equal((await call(jkt.url, '/cases', { method: 'POST', headers: { 'x-case-id': 'JKT-60' }, body: { title: 'held' } })).status, 201);
    await waitFor('a positive lag', async () => (Number((await call(jkt.url, '/replication-lag')).text) > 0 ? true : undefined));
    assert.equal((await call(sgp.url, '/cases/JKT-60')).status, 404, 'held back by the lag fault');
    jkt.applyFault({});
    await waitFor('JKT-60 on sgp', async () => ((await call(sgp.url, '/cases/JKT-60')).status === 200 ? true : undefined));
    await waitFor('lag back to 0', async () => ((await call(jkt.url, '/replication-lag')).text === '0\n' ? true : undefined));
  });
});
