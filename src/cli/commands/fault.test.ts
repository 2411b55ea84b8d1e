/**
 * Tests of `lintas fault …` and the fault actions of `lintas up`: a real admin server (loopback,
 * port 0, bearer auth) serving faultActions over fakeSupervisor — a Supervisor without processes
 * (the real one is tested with processes in src/sandbox/supervisor.test.ts) — driven by the CLI.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { createAuthenticator, silentLogger, startAdminServer, type AdminServer } from '../../observability/index.ts';
import type { AppFault, ReplicaPlan, ReplicaState, ReplicaStatus, Supervisor } from '../../sandbox/index.ts';
import { CliError, EXIT } from '../io.ts';
import { capture, type CliResult } from '../test-cli.ts';
import { DEFAULT_FAULT_REASON, parseErrorRate, registerFaultCommands } from './fault.ts';
import { faultActions, faultRoutes, type FaultAuditEntry, type FaultResult, type FaultsView } from '../../sandbox/index.ts';

const OPERATOR = 'operator-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';

function plan(cluster: string, ns: string, workload: string, app: ReplicaPlan['app'], r: number): ReplicaPlan {
  return {
    id: `${cluster}/${ns}/${workload}/${String(r)}`,
    cluster,
    namespace: ns,
    workload,
    app,
    replica: r,
    version: 'v1',
    service: workload,
    address: `127.0.0.${String(10 + r)}`,
    port: 8080,
    peers: { sameCluster: [], otherClusters: [] },
  };
}

interface FakeSlot {
  readonly plan: ReplicaPlan;
  state: ReplicaState;
  fault: AppFault;
}

/** A Supervisor without processes: state changes as the real one's would, and every call is recorded. */
function fakeSupervisor(replicas: readonly ReplicaPlan[]): Supervisor & { readonly calls: string[]; reset(): void } {
  const slots = replicas.map((p): FakeSlot => ({ plan: p, state: 'running', fault: {} }));
  const calls: string[] = [];
  const inCluster = (c: string): FakeSlot[] => slots.filter((s) => s.plan.cluster === c);
  return {
    calls,
    reset() {
      calls.length = 0;
      for (const s of slots) {
        s.state = 'running';
        s.fault = {};
      }
    },
    start: () => Promise.resolve(),
    ready: () => new Map(slots.map((s) => [s.plan.id, s.state === 'running'])),
    status: (): ReplicaStatus[] =>
      slots.map((s) => ({ id: s.plan.id, cluster: s.plan.cluster, app: s.plan.app, url: `http://${s.plan.address}:8080`, state: s.state, ready: s.state === 'running', fault: s.fault })),
    clusterDown(c) {
      calls.push(`clusterDown ${c}`);
      const list = inCluster(c).filter((s) => s.state !== 'stopped');
      for (const s of list) s.state = 'stopped';
      return Promise.resolve(list.length);
    },
    clusterUp(c) {
      calls.push(`clusterUp ${c}`);
      const list = inCluster(c).filter((s) => s.state === 'stopped' || s.state === 'failed');
      for (const s of list) s.state = 'running';
      return Promise.resolve(list.length);
    },
    partition(c) {
      calls.push(`partition ${c}`);
      const list = inCluster(c).filter((s) => s.state === 'running');
      for (const s of list) s.state = 'paused';
      return list.length;
    },
    heal(c) {
      calls.push(`heal ${c}`);
      const list = inCluster(c).filter((s) => s.state === 'paused');
      for (const s of list) s.state = 'running';
      return list.length;
    },
    fault(match, fault) {
      calls.push(`fault ${JSON.stringify(fault)}`);
      let n = 0;
      for (const s of slots) {
        if (!match(s.plan)) continue;
        const merged: Record<string, unknown> = { ...s.fault, ...fault };
        for (const [k, v] of Object.entries(merged)) if (v === undefined || v === 0 || v === false) delete merged[k];
        s.fault = merged as AppFault;
        n += 1;
      }
      return n;
    },
    stop: () => Promise.resolve(),
  };
}

const REPLICAS = [
  plan('jkt-prod-1', 'cases', 'public-case-api', 'case-api', 0),
  plan('jkt-prod-1', 'search', 'case-search-api', 'search', 0),
  plan('sgp-prod-1', 'cases', 'public-case-api', 'case-api', 0),
  plan('sgp-prod-1', 'cases', 'public-case-api', 'case-api', 1),
  plan('sgp-prod-1', 'search', 'case-search-api', 'search', 0),
];

