/** Tests of the admin server's authenticated actions and protected routes, over a real loopback socket. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { AdminApiError, MAX_ACTION_BODY_BYTES, startAdminServer, type AdminAction, type AdminServer, type ProtectedRoute } from './admin-server.ts';
import { createAuthenticator, parseAuthFile } from './auth.ts';
import { createLogger, silentLogger } from './logger.ts';

const TOKENS = {
  alice: 'alice-operator-0123456789abcdef',
  bob: 'bob-approver-0123456789abcdef',
  vic: 'vic-viewer-0123456789abcdef',
  root: 'root-admin-0123456789abcdef',
};
const AUTH = parseAuthFile(
  `tokens:
  - { token: "${TOKENS.alice}", subject: alice, roles: [operator] }
  - { token: "${TOKENS.bob}", subject: bob, roles: [approver] }
  - { token: "${TOKENS.vic}", subject: vic, roles: [viewer] }
  - { token: "${TOKENS.root}", subject: root, roles: [admin] }
`,
  'auth.yaml',
);

/** Refuses like the failover store does on a lost compare-and-set (duck-typed: status + code). */
class ConflictError extends Error {
  readonly status = 409;
  readonly code = 'LINTAS_ERR_CONFLICT';
}

const ACTIONS: Record<string, AdminAction> = {
  '/api/v1/failover/:namespace/:name/propose': {
    role: 'operator',
    handler: ({ principal, params, body, reason, url }) => ({ status: 202, body: { params, reason, subject: principal.subject, to: body['to'], q: url.searchParams.get('q') } }),
  },
  '/api/v1/failover/:namespace/:name/approve': {
    role: 'approver',
    handler: async ({ principal }) => {
      await Promise.resolve();
      if (principal.subject === 'root') throw new AdminApiError(409, 'self_approval', 'root proposed this change and cannot approve it');
      throw new ConflictError('epoch moved: 3 is not 2');
    },
  },
  '/api/v1/boom': {
    role: 'operator',
    handler: () => {
      throw new Error('secret detail /var/lib/lintas');
    },
  },
};
const PROTECTED: Record<string, ProtectedRoute> = {
  '/api/v1/audit/:id': { role: 'viewer', handler: (_url, { id }) => (id === 'missing' ? undefined : { id }) },
  '/api/v1/audit/verify': { role: 'viewer', handler: async () => ({ intact: true }) },
};

