/**
 * The behavioural test suite every LintasStore backend must pass, as a `describe` factory: each backend's
 * test file supplies a harness (a fresh database, raw SQL access for tampering) and calls
 * `describeStoreSuite`. Leases and fenced writes are in store-suite-leases.ts, crash and multi-process
 * tests in store-suite-processes.ts.
 * @module
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditDraft, type AuditRecord, hashRecord } from './chain.ts';
import { canonicalJson } from './canonical-json.ts';
import { describeLeaseSuite } from './store-suite-leases.ts';
import { describeProcessSuite } from './store-suite-processes.ts';
import { rejectsWithCode, type StoreHarness, withFresh } from './store-harness.ts';
import type { LintasStore } from './store.ts';

const T0 = '2025-03-01T10:00:00.000Z';

/** A fixed clock for deterministic times. */
const fixedClock = (): Date => new Date(T0);

function draft(n: number, extra: Partial<AuditDraft> = {}): AuditDraft {
  return { time: `2025-03-01T10:00:${String(n).padStart(2, '0')}.000Z`, actor: 'alice', action: 'failover.propose', target: `cases/t${n % 2}`, ...extra };
}

const drafts = (count: number, from = 1): AuditDraft[] => Array.from({ length: count }, (_, i) => draft(from + i));

