/**
 * `lintas up` and the admin API's exposure (issue 14 item 10): the tokens live
 * only in `up.json`, mode 0600 even over a stale file with a looser mode, and
 * are never printed; a non-loopback `--admin` needs `--insecure-admin`.
 * The fleet is the capstone without Workloads, Gateways and routes: the
 * control plane starts in a second, with no app processes.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../../test/wait.ts';
import { EXIT } from '../io.ts';
import { run } from '../main.ts';
import { capture, lintas } from '../test-cli.ts';
import { checkAdminAddress } from './serve.ts';

const CAPSTONE = fileURLToPath(new URL('../../../examples/capstone', import.meta.url));

describe('lintas up keeps its tokens to itself', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-up-'));
  const stateDir = join(root, '.lintas');
  const c = capture({}, root);
  const controller = new AbortController();
  let exited: Promise<number>;
  let info: { admin: string; token: string; approverToken: string; viewerToken: string };

  before(async () => {
    const fleet = join(root, 'fleet');
    cpSync(CAPSTONE, fleet, { recursive: true, filter: (src) => !/(workloads|gateway|httproutes)\.yaml$/.test(src) });
    mkdirSync(stateDir);
    // What a crashed `up` (or an older version) left behind: a pid that is not running, mode 0644.
    writeFileSync(join(stateDir, 'up.json'), JSON.stringify({ admin: 'stale', pid: 2 ** 22 - 3 }), { mode: 0o644 });
    exited = run(['up', fleet, '--admin', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'error'], c.io, controller.signal);
    info = await waitFor('a fresh up.json', () => {
      try {
        const parsed = JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as typeof info;
        return parsed.admin !== 'stale' ? parsed : undefined;
      } catch {
        return undefined;
      }
    }, 30_000);
    await waitFor('the summary', () => (c.stdout().includes('Ctrl-C stops the fleet') ? true : undefined));
  });
  after(async () => {
    controller.abort();
    assert.equal(await exited, 0, c.stderr());
    rmSync(root, { recursive: true, force: true });
  });

  it('writes up.json with mode 0600 over a stale world-readable one, and prints how to read the tokens instead of them', async () => {
    assert.equal(statSync(join(stateDir, 'up.json')).mode & 0o777, 0o600);
    assert.ok(info.token.length >= 32 && info.approverToken.length >= 32 && info.viewerToken.length >= 32);
    const printed = c.stdout() + c.stderr();
    for (const [name, token] of Object.entries({ token: info.token, approverToken: info.approverToken, viewerToken: info.viewerToken })) assert.ok(!printed.includes(token), `the ${name} was printed`);
    assert.match(c.stdout(), /tokens: in \S+up\.json \(mode 0600/);
    assert.match(c.stdout(), /node -p "require\('\S+up\.json'\)\.token"/);
    assert.match(c.stdout(), /^Console: +http:\/\/127\.0\.0\.1:\d+\/ui \(sign in with a token from up\.json\)$/m);
    // The CLI still finds the server and token through up.json.
    const health = await lintas(['failover', 'status'], { cwd: root });
    assert.equal(health.code, 0, health.stderr);
  });

  it('the viewer token signs in (local-viewer, role viewer) and may take no action', async () => {
    const whoami = await fetch(`${info.admin}/api/v1/console/whoami`, { headers: { authorization: `Bearer ${info.viewerToken}` } });
    assert.equal(whoami.status, 200);
    assert.deepEqual(await whoami.json(), { subject: 'local-viewer', roles: ['viewer'], actions: [] });
  });

  it('a viewer token is refused (403) by EVERY action the runtime registers, and nothing reaches the audit store', async () => {
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    // The admin may take every action: whoami lists the action table the server enforces, so nothing is hard-coded here.
    const { actions } = (await (await fetch(`${info.admin}/api/v1/console/whoami`, { headers: as(info.token) })).json()) as { actions: string[] };
    assert.ok(actions.length >= 10, `the action table: ${actions.join(', ')}`);
    for (const expected of ['/api/v1/drain/:cluster', '/api/v1/failover/:namespace/:name/approve', '/api/v1/weights/:namespace/:name']) assert.ok(actions.includes(expected), expected);
    assert.ok(actions.some((a) => a.startsWith('/api/v1/fault')), 'the sandbox fault actions are in the table');
    const audit = async (): Promise<{ actor: string; action: string }[]> => ((await (await fetch(`${info.admin}/api/v1/audit?limit=10000`, { headers: as(info.token) })).json()) as { records: { actor: string; action: string }[] }).records;
    const values: Record<string, string> = { cluster: 'sgp-prod-1', namespace: 'cases', name: 'case-writes', service: 'public-case-api', dependency: 'case-db' };
    for (const pattern of actions) {
      const path = pattern.replace(/:([A-Za-z_]\w*)/g, (_, p: string) => values[p] ?? 'x');
      const body = JSON.stringify({ reason: 'a viewer tries', to: 'jkt-prod-1', weights: { 'jkt-prod-1': 1 }, errorRate: 1, state: 'down', lag: '30s' });
      const res = await fetch(`${info.admin}${path}`, { method: 'POST', headers: { ...as(info.viewerToken), 'content-type': 'application/json' }, body });
      assert.equal(res.status, 403, `${pattern}: ${String(res.status)}`);
      assert.equal(((await res.json()) as { error: string }).error, 'forbidden', pattern);
    }
    // The runtime may audit its own decisions meanwhile (a proposal): none of the records may be the viewer's.
    assert.deepEqual((await audit()).filter((r) => r.actor === 'local-viewer'), [], 'a refused action writes no audit record');
  });
});

describe('a non-loopback --admin address', () => {
  it('is a usage error (exit 2) for serve and up unless --insecure-admin', async () => {
    for (const argv of [
      ['serve', '--config', 'examples/capstone', '--admin', '0.0.0.0:0', '--dns', '127.0.0.1:0', '--state-dir', join(tmpdir(), 'lintas-insecure-admin')],
      ['up', 'examples/capstone', '--admin', '10.1.2.3:7070', '--dns', '127.0.0.1:0', '--state-dir', join(tmpdir(), 'lintas-insecure-admin')],
    ]) {
      const r = await lintas(argv);
      assert.equal(r.code, EXIT.usage, argv[0]);
      assert.match(r.stderr, /--admin \S+ is not a loopback address: .*--insecure-admin/, argv[0]);
    }
  });

  it('is accepted with --insecure-admin; loopback never needs it', () => {
    for (const ok of ['127.0.0.1:7070', '127.3.2.1:0', '[::1]:7070', 'localhost:7070']) assert.doesNotThrow(() => checkAdminAddress(ok, false), ok);
    for (const bad of ['0.0.0.0:7070', '[::]:7070', '10.0.0.1:7070', 'admin.example:7070']) {
      assert.throws(() => checkAdminAddress(bad, false), (e: unknown) => (e as { exitCode?: number }).exitCode === EXIT.usage, bad);
      assert.doesNotThrow(() => checkAdminAddress(bad, true), bad);
    }
  });
});
