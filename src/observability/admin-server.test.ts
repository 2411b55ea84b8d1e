/** Tests of the admin server over a real loopback socket. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gauge } from 'prom-client';
import { createRegistry, startAdminServer } from './admin-server.ts';
import { silentLogger } from './logger.ts';

describe('startAdminServer', () => {
  it('answers /readyz 503 with the reason until ready, then 200', async () => {
    let reason: string | undefined = 'config not loaded';
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => reason });
    try {
      const before = await fetch(`${admin.url}/readyz`);
      assert.equal(before.status, 503);
      assert.match(await before.text(), /config not loaded/);
      reason = undefined;
      const after = await fetch(`${admin.url}/readyz`);
      assert.equal(after.status, 200);
      assert.equal((await fetch(`${admin.url}/healthz`)).status, 200);
    } finally {
      await admin.close();
    }
  });

  it('adds the ready detail to /readyz, as warnings while ready and after the reason while not', async () => {
    let reason: string | undefined;
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => reason, readyDetail: () => ['serving last good config from 2026-01-01T00:00:00.000Z'] });
    try {
      const ready = await fetch(`${admin.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(await ready.text(), 'ok\nwarning: serving last good config from 2026-01-01T00:00:00.000Z\n');
      reason = 'DNS not bound';
      assert.equal(await (await fetch(`${admin.url}/readyz`)).text(), 'not ready: DNS not bound\nserving last good config from 2026-01-01T00:00:00.000Z\n');
    } finally {
      await admin.close();
    }
  });

  it('serves registered metrics in Prometheus text format', async () => {
    const registry = createRegistry();
    new Gauge({ name: 'lintas_test_gauge', help: 'a test gauge', registers: [registry] }).set(42);
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => undefined, registry });
    try {
      const res = await fetch(`${admin.url}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /^lintas_test_gauge 42$/m);
      assert.match(text, /lintas_process_cpu_seconds_total/);
    } finally {
      await admin.close();
    }
  });

  it('serves JSON routes, 404s unknown paths, 405s other methods, and survives a throwing route', async () => {
    const admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      notReady: () => undefined,
      routes: { '/api/x': (url) => ({ q: url.searchParams.get('q') }), '/api/boom': () => { throw new Error('boom'); } },
    });
    try {
      assert.deepEqual(await (await fetch(`${admin.url}/api/x?q=1`)).json(), { q: '1' });
      assert.equal((await fetch(`${admin.url}/nope`)).status, 404);
      assert.equal((await fetch(`${admin.url}/api/x`, { method: 'POST' })).status, 405);
      assert.equal((await fetch(`${admin.url}/api/boom`)).status, 500);
      assert.equal((await fetch(`${admin.url}/healthz`)).status, 200, 'still serving after a failed handler');
    } finally {
      await admin.close();
    }
  });
});
