import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const IO = fileURLToPath(new URL('./io.ts', import.meta.url));

describe('abortOnSignals', () => {
  it('a child started over IPC stops when its parent goes away (the channel closes), not only on signals', async () => {
    // The child waits on abortOnSignals() and exits 0 once it aborts; only the parent closing the channel can end it.
    const code = `const { abortOnSignals } = await import(${JSON.stringify(IO)}); const s = abortOnSignals(); s.addEventListener('abort', () => process.exit(0)); process.send('ready');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await once(child, 'message');
    child.disconnect();
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    assert.equal(exitCode, 0);
  });
});
