/** `serve` refuses a bad --access-log at startup (exit 1, named path) instead of silently losing every line. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintas } from './test-cli.ts';

describe('serve --access-log', () => {
  it('fails at startup when the file cannot be opened', async () => {
    const r = await lintas(['serve', '--config', 'examples/capstone', '--access-log', '/nonexistent/dir/a.log', '--dns', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--state-dir', '/tmp/lintas-serve-flags-test']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot open --access-log \/nonexistent\/dir\/a\.log: ENOENT/);
  });
});