describe('admin server actions', () => {
  const logLines: string[] = [];
  let admin: AdminServer;
  before(async () => {
    admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      log: createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
      notReady: () => undefined,
      routes: { '/api/v1/status/:name': (_url, { name }) => ({ name }) },
      protectedRoutes: PROTECTED,
      actions: ACTIONS,
      auth: createAuthenticator(AUTH),
    });
  });
  after(() => admin.close());

  const post = (path: string, body: unknown, token?: string): Promise<Response> =>
    fetch(`${admin.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (path: string, token?: string, method = 'GET'): Promise<Response> =>
    fetch(`${admin.url}${path}`, { method, headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} });
  const PROPOSE = '/api/v1/failover/cases/case-writes/propose';

  it('runs an action with its principal, decoded params, body and trimmed reason', async () => {
    const res = await post('/api/v1/failover/cases/a%20b/propose?q=1', { reason: '  sgp down  ', to: 'jkt-prod-1' }, TOKENS.alice);
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { params: { namespace: 'cases', name: 'a b' }, reason: 'sgp down', subject: 'alice', to: 'jkt-prod-1', q: '1' });
    assert.equal((await post(PROPOSE, { reason: 'admin may too' }, TOKENS.root)).status, 202, 'admin implies operator');
  });

  it('answers 401 without a token or with a bad one, and asks for a bearer token', async () => {
    const cases: [Response, string][] = [
      [await post(PROPOSE, { reason: 'r' }), 'unauthenticated'],
      [await post(PROPOSE, { reason: 'r' }, 'not-a-token-at-all-xxxxxxxx'), 'invalid_token'],
      [await post(PROPOSE, { reason: 'r' }, TOKENS.alice.slice(0, -1)), 'invalid_token'],
      [await post(PROPOSE, { reason: 'r' }, `${TOKENS.alice}0`), 'invalid_token'],
      [await fetch(`${admin.url}${PROPOSE}`, { method: 'POST', headers: { authorization: `Basic ${TOKENS.alice}` }, body: '{"reason":"r"}' }), 'invalid_token'],
    ];
    for (const [res, code] of cases) {
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal(((await res.json()) as { error: string }).error, code);
    }
  });

  it('answers 403 naming the role needed when the token lacks it', async () => {
    for (const token of [TOKENS.vic, TOKENS.bob]) {
      const res = await post(PROPOSE, { reason: 'r' }, token);
      assert.equal(res.status, 403);
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(body.error, 'forbidden');
      assert.match(body.message, /requires role operator/);
    }
  });

  it('answers 400 for a missing or empty reason, a non-object body and bad JSON', async () => {
    const cases: [unknown, string][] = [
      [{}, 'reason_required'],
      [{ reason: '   ' }, 'reason_required'],
      [{ reason: 42 }, 'reason_required'],
      ['', 'reason_required'],
      [['reason'], 'bad_request'],
      ['"just a string"', 'bad_request'],
      ['{"reason": "r"', 'bad_json'],
    ];
    for (const [body, code] of cases) {
      const res = await post(PROPOSE, body, TOKENS.alice);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { error: string }).error, code);
    }
  });

  it('answers 413 for a body over 64 KiB, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({ reason: 'r', pad: 'x'.repeat(MAX_ACTION_BODY_BYTES) });
    const res = await post(PROPOSE, big, TOKENS.alice);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: string }).error, 'too_large');
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${admin.url}${PROPOSE}`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.alice}` } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      // No content-length: chunked, so only counting the bytes can catch it.
      for (let i = 0; i < 5; i++) req.write('x'.repeat(20 * 1024));
      req.end();
    });
    assert.equal(streamed, 413);
    assert.equal((await post(PROPOSE, { reason: 'still up', pad: 'x'.repeat(60 * 1024) }, TOKENS.alice)).status, 202, 'just under the limit');
  });

  it('maps handler errors with a status to that status and code, and hides others behind a 500', async () => {
    const conflict = await post('/api/v1/failover/cases/case-writes/approve', { reason: 'lgtm' }, TOKENS.bob);
    assert.equal(conflict.status, 409);
    assert.deepEqual(await conflict.json(), { error: 'LINTAS_ERR_CONFLICT', message: 'epoch moved: 3 is not 2' });
    const self = await post('/api/v1/failover/cases/case-writes/approve', { reason: 'lgtm' }, TOKENS.root);
    assert.equal(self.status, 409);
    assert.equal(((await self.json()) as { error: string }).error, 'self_approval');
    const boom = await post('/api/v1/boom', { reason: 'r' }, TOKENS.alice);
    assert.equal(boom.status, 500);
    const text = await boom.text();
    assert.deepEqual(JSON.parse(text), { error: 'internal', message: 'internal error (see the server log)' });
    assert.ok(!text.includes('secret') && !text.includes('at '), 'no detail or stack reaches the client');
    assert.ok(logLines.some((l) => l.includes('secret detail') && l.includes('"subject":"alice"')), 'the detail is logged with the subject');
  });

  it('guards protected GET routes by role, prefers literal segments, and 404s an undefined body', async () => {
    assert.equal((await get('/api/v1/audit/42')).status, 401);
    const asViewer = await get('/api/v1/audit/42', TOKENS.vic);
    assert.equal(asViewer.status, 200);
    assert.deepEqual(await asViewer.json(), { id: '42' });
    assert.deepEqual(await (await get('/api/v1/audit/verify', TOKENS.alice)).json(), { intact: true }, 'operator implies viewer; literal beats :id');
    assert.equal((await get('/api/v1/audit/42', TOKENS.vic, 'HEAD')).status, 200);
    assert.equal((await get('/api/v1/audit/missing', TOKENS.vic)).status, 404);
    assert.equal((await get('/api/v1/audit/', TOKENS.vic)).status, 404, 'an empty parameter matches nothing');
    assert.deepEqual(await (await get('/api/v1/status/x')).json(), { name: 'x' }, 'public routes need no token');
  });

  it('answers 405 with Allow for a known path and another method, 404 for unknown paths', async () => {
    const getAction = await get(PROPOSE, TOKENS.alice);
    assert.equal(getAction.status, 405);
    assert.equal(getAction.headers.get('allow'), 'POST');
    const put = await fetch(`${admin.url}${PROPOSE}`, { method: 'PUT', body: '{}' });
    assert.equal(put.status, 405);
    const postRoute = await post('/api/v1/status/x', { reason: 'r' }, TOKENS.root);
    assert.equal(postRoute.status, 405);
    assert.equal(postRoute.headers.get('allow'), 'GET');
    assert.equal((await post('/healthz', { reason: 'r' })).status, 405);
    assert.equal((await post('/api/v1/nope', { reason: 'r' }, TOKENS.root)).status, 404);
  });

  it('never logs a token, and logs the subject of each action', async () => {
    await post(PROPOSE, { reason: 'log check' }, TOKENS.alice);
    await post(PROPOSE, { reason: 'r' }, TOKENS.vic);
    await post(PROPOSE, { reason: 'r' }, `${TOKENS.root}-wrong`);
    const all = logLines.join('\n');
    for (const [name, token] of Object.entries(TOKENS)) assert.ok(!all.includes(token.slice(0, 12)), `log leaks ${name}'s token`);
    const action = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'admin action' && l['reason'] === 'log check');
    assert.deepEqual(action && { subject: action['subject'], path: action['path'], status: action['status'] }, { subject: 'alice', path: PROPOSE, status: 202 });
    assert.ok(logLines.some((l) => l.includes('"error":"forbidden"') && l.includes('"subject":"vic"')));
  });
});

