import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEcho } from './echo.ts';
import { SEARCH_INDEX, startSearch } from './search.ts';
import { call, obj } from './test-kit.ts';
import type { RunningApp } from './types.ts';

describe('search', () => {
  let app: RunningApp;
  before(async () => {
    app = await startSearch({ cluster: 'tyo-prod-1', region: 'ap-northeast-1', replica: 2, version: 'v2' });
  });
  after(() => app.close());

  it('answers deterministic results with who served them', async () => {
    const res = await call(app.url, '/search?q=fraud');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-served-by'], 'tyo-prod-1/2');
    const body = obj(res);
    assert.deepEqual([body.cluster, body.region, body.replica, body.version], ['tyo-prod-1', 'ap-northeast-1', 2, 'v2']);
    const results = body.results as { title: string }[];
    assert.equal(body.total, 10);
    assert.ok(results.every((r) => r.title.includes('fraud')));
    assert.equal((await call(app.url, '/search?q=fraud')).text, res.text, 'same query, same answer');
    assert.equal((obj(await call(app.url, '/search?q=&limit=100')).results as unknown[]).length, 50);
    assert.equal(obj(await call(app.url, '/search?q=')).total, SEARCH_INDEX.length);
  });

  it('refuses mutations with 405', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await call(app.url, '/search', { method, body: {} });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers['allow'], 'GET, HEAD');
    }
  });

  it('serves health and stats', async () => {
    assert.equal((await call(app.url, '/healthz')).status, 200);
    assert.equal((await call(app.url, '/dependencies/db')).status, 200);
    const stats = obj(await call(app.url, '/stats'));
    assert.equal(stats.app, 'search');
    assert.equal(stats.rejectedMutations, 4);
  });
});

describe('echo', () => {
  let app: RunningApp;
  before(async () => {
    app = await startEcho({ cluster: 'jkt-prod-1', region: 'ap-southeast-3', replica: 0, version: 'v3' });
  });
  after(() => app.close());

  it('says who answered and reflects only Lintas-relevant headers', async () => {
    const res = await call(app.url, '/any/path?x=1', {
      method: 'PUT',
      headers: { 'x-lintas-destination-cluster': 'jkt-prod-1', 'x-forwarded-for': '127.2.0.9', 'x-shadow-traffic': 'true', 'x-other': 'hidden', host: 'echo.example.com' },
      body: 'hello',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-served-by'], 'jkt-prod-1/0');
    const body = obj(res);
    assert.deepEqual(
      { cluster: body.cluster, region: body.region, replica: body.replica, version: body.version, method: body.method, path: body.path, host: body.host },
      { cluster: 'jkt-prod-1', region: 'ap-southeast-3', replica: 0, version: 'v3', method: 'PUT', path: '/any/path', host: 'echo.example.com' },
    );
    assert.deepEqual(body.headers, { 'x-forwarded-for': '127.2.0.9', 'x-lintas-destination-cluster': 'jkt-prod-1', 'x-shadow-traffic': 'true' });
    assert.equal(body.remoteAddress, '127.0.0.1');
  });
});
