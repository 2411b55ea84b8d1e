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
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../../test/wait.ts';
import { EXIT } from '../io.ts';
import { run } from '../main.ts';
import { capture, lintas } from '../test-cli.ts';
import { checkAdminAddress } from './serve.ts';

const CAPSTONE = fileURLToPath(new URL('../../../examples/capstone', import.meta.url));

describe('lintas up keeps its tokens to itself', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-up-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes up.json with mode 0600 over a stale world-readable one, and prints how to read the tokens instead of them', async () => {
    const fleet = join(root, 'fleet');
    cpSync(CAPSTONE, fleet, { recursive: true, filter: (src) => !/(workloads|gateway|httproutes)\.yaml$/.test(src) });
    const stateDir = join(root, '.lintas');
    mkdirSync(stateDir);
    // What a crashed `up` (or an older version) left behind: a pid that is not running, mode 0644.
    writeFileSync(join(stateDir, 'up.json'), JSON.stringify({ admin: 'stale', pid: 2 ** 22 - 3 }), { mode: 0o644 });
    const c = capture({}, root);
    const controller = new AbortController();
    const exited = run(['up', fleet, '--admin', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'error'], c.io, controller.signal);
    try {
      const info = await waitFor('a fresh up.json', () => {
        try {
          const parsed = JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as { admin?: string; token?: string; approverToken?: string };
          return parsed.admin !== 'stale' ? parsed : undefined;
        } catch {
          return undefined;
        }
      }, 30_000);
      await waitFor('the summary', () => (c.stdout().includes('Ctrl-C stops the fleet') ? true : undefined));
      assert.equal(statSync(join(stateDir, 'up.json')).mode & 0o777, 0o600);
      assert.ok(info.token !== undefined && info.token.length >= 32 && info.approverToken !== undefined);
      const printed = c.stdout() + c.stderr();
      assert.ok(!printed.includes(info.token), 'the admin token was printed');
      assert.ok(!printed.includes(info.approverToken), 'the approver token was printed');
      assert.match(c.stdout(), /tokens: in \S+up\.json \(mode 0600/);
      assert.match(c.stdout(), /node -p "require\('\S+up\.json'\)\.token"/);
      // The CLI still finds the server and token through up.json.
      const health = await lintas(['failover', 'status'], { cwd: root });
      assert.equal(health.code, 0, health.stderr);
    } finally {
      controller.abort();
    }
    assert.equal(await exited, 0, c.stderr());
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