describe('admin server without an auth file', () => {
  it('refuses every action as read-only (never open) and protected routes too', async () => {
    for (const auth of [undefined, createAuthenticator(undefined)]) {
      const admin = await startAdminServer({
        host: '127.0.0.1',
        port: 0,
        log: silentLogger,
        notReady: () => undefined,
        routes: { '/api/v1/status': () => ({ ok: true }) },
        protectedRoutes: PROTECTED,
        actions: ACTIONS,
        ...(auth ? { auth } : {}),
      });
      try {
        const res = await fetch(`${admin.url}/api/v1/failover/cases/x/propose`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKENS.root}` },
          body: JSON.stringify({ reason: 'r' }),
        });
        assert.equal(res.status, 403);
        const body = (await res.json()) as { error: string; message: string };
        assert.equal(body.error, 'read_only');
        assert.match(body.message, /--auth-file/);
        const audit = await fetch(`${admin.url}/api/v1/audit/1`, { headers: { authorization: `Bearer ${TOKENS.root}` } });
        assert.equal(audit.status, 403);
        assert.equal(((await audit.json()) as { error: string }).error, 'auth_not_configured');
        assert.equal((await fetch(`${admin.url}/api/v1/status`)).status, 200);
      } finally {
        await admin.close();
      }
    }
  });

  it('refuses to start with clashing or malformed route patterns', async () => {
    const base = { host: '127.0.0.1', port: 0, log: silentLogger, notReady: () => undefined };
    await assert.rejects(startAdminServer({ ...base, routes: { '/a/:x': () => 1 }, protectedRoutes: { '/a/:y': { role: 'viewer', handler: () => 1 } } }), /clashes with \/a\/:x/);
    await assert.rejects(startAdminServer({ ...base, routes: { 'a/b': () => 1 } }), /must start with \//);
    await assert.rejects(startAdminServer({ ...base, routes: { '/a/:x/:x': () => 1 } }), /repeated parameter/);
    await assert.rejects(startAdminServer({ ...base, routes: { '/a/:1x': () => 1 } }), /bad parameter/);
  });
});
