/**
 * One `up --kube` per machine: the namespace names are global, so a second run is refused while
 * the first one's process lives (and a crashed one's claim is ignored).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'lintas-kube-lock-'));
process.env.LINTAS_KUBE_SANDBOX_LOCK = join(dir, 'up-kube.json');
// Imported after the lock file is chosen: the module reads it once.
const { kubeSandboxUnavailable, runningKubeSandbox } = await import('./kube-sandbox.ts');

describe('the up --kube claim', () => {
  it('refuses a second run while the claiming process lives, and ignores the claim of a dead one', async () => {
    const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'up-kube.json'), JSON.stringify({ pid: holder.pid, stateDir: '/srv/fleet/.lintas' }));
      assert.deepEqual(runningKubeSandbox(), { pid: holder.pid, stateDir: '/srv/fleet/.lintas' });
      assert.equal(await kubeSandboxUnavailable(), `another lintas up --kube is running (pid ${String(holder.pid)}, state dir /srv/fleet/.lintas); stop it first: its network namespaces have the same names`);
      const exited = once(holder, 'exit');
      holder.kill('SIGKILL');
      await exited;
      assert.equal(runningKubeSandbox(), undefined);
      assert.doesNotMatch((await kubeSandboxUnavailable()) ?? '', /another lintas up --kube/);
    } finally {
      holder.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
