import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { AppChildMessage } from './process.ts';
import { call, obj, waitFor } from './test-kit.ts';
import type { AppConfig } from './types.ts';

const ENTRY = fileURLToPath(new URL('./child-main.ts', import.meta.url));

/** Spawns an app process with an IPC channel; collects its messages and stderr. */
function spawnApp(config: unknown): { child: ChildProcess; messages: AppChildMessage[]; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const messages: AppChildMessage[] = [];
  let err = '';
  child.on('message', (m) => messages.push(m as AppChildMessage));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return { child, messages, stderr: () => err };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('runAppProcess in a child process', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('reports ready, takes a fault over IPC, answers stats, and exits 0 on SIGTERM', async () => {
    const config: AppConfig = { app: 'echo', host: '127.0.0.1', port: 0, cluster: 'jkt-prod-1', region: 'ap-southeast-3', replica: 2, version: 'v9', logLevel: 'warn' };
    const { child, messages, stderr } = spawnApp(config);
    children.push(child);
    const ready = await waitFor('ready message', () => messages.find((m) => m.type === 'ready'), 20_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\nchild stderr:\n${stderr()}`);
    });
    assert.equal(ready.app, 'echo');
    assert.equal(ready.cluster, 'jkt-prod-1');
    assert.equal(ready.replica, 2);
    assert.equal(ready.pid, child.pid);
    const before = obj(await call(ready.url, '/hello'));
    assert.equal(before.version, 'v9');

    child.send({ type: 'fault', fault: { errorRate: 1 } });
    await waitFor('fault-applied', () => messages.find((m) => m.type === 'fault-applied'));
    assert.ok([500, 503].includes((await call(ready.url, '/hello')).status));

    child.send({ type: 'fault', fault: { errorRate: 7 } });
    const refused = await waitFor('error for a bad fault', () => messages.find((m) => m.type === 'error'));
    assert.equal(refused.code, 'LINTAS_ERR_APP_CONFIG');

    child.send({ type: 'fault', fault: {} });
    await waitFor('cleared fault', () => (messages.filter((m) => m.type === 'fault-applied').length === 2 ? true : undefined));
    assert.equal((await call(ready.url, '/hello')).status, 200);

    child.send({ type: 'stats' });
    const stats = await waitFor('stats message', () => messages.find((m) => m.type === 'stats'));
    assert.equal(stats.stats.app, 'echo');
    assert.ok(stats.stats.requests >= 3);

    child.kill('SIGTERM');
    assert.equal(await exitCode(child), 0);
  });

  it('reports a bad config as an error and exits 1', async () => {
    const { child, messages } = spawnApp({ app: 'nope', host: '127.0.0.1', port: 0 });
    children.push(child);
    assert.equal(await exitCode(child), 1);
    // The message was flushed before exit, but may be delivered after the exit event.
    const error = await waitFor('error message', () => messages.find((m) => m.type === 'error'));
    assert.equal(error.code, 'LINTAS_ERR_APP_CONFIG');
  });

  it('closes and exits 0 when the parent disconnects', async () => {
    const { child, messages } = spawnApp({ app: 'case-api', host: '127.0.0.1', port: 0, cluster: 'sgp-prod-1', region: 'sgp', replica: 0, version: 'v1', logLevel: 'error' });
    children.push(child);
    await waitFor('ready message', () => messages.find((m) => m.type === 'ready'), 20_000);
    child.disconnect();
    assert.equal(await exitCode(child), 0);
  });
});
