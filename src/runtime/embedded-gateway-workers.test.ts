/**
 * Issue 14 item 5: loading and translating the fleet must not stall the traffic of the embedded
 * gateways. They proxy on a worker thread, so while the control plane's thread is blocked (here a
 * deliberate 300 ms busy loop, standing in for a big translation) requests sent during the block
 * are answered before it ends. The client runs on a thread of its own and stamps each request;
 * the test compares those stamps with the block's own start and end (ordering, no timing bound).
 * On one thread (`gatewayWorkers: 0`, the old design) nothing sent during the block is answered
 * before it ends. The admin API still reads the gateways through messages: `/metrics` (the
 * worker's counters), the report and `route explain`.
 * @module
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadPriorities, V8_PLATFORM_THREADS } from '../lib/index.ts';
import { openStore } from '../store/index.ts';
import { startServeRuntime } from './serve-runtime.ts';
import { capstoneConfig } from './test-runtime.ts';
import { blockThread } from '../../test/block-thread.ts';
import { waitFor } from '../../test/wait.ts';
import dnsPacket from 'dns-packet';

/** One answered request, stamped by the client's thread (epoch ms). */
interface Answered {
  readonly sentAt: number;
  readonly doneAt: number;
  readonly status: number;
}

/**
 * A client on its own thread: GETs through jkt's gateway one after another (a host no route
 * serves, so the gateway answers itself), says `ready` after the first answer, and on `stop`
 * sends every answer back. Bounded: at most 2,000 requests, 5 s each.
 */
const CLIENT = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const answered = [];
let stopped = false;
parentPort.on('message', () => { stopped = true; });
const one = () => new Promise((resolve) => {
  const sentAt = Date.now();
  const req = http.get({ host: '127.1.255.1', port: 8080, path: '/', headers: { host: 'nowhere.invalid' }, agent }, (res) => {
    res.resume();
    res.on('end', () => { answered.push({ sentAt, doneAt: Date.now(), status: res.statusCode }); resolve(); });
  });
  req.setTimeout(5000, () => req.destroy());
  req.on('error', () => resolve());
});
(async () => {
  for (let i = 0; i < 2000 && !stopped; i++) {
    await one();
    if (answered.length === 1) parentPort.postMessage({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 2));
  }
  agent.destroy();
  parentPort.postMessage({ type: 'done', answered });
})();
`;

/**
 * A DNS client on its own thread: sends `workerData.query` over UDP to `workerData.port`, one
 * query after another (each waits for its answer, 1 s at most), stamping each answer; says
 * `ready` after the first, and on `stop` sends them back. Bounded: at most 5,000 queries.
 */
const DNS_CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const socket = dgram.createSocket('udp4');
const answered = [];
let stopped = false;
parentPort.on('message', () => { stopped = true; });
const one = () => new Promise((resolve) => {
  const sentAt = Date.now();
  const timer = setTimeout(() => { socket.off('message', onReply); resolve(); }, 1000);
  const onReply = () => { clearTimeout(timer); answered.push({ sentAt, doneAt: Date.now(), status: 0 }); resolve(); };
  socket.once('message', onReply);
  socket.send(Buffer.from(workerData.query), workerData.port, '127.0.0.1');
});
(async () => {
  for (let i = 0; i < 5000 && !stopped; i++) {
    await one();
    if (answered.length === 1) parentPort.postMessage({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 2));
  }
  socket.close();
  parentPort.postMessage({ type: 'done', answered });
})();
`;

/** Waits for the client thread's message of `type` (listening from the call on: a message before a listener is lost). */
function message(client: Worker, type: string): Promise<{ answered?: Answered[] }> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; answered?: Answered[] }): void => {
      if (m.type !== type) return;
      client.off('message', onMessage);
      resolve(m);
    };
    client.on('message', onMessage);
    client.once('error', reject);
    client.once('exit', () => reject(new Error(`the client thread exited before '${type}'`)));
  });
}

/**
 * Starts a client thread (`source`), blocks this thread for 300 ms once it has had its first
 * answer, and returns every answer it stamped and those sent during the block and answered before it ended.
 */
