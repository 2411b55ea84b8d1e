/**
 * Leader election between replicas on one real PostgreSQL server: one leader at a time, takeover after
 * the TTL when the leader dies or is cut off, fencing of the old leader's writes, and step-down of a
 * leader that loses its database. Replica A reaches the server through a relay the test can stall or
 * cut; replica B connects directly.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startPostgres, type TestPostgres } from '../../test/postgres.ts';
import { startTcpRelay, type TcpRelay } from '../../test/tcp-relay.ts';
import { waitFor } from '../../test/wait.ts';
import { openPostgresStore, type Lease, type LintasStore } from './audit/index.ts';
import { rejectsWithCode } from './audit/store-harness.ts';
import { startWorker } from './audit/store-suite-processes.ts';
import { type LeaderElection, type LeaderElectionOptions, type LeaderRole, startLeaderElection } from './leader-election.ts';

const NAME = 'control-plane';
/** Long enough for a loaded test machine to renew well within the deadline (two thirds of it). */
const TTL_MS = 3000;
const RENEW_MS = 100;
const LEADER_WORKER = fileURLToPath(new URL('./testdata/leader-worker.ts', import.meta.url));

let server: TestPostgres | undefined;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

/** What one test set up, torn down in a safe order: relays first, so no store call hangs on them. */
interface Bench {
  readonly url: string;
  /** A relay in front of the server, and the store URL that goes through it. */
  relay(): Promise<{ relay: TcpRelay; url: string }>;
  store(url?: string): Promise<LintasStore>;
  replica(holder: string, options?: { url?: string } & Partial<LeaderElectionOptions>): Promise<LeaderElection>;
}

async function withBench(fn: (bench: Bench) => Promise<void>): Promise<void> {
  assert.ok(server !== undefined, 'the PostgreSQL test server is running');
  const url = await server.createSchema();
  const relays: TcpRelay[] = [];
  const elections: LeaderElection[] = [];
  const stores: LintasStore[] = [];
  const store = async (at = url): Promise<LintasStore> => {
    const opened = await openPostgresStore({ url: at, poolSize: 2, connectTimeoutMs: 2000 });
    stores.push(opened);
    return opened;
  };
  try {
    await fn({
      url,
      async relay() {
        const target = new URL(url);
        const relay = await startTcpRelay({ host: target.hostname, port: Number(target.port) });
        relays.push(relay);
        target.port = String(relay.port);
        return { relay, url: target.toString() };
      },
      store,
      async replica(holder, options = {}) {
        const { url: at, ...rest } = options;
        const election = startLeaderElection({ store: await store(at), name: NAME, holder, ttlMs: TTL_MS, renewMs: RENEW_MS, ...rest });
        elections.push(election);
        return election;
      },
    });
  } finally {
    for (const relay of relays) await relay.close();
    for (const election of elections) await election.stop();
    for (const opened of stores) await opened.close();
  }
}

type Leader = Extract<LeaderRole, { role: 'leader' }>;
type Follower = Extract<LeaderRole, { role: 'follower' }>;

function leading(what: string, election: LeaderElection, minToken = 1): Promise<Leader> {
  return waitFor(what, () => {
    const role = election.role();
    return role.role === 'leader' && role.fence.token >= minToken ? role : undefined;
  });
}

function following(what: string, election: LeaderElection, reason: Follower['reason']): Promise<Follower> {
  return waitFor(what, () => {
    const role = election.role();
    return role.role === 'follower' && role.reason === reason ? role : undefined;
  });
}

/** Records every role change of the replicas, and every moment two of them believed they led at once. */
function watchLeaders(replicas: Readonly<Record<string, LeaderElection>>): { log: string[]; overlaps: string[]; stop(): void } {
  const log: string[] = [];
  const overlaps: string[] = [];
  const stopping = new AbortController();
  for (const [who, election] of Object.entries(replicas)) {
    void (async () => {
      for await (const update of election.roles.subscribe(stopping.signal)) {
        const role = update.state.get(NAME);
        log.push(`${who} ${role?.role === 'leader' ? `leader ${role.fence.token}` : `follower ${role?.reason ?? '?'}`}`);
        const leaders = Object.entries(replicas).filter(([, e]) => e.role().role === 'leader');
        if (leaders.length > 1) overlaps.push(leaders.map(([name]) => name).join(' and '));
      }
    })();
  }
  return { log, overlaps, stop: () => stopping.abort() };
}

