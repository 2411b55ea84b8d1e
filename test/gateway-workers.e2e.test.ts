/**
 * A gateway role on two data-plane worker threads (`lintas gateway --workers 2`, issue 15
 * item 6), fed by a config stream on real sockets: both workers accept on the one port
 * (SO_REUSEPORT) and serve; every version is applied on both before it is ACKed; a version
 * one worker cannot apply is NACKed and every worker rolls back; a worker that dies is started
 * again with the current version; the control plane's confirmations reach every worker
 * (Owner-mode writes go through, and fail closed everywhere once stale); the report and
 * /metrics sum both workers; closing leaves no port bound and no thread running. Faults are
 * injected through a wrapped worker (`faulty-gateway-worker.ts`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { BroadcastChannel } from 'node:worker_threads';
import { startGatewayRole, type GatewayRole } from '../src/dataplanes/index.ts';
import { backend, casesPolicy, endpoint, listener, rule, send, startBackend, upstream, vhost, type TestBackend, type TestResponse } from '../src/dataplanes/gateway/test-kit.ts';
import type { GatewayIR, HttpListenerIR } from '../src/ir/index.ts';
import { silentLogger } from '../src/observability/index.ts';
import { ControlPlane, TOKENS } from './config-stream-control-plane.ts';
import { WORKER_FAULTS, type WorkerFault } from './faulty-gateway-worker.ts';
import { waitFor } from './wait.ts';

const SUITE = { timeout: 120_000 };
/** Short, so that the fail-static check does not wait long; the stream's heartbeats (200 ms) keep it fresh until then. */
const BUDGET_MS = 1_500;
const REQUESTS = 40;

/** Threads of this process (Linux); undefined elsewhere. */
const threads = (): number | undefined => {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return undefined;
  }
};

/** Sums every sample of `name` in Prometheus text. */
const sumOf = (text: string, name: string): number =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

