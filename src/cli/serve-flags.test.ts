/** `serve` refuses a bad --access-log at startup (exit 1, named path) instead of silently losing every line. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintas } from './test-cli.ts';

describe('serve --access-log', () => {
  it('fails at startup when the file cannot be opened', async () => {
    // A state dir of its own: a fixed /tmp path is shared with every other checkout's runs (and their store versions).
    const stateDir = mkdtempSync(join(tmpdir(), 'lintas-serve-flags-'));
    try {
      const r = await lintas(['serve', '--config', 'examples/capstone', '--access-log', '/nonexistent/dir/a.log', '--dns', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--state-dir', stateDir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot open --access-log \/nonexistent\/dir\/a\.log: ENOENT/);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
