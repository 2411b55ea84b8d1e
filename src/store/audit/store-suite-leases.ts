/**
 * The lease and fencing part of the shared store suite: every backend runs it through
 * `describeStoreSuite`. Expiry is waited for as an event (the lease becomes acquirable), never timed.
 * @module
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../../../test/wait.ts';
import type { AuditDraft } from './chain.ts';
import type { Fence, Lease, LeaseResult } from './lease.ts';
import { rejectsWithCode, type StoreHarness, withFresh } from './store-harness.ts';
import type { LintasStore } from './store.ts';

/** Long enough never to expire during a test. */
const LONG_MS = 600_000;
/** Short enough to expire soon; tests wait for the expiry as an event. */
const SHORT_MS = 150;

const note = (token: number, i = 0): AuditDraft => ({ actor: `leader-${token}`, action: 'test.write', target: 'fenced', evidence: { token, i } });

/** Unwraps a successful acquire or renew. */
function held(result: LeaseResult): Lease {
  assert.ok(result.ok, `expected the lease, got ${JSON.stringify(result)}`);
  return result.lease;
}

/** Acquires `name` for `holder` as soon as the current lease has expired. */
function acquireWhenFree(store: LintasStore, name: string, holder: string, ttlMs = LONG_MS): Promise<number> {
  return waitFor(`${holder} to acquire ${name}`, async () => {
    const result = await store.acquireLease(name, holder, ttlMs);
    return result.ok ? result.lease.token : undefined;
  });
}

