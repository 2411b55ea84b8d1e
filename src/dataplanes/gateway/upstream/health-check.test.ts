import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { HealthCheckIR } from '../../../ir/index.ts';
import { silentLogger } from '../../../observability/index.ts';
import { applyCheckResult, newCheckState, probeHttp } from './health-check.ts';
import { ep, seededRandom, upstream, waitFor } from './test-support.ts';
import type { HealthEvent } from './types.ts';
import { createUpstreamSet } from './upstream-set.ts';

const KEY = 'ServiceImport/ns/svc:8080';
const servers: Server[] = [];

/** A backend whose /healthz answers `state.status`; counts checks. */
async function backend(): Promise<{ port: number; state: { status: number; hits: number } }> {
  const state = { status: 200, hits: 0 };
  const server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    state.hits += 1;
    res.writeHead(req.url === '/bad' ? 500 : state.status).end('x');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, state };
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

const hc: HealthCheckIR = { path: '/healthz', intervalMs: 20, timeoutMs: 1000, unhealthyThreshold: 2, healthyThreshold: 2 };

describe('applyCheckResult', () => {
  it('needs unhealthyThreshold fails and healthyThreshold passes in a row', () => {
    const s = newCheckState();
    const seq = [false, true, false, false, true, false, true, true].map((ok) => applyCheckResult(s, ok, hc));
    assert.deepEqual(seq, [undefined, undefined, undefined, 'unhealthy', undefined, undefined, undefined, 'healthy']);
  });
});

describe('probeHttp (real sockets)', () => {
  it('2xx passes; 500, refused and timeout fail', async () => {
    const { port } = await backend();
    assert.deepEqual(await probeHttp('127.0.0.1', port, '/healthz', 2000).result, { ok: true, detail: 'status 200' });
    assert.deepEqual(await probeHttp('127.0.0.1', port, '/bad', 2000).result, { ok: false, detail: 'status 500' });
    assert.deepEqual(await probeHttp('127.0.0.1', await deadPort(), '/healthz', 2000).result, { ok: false, detail: 'ECONNREFUSED' });
    assert.deepEqual(await probeHttp('127.0.0.1', port, '/hang', 50).result, { ok: false, detail: 'timeout' });
    const probe = probeHttp('127.0.0.1', port, '/hang', 10_000);
    probe.cancel();
    assert.deepEqual(await probe.result, { ok: false, detail: 'cancelled' });
  });
});

describe('active health checks through the upstream set (real sockets)', () => {
  it('an endpoint answering 500 goes unhealthy, then healthy again; removal stops its checks', async () => {
    const a = await backend();
    const b = await backend();
    const events: HealthEvent[] = [];
    const set = createUpstreamSet({ log: silentLogger, random: seededRandom(5) });
    set.onHealthEvent((e) => events.push(e));
    const epA = ep('127.0.0.1', 'jkt', { port: a.port });
    const epB = ep('127.0.0.1', 'jkt', { port: b.port });
    const aKey = `127.0.0.1:${String(a.port)}`;
    set.update([upstream([epA, epB], { healthCheck: hc })]);
    const ctx = { entryCluster: 'jkt' };
    const healthOfA = () => set.explain(KEY, ctx)?.endpoints.find((e) => e.key === aKey)?.healthy;
    try {
      assert.equal(healthOfA(), true, 'new endpoints start healthy');
      assert.ok(await waitFor(() => a.state.hits >= 2), 'checks reach the endpoint');

      a.state.status = 500;
      assert.ok(await waitFor(() => healthOfA() === false), 'goes unhealthy');
      for (let i = 0; i < 100; i += 1) assert.notEqual(set.pick(KEY, ctx)?.key, aKey);

      a.state.status = 200;
      assert.ok(await waitFor(() => healthOfA() === true), 'comes back');
      assert.deepEqual(
        events.filter((e) => e.endpoint.key === aKey).map((e) => e.kind),
        ['unhealthy', 'healthy'],
      );

      // An unrelated update keeps the checker (and verdict); removing the endpoint stops it.
      set.update([upstream([epA, epB], { healthCheck: hc })]);
      set.update([upstream([epB], { healthCheck: hc })]);
      const hitsAtRemoval = a.state.hits;
      const bHits = b.state.hits;
      assert.ok(await waitFor(() => b.state.hits >= bHits + 5), 'the remaining endpoint is still checked');
      assert.ok(a.state.hits <= hitsAtRemoval + 1, 'at most one probe already in flight reached the removed endpoint');
    } finally {
      set.close();
    }
  });

  it('close() stops every checker', async () => {
    const a = await backend();
    const set = createUpstreamSet({ log: silentLogger, random: () => 0 });
    set.update([upstream([ep('127.0.0.1', 'jkt', { port: a.port })], { healthCheck: hc })]);
    assert.ok(await waitFor(() => a.state.hits >= 1));
    set.close();
    const hits = a.state.hits;
    const c = await backend();
    const probeSet = createUpstreamSet({ log: silentLogger, random: () => 0 });
    probeSet.update([upstream([ep('127.0.0.1', 'jkt', { port: c.port })], { healthCheck: hc })]);
    try {
      assert.ok(await waitFor(() => c.state.hits >= 5), 'a second set keeps checking');
      assert.ok(a.state.hits <= hits + 1, 'the closed set stopped');
    } finally {
      probeSet.close();
    }
  });
});