async function answersDuringBlock(source: string, workerData?: unknown): Promise<{ answered: Answered[]; duringBlock: Answered[] }> {
  const client = new Worker(source, { eval: true, execArgv: [], workerData });
  try {
    const ready = message(client, 'ready');
    const done = message(client, 'done');
    await ready;
    const block = blockThread(300);
    client.postMessage('stop');
    const answered = (await done).answered ?? [];
    return { answered, duringBlock: answered.filter((a) => a.sentAt >= block.start && a.doneAt <= block.end) };
  } finally {
    await client.terminate();
  }
}

describe('embedded gateways on a worker thread', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-embedded-workers-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('answer requests sent while the control plane\'s thread is blocked, before the block ends; metrics, report and explain come over messages', async () => {
    const store = await openStore({ dataDir: join(root, 'a') });
    const runtime = await startServeRuntime(capstoneConfig(join(root, 'a'), store));
    try {
      await waitFor('/readyz 200', async () => ((await fetch(`${runtime.adminUrl}/readyz`)).status === 200 ? true : undefined), 30_000);
      if (process.platform === 'linux') {
        // V8's background GC threads yield to the threads that serve traffic (lib/thread-priority.ts).
        const threads = threadPriorities();
        assert.deepEqual([...new Set(threads.filter((t) => t.name === V8_PLATFORM_THREADS).map((t) => t.nice))], [19], JSON.stringify(threads));
        const serving = threads.filter((t) => t.name.startsWith('lintas-gw-') || t.name === 'lintas-dns' || t.tid === process.pid);
        assert.deepEqual(serving.map((t) => t.nice), serving.map(() => 0), `the threads that serve traffic keep nice 0: ${JSON.stringify(serving)}`);
        assert.ok(serving.length >= 3);
      }
      const { answered, duringBlock } = await answersDuringBlock(CLIENT);
      assert.ok(duringBlock.length > 0, `no request sent during the block was answered before it ended (${String(answered.length)} answered in all)`);
      assert.ok(duringBlock.every((a) => a.status === 404), 'the gateway answered them itself (no route for the host)');

      // What the main thread reads of the worker: its counters on /metrics, its report, route explain.
      // A scrape reads the worker with a timeout (and goes without it when it is late, as for `lintas gateway --workers`).
      await waitFor('the worker\'s request counter on /metrics', async () => {
        const metrics = await (await fetch(`${runtime.adminUrl}/metrics`)).text();
        return /^lintas_gateway_requests_total\{[^}]*code_class="4xx"[^}]*\} [1-9]\d*$/m.test(metrics) ? true : undefined;
      });
      await waitFor('the report counts the requests', () => ((runtime.gateway.report()?.traffic.pairs.reduce((n, p) => n + p.requests, 0) ?? 0) >= answered.length ? true : undefined));
      const explained = (await (await fetch(`${runtime.adminUrl}/api/v1/explain?cluster=jkt-prod-1&host=cases.example.com&path=/cases`)).json()) as unknown[];
      assert.ok(explained.length > 0, 'route explain answered from the worker');
    } finally {
      await runtime.stop();
      await store.close();
    }
    assert.equal(runtime.gateway.bound().length, 0);
  });

  it('answers DNS queries sent while the control plane\'s thread is blocked, before the block ends (the DNS server has a thread of its own)', async () => {
    const store = await openStore({ dataDir: join(root, 'b') });
    const runtime = await startServeRuntime(capstoneConfig(join(root, 'b'), store));
    try {
      await waitFor('/readyz 200', async () => ((await fetch(`${runtime.adminUrl}/readyz`)).status === 200 ? true : undefined), 30_000);
      const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'dns-version.clusterset.local', type: 'TXT', class: 'IN' }] });
      const { answered, duringBlock } = await answersDuringBlock(DNS_CLIENT, { port: runtime.dnsPort, query });
      assert.ok(duringBlock.length > 0, `no query sent during the block was answered before it ended (${String(answered.length)} answered in all)`);
      // The counts cross from the DNS thread before a scrape reads them.
      const metrics = await (await fetch(`${runtime.adminUrl}/metrics`)).text();
      const counted = [...metrics.matchAll(/^lintas_dns_queries_total\{type="TXT",rcode="NOERROR",transport="udp"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      assert.ok(counted >= answered.length, `lintas_dns_queries_total counts every answered query (${String(counted)} < ${String(answered.length)})`);
    } finally {
      await runtime.stop();
      await store.close();
    }
  });
});
