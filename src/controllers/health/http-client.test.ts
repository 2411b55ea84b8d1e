/**
 * httpCall's timeout is decided one turn after its timer fires: the control plane's thread can be
 * held by a translation, and a thread that ran late runs its due timers before the I/O that arrived meanwhile.
 * Here the answer arrives (from a server on another thread) while this thread is blocked past
 * the deadline: the call must return the answer, not a timeout.
 * @module
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { blockThread } from '../../../test/block-thread.ts';
import { httpCall } from './http-client.ts';

/** An HTTP server on its own thread that answers every request after `workerData.delayMs`, and posts its port. */
const SERVER = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const server = http.createServer((req, res) => setTimeout(() => res.end('late but here'), workerData.delayMs));
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

describe('httpCall', () => {
  it('returns an answer that arrived while the thread was blocked past the deadline, not a timeout', async () => {
    const server = new Worker(SERVER, { eval: true, execArgv: [], workerData: { delayMs: 100 } });
    const agent = new http.Agent({ keepAlive: false });
    try {
      const port = await new Promise<number>((resolve) => server.once('message', resolve));
      const call = httpCall({ address: '127.0.0.1', port, method: 'GET', path: '/', timeoutMs: 200, agent });
      // Let the request go out, then hold the thread past both the answer (100 ms) and the deadline (200 ms).
      // Blocked from the check phase (setImmediate), the next turn starts with the due timer, as after a stall.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setImmediate(resolve));
      blockThread(500);
      assert.deepEqual(await call, { status: 200, body: 'late but here' });
    } finally {
      agent.destroy();
      server.postMessage('stop');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });
});
