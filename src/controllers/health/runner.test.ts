import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthContractSpec } from '../../api/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { excludedByHealth } from './report.ts';
import { startHealthRunner, type HealthRunner } from './runner.ts';
import type { ClusterHealth, HealthReport, HealthTarget } from './types.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly idempotencyKey?: string;
  readonly synthetic?: string;
}

interface Backend {
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** A case-API pod: dependency probe, replication lag, and a tiny case store for the synthetic transaction. */
async function backend(behaviour: { db?: () => number; hang?: boolean }): Promise<Backend> {
  const seen: Seen[] = [];
  const cases = new Set<string>();
  const server = http.createServer((req, res) => {
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    seen.push({ method: req.method ?? '', url: req.url ?? '', ...(header('idempotency-key') !== undefined ? { idempotencyKey: header('idempotency-key') } : {}), ...(header('x-lintas-synthetic') !== undefined ? { synthetic: header('x-lintas-synthetic') } : {}) });
    req.resume();
    if (behaviour.hang === true) return;
    req.on('end', () => {
      if (req.url === '/dependencies/db') {
        res.writeHead(behaviour.db?.() ?? 200).end();
      } else if (req.url === '/replication-lag') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('1.5\n');
      } else if (req.method === 'POST' && req.url === '/cases') {
        const id = `case-${cases.size + 1}`;
        cases.add(id);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
      } else if (req.method === 'GET' && req.url?.startsWith('/cases/') === true && cases.has(req.url.slice('/cases/'.length))) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SPEC = HealthContractSpec.parse({
  targetRef: { kind: 'ServiceImport', name: 'public-case-api' },
  regional: { minReadyFraction: 0.5, dependencies: [{ name: 'case-db', http: { path: '/dependencies/db' } }] },
  failover: { replicationLag: { http: { path: '/replication-lag' }, maxSeconds: 5 }, minHeadroomFraction: 0.3 },
  synthetic: {
    interval: '15s',
    steps: [
      { method: 'POST', path: '/cases', expectStatus: 201, body: { title: 'synthetic' } },
      { method: 'GET', path: '/cases/{{.id}}', expectStatus: 200 },
    ],
  },
});

function of(report: HealthReport, cluster: string): ClusterHealth {
  const found = report.services[0]?.clusters.find((c) => c.cluster === cluster);
  assert.ok(found, `cluster ${cluster} in the report`);
  return found;
}

describe('startHealthRunner against real HTTP backends in three clusters', () => {
  let c2db = 503;
  let clock = Date.parse('2026-05-01T12:00:00Z');
  const calls: { report: HealthReport; changed: boolean }[] = [];
  // A round starts when it asks for targets and ends when it reports: at most one in between.
  const rounds = { active: 0, max: 0 };
  let c1: Backend[] = [];
  let c2: Backend[] = [];
  let c3: Backend;
  let runner: HealthRunner;

  before(async () => {
    c1 = await Promise.all([backend({}), backend({})]);
    c2 = await Promise.all([backend({ db: () => c2db }), backend({ db: () => c2db })]);
    c3 = await backend({ hang: true });
    const endpoints = (bs: Backend[]) => bs.map((b) => ({ address: '127.0.0.1', port: b.port, ready: true })).sort((a, b) => a.port - b.port);
    const target: HealthTarget = {
      contract: 'cases/cases',
      service: 'cases/public-case-api',
      kind: 'ServiceImport',
      spec: SPEC,
      clusters: [
        { cluster: 'c1', endpoints: endpoints(c1) },
        { cluster: 'c2', endpoints: endpoints(c2) },
        { cluster: 'c3', endpoints: endpoints([c3]) },
      ],
    };
    runner = startHealthRunner({
      log: silentLogger,
      // Rounds after the first are driven by refresh(); the timer must not add any.
      intervalMs: 3_600_000,
      timeoutMs: 300,
      now: () => clock,
      targets: () => {
        rounds.active += 1;
        rounds.max = Math.max(rounds.max, rounds.active);
        return [target];
      },
      context: (cluster) => (cluster === 'c3' ? undefined : { capacity: 100, observedRps: 10 }),
      onReport: (report, changed) => {
        rounds.active -= 1;
        calls.push({ report, changed });
      },
    });
  });

  after(async () => {
    runner.stop();
    await Promise.all([...c1, ...c2, c3].map((b) => b.close()));
  });

  it('evaluates the four layers; a cluster whose dependency fails is excluded though its pods are Ready', async () => {
    const report = await runner.refresh();
    assert.equal(calls.length, 2, 'the first round, then the refresh');
    assert.deepEqual(
      calls.map((c) => c.changed),
      [true, false],
    );
    assert.equal(runner.current(), report);

    const one = of(report, 'c1');
    assert.deepEqual([one.ready.ok, one.regional.ok, one.failover.ok, one.business.ok], [true, true, true, true]);
    assert.deepEqual(one.failover.checks.map((c) => c.value), [1.5, 0.9]);

    const two = of(report, 'c2');
    assert.deepEqual([two.ready.ok, two.regional.ok], [true, false]);
    assert.deepEqual(two.regional.checks[1], { name: 'dependency case-db', ok: false, value: '0/2', threshold: 'more than half of the ready endpoints', detail: '0/2 endpoints' });

    const three = of(report, 'c3');
    assert.equal(three.regional.ok, false);
    assert.equal(three.failover.ok, false);
    assert.match(three.failover.checks[0]?.detail ?? '', /unreachable \(timeout after 300ms\)/);
    assert.equal(three.failover.checks[1]?.detail, 'capacity unknown');
    assert.equal(three.business.ok, false);
    assert.match(three.business.checks[0]?.detail ?? '', /unreachable \(timeout after 300ms\)/);

    assert.deepEqual(excludedByHealth(report), {
      'ServiceImport/cases/public-case-api': [
        { cluster: 'c2', reason: 'regional readiness false: dependency case-db 0/2 endpoints' },
        { cluster: 'c3', reason: 'regional readiness false: dependency case-db 0/1 endpoints' },
      ],
    });
  });

  it('ran the synthetic transaction once per interval on one endpoint, filling {{.id}}, with an Idempotency-Key per step', () => {
    const first = [...c1].sort((a, b) => a.port - b.port)[0];
    assert.ok(first);
    const synthetic = first.seen.filter((s) => s.synthetic !== undefined);
    assert.deepEqual(
      synthetic.map((s) => [s.method, s.url, s.synthetic]),
      [
        ['POST', '/cases', 'true'],
        ['GET', '/cases/case-1', 'true'],
      ],
    );
    const keys = synthetic.map((s) => s.idempotencyKey);
    assert.equal(new Set(keys).size, 2);
    assert.ok(keys.every((k) => k !== undefined && k.length > 0));
    const other = [...c1].sort((a, b) => a.port - b.port)[1];
    assert.equal(other?.seen.filter((s) => s.synthetic !== undefined).length, 0, 'one endpoint per cluster');
    assert.ok(other.seen.some((s) => s.url === '/dependencies/db'), 'every ready endpoint is probed');
  });

  it('reports changed when the dependency recovers, and not when nothing flips', async () => {
    c2db = 200;
    const recovered = await runner.refresh();
    assert.equal(calls.at(-1)?.changed, true);
    assert.equal(of(recovered, 'c2').regional.ok, true);
    assert.deepEqual(Object.keys(excludedByHealth(recovered)), ['ServiceImport/cases/public-case-api']);
    assert.deepEqual(excludedByHealth(recovered)['ServiceImport/cases/public-case-api']?.map((x) => x.cluster), ['c3']);

    await runner.refresh();
    assert.equal(calls.at(-1)?.changed, false);

    c2db = 503;
    await runner.refresh();
    assert.equal(calls.at(-1)?.changed, true);
    assert.equal(of(runner.current(), 'c2').regional.ok, false);
  });

  it('reruns the synthetic transaction when its interval has passed', async () => {
    const posts = (): number => c1.flatMap((b) => b.seen).filter((s) => s.method === 'POST').length;
    assert.equal(posts(), 1);
    clock += 15_000;
    const report = await runner.refresh();
    assert.equal(posts(), 2);
    assert.equal(of(report, 'c1').business.ok, true);
    assert.equal(of(report, 'c1').evaluatedAt, new Date(clock).toISOString());
  });

  it('never overlaps rounds, even when refreshes are asked for at once', async () => {
    const before = calls.length;
    const [a, b] = await Promise.all([runner.refresh(), runner.refresh()]);
    assert.equal(calls.length, before + 2);
    assert.notEqual(a, b);
    assert.equal(rounds.max, 1);
    assert.equal(rounds.active, 0);
  });

  it('does nothing after stop', async () => {
    runner.stop();
    const before = calls.length;
    const last = runner.current();
    assert.equal(await runner.refresh(), last);
    assert.equal(calls.length, before);
  });
});