/** Runs `lintas fault …` the way `run()` in main.ts does (CliError → message and exit code; parse errors → 2). */
async function fault(argv: string[], cwd: string): Promise<CliResult> {
  const c = capture({}, cwd);
  let code: number = EXIT.ok;
  const program = new Command('lintas').exitOverride().configureOutput({ writeOut: c.io.out, writeErr: c.io.err });
  registerFaultCommands(program, c.io, (x) => (code = x));
  try {
    await program.parseAsync(['fault', ...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    else if (error instanceof CliError) {
      c.io.err(error.message);
      code = error.exitCode;
    } else throw error;
  }
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

describe('lintas fault against a real admin server', () => {
  let admin: AdminServer;
  const supervisor = fakeSupervisor(REPLICAS);
  const audits: FaultAuditEntry[] = [];
  const gateways: string[] = [];
  let dir: string;
  let server: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lintas-fault-'));
    admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      notReady: () => undefined,
      auth: createAuthenticator({ tokens: [{ token: OPERATOR, subject: 'lintas-up', roles: ['admin'] }, { token: VIEWER, subject: 'vic', roles: ['viewer'] }] }),
      actions: faultActions({
        supervisor,
        onAudit: (e) => void audits.push(e),
        setGatewayDown: (cluster, down) => void gateways.push(`${cluster} ${down ? 'down' : 'up'}`),
        setGatewayPartitioned: (cluster, partitioned) => void gateways.push(`${cluster} ${partitioned ? 'partitioned' : 'healed'}`),
        clusters: () => ['tyo-prod-1'],
      }),
      routes: faultRoutes({ supervisor }),
    });
    server = ['--server', admin.url, '--token', OPERATOR];
  });
  after(async () => {
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    supervisor.reset();
    audits.length = 0;
    gateways.length = 0;
  });

  const post = (path: string, body: unknown, token?: string): Promise<Response> =>
    fetch(`${admin.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('refuses a fault without a token (401) or without operator role (403), and changes nothing', async () => {
    const anonymous = await post('/api/v1/faults/cluster/sgp-prod-1/down', { reason: 'x' });
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: string }).error, 'unauthenticated');
    const viewer = await post('/api/v1/faults/cluster/sgp-prod-1/down', { reason: 'x' }, VIEWER);
    assert.equal(viewer.status, 403);
    const cli = await fault(['cluster', 'sgp-prod-1', 'down', '--server', admin.url], dir);
    assert.equal(cli.code, EXIT.invalid);
    assert.match(cli.stderr, /^error: missing bearer token .*\(HTTP 401 unauthenticated\)\nhint: pass --token TOKEN/m);
    assert.deepEqual(supervisor.calls, []);
    assert.deepEqual(audits, []);
    assert.deepEqual(gateways, []);
  });

  it('needs a reason; rejects unknown clusters and services with 404 and bad values with 400', async () => {
    assert.equal((await post('/api/v1/faults/cluster/sgp-prod-1/down', {}, OPERATOR)).status, 400);
    const unknown = await post('/api/v1/faults/cluster/mars-1/down', { reason: 'x' }, OPERATOR);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: 'unknown_cluster', message: 'no cluster "mars-1" in this fleet (clusters: jkt-prod-1, sgp-prod-1, tyo-prod-1)' });
    const noService = await post('/api/v1/faults/service/cases/nope', { reason: 'x', cluster: 'sgp-prod-1', errorRate: 0.5 }, OPERATOR);
    assert.equal(noService.status, 404);
    assert.equal(((await noService.json()) as { error: string }).error, 'no_replicas');
    assert.equal((await post('/api/v1/faults/cluster/sgp-prod-1/explode', { reason: 'x' }, OPERATOR)).status, 400);
    assert.equal((await post('/api/v1/faults/service/cases/public-case-api', { reason: 'x', cluster: 'sgp-prod-1', errorRate: 1.5 }, OPERATOR)).status, 400);
    assert.equal((await post('/api/v1/faults/service/cases/public-case-api', { reason: 'x', cluster: 'sgp-prod-1' }, OPERATOR)).status, 400);
    assert.equal((await post('/api/v1/faults/service/cases/public-case-api', { reason: 'x', errorRate: 0.5 }, OPERATOR)).status, 400);
    assert.equal((await post('/api/v1/faults/dependency/case-db', { reason: 'x', cluster: 'sgp-prod-1', down: 'yes' }, OPERATOR)).status, 400);
    assert.equal((await post('/api/v1/faults/replication-lag', { reason: 'x', cluster: 'sgp-prod-1', lagMs: -1 }, OPERATOR)).status, 400);
    assert.equal((await post('/api/v1/faults/replication-lag', { reason: 'x', cluster: 'tyo-prod-1', lagMs: 1000 }, OPERATOR)).status, 404, 'a known cluster with no replicating replicas');
    assert.deepEqual(audits, [], 'refused calls are not audited');
    assert.ok(supervisor.status().every((s) => s.state === 'running' && Object.keys(s.fault).length === 0), 'refused calls change nothing');
  });

  it('cluster down stops the processes and the gateway, prints what changed, and is audited', async () => {
    const r = await fault(['cluster', 'sgp-prod-1', 'down', '--reason', 'game day', ...server], dir);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.deepEqual(supervisor.calls, ['clusterDown sgp-prod-1']);
    assert.deepEqual(gateways, ['sgp-prod-1 down']);
    assert.match(r.stdout, /^fault\.cluster\.down cluster\/sgp-prod-1: 3 replicas changed, gateway stopped$/m);
    assert.match(r.stdout, /sgp-prod-1\/cases\/public-case-api\/1 +running → stopped/);
    assert.doesNotMatch(r.stdout, /jkt-prod-1/);
    assert.deepEqual(audits, [
      {
        action: 'fault.cluster.down',
        target: 'cluster/sgp-prod-1',
        reason: 'game day',
        actor: 'lintas-up',
        detail: { replicas: ['sgp-prod-1/cases/public-case-api/0', 'sgp-prod-1/cases/public-case-api/1', 'sgp-prod-1/search/case-search-api/0'], gateway: 'stopped' },
      },
    ]);
    assert.ok(supervisor.status().filter((s) => s.cluster === 'jkt-prod-1').every((s) => s.state === 'running'));

    const up = await fault(['cluster', 'sgp-prod-1', 'up', '-o', 'json', ...server], dir);
    assert.equal(up.code, EXIT.ok, up.stderr);
    const body = JSON.parse(up.stdout) as FaultResult;
    assert.equal(body.action, 'fault.cluster.up');
    assert.equal(body.gateway, 'started');
    assert.deepEqual(body.replicas.map((x) => `${x.id} ${x.previousState}→${x.state}`), [
      'sgp-prod-1/cases/public-case-api/0 stopped→running',
      'sgp-prod-1/cases/public-case-api/1 stopped→running',
      'sgp-prod-1/search/case-search-api/0 stopped→running',
    ]);
    assert.deepEqual(gateways, ['sgp-prod-1 down', 'sgp-prod-1 up']);
    assert.equal(audits[1]?.reason, DEFAULT_FAULT_REASON);
  });

  it('partition and heal pause and resume the processes and the gateway (clients time out)', async () => {
    const p = await fault(['cluster', 'jkt-prod-1', 'partition', ...server], dir);
    assert.equal(p.code, EXIT.ok, p.stderr);
    assert.match(p.stdout, /2 replicas changed, gateway partitioned$/m);
    assert.ok(supervisor.status().filter((s) => s.cluster === 'jkt-prod-1').every((s) => s.state === 'paused'));
    const again = await fault(['cluster', 'jkt-prod-1', 'partition', ...server], dir);
    assert.match(again.stdout, /0 replicas changed, gateway partitioned$/m);
    const h = await fault(['cluster', 'jkt-prod-1', 'heal', ...server], dir);
    assert.equal(h.code, EXIT.ok, h.stderr);
    assert.match(h.stdout, /2 replicas changed, gateway healed$/m);
    assert.ok(supervisor.status().every((s) => s.state === 'running'));
    assert.deepEqual(gateways, ['jkt-prod-1 partitioned', 'jkt-prod-1 partitioned', 'jkt-prod-1 healed']);
    assert.deepEqual(audits.map((a) => a.action), ['fault.cluster.partition', 'fault.cluster.partition', 'fault.cluster.heal']);
    assert.deepEqual(supervisor.calls, ['partition jkt-prod-1', 'partition jkt-prod-1', 'heal jkt-prod-1']);
  });

  it("service faults reach only that Service's replicas in that cluster; latency is sent in ms; --clear removes them", async () => {
    const r = await fault(['service', 'cases/public-case-api', '--cluster', 'sgp-prod-1', '--error-rate', '0.3', '--latency', '400ms', ...server], dir);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.deepEqual(supervisor.calls, ['fault {"errorRate":0.3,"latencyMs":400}']);
    const faulty = supervisor.status().filter((s) => Object.keys(s.fault).length > 0).map((s) => s.id);
    assert.deepEqual(faulty, ['sgp-prod-1/cases/public-case-api/0', 'sgp-prod-1/cases/public-case-api/1']);
    assert.match(r.stdout, /^fault\.service cluster\/sgp-prod-1\/service\/cases\/public-case-api \(errorRate=0\.3 latencyMs=400\): 2 replicas changed$/m);
    assert.deepEqual(audits[0]?.detail, { replicas: faulty, fault: { errorRate: 0.3, latencyMs: 400 } });

    const pct = await fault(['service', 'cases/public-case-api', '--cluster', 'sgp-prod-1', '--error-rate', '50%', ...server], dir);
    assert.equal(pct.code, EXIT.ok, pct.stderr);
    assert.deepEqual(supervisor.status().find((s) => s.id === faulty[0])?.fault, { errorRate: 0.5, latencyMs: 400 }, 'faults merge');

    const clear = await fault(['service', 'cases/public-case-api', '--cluster', 'sgp-prod-1', '--clear', ...server], dir);
    assert.equal(clear.code, EXIT.ok, clear.stderr);
    assert.ok(supervisor.status().every((s) => Object.keys(s.fault).length === 0));
    assert.equal(audits.length, 3);
  });

  it('dependency down/up and replication lag set the in-app faults of the cluster', async () => {
    const down = await fault(['dependency', 'case-db', '--cluster', 'sgp-prod-1', 'down', ...server], dir);
    assert.equal(down.code, EXIT.ok, down.stderr);
    assert.deepEqual(
      supervisor.status().filter((s) => s.fault.dependencyDown === true).map((s) => s.id),
      ['sgp-prod-1/cases/public-case-api/0', 'sgp-prod-1/cases/public-case-api/1', 'sgp-prod-1/search/case-search-api/0'],
    );
    assert.deepEqual(audits.map((a) => `${a.action} ${a.target}`), ['fault.dependency.down cluster/sgp-prod-1/dependency/case-db']);
    const up = await fault(['dependency', 'case-db', 'up', '--cluster', 'sgp-prod-1', ...server], dir);
    assert.equal(up.code, EXIT.ok, up.stderr);
    assert.ok(supervisor.status().every((s) => s.fault.dependencyDown === undefined));

    const lag = await fault(['replication-lag', '--cluster', 'sgp-prod-1', '30s', ...server], dir);
    assert.equal(lag.code, EXIT.ok, lag.stderr);
    assert.deepEqual(
      supervisor.status().filter((s) => s.fault.replicationLagMs === 30_000).map((s) => s.id),
      ['sgp-prod-1/cases/public-case-api/0', 'sgp-prod-1/cases/public-case-api/1'],
      'only replicas that replicate to other clusters',
    );
    assert.deepEqual(audits.map((a) => a.action), ['fault.dependency.down', 'fault.dependency.up', 'fault.replication-lag']);
  });

  it('lists the replicas with their state and faults (GET /api/v1/faults)', async () => {
    await fault(['cluster', 'jkt-prod-1', 'down', ...server], dir);
    await fault(['service', 'search/case-search-api', '--cluster', 'sgp-prod-1', '--error-rate', '1', ...server], dir);
    const text = await fault(['list', ...server], dir);
    assert.equal(text.code, EXIT.ok, text.stderr);
    assert.match(text.stdout, /^REPLICA +STATE +READY +FAULT$/m);
    assert.match(text.stdout, /^jkt-prod-1\/cases\/public-case-api\/0 +stopped +no +no fault$/m);
    assert.match(text.stdout, /^sgp-prod-1\/search\/case-search-api\/0 +running +yes +errorRate=1$/m);
    const json = JSON.parse((await fault(['list', '-o', 'json', ...server], dir)).stdout) as FaultsView;
    assert.equal(json.replicas.length, REPLICAS.length);
  });

  it('reports the server error and exits 1 for an unknown cluster', async () => {
    const r = await fault(['cluster', 'mars-1', 'down', ...server], dir);
    assert.equal(r.code, EXIT.invalid);
    assert.match(r.stderr, /^error: no cluster "mars-1" in this fleet \(clusters: .*\) \(HTTP 404 unknown_cluster\)$/m);
    assert.equal(r.stdout, '');
  });

  it('finds the running fleet through <cwd>/.lintas/up.json', async () => {
    const cwd = mkdtempSync(join(dir, 'up-'));
    mkdirSync(join(cwd, '.lintas'));
    writeFileSync(join(cwd, '.lintas', 'up.json'), JSON.stringify({ admin: `${admin.url}/`, token: OPERATOR, dns: '127.0.0.1:5353', gateways: {}, pid: process.pid }));
    const r = await fault(['cluster', 'sgp-prod-1', 'partition'], cwd);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.deepEqual(supervisor.calls, ['partition sgp-prod-1']);
    // --server naming that same fleet still uses its token; another server never gets it.
    assert.equal((await fault(['cluster', 'sgp-prod-1', 'heal', '--server', admin.url], cwd)).code, EXIT.ok);
    const elsewhere = await fault(['cluster', 'sgp-prod-1', 'heal', '--server', admin.url.replace('127.0.0.1', 'localhost')], cwd);
    assert.match(elsewhere.stderr, /HTTP 401/);
  });

  it('says clearly when no fleet is running (no up.json, or one left by a process that has exited)', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const none = await fault(['cluster', 'sgp-prod-1', 'down'], empty);
    assert.equal(none.code, EXIT.invalid);
    assert.match(none.stderr, /^error: no fleet is running here \(no .*\.lintas\/up\.json\); start one with "lintas up"/m);

    const stale = mkdtempSync(join(dir, 'stale-'));
    mkdirSync(join(stale, '.lintas'));
    const child = await deadPid();
    writeFileSync(join(stale, '.lintas', 'up.json'), JSON.stringify({ admin: admin.url, token: OPERATOR, pid: child }));
    const old = await fault(['cluster', 'sgp-prod-1', 'down'], stale);
    assert.equal(old.code, EXIT.invalid);
    assert.match(old.stderr, /no fleet is running: .* was left by lintas up \(pid \d+\), which is no longer running/);
    assert.deepEqual(supervisor.calls, []);
  });

  it('says when the admin API cannot be reached', async () => {
    const port = await closedPort();
    const r = await fault(['cluster', 'sgp-prod-1', 'down', '--server', `http://127.0.0.1:${String(port)}`, '--token', OPERATOR], dir);
    assert.equal(r.code, EXIT.invalid);
    assert.match(r.stderr, /cannot reach the fleet's admin API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is lintas up still running\?\)/);
  });

  it('rejects bad arguments as usage errors (exit 2) before calling the server', async () => {
    const cases: string[][] = [
      ['cluster', 'sgp-prod-1', 'explode'],
      ['service', 'public-case-api', '--cluster', 'sgp-prod-1', '--error-rate', '0.3'],
      ['service', 'cases/public-case-api', '--cluster', 'sgp-prod-1'],
      ['service', 'cases/public-case-api', '--cluster', 'sgp-prod-1', '--latency', '400'],
      ['service', 'cases/public-case-api', '--cluster', 'sgp-prod-1', '--error-rate', '2'],
      ['service', 'cases/public-case-api', '--cluster', 'sgp-prod-1', '--clear', '--latency', '1s'],
      ['service', 'cases/public-case-api', '--error-rate', '0.3'],
      ['dependency', 'case-db', '--cluster', 'sgp-prod-1', 'sideways'],
      ['replication-lag', '--cluster', 'sgp-prod-1', '30 seconds'],
    ];
    for (const argv of cases) {
      const r = await fault([...argv, ...server], dir);
      assert.equal(r.code, EXIT.usage, `${argv.join(' ')}: ${r.stderr}`);
    }
    assert.deepEqual(supervisor.calls, []);
  });
});

describe('parseErrorRate', () => {
  it('takes fractions and percentages from 0 to 1', () => {
    assert.equal(parseErrorRate('0.3'), 0.3);
    assert.equal(parseErrorRate('30%'), 0.3);
    assert.equal(parseErrorRate('0'), 0);
    assert.equal(parseErrorRate('1'), 1);
    for (const bad of ['', '-0.1', '1.01', '101%', 'half']) assert.throws(() => parseErrorRate(bad), CliError, bad);
  });
});

/** A port on 127.0.0.1 nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  assert.ok(pid !== undefined);
  return pid;
}
