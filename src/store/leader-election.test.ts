import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../../test/wait.ts';
import { openSqliteStore, type LintasStore } from './audit/index.ts';
import { type LeaderElection, type LeaderElectionOptions, type LeaderRole, startLeaderElection } from './leader-election.ts';
import { WatchableMap } from './watchable-map.ts';

const NAME = 'control-plane';
const LONG_MS = 600_000;

/** A fresh SQLite store directory; `open` may be called several times (one store per replica). */
async function withSqlite(fn: (open: () => Promise<LintasStore>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lintas-leader-'));
  const stores: LintasStore[] = [];
  try {
    await fn(async () => {
      const store = await openSqliteStore({ dir });
      stores.push(store);
      return store;
    });
  } finally {
    for (const store of stores) await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until `election`'s role satisfies `accept`, and returns it. */
function roleWhere<R extends LeaderRole>(what: string, election: LeaderElection, accept: (role: LeaderRole) => role is R): Promise<R> {
  return waitFor(what, () => {
    const role = election.role();
    return accept(role) ? role : undefined;
  });
}

const isLeader = (role: LeaderRole): role is Extract<LeaderRole, { role: 'leader' }> => role.role === 'leader';
const isFollower = (role: LeaderRole): role is Extract<LeaderRole, { role: 'follower' }> => role.role === 'follower';

/** A store whose renewals wait for `open()` when `hang` is set, as behind a network partition; every other call passes. */
function gatedStore(store: LintasStore): { store: LintasStore; hang(): void; open(): void; hung(): number } {
  let gate: Promise<void> | undefined;
  let openGate = (): void => {};
  let hung = 0;
  const proxy = new Proxy(store, {
    get(target, property) {
      if (property === 'renewLease' && gate !== undefined) {
        const wait = gate;
        return (...args: Parameters<LintasStore['renewLease']>) => {
          hung++;
          return wait.then(() => target.renewLease(...args));
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: proxy,
    hang: () => {
      gate = new Promise((resolve) => (openGate = resolve));
    },
    open: () => {
      gate = undefined;
      openGate();
    },
    hung: () => hung,
  };
}

describe('leader election (SQLite)', () => {
  const elect = (store: LintasStore, holder: string, extra: Partial<LeaderElectionOptions> = {}): LeaderElection =>
    startLeaderElection({ store, name: NAME, holder, ttlMs: LONG_MS, renewMs: 20, ...extra });

  it('lets exactly one of two replicas lead; the other follows and names the leader', async () => {
    await withSqlite(async (open) => {
      const roles = new WatchableMap<string, LeaderRole>();
      const a = elect(await open(), 'replica-a', { roles });
      const b = elect(await open(), 'replica-b');
      try {
        assert.equal(roles.get(NAME)?.role, 'follower', 'published at once, before the first attempt finishes');
        const leader = await roleWhere('a leader', a, isLeader);
        assert.deepEqual(leader, { role: 'leader', holder: 'replica-a', fence: { lease: NAME, token: 1 } });
        assert.deepEqual(await roleWhere('b to see the leader', b, (r): r is LeaderRole => r.role === 'follower' && r.reason === 'HeldByOther'), {
          role: 'follower',
          reason: 'HeldByOther',
          leader: 'replica-a',
        });
        assert.equal(roles.get(NAME), a.role(), 'the role is published in the map passed in');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  });

  it('stop publishes Stopped, releases the lease, and the follower takes over at once with the next token', async () => {
    await withSqlite(async (open) => {
      const a = elect(await open(), 'replica-a');
      await roleWhere('a leader', a, isLeader);
      const b = elect(await open(), 'replica-b');
      try {
        await roleWhere('b following', b, (r): r is LeaderRole => r.role === 'follower' && r.reason === 'HeldByOther');
        await a.stop();
        await a.stop();
        assert.deepEqual(a.role(), { role: 'follower', reason: 'Stopped' });
        // The lease lasts ten minutes: only the release lets b lead within the wait.
        assert.deepEqual((await roleWhere('b leader', b, isLeader)).fence, { lease: NAME, token: 2 });
      } finally {
        await b.stop();
      }
    });
  });

  it('takes at once a live lease whose holder is known to be gone (a killed previous run), and waits for one that is not', async () => {
    await withSqlite(async (open) => {
      const store = await open();
      // A previous run took the lease for ten minutes and was killed: it never released it.
      assert.ok((await store.acquireLease(NAME, 'replica-killed', LONG_MS)).ok);
      const unsure = elect(await open(), 'replica-unsure', { holderGone: () => false });
      const restarted = elect(await open(), 'replica-restarted', { holderGone: (h) => h === 'replica-killed' });
      try {
        assert.deepEqual((await roleWhere('the restart to lead', restarted, isLeader)).fence, { lease: NAME, token: 2 });
        // A holder that may be alive is never broken: the one that knows nothing keeps following.
        assert.deepEqual(await roleWhere('the unsure replica following', unsure, (r): r is LeaderRole => r.role === 'follower' && r.reason === 'HeldByOther'), { role: 'follower', reason: 'HeldByOther', leader: 'replica-restarted' });
      } finally {
        await Promise.all([unsure.stop(), restarted.stop()]);
      }
    });
  });

  it('steps down at once when a renewal is refused because another holder took the lease', async () => {
    await withSqlite(async (open) => {
      const a = elect(await open(), 'replica-a');
      try {
        const { fence } = await roleWhere('a leader', a, isLeader);
        // Another replica judged the lease expired (e.g. a's process was paused past the TTL) and took it.
        const other = await open();
        assert.equal(await other.releaseLease(NAME, 'replica-a', fence.token), true);
        assert.ok((await other.acquireLease(NAME, 'replica-x', LONG_MS)).ok);
        assert.deepEqual(await roleWhere('a to step down', a, isFollower), { role: 'follower', reason: 'LeaseLost', leader: 'replica-x' });
      } finally {
        await a.stop();
      }
    });
  });

  it('steps down by its own clock when renewals hang, while the lease is still live, and releases a renewal that lands late', async () => {
    await withSqlite(async (open) => {
      let now = 0;
      const gated = gatedStore(await open());
      const a = elect(gated.store, 'replica-a', { renewDeadlineMs: 200, clock: () => now });
      const observer = await open();
      try {
        const { fence } = await roleWhere('a leader', a, isLeader);
        gated.hang();
        await waitFor('a renewal to hang', () => (gated.hung() > 0 ? true : undefined));
        assert.equal(a.role().role, 'leader', 'a hanging renewal alone does not end leadership before the deadline');
        now += 200;
        assert.deepEqual(await roleWhere('a to step down', a, isFollower), { role: 'follower', reason: 'RenewDeadline' });
        // Stepped down while the database still counts the lease as a's: nobody else could have led yet.
        const lease = await observer.readLease(NAME);
        assert.equal(lease?.held, true);
        assert.equal(lease?.token, fence.token);
        gated.open();
        // The late renewal extends the ten-minute lease; the elector releases it, so the lease moves on long before that.
        await waitFor('the lease to be taken again', async () => ((await observer.readLease(NAME))?.token === fence.token + 1 ? true : undefined));
      } finally {
        gated.open();
        await a.stop();
      }
    });
  });

  it('refuses options that would let the lease expire before the leader steps down', async () => {
    await withSqlite(async (open) => {
      const store = await open();
      const bad: Partial<LeaderElectionOptions>[] = [
        { ttlMs: 1000, renewMs: 1000 },
        { ttlMs: 1000, renewMs: 100, renewDeadlineMs: 1000 },
        { ttlMs: 1000, renewMs: 500, renewDeadlineMs: 400 },
        { ttlMs: 0, renewMs: 1 },
        { name: '' },
        { holder: '' },
      ];
      for (const options of bad) {
        assert.throws(
          () => startLeaderElection({ store, name: NAME, holder: 'a', ttlMs: 1000, renewMs: 100, ...options }),
          (error: { code?: string }) => error.code === 'STORE_INVALID_INPUT',
          JSON.stringify(options),
        );
      }
    });
  });
});
