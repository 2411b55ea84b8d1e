/**
 * Tests of the process supervisor with real app processes (the TypeScript entry under tsx) bound to
 * 127.77.x.x: start → ready, cluster down/up, partition (SIGSTOP) → probe timeouts → heal, in-app
 * faults over IPC, a replica that cannot start, and a stop that leaves no process behind.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../observability/index.ts';
import { call, waitFor } from './apps/test-kit.ts';
import type { ReplicaPlan } from './plan.ts';
import { createSupervisor, type ChildCommand, type Supervisor } from './supervisor.ts';

const ENTRY = fileURLToPath(new URL('./apps/child-main.ts', import.meta.url));
const COMMAND: ChildCommand = { file: process.execPath, args: ['--import', 'tsx', ENTRY] };
/** Starting a tsx child on a busy 2-core machine can take seconds: every wait is generous and polls. */
const WAIT_MS = 30_000;

/** A port that was free a moment ago on `address`. */
async function freePortOn(address: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function replica(cluster: string, address: string, port: number, r: number, extra: Partial<ReplicaPlan> = {}): ReplicaPlan {
  return {
    id: `${cluster}/demo/echo/${String(r)}`,
    cluster,
    region: `${cluster}-region`,
    namespace: 'demo',
    workload: 'echo',
    app: 'echo',
    replica: r,
    version: 'v1',
    service: 'echo',
    address,
    port,
    peers: { sameCluster: [], otherClusters: [] },
    ...extra,
  };
}

/** True while a process with this pid exists (signal 0 checks without signalling). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How a request to a replica ends: its status, a refusal, or a timeout. */
async function outcome(url: string, path: string, timeoutMs: number): Promise<number | 'refused' | 'timeout' | string> {
  try {
    return (await call(url, path, { timeoutMs })).status;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ECONNREFUSED') return 'refused';
    if (/timed out/.test(e.message)) return 'timeout';
    return e.code ?? e.message;
  }
}

describe('createSupervisor with real app processes', () => {
  let supervisor: Supervisor;
  let changes = 0;
  const seenPids = new Set<number>();
  const progress: string[] = [];
  let a0: ReplicaPlan;
  let a1: ReplicaPlan;
  let b0: ReplicaPlan;
  const url = (r: ReplicaPlan): string => `http://${r.address}:${String(r.port)}`;
  const readyOf = (r: ReplicaPlan): boolean | undefined => supervisor.ready().get(r.id);
  const statusOf = (r: ReplicaPlan) => {
    const s = supervisor.status().find((x) => x.id === r.id);
    assert.ok(s, `status of ${r.id}`);
    return s;
  };
  const pidOf = (r: ReplicaPlan): number => {
    const pid = statusOf(r).pid;
    assert.ok(pid !== undefined, `${r.id} has a pid`);
    seenPids.add(pid);
    return pid;
  };
  const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> => waitFor(what, probe, WAIT_MS);

  before(async () => {
    const port = await freePortOn('127.77.1.10');
    a0 = replica('alpha', '127.77.1.10', port, 0);
    a1 = replica('alpha', '127.77.1.11', port, 1);
    b0 = replica('beta', '127.77.2.10', port, 0);
    supervisor = createSupervisor({
      log: silentLogger,
      replicas: [a0, a1, b0],
      command: COMMAND,
      probeIntervalMs: 100,
      probeTimeoutMs: 300,
      onChange: () => (changes += 1),
    });
  });

  after(async () => {
    await supervisor.stop();
    // Belt and braces: never leave a process behind, even when an assertion failed midway.
    for (const pid of seenPids) if (exists(pid)) process.kill(pid, 'SIGKILL');
  });

  it('starts every replica, reports progress, and probes them ready', async () => {
    assert.deepEqual([...supervisor.ready().values()], [false, false, false], 'nothing is ready before start');
    await supervisor.start((r, result, detail) => progress.push(`${r.id} ${result}${detail !== undefined ? ` ${detail}` : ''}`));
    assert.deepEqual([...progress].sort(), ['alpha/demo/echo/0 ready', 'alpha/demo/echo/1 ready', 'beta/demo/echo/0 ready']);
    await until('every replica ready', () => ([...supervisor.ready().values()].every(Boolean) ? true : undefined));
    assert.ok(changes >= 3, 'each readiness flip is reported');
    for (const r of [a0, a1, b0]) {
      const s = statusOf(r);
      assert.equal(s.state, 'running');
      assert.equal(s.ready, true);
      assert.equal(s.cluster, r.cluster);
      assert.equal(s.app, 'echo');
      assert.equal(s.url, url(r));
      assert.deepEqual(s.fault, {});
      assert.ok(exists(pidOf(r)));
      const hello = await call(url(r), '/hello');
      assert.equal(hello.status, 200);
      assert.equal(hello.headers['x-served-by'], `${r.cluster}/${String(r.replica)}`);
    }
  });

  it('clusterDown stops every process of the cluster (not ready, pids gone, connections refused); others keep running', async () => {
    const pids = [pidOf(a0), pidOf(a1)];
    const before = changes;
    assert.equal(await supervisor.clusterDown('alpha'), 2);
    assert.equal(readyOf(a0), false);
    assert.equal(readyOf(a1), false);
    assert.ok(changes > before);
    for (const r of [a0, a1]) {
      const s = statusOf(r);
      assert.equal(s.state, 'stopped');
      assert.equal(s.pid, undefined);
    }
    for (const pid of pids) await until(`process ${String(pid)} gone`, () => (exists(pid) ? undefined : true));
    assert.equal(await outcome(url(a0), '/healthz', 2000), 'refused');
    assert.equal(readyOf(b0), true);
    assert.equal(statusOf(b0).state, 'running');
    assert.equal(await supervisor.clusterDown('alpha'), 0, 'a stopped cluster has nothing left to stop');
    assert.equal(await supervisor.clusterDown('no-such-cluster'), 0);
  });

  it('clusterUp starts the cluster again with new processes, probed ready', async () => {
    const old = [...seenPids];
    assert.equal(await supervisor.clusterUp('alpha'), 2);
    await until('alpha ready again', () => (readyOf(a0) === true && readyOf(a1) === true ? true : undefined));
    for (const r of [a0, a1]) {
      assert.equal(statusOf(r).state, 'running');
      assert.ok(!old.includes(pidOf(r)), `${r.id} runs in a new process`);
      assert.equal((await call(url(r), '/hello')).status, 200);
    }
    assert.equal(await supervisor.clusterUp('alpha'), 0, 'a running cluster has nothing to start');
  });

  it('partition pauses the processes: clients time out (not refused), probes fail, readiness drops; heal restores it', async () => {
    const pid = pidOf(b0);
    assert.equal(supervisor.partition('beta'), 1);
    assert.equal(statusOf(b0).state, 'paused');
    await until('beta not ready', () => (readyOf(b0) === false ? true : undefined));
    assert.equal(await outcome(url(b0), '/healthz', 500), 'timeout');
    assert.ok(exists(pid), 'a partitioned process is paused, not gone');
    assert.equal(supervisor.partition('beta'), 0, 'already partitioned');
    assert.equal(readyOf(a0), true, 'other clusters are unaffected');

    assert.equal(supervisor.heal('beta'), 1);
    assert.equal(statusOf(b0).state, 'running');
    await until('beta ready again', () => (readyOf(b0) === true ? true : undefined));
    assert.equal(pidOf(b0), pid, 'healed in the same process');
    assert.equal((await call(url(b0), '/hello')).status, 200);
    assert.equal(supervisor.heal('beta'), 0, 'nothing left to heal');
  });

  it('sends in-app faults over IPC to the matching replicas: errorRate 1 answers 5xx, clearing restores 200', async () => {
    assert.equal(supervisor.fault((r) => r.id === a0.id, { errorRate: 1 }), 1);
    assert.deepEqual(statusOf(a0).fault, { errorRate: 1 });
    await until('a0 answers 5xx', async () => {
      const status = (await call(url(a0), '/hello')).status;
      return status >= 500 ? status : undefined;
    });
    assert.equal((await call(url(a1), '/hello')).status, 200, 'only the matching replica is faulty');
    assert.deepEqual(statusOf(a1).fault, {});

    // Faults merge; a zero clears its field.
    assert.equal(supervisor.fault((r) => r.id === a0.id, { errorRate: 0 }), 1);
    assert.deepEqual(statusOf(a0).fault, {});
    await until('a0 answers 200 again', async () => ((await call(url(a0), '/hello')).status === 200 ? true : undefined));
    assert.equal(supervisor.fault(() => false, { errorRate: 1 }), 0);
  });

  it('keeps a replica fault across a restart: the new process gets it once it is ready', async () => {
    assert.equal(supervisor.fault((r) => r.cluster === 'alpha', { dependencyDown: true }), 2);
    await until('alpha db down', async () => ((await call(url(a1), '/dependencies/db')).status === 503 ? true : undefined));
    await supervisor.clusterDown('alpha');
    await supervisor.clusterUp('alpha');
    await until('restarted a0 still has its dependency down', async () => ((await call(url(a0), '/dependencies/db')).status === 503 ? true : undefined));
    assert.deepEqual(statusOf(a0).fault, { dependencyDown: true });
    assert.equal((await call(url(b0), '/dependencies/db')).status, 200);
    supervisor.fault((r) => r.cluster === 'alpha', { dependencyDown: false });
    await until('alpha db back', async () => ((await call(url(a0), '/dependencies/db')).status === 200 ? true : undefined));
  });

  it('stop ends every process, paused ones included, and marks everything stopped', async () => {
    assert.equal(supervisor.partition('beta'), 1);
    const pids = [a0, a1, b0].map(pidOf);
    await supervisor.stop();
    for (const pid of pids) await until(`process ${String(pid)} gone`, () => (exists(pid) ? undefined : true));
    for (const pid of seenPids) assert.equal(exists(pid), false, `process ${String(pid)} left behind`);
    for (const s of supervisor.status()) {
      assert.equal(s.state, 'stopped', s.id);
      assert.equal(s.ready, false, s.id);
      assert.equal(s.pid, undefined, s.id);
    }
  });
});

describe('createSupervisor with a replica that cannot start', () => {
  it('reports it failed and still starts the others; stop cleans up', async () => {
    const port = await freePortOn('127.77.3.10');
    const good = replica('gamma', '127.77.3.10', port, 0);
    // TEST-NET-1 is not a local address: binding it fails, and the app reports that over IPC.
    const bad = replica('gamma', '192.0.2.1', port, 1);
    const supervisor = createSupervisor({ log: silentLogger, replicas: [good, bad], command: COMMAND, probeIntervalMs: 100, probeTimeoutMs: 300, onChange: () => undefined });
    const pids: number[] = [];
    try {
      const outcomes = new Map<string, string>();
      await supervisor.start((r, result, detail) => outcomes.set(r.id, `${result}${detail !== undefined ? `: ${detail}` : ''}`));
      assert.equal(outcomes.get(good.id), 'ready');
      assert.match(outcomes.get(bad.id) ?? '', /^failed/);
      await waitFor('good replica ready', () => (supervisor.ready().get(good.id) === true ? true : undefined), WAIT_MS);
      const status = new Map(supervisor.status().map((s) => [s.id, s]));
      const goodPid = status.get(good.id)?.pid;
      if (goodPid !== undefined) pids.push(goodPid);
      await waitFor('bad replica marked failed', () => (supervisor.status().find((s) => s.id === bad.id)?.state === 'failed' ? true : undefined), WAIT_MS);
      assert.equal(supervisor.ready().get(bad.id), false);
      assert.equal(supervisor.partition('gamma'), 1, 'only running replicas can be partitioned');
      assert.equal(supervisor.heal('gamma'), 1);
    } finally {
      await supervisor.stop();
      for (const pid of pids) if (exists(pid)) process.kill(pid, 'SIGKILL');
    }
    for (const pid of pids) assert.equal(exists(pid), false);
  });
});