describe('a gateway role on two worker threads', SUITE, () => {
  const cp = new ControlPlane();
  const faults = new BroadcastChannel(WORKER_FAULTS);
  const accessLines: string[] = [];
  let jktApp: TestBackend;
  let sgpApp: TestBackend;
  let role: GatewayRole;
  let closed = false;
  let baselineThreads: number | undefined;

  const fleet = (header: string, extra: readonly HttpListenerIR[] = []): GatewayIR => ({
    listeners: [listener('127.0.0.1:0', [vhost('*', [rule('cases', 0, { backends: [backend('cases')] }, { responseHeaders: { set: [{ name: 'x-config', value: header }], add: [], remove: [] } })])], { cluster: 'jkt', region: 'id' }), ...extra],
    upstreams: [upstream('cases', [endpoint(jktApp.port, 'jkt', { region: 'id' }), endpoint(sgpApp.port, 'sgp', { region: 'sg' })], { policy: 'ns/cases' })],
    policies: [casesPolicy({ requireIdempotencyKey: false })],
  });
  const port = (): number => Number(role.status().bound[0]?.split(':')[1]);
  /** `n` requests, each on its own connection (the kernel picks a worker per connection). */
  const many = async (n: number, method: 'GET' | 'POST' = 'GET'): Promise<TestResponse[]> => {
    const out: TestResponse[] = [];
    for (let i = 0; i < n; i += 8) {
      const batch = Array.from({ length: Math.min(8, n - i) }, () => send(port(), method === 'GET' ? '/cases/SGP-1' : '/cases', { method, headers: { 'x-case-id': 'SGP-1' }, ...(method === 'POST' ? { body: '{}' } : {}) }));
      out.push(...(await Promise.all(batch)));
    }
    return out;
  };
  const perWorker = async (): Promise<number[]> => {
    await role.report();
    return role.status().workers.map((w) => w.requests);
  };
  const inject = async (f: WorkerFault): Promise<void> => {
    const armed = new Promise<void>((resolve) => {
      faults.onmessage = (event) => {
        if ((event as { data: { armed?: number } }).data.armed === f.worker) resolve();
      };
    });
    faults.postMessage(f);
    if (f.fault !== 'exit') await armed;
  };
  const metrics = async (): Promise<string> => (await fetch(`${role.adminUrl ?? ''}/metrics`)).text();

  before(async () => {
    [jktApp, sgpApp] = await Promise.all([startBackend('jkt'), startBackend('sgp')]);
    await cp.start();
    cp.publish(fleet('v1'));
    // libuv's thread pool starts on first use: start it before counting threads.
    await lookup('localhost');
    baselineThreads = threads();
    role = await startGatewayRole({
      cluster: 'jkt',
      controlPlaneUrls: [cp.url],
      token: TOKENS.jkt,
      log: silentLogger,
      write: (chunk) => accessLines.push(...chunk.split('\n').filter((l) => l !== '')),
      healthCheck: { enabled: false },
      backoff: { initialMs: 20, maxMs: 200 },
      staleAfterMs: BUDGET_MS,
      admin: { host: '127.0.0.1', port: 0 },
      workers: 2,
      workerModule: new URL('./faulty-gateway-worker.ts', import.meta.url).href,
    });
  });
  after(async () => {
    faults.close();
    if (!closed) await role.close();
    await cp.stop();
    await Promise.all([jktApp.close(), sgpApp.close()]);
  });

  test('both workers accept on the one port and serve; the report, the access log and /metrics cover both', async () => {
    await cp.synced('jkt');
    const { workers, bound } = role.status();
    assert.equal(workers.length, 2);
    assert.notEqual(workers[0]?.threadId, workers[1]?.threadId);
    assert.match(bound.join(), /^127\.0\.0\.1:\d+$/, 'one listener address for both workers');
    const reads = await many(REQUESTS);
    assert.deepEqual([...new Set(reads.map((r) => `${String(r.status)} ${String(r.headers['x-config'])}`))], ['200 v1']);
    // Owner-mode writes go through on both workers: each holds the confirmations the role forwards (else: 503 config_stale).
    const writes = await many(REQUESTS, 'POST');
    assert.deepEqual([...new Set(writes.map((r) => `${String(r.status)} ${String(r.json<{ backend: string }>().backend)}`))], ['200 sgp']);
    const served = await perWorker();
    assert.ok(served.every((n) => n > 0), `both workers served requests: ${served.join(', ')}`);
    assert.equal(served.reduce((a, b) => a + b, 0), 2 * REQUESTS);
    const report = await role.report();
    assert.equal(report.traffic.pairs.reduce((n, p) => n + p.requests, 0), 2 * REQUESTS, 'the report is both workers\' merged');
    // Read after perWorker's: each worker sent its endpoints as a delta of its last report (report-delta.ts).
    assert.deepEqual(report.observation.endpoints.map((e) => `${e.cluster} ${e.state}`).sort(), ['jkt healthy', 'sgp healthy'], 'a delta report still lists every endpoint');
    await waitFor('every access log line', () => (accessLines.length >= 2 * REQUESTS ? true : undefined));
    assert.equal(accessLines.length, 2 * REQUESTS);
    for (const line of accessLines) JSON.parse(line);
    const text = await metrics();
    assert.equal(sumOf(text, 'lintas_gateway_requests_total'), 2 * REQUESTS, '/metrics sums the workers\' counters');
    assert.equal(sumOf(text, 'lintas_gateway_workers'), 2);
    assert.equal(sumOf(text, 'lintas_gateway_config_generation'), 1, 'a gauge every worker has is not summed');
  });

  test('a new version is applied on every worker before it is ACKed', async () => {
    const before = await perWorker();
    cp.publish(fleet('v2'));
    await cp.synced('jkt');
    // Right after the ACK, whichever worker a connection lands on serves v2.
    const reads = await many(REQUESTS);
    assert.deepEqual([...new Set(reads.map((r) => String(r.headers['x-config'])))], ['v2']);
    const after = await perWorker();
    assert.ok(after.every((n, i) => n > (before[i] ?? 0)), `both workers served v2: ${before.join(', ')} → ${after.join(', ')}`);
  });

  test('a version one worker cannot apply is NACKed and every worker rolls back to the last good one', async () => {
    const served = role.status().serving?.version;
    await inject({ worker: 1, fault: 'fail-next-apply' });
    // The new listener binds on worker 0 first (port 0), then worker 1 fails: worker 0 must let it go again.
    cp.publish(fleet('v3', [listener('127.0.0.3:0', [vhost('*', [rule('cases', 0, { backends: [backend('cases')] })])], { address: '127.0.0.3', cluster: 'jkt', region: 'id' })]));
    const version = cp.configs.get('jkt')?.version;
    const ack = await waitFor('NACK of the version worker 1 cannot apply', () => (cp.acks.get('jkt')?.nacked?.version === version ? cp.acks.get('jkt') : undefined));
    assert.match(ack.nacked?.error ?? '', /injected apply failure on worker 1 \(worker 1\)/);
    assert.equal(role.status().serving?.version, served);
    assert.match(role.status().bound.join(), /^127\.0\.0\.1:\d+$/, 'the listener of the rejected version is closed on worker 0');
    const reads = await many(REQUESTS);
    assert.deepEqual([...new Set(reads.map((r) => String(r.headers['x-config'])))], ['v2'], 'every worker serves the last good version');
  });

  test('a worker that dies is started again with the current version; the restart is logged and counted', async () => {
    const old = role.status().workers[1]?.threadId;
    await inject({ worker: 1, fault: 'exit' });
    await waitFor('worker 1 restarted', () => {
      const w = role.status().workers[1];
      return role.status().workerRestarts === 1 && w?.threadId !== undefined && w.threadId !== old ? true : undefined;
    });
    assert.equal(role.status().workers[1]?.restarts, 1);
    // The new thread binds the port again once it applied the current version: then it serves (its counters start at 0).
    await waitFor('the restarted worker serves', async () => {
      const reads = await many(8);
      assert.deepEqual([...new Set(reads.map((r) => String(r.headers['x-config'])))], ['v2']);
      return ((await perWorker())[1] ?? 0) > 0 ? true : undefined;
    });
    assert.equal(sumOf(await metrics(), 'lintas_gateway_worker_restarts_total'), 1);
  });

  test('past the staleness budget every worker refuses Owner-mode writes while reads go on', async () => {
    await cp.stop();
    await waitFor('every worker refuses writes', async () => ((await many(16, 'POST')).every((r) => r.status === 503 && r.json<{ error: string }>().error === 'config_stale') ? true : undefined));
    assert.deepEqual([...new Set((await many(16)).map((r) => r.status))], [200]);
    await cp.start();
    await cp.synced('jkt');
  });

  test('close leaves no port bound and no worker thread running', async () => {
    const p = port();
    const during = threads();
    await role.close();
    closed = true;
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(p, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    if (baselineThreads === undefined || during === undefined) return; // not Linux: no /proc/self/task to count
    assert.ok(during >= baselineThreads + 2, `two worker threads ran (${String(baselineThreads)} → ${String(during)})`);
    assert.ok((threads() ?? 0) <= baselineThreads, `no worker thread left (${String(baselineThreads)} before, ${String(threads())} after)`);
  });
});
