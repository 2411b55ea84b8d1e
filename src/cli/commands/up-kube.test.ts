/**
 * `lintas up --kube` refuses to start, with one `error:` line and exit 2, when this machine cannot
 * run it: here, the kube-apiserver binaries are missing (LINTAS_KUBE_CACHE points at an empty
 * directory). The CLI runs as a process of its own: the binaries' directory is read at start-up.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { networkUnavailable, runningKubeSandbox } from '../../sandbox/index.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
// tsx resolves from the checkout.
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const running = runningKubeSandbox();
// A running up --kube is refused first (its own error line), before the binaries are looked for.
const skip = (await networkUnavailable()) ?? (running !== undefined ? `an up --kube runs on this machine (pid ${String(running.pid)})` : undefined);

describe('lintas up --kube without the binaries', { skip: skip ?? false }, () => {
  it('prints one error line naming the build script and exits 2, starting nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lintas-no-kube-'));
    try {
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', MAIN, 'up', '--kube', '--state-dir', join(empty, 'state')], { env: { ...process.env, LINTAS_KUBE_CACHE: empty }, cwd: REPO }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout, stderr }),
        );
      });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', /^error: kube-apiserver v\S+ is not built \(looked in \S+\); build them with scripts\/kube-binaries\.sh/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
