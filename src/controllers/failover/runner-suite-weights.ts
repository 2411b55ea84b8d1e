/**
 * The weight-override part of the runner suite (run on every store backend): set and clear
 * as audited compare-and-set changes with before/after weights, validation, publication to
 * the gateway, survival of a restart, and two replicas on one database.
 * @module
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailoverRunnerError, type FailoverRunnerErrorCode } from './runner-errors.ts';
import { casesTrafficPolicy, fakeClock, ownerTrafficPolicy, startRunner, type RunnerStoreHarness } from './runner-test-support.ts';
import { JKT, makePolicy, PRIMARY, t, TYO } from './test-support.ts';

const TARGET = 'trafficpolicy/cases/cases';

const failsWith = (code: FailoverRunnerErrorCode) => (e: unknown): boolean => e instanceof FailoverRunnerError && e.code === code;

/** Registers the weight-override tests, each on a fresh database of `stores`. */
export function describeWeightSuite(stores: RunnerStoreHarness): void {
  describe('weight overrides', () => {
    it('sets, changes and clears an override as audited changes with the weight diff, and publishes it', async () => {
      const clock = fakeClock(t(0));
      const h = await startRunner(await stores.fresh(), makePolicy(), clock);
      try {
        const set = await h.runner.setWeights('cases', 'cases', { [TYO]: 0, [JKT]: 3, [PRIMARY]: 1 }, { actor: 'alice', reason: 'shift load off tyo', changeRequest: 'CHG-5' });
        const weights = { [JKT]: 3, [PRIMARY]: 1, [TYO]: 0 };
        assert.deepEqual(set.override, { weights, actor: 'alice', reason: 'shift load off tyo', changeRequest: 'CHG-5', at: t(0) });
        assert.deepEqual(Object.keys(set.override?.weights ?? {}), [JKT, PRIMARY, TYO], 'weights are stored sorted');
        assert.deepEqual(h.calls.at(-1)?.[2], { 'cases/cases': weights });
        assert.deepEqual(h.runner.weightOverrides(), { 'cases/cases': set.override });
        await assert.rejects(h.runner.setWeights('cases', 'cases', weights, { actor: 'alice', reason: 'again' }), failsWith('FAILOVER_UNCHANGED'));

        clock.at(10);
        await h.runner.setWeights('cases', 'cases', { [JKT]: 1, [PRIMARY]: 1 }, { actor: 'carol', reason: 'even out' });
        clock.at(20);
        const cleared = await h.runner.setWeights('cases', 'cases', undefined, { actor: 'alice', reason: 'done' });
        assert.equal(cleared.override, undefined);
        assert.deepEqual(cleared.overrides, {});
        assert.deepEqual(h.calls.at(-1)?.[2], {}, 'clearing restores the configured mode');
        await assert.rejects(h.runner.setWeights('cases', 'cases', undefined, { actor: 'alice', reason: 'again' }), failsWith('FAILOVER_UNCHANGED'));

        const records = await h.store.list({ target: TARGET });
        assert.deepEqual(records.map((r) => [r.action, r.actor, r.before, r.after]), [
          ['WeightOverride', 'alice', { weights: null }, { weights }],
          ['WeightOverride', 'carol', { weights }, { weights: { [JKT]: 1, [PRIMARY]: 1 } }],
          ['ClearWeightOverride', 'alice', { weights: { [JKT]: 1, [PRIMARY]: 1 } }, { weights: null }],
        ]);
        assert.equal(records[0]?.changeRequest, 'CHG-5');
        assert.equal(records[0]?.reason, 'shift load off tyo');
        assert.deepEqual((records[1]?.evidence as { changes?: unknown }).changes, [
          { cluster: JKT, before: 3, after: 1 },
          { cluster: TYO, before: 0, after: null },
        ]);
        assert.equal((records[2]?.evidence as { configuredMode?: unknown }).configuredMode, 'LocalPreferred');
        assert.deepEqual(await h.store.verify(), { ok: true, count: records.length });
      } finally {
        await h.close();
      }
    });

    it('refuses unknown policies (not found), bad weights and Owner-mode policies (invalid), writing nothing', async () => {
      const h = await startRunner(await stores.fresh(), makePolicy(), fakeClock(t(0)), 5, [casesTrafficPolicy(), ownerTrafficPolicy()]);
      try {
        const by = { actor: 'alice', reason: 'r' };
        await assert.rejects(h.runner.setWeights('cases', 'nope', { [JKT]: 1 }, by), failsWith('FAILOVER_NOT_FOUND'));
        await assert.rejects(h.runner.setWeights('cases', 'nope', undefined, by), failsWith('FAILOVER_NOT_FOUND'));
        for (const bad of [{}, { [JKT]: 0 }, { [JKT]: -1 }, { [JKT]: 1.5 }, { [JKT]: '3' }, { Bad_Name: 1 }, { [JKT]: 1_000_001 }, [], null, 'jkt=1']) {
          await assert.rejects(h.runner.setWeights('cases', 'cases', bad, by), failsWith('FAILOVER_INVALID'), JSON.stringify(bad));
        }
        await assert.rejects(h.runner.setWeights('cases', 'cases', { [JKT]: 1 }, { actor: 'system:lintas', reason: 'r' }), failsWith('FAILOVER_INVALID'));
        // Weights would spread an Owner-mode policy's mutations over clusters: refused.
        await assert.rejects(h.runner.setWeights('cases', 'owned', { [JKT]: 1 }, by), (e: unknown) => failsWith('FAILOVER_INVALID')(e) && /Owner mode/.test((e as Error).message));
        assert.deepEqual(await h.store.list({ target: TARGET }), []);
        assert.deepEqual(h.runner.weightOverrides(), {});
      } finally {
        await h.close();
      }
    });

    it('survives a restart: the override is published at start and can be cleared', async () => {
      const clock = fakeClock(t(0));
      const db = await stores.fresh();
      const first = await startRunner(db, makePolicy(), clock);
      await first.runner.setWeights('cases', 'cases', { [JKT]: 9, [PRIMARY]: 1 }, { actor: 'alice', reason: 'drill' });
      await first.close();

      const second = await startRunner(db, makePolicy(), clock);
      try {
        assert.deepEqual(second.calls[0]?.[2], { 'cases/cases': { [JKT]: 9, [PRIMARY]: 1 } }, 'the resumed override is published at start');
        assert.equal(second.runner.weightOverrides()['cases/cases']?.reason, 'drill');
        await second.runner.setWeights('cases', 'cases', undefined, { actor: 'bob', reason: 'drill over' });
        assert.deepEqual((await second.store.list({ target: TARGET })).map((r) => r.action), ['WeightOverride', 'ClearWeightOverride']);
        assert.equal((await second.store.verify()).ok, true);
      } finally {
        await second.close();
      }
    });

    it('two replicas on one database: a sync picks up the other\'s override, and a stale writer re-reads before writing', async () => {
      const clock = fakeClock(t(0));
      const db = await stores.fresh();
      const a = await startRunner(db, makePolicy(), clock);
      const b = await startRunner(db, makePolicy(), clock);
      try {
        await a.runner.setWeights('cases', 'cases', { [JKT]: 2, [TYO]: 1 }, { actor: 'alice', reason: 'from a' });
        assert.deepEqual(b.runner.weightOverrides(), {}, 'b has not synced');
        await b.runner.sync();
        assert.deepEqual(b.calls.at(-1)?.[2], { 'cases/cases': { [JKT]: 2, [TYO]: 1 } });
        await b.runner.setWeights('cases', 'cases', undefined, { actor: 'bob', reason: 'from b' });

        // a still believes its override is in force; its compare-and-set fails, it re-reads and writes against b's clear.
        const again = await a.runner.setWeights('cases', 'cases', { [JKT]: 1, [TYO]: 1 }, { actor: 'alice', reason: 'again from a' });
        assert.deepEqual(again.override?.weights, { [JKT]: 1, [TYO]: 1 });
        const records = await a.store.list({ target: TARGET });
        assert.deepEqual(records.map((r) => [r.action, r.before, r.after]), [
          ['WeightOverride', { weights: null }, { weights: { [JKT]: 2, [TYO]: 1 } }],
          ['ClearWeightOverride', { weights: { [JKT]: 2, [TYO]: 1 } }, { weights: null }],
          ['WeightOverride', { weights: null }, { weights: { [JKT]: 1, [TYO]: 1 } }],
        ]);
        await b.runner.sync();
        assert.deepEqual(b.runner.weightOverrides()['cases/cases']?.weights, { [JKT]: 1, [TYO]: 1 });
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