describe('leader election on PostgreSQL', () => {
  it('lets exactly one of two replicas lead, and hands over at stop with the next token', async () => {
    await withBench(async (bench) => {
      const a = await bench.replica('replica-a');
      const b = await bench.replica('replica-b');
      const watch = watchLeaders({ a, b });
      const first = await waitFor('a leader', () => [a, b].map((e) => e.role()).find((r): r is Leader => r.role === 'leader'));
      const [leader, follower] = first.holder === 'replica-a' ? [a, b] : [b, a];
      assert.deepEqual(await following('the other to follow', follower, 'HeldByOther'), { role: 'follower', reason: 'HeldByOther', leader: first.holder });
      await leader.stop();
      const next = await leading('the other to take over', follower);
      assert.equal(next.fence.token, first.fence.token + 1);
      watch.stop();
      assert.deepEqual(watch.overlaps, []);
    });
  });

  it("replaces a leader that stops renewing without releasing after the TTL, and refuses its old token's writes while it still believes it leads", async () => {
    await withBench(async (bench) => {
      const { relay, url } = await bench.relay();
      // A frozen clock: A never sees its deadline pass, like a process paused mid-flight.
      const a = await bench.replica('replica-a', { url, clock: () => 0 });
      const old = await leading('a leader', a);
      const b = await bench.replica('replica-b');
      await following('b to follow a', b, 'HeldByOther');
      const database = await bench.store();
      assert.ok((await database.compareAndSet('failover/cases', 0, { owner: 'sgp' }, [], { fence: old.fence })).ok, 'the leader writes with its token');

      relay.stall();
      const next = await leading('b to take over after the TTL', b, old.fence.token + 1);
      assert.equal(next.fence.token, old.fence.token + 1);
      assert.deepEqual(a.role(), old, 'a still believes it leads');
      // A's writes (over a connection that still works) carry its old token, and are refused.
      const aWrites = await bench.store();
      await rejectsWithCode(aWrites.compareAndSet('failover/cases', 1, { owner: 'jkt' }, [{ actor: 'replica-a', action: 'failover.execute', target: 'cases' }], { fence: old.fence }), 'STORE_FENCED');
      await rejectsWithCode(aWrites.append([{ actor: 'replica-a', action: 'failover.execute', target: 'cases' }], { fence: old.fence }), 'STORE_FENCED');
      assert.deepEqual(await database.loadState('failover/cases'), { revision: 1, state: { owner: 'sgp' } });
      assert.deepEqual(await database.list(), []);
      assert.ok((await database.compareAndSet('failover/cases', 1, { owner: 'tyo' }, [], { fence: next.fence })).ok, 'the new leader writes with its token');
    });
  });

  it('replaces a leader killed with SIGKILL after the TTL with a higher token, and refuses writes with its token', async () => {
    await withBench(async (bench) => {
      const worker = startWorker([bench.url, NAME, 'replica-a', String(TTL_MS), String(RENEW_MS)], LEADER_WORKER);
      try {
        await worker.waitFor((lines) => lines.some((line) => line.startsWith('leader ')));
        const token = Number(worker.lines.find((line) => line.startsWith('leader '))?.slice('leader '.length));
        const b = await bench.replica('replica-b');
        assert.deepEqual(await following('b to follow the worker', b, 'HeldByOther'), { role: 'follower', reason: 'HeldByOther', leader: 'replica-a' });
        worker.child.kill('SIGKILL');
        assert.equal(await worker.exited, null);
        const next = await leading('b to take over', b);
        assert.equal(next.fence.token, token + 1);
        const database = await bench.store();
        await rejectsWithCode(database.append([{ actor: 'replica-a', action: 'test', target: 'x' }], { fence: { lease: NAME, token } }), 'STORE_FENCED');
      } finally {
        worker.child.kill('SIGKILL');
      }
    });
  });

  for (const [fault, reason] of [
    ['cut', 'StoreUnavailable'],
    ['stall', 'RenewDeadline'],
  ] as const) {
    it(`steps a leader down whose database connection is ${fault === 'cut' ? 'dropped' : 'stalled'}, before its lease expires, and only then does the other lead`, async () => {
      await withBench(async (bench) => {
        const { relay, url } = await bench.relay();
        const a = await bench.replica('replica-a', { url });
        const old = await leading('a leader', a);
        const b = await bench.replica('replica-b');
        await following('b to follow a', b, 'HeldByOther');
        const observer = await bench.store();
        const watch = watchLeaders({ a, b });
        let steppedDown: { role: LeaderRole; lease: Lease | undefined } | undefined;
        const stepDown = new AbortController();
        void (async () => {
          for await (const update of a.roles.subscribe(stepDown.signal)) {
            const role = update.state.get(NAME);
            // Read the lease the moment A steps down: the database must still count it as A's.
            if (role?.role === 'follower') return void (steppedDown = { role, lease: await observer.readLease(NAME) });
          }
        })();

        relay[fault]();
        const seen = await waitFor('a to step down', () => steppedDown);
        stepDown.abort();
        assert.equal(seen.role.role === 'follower' && seen.role.reason, reason, JSON.stringify(seen.role));
        assert.equal(seen.lease?.held, true, `stepped down while the lease was live: ${JSON.stringify(seen.lease)}`);
        assert.equal(seen.lease?.holder, 'replica-a');
        const next = await leading('b to take over', b, old.fence.token + 1);
        assert.equal(next.fence.token, old.fence.token + 1);
        watch.stop();
        assert.deepEqual(watch.overlaps, []);
        assert.ok(watch.log.indexOf(`a follower ${reason}`) < watch.log.indexOf(`b leader ${next.fence.token}`), watch.log.join(', '));
      });
    });
  }
});