/** Defines the lease and fencing tests for one backend. */
export function describeLeaseSuite(name: string, harness: StoreHarness): void {
  describe(`${name}: leases`, () => {
    it('acquires a free lease with token 1 and refuses a live one to everyone, its holder too', async () => {
      await withFresh(harness, async (db) => {
        const [a, b] = [await db.open(), await db.open()];
        assert.equal(await a.readLease('leader'), undefined);
        const first = await a.acquireLease('leader', 'replica-a', LONG_MS);
        assert.ok(first.ok);
        assert.deepEqual({ ...first.lease, renewedAt: 0, expiresAt: 0 }, { name: 'leader', holder: 'replica-a', token: 1, renewedAt: 0, expiresAt: 0, held: true });
        assert.ok(Date.parse(first.lease.expiresAt) > Date.parse(first.lease.renewedAt));
        for (const [store, holder] of [[b, 'replica-b'], [a, 'replica-a']] as const) {
          const refused = await store.acquireLease('leader', holder, LONG_MS);
          assert.ok(!refused.ok);
          assert.equal(refused.current?.holder, 'replica-a');
          assert.equal(refused.current?.token, 1);
          assert.equal(refused.current?.held, true);
        }
        assert.equal(held(await b.acquireLease('other', 'replica-b', LONG_MS)).token, 1, 'leases are independent by name');
        assert.deepEqual(await b.readLease('leader'), { ...first.lease, held: true });
      });
    });

    it('renews only the live lease of its holder at its token, keeping the token', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        const lease = held(await store.acquireLease('leader', 'replica-a', LONG_MS));
        const renewed = held(await store.renewLease('leader', 'replica-a', lease.token, LONG_MS));
        assert.equal(renewed.token, lease.token);
        assert.equal((await store.renewLease('leader', 'replica-b', lease.token, LONG_MS)).ok, false, 'another holder');
        assert.equal((await store.renewLease('leader', 'replica-a', lease.token + 1, LONG_MS)).ok, false, 'another token');
        assert.deepEqual(await store.renewLease('absent', 'replica-a', 1, LONG_MS), { ok: false, current: undefined });
      });
    });

    it('release frees the lease at once and the next acquire gets the next token; a stale release does nothing', async () => {
      await withFresh(harness, async (db) => {
        const [a, b] = [await db.open(), await db.open()];
        const lease = held(await a.acquireLease('leader', 'replica-a', LONG_MS));
        assert.equal(await a.releaseLease('leader', 'replica-a', lease.token + 1), false);
        assert.equal(await a.releaseLease('leader', 'replica-b', lease.token), false);
        assert.equal(await a.releaseLease('leader', 'replica-a', lease.token), true);
        assert.equal((await b.readLease('leader'))?.held, false);
        assert.equal((await a.renewLease('leader', 'replica-a', lease.token, LONG_MS)).ok, false, 'a released lease cannot be renewed');
        assert.equal(held(await b.acquireLease('leader', 'replica-b', LONG_MS)).token, 2);
        assert.equal(await a.releaseLease('leader', 'replica-a', lease.token), false, 'released twice');
        assert.equal((await a.readLease('leader'))?.holder, 'replica-b');
      });
    });

    it('hands an expired lease to the next acquirer with a higher token; the old holder can no longer renew it', async () => {
      await withFresh(harness, async (db) => {
        const [a, b] = [await db.open(), await db.open()];
        const old = held(await a.acquireLease('leader', 'replica-a', SHORT_MS));
        const token = await acquireWhenFree(b, 'leader', 'replica-b');
        assert.equal(token, old.token + 1);
        assert.equal((await a.renewLease('leader', 'replica-a', old.token, LONG_MS)).ok, false);
        assert.equal(await a.releaseLease('leader', 'replica-a', old.token), false);
      });
    });

    it("judges expiry by the database's clock, not the caller's", async () => {
      await withFresh(harness, async (db) => {
        // The store's clock stamps audit drafts only: a caller whose clock is a century ahead still sees the lease live.
        const ahead = await db.open({ clock: () => new Date('2125-01-01T00:00:00Z') });
        const behind = await db.open({ clock: () => new Date('1999-01-01T00:00:00Z') });
        const lease = held(await behind.acquireLease('leader', 'replica-behind', LONG_MS));
        assert.equal((await ahead.acquireLease('leader', 'replica-ahead', LONG_MS)).ok, false);
        assert.ok(Date.parse(lease.expiresAt) > Date.parse('2000-01-01T00:00:00Z') && Date.parse(lease.expiresAt) < Date.parse('2125-01-01T00:00:00Z'));
      });
    });

    it('refuses malformed lease calls with STORE_INVALID_INPUT', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await rejectsWithCode(store.acquireLease('', 'a', 1000), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.acquireLease('l', '', 1000), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.acquireLease('l', 'a', 0), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.acquireLease('l', 'a', 1.5), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.renewLease('l', 'a', 0, 1000), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.releaseLease('l', 'a', -1), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.readLease(''), 'STORE_INVALID_INPUT');
        assert.equal(await store.readLease('l'), undefined);
      });
    });

    it('adds the lease table to a database written by schema version 1', async () => {
      await withFresh(harness, async (db) => {
        await (await db.open()).close();
        await db.rawExec(`DROP TABLE lintas_leases; UPDATE lintas_meta SET value = '1' WHERE key = 'schema_version'`);
        const store = await db.open();
        assert.equal(held(await store.acquireLease('leader', 'replica-a', LONG_MS)).token, 1);
      });
    });
  });

  describe(`${name}: fenced writes`, () => {
    it("lands writes at the lease's current token and refuses the old holder's with STORE_FENCED, storing nothing", async () => {
      await withFresh(harness, async (db) => {
        const [a, b] = [await db.open(), await db.open()];
        const old = held(await a.acquireLease('leader', 'replica-a', SHORT_MS));
        const oldFence: Fence = { lease: 'leader', token: old.token };
        assert.equal((await a.append([note(old.token)], { fence: oldFence })).length, 1);
        const cas = await a.compareAndSet('domain', 0, { owner: 'a' }, [note(old.token, 1)], { fence: oldFence });
        assert.ok(cas.ok);

        const token = await acquireWhenFree(b, 'leader', 'replica-b');
        // The old holder still writes with the token it was given, as a paused leader would after waking up.
        await rejectsWithCode(a.append([note(old.token, 2)], { fence: oldFence }), 'STORE_FENCED');
        await rejectsWithCode(a.compareAndSet('domain', 1, { owner: 'a' }, [note(old.token, 3)], { fence: oldFence }), 'STORE_FENCED');
        await rejectsWithCode(a.compareAndSet('domain', 0, { owner: 'a' }, [], { fence: oldFence }), 'STORE_FENCED');
        assert.deepEqual(await b.loadState('domain'), { revision: 1, state: { owner: 'a' } });
        assert.equal((await b.list()).length, 2);

        const newFence: Fence = { lease: 'leader', token };
        assert.ok((await b.compareAndSet('domain', 1, { owner: 'b' }, [note(token)], { fence: newFence })).ok);
        await rejectsWithCode(b.append([note(token + 1)], { fence: { lease: 'leader', token: token + 1 } }), 'STORE_FENCED');
        assert.deepEqual((await b.list()).map((r) => (r.evidence as { token: number }).token), [old.token, old.token, token]);
        assert.deepEqual(await b.verify(), { ok: true, count: 3 });
        assert.equal((await b.append([note(0)])).length, 1, 'unfenced writes are not checked');
      });
    });

    it('refuses a fence naming a lease that was never acquired, and malformed fences', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await rejectsWithCode(store.append([note(1)], { fence: { lease: 'nobody', token: 1 } }), 'STORE_FENCED');
        await rejectsWithCode(store.compareAndSet('k', 0, 1, [], { fence: { lease: 'nobody', token: 1 } }), 'STORE_FENCED');
        await rejectsWithCode(store.append([note(1)], { fence: { lease: '', token: 1 } }), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.append([note(1)], { fence: { lease: 'l', token: 0 } }), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.compareAndSet('k', 0, 1, [], { fence: null as unknown as Fence }), 'STORE_INVALID_INPUT');
        assert.deepEqual(await store.list(), []);
        assert.equal(await store.loadState('k'), undefined);
      });
    });

    it('never lands a stale token after a newer one while holders hand the lease over and keep writing', async () => {
      await withFresh(harness, async (db) => {
        const stores = [await db.open(), await db.open()];
        let token = held(await stores[0]!.acquireLease('leader', 'replica-0', LONG_MS)).token;
        for (let round = 1; round <= 4; round++) {
          const [old, next] = [stores[(round - 1) % 2]!, stores[round % 2]!];
          const oldToken = token;
          // The old holder releases and keeps writing with its token until refused, while the next one takes over and writes.
          const writes = (async (): Promise<string | undefined> => {
            await old.releaseLease('leader', `replica-${(round - 1) % 2}`, oldToken);
            for (let i = 0; i < 10_000; i++) {
              const refused = await old.append([note(oldToken, i)], { fence: { lease: 'leader', token: oldToken } }).then(
                () => undefined,
                (error: { code?: string }) => error.code ?? 'no code',
              );
              if (refused !== undefined) return refused;
            }
            return undefined;
          })();
          token = await acquireWhenFree(next, 'leader', `replica-${round % 2}`);
          await next.append([note(token)], { fence: { lease: 'leader', token } });
          assert.equal(await writes, 'STORE_FENCED', `round ${round}: the old holder's writes end refused`);
        }
        const tokens = (await stores[0]!.list()).map((r) => (r.evidence as { token: number }).token);
        assert.deepEqual(tokens, [...tokens].sort((x, y) => x - y), 'tokens in seq order never go down');
        assert.deepEqual(await stores[1]!.verify(), { ok: true, count: tokens.length });
      });
    });
  });
}
