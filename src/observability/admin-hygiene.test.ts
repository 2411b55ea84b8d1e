/**
 * Admin API hygiene (issue 14 item 10) over a real loopback socket: the
 * `Host` allow-list (DNS rebinding), refusal logging with the client address
 * under a rate limit, and the length limit of `reason` / `changeRequest`.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { createHostCheck, hostOf, isLoopbackHost } from './admin-host.ts';
import { MAX_AUDIT_TEXT_CHARS, startAdminServer, type AdminServer } from './admin-server.ts';
import { createAuthenticator } from './auth.ts';
import { createLogLimiter } from './log-limiter.ts';
import { createLogger, silentLogger } from './logger.ts';

const TOKEN = 'operator-token-0123456789abcdef';
const auth = createAuthenticator({ tokens: [{ token: TOKEN, subject: 'op', roles: ['operator'] }] });

/** A GET or POST with an explicit Host header (fetch may not set Host). */
function call(admin: AdminServer, path: string, options: { host?: string; method?: string; body?: unknown; token?: string } = {}): Promise<{ status: number; body: string }> {
  const url = new URL(admin.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: {
          ...(options.host !== undefined ? { host: options.host } : {}),
          ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

describe('the admin Host check', () => {
  it('parses Host values and knows loopback', () => {
    assert.equal(hostOf('Example.COM:7070'), 'example.com');
    assert.equal(hostOf('[::1]:7070'), '::1');
    assert.equal(hostOf('127.0.0.1'), '127.0.0.1');
    for (const h of ['localhost', '127.0.0.1', '127.9.8.7', '::1', '[::1]']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['10.0.0.1', 'localhost.evil.example', '::2', '0.0.0.0']) assert.ok(!isLoopbackHost(h), h);
    const check = createHostCheck('10.0.0.5', ['prom.internal']);
    for (const h of ['10.0.0.5:7070', 'localhost:7070', 'PROM.internal:7070', '[::1]:1', undefined]) assert.ok(check(h), String(h));
    for (const h of ['evil.example:7070', '10.0.0.6:7070', '']) assert.ok(!check(h), h);
  });

  it('refuses a rebinding Host with 421 on every path, and serves loopback, bound and configured names', async () => {
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => undefined, allowedHosts: ['lintas-admin.internal'], routes: { '/api/x': () => ({ ok: true }) } });
    try {
      const port = new URL(admin.url).port;
      for (const path of ['/api/x', '/metrics', '/readyz']) {
        const refused = await call(admin, path, { host: `evil.example:${port}` });
        assert.equal(refused.status, 421, path);
        assert.equal((JSON.parse(refused.body) as { error: string }).error, 'host_not_allowed');
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `lintas-admin.internal:${port}`]) {
        assert.equal((await call(admin, '/api/x', { host })).status, 200, host);
      }
    } finally {
      await admin.close();
    }
  });
});

describe('refused admin calls in the log', () => {
  it('name the client address, and a flood writes at most the burst plus one summary line', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ format: 'json', level: 'warn', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    // A frozen clock: no refill during the flood, so the count is exact.
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, log, notReady: () => undefined, auth, refusalLog: { burst: 5, intervalMs: 60_000, now: () => 0 }, actions: { '/api/v1/act': { role: 'operator', handler: () => ({ body: {} }) } } });
    const FLOOD = 200;
    try {
      for (let i = 0; i < FLOOD; i += 1) {
        const r = await call(admin, '/api/v1/act', { method: 'POST', body: { reason: 'x' }, token: i % 2 === 0 ? undefined : 'wrong-token-0123456789abcdef' });
        assert.equal(r.status, 401);
      }
      const refused = lines.filter((l) => l['msg'] === 'admin request refused');
      assert.equal(refused.length, 5);
      for (const l of refused) assert.match(String(l['client']), /^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await admin.close();
    }
    // Closing writes what is still counted.
    assert.deepEqual(lines.filter((l) => l['msg'] === 'admin refusals suppressed (rate limit)').map((l) => l['suppressed']), [FLOOD - 5]);
  });

  it('the limiter refills over time and is silent when nothing was suppressed', () => {
    const lines: string[] = [];
    let t = 0;
    const limiter = createLogLimiter({ log: createLogger({ write: (l) => lines.push(l) }), burst: 3, intervalMs: 1000, summary: 'suppressed', now: () => t });
    for (let i = 0; i < 10; i += 1) limiter.warn('refused', {});
    assert.equal(lines.length, 3);
    t = 500; // 1.5 tokens back
    limiter.warn('refused', {});
    limiter.warn('refused', {});
    assert.equal(lines.filter((l) => l.includes('refused')).length, 4);
    limiter.close();
    assert.match(lines.at(-1) ?? '', /suppressed suppressed=8/);
    limiter.close();
    assert.equal(lines.length, 5, 'nothing more to report');
  });
});

describe('reason and changeRequest length', () => {
  it(`are refused with 400 past ${String(MAX_AUDIT_TEXT_CHARS)} characters`, async () => {
    const seen: string[] = [];
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => undefined, auth, actions: { '/api/v1/act': { role: 'operator', handler: (ctx) => (seen.push(ctx.reason), { body: {} }) } } });
    try {
      const post = (body: unknown): Promise<{ status: number; body: string }> => call(admin, '/api/v1/act', { method: 'POST', body, token: TOKEN });
      const long = 'x'.repeat(MAX_AUDIT_TEXT_CHARS + 1);
      for (const body of [{ reason: long }, { reason: 'ok', changeRequest: long }]) {
        const r = await post(body);
        assert.equal(r.status, 400);
        assert.equal((JSON.parse(r.body) as { error: string }).error, 'too_long');
      }
      assert.equal((await post({ reason: 'x'.repeat(MAX_AUDIT_TEXT_CHARS), changeRequest: 'CHG-1' })).status, 200);
      assert.deepEqual(seen.map((r) => r.length), [MAX_AUDIT_TEXT_CHARS], 'only the call within the limit reached the handler');
    } finally {
      await admin.close();
    }
  });
});