/** Defines the shared behavioural suite for one backend. */
export function describeStoreSuite(name: string, harness: StoreHarness): void {
  describe(`${name}: audit chain`, () => {
    it('appends records with gapless seq, stable ids and a hash chain from genesis', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        const first = await store.append(drafts(2));
        const second = await store.append([draft(3)]);
        assert.deepEqual([...first, ...second].map((r) => [r.seq, r.id]), [
          [1, 'a-000001'],
          [2, 'a-000002'],
          [3, 'a-000003'],
        ]);
        assert.equal(first[0]?.prevHash, '0'.repeat(64));
        assert.equal(first[1]?.prevHash, first[0]?.hash);
        assert.equal(second[0]?.prevHash, first[1]?.hash);
        for (const record of [...first, ...second]) assert.equal(record.hash, hashRecord(record));
        assert.deepEqual(await store.list(), [...first, ...second]);
        assert.deepEqual(await store.verify(), { ok: true, count: 3 });
        assert.deepEqual(await store.append([]), []);
      });
    });

    it('stores every field, keeps null apart from absent, and returns what it reads back', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open({ clock: fixedClock });
        const [full, bare] = await store.append([
          {
            time: '2025-03-01T18:00:00+08:00',
            actor: 'bob',
            action: 'weights.override',
            target: 'cases/cases',
            reason: 'drill',
            changeRequest: 'CR-7',
            before: null,
            after: { weights: { sgp: 0, jkt: 100 }, note: undefined },
            evidence: [{ check: 'headroom', value: 0.42, threshold: 0.3 }, 'ünïcode ✓'],
          },
          { actor: 'carol', action: 'drain', target: 'sgp-prod-1' },
        ]);
        assert.ok(full !== undefined && bare !== undefined);
        assert.equal(full.time, '2025-03-01T10:00:00.000Z', 'time is normalized to toISOString');
        assert.equal(bare.time, T0, 'a draft without time gets the clock');
        assert.equal(full.before, null);
        assert.deepEqual(full.after, { weights: { sgp: 0, jkt: 100 } });
        assert.ok(!('before' in bare) && !('reason' in bare) && !('changeRequest' in bare));
        const reopened = await db.open();
        assert.deepEqual(await reopened.get(full.id), full);
        assert.deepEqual(await reopened.get(bare.id), bare);
        assert.equal(await reopened.get('a-999999'), undefined);
        assert.equal(await reopened.get('not-an-id'), undefined);
      });
    });

    it('lists by sinceSeq (exclusive), sinceTime and untilTime (inclusive), target, actor, action and limit, in seq order', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await store.append(drafts(6));
        const seqs = async (query: Parameters<LintasStore['list']>[0]): Promise<number[]> => (await store.list(query)).map((r) => r.seq);
        assert.deepEqual(await seqs({ sinceSeq: 4 }), [5, 6]);
        assert.deepEqual(await seqs({ sinceTime: '2025-03-01T10:00:03Z' }), [3, 4, 5, 6]);
        assert.deepEqual(await seqs({ target: 'cases/t1' }), [1, 3, 5]);
        assert.deepEqual(await seqs({ limit: 2 }), [1, 2]);
        assert.deepEqual(await seqs({ target: 'cases/t0', sinceSeq: 2, limit: 1 }), [4]);
        assert.deepEqual(await seqs({ target: 'nope' }), []);
        assert.deepEqual(await seqs({ untilTime: '2025-03-01T10:00:02Z' }), [1, 2], 'until is inclusive');
        assert.deepEqual(await seqs({ sinceTime: '2025-03-01T10:00:02Z', untilTime: '2025-03-01T10:00:04.000Z' }), [2, 3, 4]);
        await store.append([draft(7, { actor: 'bob', action: 'failover.approve' }), draft(8, { actor: 'bob', action: 'drain' })]);
        assert.deepEqual(await seqs({ actor: 'bob' }), [7, 8]);
        assert.deepEqual(await seqs({ action: 'failover.approve' }), [7]);
        assert.deepEqual(await seqs({ actor: 'alice', action: 'failover.propose', target: 'cases/t0', sinceSeq: 3 }), [4, 6]);
        await rejectsWithCode(store.list({ untilTime: 'tomorrow' }), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.list({ sinceTime: 'yesterday' }), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.list({ limit: -1 }), 'STORE_INVALID_INPUT');
      });
    });

    it('refuses invalid drafts and stores none of their batch', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await store.append([draft(1)]);
        await rejectsWithCode(store.append([draft(2), { ...draft(3), actor: '' }]), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.append([draft(2), { ...draft(3), time: 'soon' }]), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.append([draft(2), { ...draft(3), evidence: { lag: Number.NaN } }]), 'STORE_INVALID_INPUT');
        assert.deepEqual((await store.list()).map((r) => r.seq), [1]);
        assert.deepEqual((await store.append([draft(2)])).map((r) => r.seq), [2]);
      });
    });

    it('rolls back a whole batch when the database refuses a row half-way', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await store.append([draft(1)]);
        // A foreign row at seq 3 makes the third insert of the next batch fail after two succeeded.
        await db.rawExec(`INSERT INTO audit_records (seq, id, time, actor, action, target, prev_hash, hash) VALUES (3, 'x', 't', 'a', 'b', 'c', 'p', 'h')`);
        await rejectsWithCode(store.append(drafts(3, 2)), 'STORE_WRITE_FAILED');
        assert.deepEqual((await store.list()).map((r) => r.id), ['a-000001', 'x']);
      });
    });

    it('refuses UPDATE and DELETE of audit rows (append-only guard)', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await store.append(drafts(2));
        await assert.rejects(db.rawExec(`UPDATE audit_records SET actor = 'mallory' WHERE seq = 1`));
        await assert.rejects(db.rawExec('DELETE FROM audit_records WHERE seq = 2'));
        assert.deepEqual(await store.verify(), { ok: true, count: 2 });
      });
    });

    describe('verify detects tampering done directly in the database', () => {
      const cases: { name: string; sql: (records: AuditRecord[]) => string[]; seq: number }[] = [
        { name: 'an edited field', sql: () => [`UPDATE audit_records SET actor = 'mallory' WHERE seq = 3`], seq: 3 },
        { name: 'edited JSON evidence', sql: () => [`UPDATE audit_records SET evidence_json = '{"lag":0}' WHERE seq = 2`], seq: 2 },
        {
          name: 'an edit with its own hash recomputed',
          sql: (records) => {
            const forged = { ...records[2]!, actor: 'mallory' };
            return [`UPDATE audit_records SET actor = 'mallory', hash = '${hashRecord(forged)}' WHERE seq = 3`];
          },
          seq: 4,
        },
        { name: 'a removed record', sql: () => ['DELETE FROM audit_records WHERE seq = 2'], seq: 2 },
        { name: 'a removed last record', sql: () => ['DELETE FROM audit_records WHERE seq = 5'], seq: 5 },
        {
          name: 'two swapped records',
          sql: () => ['UPDATE audit_records SET seq = -1 WHERE seq = 2', 'UPDATE audit_records SET seq = 2 WHERE seq = 3', 'UPDATE audit_records SET seq = 3 WHERE seq = -1'],
          seq: 2,
        },
        { name: 'undecodable JSON', sql: () => [`UPDATE audit_records SET after_json = '{' WHERE seq = 4`], seq: 4 },
      ];
      for (const c of cases) {
        it(c.name, async () => {
          await withFresh(harness, async (db) => {
            const store = await db.open();
            const records = await store.append(drafts(5).map((d, i) => ({ ...d, evidence: { lag: i }, after: { i } })));
            assert.deepEqual(await store.verify(), { ok: true, count: 5 });
            await db.dropGuards();
            for (const sql of c.sql(records)) await db.rawExec(sql);
            const result = await store.verify();
            assert.equal(result.ok, false);
            assert.equal(!result.ok && result.seq, c.seq, JSON.stringify(result));
            assert.ok(!result.ok && result.reason.length > 0);
          });
        });
      }
    });
  });

  describe(`${name}: state compare-and-set`, () => {
    it('writes state only at the expected revision, with its records in the same chain', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        const key = 'FailoverPolicy/cases/case-writes';
        assert.equal(await store.loadState(key), undefined);
        assert.deepEqual(await store.compareAndSet(key, 1, { epoch: 1 }), { ok: false, current: { revision: 0, state: undefined } });
        await store.append([draft(1)]);
        const first = await store.compareAndSet(key, 0, { state: 'FailingOver', epoch: 2 }, [draft(2, { action: 'failover.execute' })]);
        assert.ok(first.ok);
        assert.equal(first.revision, 1);
        assert.deepEqual(first.records.map((r) => [r.seq, r.action]), [[2, 'failover.execute']]);
        const stale = await store.compareAndSet(key, 0, { state: 'Normal' }, [draft(3)]);
        assert.deepEqual(stale, { ok: false, current: { revision: 1, state: { state: 'FailingOver', epoch: 2 } } });
        const second = await store.compareAndSet(key, 1, { state: 'FailedOver', epoch: 2 });
        assert.deepEqual(second, { ok: true, revision: 2, records: [] });
        await store.compareAndSet('a-other', 0, [1, 2]);
        const reopened = await db.open();
        assert.deepEqual(await reopened.loadState(key), { revision: 2, state: { state: 'FailedOver', epoch: 2 } });
        assert.deepEqual(await reopened.listStates(), [
          { key: 'FailoverPolicy/cases/case-writes', revision: 2, state: { state: 'FailedOver', epoch: 2 } },
          { key: 'a-other', revision: 1, state: [1, 2] },
        ]);
        assert.deepEqual(await reopened.verify(), { ok: true, count: 2 });
      });
    });

    it('stores neither state nor records when the records are refused', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await rejectsWithCode(store.compareAndSet('k', 0, { epoch: 1 }, [draft(1), { ...draft(2), target: '' }]), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.compareAndSet('k', -1, { epoch: 1 }), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.compareAndSet('k', 0, undefined), 'STORE_INVALID_INPUT');
        await rejectsWithCode(store.compareAndSet('', 0, 1), 'STORE_INVALID_INPUT');
        assert.equal(await store.loadState('k'), undefined);
        assert.deepEqual(await store.list(), []);
      });
    });

    it('lets exactly one of two store instances win each race for the same revision', async () => {
      await withFresh(harness, async (db) => {
        const [a, b] = [await db.open(), await db.open()];
        const key = 'race';
        for (let revision = 0; revision < 8; revision++) {
          const results = await Promise.all([
            a.compareAndSet(key, revision, { owner: 'a', revision }, [draft(1, { actor: 'replica-a' })]),
            b.compareAndSet(key, revision, { owner: 'b', revision }, [draft(1, { actor: 'replica-b' })]),
          ]);
          const winners = results.filter((r) => r.ok);
          assert.equal(winners.length, 1, `round ${revision}: ${JSON.stringify(results)}`);
          const loser = results.find((r) => !r.ok);
          assert.ok(loser !== undefined && !loser.ok);
          assert.equal(loser.current.revision, revision + 1);
        }
        assert.equal((await a.loadState(key))?.revision, 8);
        assert.deepEqual(await b.verify(), { ok: true, count: 8 });
      });
    });

    it('keeps the chain linear under concurrent appends from two store instances', async () => {
      await withFresh(harness, async (db) => {
        const [a, b] = [await db.open(), await db.open()];
        const batches = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).append(drafts(1 + (i % 3)))));
        const total = batches.reduce((sum, batch) => sum + batch.length, 0);
        for (const batch of batches) {
          // Each batch is contiguous: nothing of another writer lands inside it.
          batch.forEach((record, i) => assert.equal(record.seq, batch[0]!.seq + i));
        }
        assert.deepEqual(await a.verify(), { ok: true, count: total });
      });
    });
  });

  describe(`${name}: lifecycle`, () => {
    it('gives up on a write lock held elsewhere after lockTimeoutMs, writing nothing', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open({ lockTimeoutMs: 200 });
        await store.append([draft(1)]);
        const release = await db.holdWriteLock();
        try {
          await rejectsWithCode(store.append([draft(2)]), 'STORE_WRITE_FAILED');
          await rejectsWithCode(store.compareAndSet('k', 0, 1, [draft(2)]), 'STORE_WRITE_FAILED');
          assert.equal((await store.list()).length, 1, 'reads are not blocked by the writer');
        } finally {
          await release();
        }
        assert.deepEqual((await store.append([draft(2)])).map((r) => r.seq), [2]);
        assert.equal(await store.loadState('k'), undefined);
      });
    });

    it('opens an existing database again (idempotent migrations) and refuses calls after close', async () => {
      await withFresh(harness, async (db) => {
        const store = await db.open();
        await store.append([draft(1)]);
        await store.close();
        await store.close();
        await rejectsWithCode(store.list(), 'STORE_CLOSED');
        await rejectsWithCode(store.append([draft(2)]), 'STORE_CLOSED');
        const again = await db.open();
        const third = await db.open();
        assert.deepEqual(await third.verify(), { ok: true, count: 1 });
        assert.equal(canonicalJson(await again.list()), canonicalJson(await third.list()));
      });
    });
  });

  describeLeaseSuite(name, harness);
  describeProcessSuite(name, harness);
}
