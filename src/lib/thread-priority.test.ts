/**
 * Tests of the per-thread priority helpers on this process's own threads (Linux /proc):
 * a named worker thread is lowered by name and nothing else moves, a thread lowers itself,
 * and the listing names the main thread by the process id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { setNamedThreadsNice, threadPriorities } from './thread-priority.ts';

const linux = process.platform === 'linux' ? false : 'thread nice values live in /proc (Linux)';

/** Starts a worker thread named `name` (at most 15 characters: the kernel's limit) that idles until terminated; resolves once it is up. */
async function thread(name: string): Promise<Worker> {
  const w = new Worker(`require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 1000);`, { eval: true, name });
  await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  return w;
}

describe('thread priority', () => {
  it('lowers the threads of one name only, and lists the main thread under the process id', { skip: linux }, async () => {
    const w = await thread('lintas-prio');
    try {
      const before = threadPriorities();
      assert.ok(before.some((t) => t.tid === process.pid), 'the main thread is listed');
      assert.equal(setNamedThreadsNice('lintas-prio', 19), 1);
      const after = threadPriorities();
      assert.deepEqual(after.filter((t) => t.name === 'lintas-prio').map((t) => t.nice), [19]);
      const others = (list: typeof before) => list.filter((t) => t.name !== 'lintas-prio').map((t) => [t.tid, t.nice]);
      assert.deepEqual(others(after).filter(([tid]) => others(before).some(([b]) => b === tid)), others(before).filter(([tid]) => others(after).some(([a]) => a === tid)), 'no other thread moved');
      assert.equal(setNamedThreadsNice('no-such-thread', 19), 0);
    } finally {
      await w.terminate();
    }
  });

  it('lets a thread lower itself, leaving its creator as it was', { skip: linux }, async () => {
    const url = new URL('./thread-priority.ts', import.meta.url).href;
    // The worker imports the module under test through tsx's loader, which this test process already has.
    const self = new Worker(`import('${url}').then((m) => { m.setThisThreadNice(17); require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 1000); });`, { eval: true, name: 'lintas-selfnice' });
    try {
      await new Promise((resolve, reject) => {
        self.once('message', resolve);
        self.once('error', reject);
      });
      const threads = threadPriorities();
      assert.deepEqual(threads.filter((t) => t.name === 'lintas-selfnice').map((t) => t.nice), [17]);
      assert.equal(threads.find((t) => t.tid === process.pid)?.nice, 0);
    } finally {
      await self.terminate();
    }
  });
});
