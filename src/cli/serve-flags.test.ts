/** `serve` refuses a bad --access-log or --kubeconfig at startup (a named path) instead of silently losing every line or every cluster. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintas } from './test-cli.ts';

/** Runs `lintas serve` on the capstone with `flags` (`flags(stateDir)` may write files there) on free ports. */
async function serveWith(flags: (stateDir: string) => readonly string[]): Promise<{ code: number; stderr: string }> {
  // A state dir of its own: a fixed /tmp path is shared with every other checkout's runs (and their store versions).
  const stateDir = mkdtempSync(join(tmpdir(), 'lintas-serve-flags-'));
  try {
    return await lintas(['serve', '--config', 'examples/capstone', ...flags(stateDir), '--dns', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--state-dir', stateDir]);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

describe('serve --access-log', () => {
  it('fails at startup when the file cannot be opened', async () => {
    const r = await serveWith(() => ['--access-log', '/nonexistent/dir/a.log']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot open --access-log \/nonexistent\/dir\/a\.log: ENOENT/);
  });
});

describe('serve --kubeconfig', () => {
  it('is a usage error (exit 2) naming the file when the kubeconfig cannot be read', async () => {
    const r = await serveWith(() => ['--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--kubeconfig \/nonexistent\/kubeconfig: ENOENT/);
  });

  it('fails at startup (exit 1, naming the component and the file) when the kubeconfig is not one', async () => {
    const r = await serveWith((stateDir) => {
      writeFileSync(join(stateDir, 'kubeconfig'), 'clusters: [not, a, kubeconfig\n');
      return ['--kubeconfig', join(stateDir, 'kubeconfig')];
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot start kube-source: cannot read kubeconfig .*kubeconfig/);
  });
});

describe('serve --in-cluster / --management-context', () => {
  it('--in-cluster outside a pod fails at startup (exit 1) saying what is missing', async () => {
    const r = await serveWith(() => ['--in-cluster']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot start kube-config: in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set/);
  });

  it('--management-context needs --kubeconfig or --in-cluster (usage error), and a context the kubeconfig has (exit 1, named)', async () => {
    const usage = await serveWith(() => ['--management-context', 'jkt-prod-1']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--management-context jkt-prod-1 needs --kubeconfig or --in-cluster/);
    const missing = await serveWith((stateDir) => {
      writeFileSync(join(stateDir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      return ['--kubeconfig', join(stateDir, 'kubeconfig'), '--management-context', 'jkt-prod-1'];
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot start kube-config: --management-context jkt-prod-1: no such context in .*kubeconfig/);
  });
});

describe('serve --gateway-workers', () => {
  it('is a usage error (exit 2) naming the flag when it is not a whole number from 0 to 256', async () => {
    for (const bad of ['1.5', 'two', '257']) {
      const r = await serveWith(() => ['--gateway-workers', bad]);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, new RegExp(`--gateway-workers must be a whole number from 0 to 256, got "${bad}"`));
    }
  });
});
