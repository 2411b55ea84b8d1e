/**
 * Thread priorities (issue 14 item 5): a thread lowers only its own priority, and once the
 * control plane has lowered its own, threads started through spawnThread still run at the
 * process's priority (the spawner created them), talk to the main thread, and report their exit.
 * The main-thread case runs in a child process: lowering this test process's priority would last.
 * @module
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const LINUX = process.platform === 'linux' ? false : 'thread nice values are read from /proc (Linux)';
const THREADS = fileURLToPath(new URL('./threads.ts', import.meta.url));

/** What the child process prints: its main thread's nice, and what a spawned thread said and did. */
const SCRIPT = `
import { readFileSync } from 'node:fs';
const { lowerControlPlanePriority, spawnThread } = await import(${JSON.stringify(THREADS)});
const nice = (path) => { const stat = readFileSync(path, 'utf8'); return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); };
// A thread that says its nice, echoes one message, then exits with code 7 when told.
const source = \`
  const { readFileSync } = require('node:fs');
  const { parentPort, workerData } = require('node:worker_threads');
  const port = workerData.lintasThreadPort ?? parentPort;
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  port.postMessage({ nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]), data: workerData.x });
  port.on('message', (m) => { if (m === 'exit') process.exit(7); port.postMessage({ echo: m }); });
\`;
const lowered = lowerControlPlanePriority(10);
const t = spawnThread(source, { name: 'lintas-test-t', workerData: { x: 42 } });
const messages = [];
const exited = new Promise((resolve) => t.once('exit', resolve));
await new Promise((resolve) => t.on('message', (m) => { messages.push(m); if (messages.length === 2) resolve(); else t.postMessage('ping'); }));
t.postMessage('exit');
const code = await exited;
const second = spawnThread(source, { name: 'lintas-test-u', workerData: { x: 1 } });
await new Promise((resolve) => second.on('message', resolve));
const terminated = await second.terminate();
// What spawnThread avoids: a thread the niced main thread creates itself inherits its nice.
const { Worker } = await import('node:worker_threads');
const plain = new Worker(source, { eval: true, execArgv: [], workerData: { x: 2 } });
const inherited = await new Promise((resolve) => plain.on('message', (m) => resolve(m.nice)));
await plain.terminate();
console.log(JSON.stringify({ lowered, main: nice('/proc/thread-self/stat'), messages, code, terminated, inherited }));
`;

describe('thread priorities', { skip: LINUX }, () => {
  it('after the control plane lowers its priority, a spawned thread runs at the process\'s, talks over its channel and reports its exit', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { lowered: boolean; main: number; messages: unknown[]; code: number; terminated: number; inherited: number };
    assert.equal(result.lowered, true);
    assert.equal(result.main, 10, 'the main thread runs at nice 10');
    assert.deepEqual(result.messages, [{ nice: 0, data: 42 }, { echo: 'ping' }], 'the spawned thread runs at nice 0 and gets its workerData and messages');
    assert.equal(result.code, 7, 'its own exit code reaches the handle');
    assert.equal(typeof result.terminated, 'number', 'terminate() resolves');
    assert.equal(result.inherited, 10, 'whereas a thread the main thread creates itself inherits its nice');
  });
});
