/** Tests of the admin server over a real loopback socket. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gauge } from 'prom-client';
import { AdminApiError, createRegistry, readJsonObjectBody, startAdminServer } from './admin-server.ts';
import { createAuthenticator } from './auth.ts';
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

  it('raw routes: the role comes from the path, the handler writes its own response, a refusal thrown before writing is answered', async () => {
    const auth = createAuthenticator({ tokens: [{ token: 'token-of-gateway-a-0123', subject: 'gw-a', roles: ['gateway:a'] }] });
    const admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      notReady: () => undefined,
      auth,
      rawRoutes: {
        '/raw/:cluster': {
          method: 'POST',
          role: (params) => `gateway:${params['cluster'] ?? ''}`,
          async handle({ req, res, principal, params }) {
            const read = await readJsonObjectBody(req);
            if (read === 'aborted') return;
            if ('status' in read) throw new AdminApiError(read.status, read.code, read.message);
            res.writeHead(202, { 'content-type': 'text/plain' });
            res.end(`${principal.subject} ${params['cluster'] ?? ''} ${JSON.stringify(read.body)}`);
          },
        },
      },
    });
    const post = (cluster: string, body: string) => fetch(`${admin.url}/raw/${cluster}`, { method: 'POST', headers: { authorization: 'Bearer token-of-gateway-a-0123' }, body });
    try {
      const ok = await post('a', '{"x":1}');
      assert.equal(ok.status, 202);
      assert.equal(await ok.text(), 'gw-a a {"x":1}', 'no reason needed, unlike actions');
      assert.equal((await post('b', '{}')).status, 403);
      const bad = await post('a', '[1]');
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: string }).error, 'bad_request');
      assert.equal((await fetch(`${admin.url}/raw/a`)).status, 405);
    } finally {
      await admin.close();
    }
  });
});
