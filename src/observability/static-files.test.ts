/**
 * The console's static files on the admin server: index.html for the prefix and unknown paths
 * (client routing), hashed assets cached for long with their content type, no HTML for a
 * missing asset, traversal refused, security headers everywhere, 503 with a hint when the app
 * is not built, and no token needed while data routes still need one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAdminServer, type AdminServer } from './admin-server.ts';
import { createAuthenticator } from './auth.ts';
import { silentLogger } from './logger.ts';
import { APP_CSP, staticApp } from './static-files.ts';

/** A raw GET (fetch would normalise `..` away) answering status, headers and body. */
function rawGet(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('staticApp at /ui', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-ui-'));
  const app = join(root, 'console');
  let admin: AdminServer;
  let unbuilt: AdminServer;
  const auth = createAuthenticator({ tokens: [{ token: 'viewer-token-0123456789', subject: 'v', roles: ['viewer'] }] });

  before(async () => {
    mkdirSync(join(app, 'assets'), { recursive: true });
    writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="/ui/assets/index-abc123.js"></script>');
    writeFileSync(join(app, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(app, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(app, 'favicon.svg'), '<svg/>');
    writeFileSync(join(root, 'secret.txt'), 'top secret');
    const common = { host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => undefined, auth, protectedRoutes: { '/api/v1/data': { role: 'viewer' as const, handler: () => ({ ok: true }) } } };
    admin = await startAdminServer({ ...common, prefixes: { '/ui': staticApp({ root: app, prefix: '/ui', missingHint: 'not built: run npm run build:console' }) } });
    unbuilt = await startAdminServer({ ...common, prefixes: { '/ui': staticApp({ root: join(root, 'nothing'), prefix: '/ui', missingHint: 'not built: run npm run build:console' }) } });
  });
  after(async () => {
    await admin.close();
    await unbuilt.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers index.html (no-cache) for /ui, /ui/ and unknown paths below it, with the security headers', async () => {
    for (const path of ['/ui', '/ui/', '/ui/fleet', '/ui/services/cases/public-case-api', '/ui/index.html']) {
      const r = await rawGet(admin.url, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', path);
      assert.equal(r.headers['cache-control'], 'no-cache', path);
      assert.match(r.body, /^<!doctype html>/, path);
      assert.equal(r.headers['content-security-policy'], APP_CSP);
      assert.match(APP_CSP, /default-src 'self'/);
      assert.match(APP_CSP, /frame-ancestors 'none'/);
      assert.doesNotMatch(APP_CSP, /unsafe-inline|unsafe-eval|https?:/, 'nothing inline, no other origin');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
    }
  });

  it('serves hashed assets with their content type and a long cache; a missing asset is a 404, not HTML', async () => {
    const js = await rawGet(admin.url, '/ui/assets/index-abc123.js');
    assert.deepEqual([js.status, js.headers['content-type'], js.headers['cache-control'], js.body], [200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable', 'console.log(1)']);
    assert.equal((await rawGet(admin.url, '/ui/assets/index-abc123.css')).headers['content-type'], 'text/css; charset=utf-8');
    const icon = await rawGet(admin.url, '/ui/favicon.svg');
    assert.deepEqual([icon.headers['content-type'], icon.headers['cache-control']], ['image/svg+xml', 'no-cache']);
    const missing = await rawGet(admin.url, '/ui/assets/gone-999.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-type'], 'text/plain; charset=utf-8');
    const head = await rawGet(admin.url, '/ui/assets/index-abc123.js', 'HEAD');
    assert.deepEqual([head.status, head.body], [200, '']);
  });

  it('refuses paths that leave the app directory', async () => {
    // Encoded slashes survive URL parsing: decoded, they would climb out of the app.
    for (const path of ['/ui/..%2fsecret.txt', '/ui/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/ui/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/ui/%00', '/ui/%E0%A4%A']) {
      const r = await rawGet(admin.url, path);
      assert.equal(r.status, 400, path);
      assert.doesNotMatch(r.body, /top secret/);
    }
    // A `..` (or `%2e%2e`) segment the URL parser resolves leaves /ui altogether: no file, just 404.
    for (const path of ['/ui/../secret.txt', '/ui/%2e%2e/secret.txt']) {
      const r = await rawGet(admin.url, path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body, /top secret/);
    }
  });

  it('needs no token, while data routes still do; only GET and HEAD', async () => {
    assert.equal((await rawGet(admin.url, '/api/v1/data')).status, 401);
    assert.equal((await rawGet(admin.url, '/ui/x', 'POST')).status, 405);
    assert.equal((await rawGet(admin.url, '/uix')).status, 404, 'only the prefix and paths below it');
  });

  it('answers 503 with the hint when the app is not built', async () => {
    const r = await rawGet(unbuilt.url, '/ui');
    assert.equal(r.status, 503);
    assert.equal(r.body, 'not built: run npm run build:console\n');
  });
});
