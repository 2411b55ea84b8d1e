/**
 * The failover runner suite, run once per store backend (runner.test.ts on SQLite,
 * runner.postgres.test.ts on a real PostgreSQL server) with a fake clock: health drives the
 * reducer, commands are audited, ownership reaches the gateway, the store's compare-and-set
 * keeps two runners on one database from both moving ownership, and drains and weight
 * overrides survive restarts.
 * @module
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FailoverRunner } from './runner.ts';
import { FailoverRunnerError } from './runner-errors.ts';
import { describeWeightSuite } from './runner-suite-weights.ts';
import { fakeClock, healthReport, startRunner, until, type FakeClock, type RunnerHarness, type RunnerStoreHarness } from './runner-test-support.ts';
import { JKT, makePolicy, PRIMARY, t, TYO } from './test-support.ts';
import type { OperatorCommand } from './types.ts';

const cmd = (type: OperatorCommand['type'], actor: string, extra: { target?: string; changeRequest?: string } = {}): OperatorCommand =>
  ({ type, actor, reason: `${actor} says ${type.toLowerCase()}`, ...extra }) as OperatorCommand;

const phase = (r: FailoverRunner): string | undefined => r.status()[0]?.state;

/** Health at `seconds`: the owner in `owner` condition, jkt and tyo in theirs. */
function feed(h: RunnerHarness, clock: FakeClock, seconds: number, owner: 'ready' | 'down', jkt: 'ready' | 'lagging' = 'ready', tyo: 'ready' | 'lagging' = 'ready'): Promise<void> {
  const at = clock.at(seconds);
  h.runner.onHealth(healthReport(at, { [PRIMARY]: owner, [JKT]: jkt, [TYO]: tyo }));
  return h.runner.idle();
}

/** Registers the runner suite for `backend`, each test on a fresh database of `stores`. */
export function describeRunnerSuite(backend: string, stores: RunnerStoreHarness): void {
  describe(`failover runner (${backend})`, () => {
    it('detects, proposes after the dwell, blocks on a guardrail with evidence, and fails over on a second subject\'s approval', async () => {
      const clock = fakeClock(t(0));
      const h = await startRunner(await stores.fresh(), makePolicy({ mode: 'Guarded' }), clock);
      try {
        assert.deepEqual(h.calls[0], [{ 'cases/cases': { epoch: 1, moved: [] } }, [], {}], 'ownership is published at start');
        await feed(h, clock, 0, 'ready');
        assert.equal(phase(h.runner), 'Normal');
        await feed(h, clock, 1, 'down', 'lagging', 'lagging');
        assert.equal(phase(h.runner), 'Degraded');
        await feed(h, clock, 20, 'down', 'lagging', 'lagging');
        assert.equal(phase(h.runner), 'Degraded', 'the 30 s dwell has not elapsed');
        await feed(h, clock, 31, 'down', 'lagging', 'lagging');

        const pending = h.runner.status()[0];
        assert.equal(pending?.state, 'FailoverPending');
        assert.equal(pending?.pending[0]?.target, JKT);
        assert.equal(pending?.pending[0]?.approvalsRequired, 1);
        const lag = pending?.blocking.find((b) => b.check === 'maxReplicationLagSeconds');
        assert.deepEqual(lag && { cluster: lag.cluster, observed: lag.observed, threshold: lag.threshold }, { cluster: JKT, observed: 10, threshold: 5 });
        assert.deepEqual(h.runner.alerts().active.map((a) => a.alert).sort(), ['FailoverPendingApproval', 'GuardrailBlocking']);

        clock.at(32);
        const approved = await h.runner.command('cases', 'case-writes', cmd('Approve', 'bob', { changeRequest: 'CHG-7' }));
        assert.equal(approved.rejection, undefined);
        assert.equal(approved.status.state, 'FailoverPending', 'approved, but the lag guardrail still blocks');
        assert.deepEqual(approved.records.map((r) => r.action), ['Approve']);

        await feed(h, clock, 33, 'down', 'ready', 'lagging');
        await until('FailedOver', h.runner, () => phase(h.runner) === 'FailedOver');
        const done = h.runner.status()[0];
        assert.equal(done?.epoch, 2);
        assert.deepEqual(done?.owner, { [PRIMARY]: JKT });
        assert.deepEqual(h.calls.at(-1), [{ 'cases/cases': { epoch: 2, moved: [{ from: PRIMARY, to: JKT }] } }, [], {}]);
        assert.deepEqual(h.runner.alerts().active, []);

        const records = await h.store.list({ target: 'cases/case-writes' });
        assert.deepEqual(records.map((r) => r.action), ['Detect', 'Propose', 'EvaluateGuardrails', 'Approve', 'MoveOwnership', 'DrainComplete']);
        const move = records.find((r) => r.action === 'MoveOwnership');
        assert.equal(move?.actor, 'system:lintas', 'the health evaluation that turned the guardrail green executed the approved move');
        assert.equal(records.find((r) => r.action === 'Approve')?.changeRequest, 'CHG-7');
        assert.deepEqual((move?.evidence as { ownership?: unknown }).ownership, {
          trafficPolicy: 'cases/cases',
          before: { epoch: 1, moved: [] },
          after: { epoch: 2, moved: [{ from: PRIMARY, to: JKT }] },
        });
        assert.deepEqual(await h.store.verify(), { ok: true, count: records.length });
      } finally {
        await h.close();
      }
    });

    it('refuses self-approval with an audit record, and accepts another subject', async () => {
      const clock = fakeClock(t(0));
      const h = await startRunner(await stores.fresh(), makePolicy({ mode: 'Manual' }), clock);
      try {
        await feed(h, clock, 0, 'ready');
        clock.at(5);
        const proposed = await h.runner.command('cases', 'case-writes', cmd('Propose', 'alice', { target: TYO }));
        assert.equal(proposed.status.state, 'FailoverPending');
        const self = await h.runner.command('cases', 'case-writes', cmd('Approve', 'alice'));
        assert.equal(self.rejection?.code, 'SelfApproval');
        assert.deepEqual(self.records.map((r) => [r.action, r.actor]), [['Refuse', 'alice']]);
        assert.equal(self.status.state, 'FailoverPending');
        const other = await h.runner.command('cases', 'case-writes', cmd('Approve', 'bob'));
        assert.equal(other.rejection, undefined);
        assert.deepEqual(other.status.owner, { [PRIMARY]: TYO });
        await assert.rejects(h.runner.command('cases', 'nope', cmd('Approve', 'bob')), (e: unknown) => e instanceof FailoverRunnerError && e.code === 'FAILOVER_NOT_FOUND');
      } finally {
        await h.close();
      }
    });

    it('two runners on one database never both move ownership: the loser re-applies against the winner\'s state', async () => {
      const clock = fakeClock(t(0));
      const db = await stores.fresh();
      const policy = makePolicy({ mode: 'Guarded' });
      const a = await startRunner(db, policy, clock);
      const b = await startRunner(db, policy, clock);
      try {
        for (const s of [0, 1, 31]) await feed(a, clock, s, s === 0 ? 'ready' : 'down');
        assert.equal(phase(a.runner), 'FailoverPending');
        assert.equal(phase(b.runner), 'Normal', 'b has not seen a\'s writes (no sync)');
        await b.runner.sync();
        assert.equal(phase(b.runner), 'FailoverPending', 'b picks up a\'s proposal from the store');

        clock.at(32);
        const [fromA, fromB] = await Promise.all([
          a.runner.command('cases', 'case-writes', cmd('Approve', 'bob')),
          b.runner.command('cases', 'case-writes', cmd('Approve', 'carol')),
        ]);
        const outcomes = [fromA.rejection?.code, fromB.rejection?.code].sort();
        assert.deepEqual(outcomes, ['InvalidInPhase', undefined], 'one approval moved ownership, the other was judged against FailingOver');
        const moves = (await a.store.list()).filter((r) => r.action === 'MoveOwnership');
        assert.equal(moves.length, 1);
        for (const h of [a, b]) assert.deepEqual(h.runner.status()[0]?.owner, { [PRIMARY]: JKT });
        await until('both FailedOver', a.runner, () => phase(a.runner) === 'FailedOver');
        await b.runner.sync();
        assert.equal(phase(b.runner), 'FailedOver');
        assert.deepEqual(b.runner.ownership(), { 'cases/cases': { epoch: 2, moved: [{ from: PRIMARY, to: JKT }] } });
        assert.equal((await a.store.verify()).ok, true);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('resumes from the store after a restart: a drain in progress completes, ownership is republished', async () => {
      const clock = fakeClock(t(0));
      const db = await stores.fresh();
      const policy = makePolicy({ mode: 'Guarded' });
      const first = await startRunner(db, policy, clock, 60_000);
      for (const s of [0, 1, 31]) await feed(first, clock, s, s === 0 ? 'ready' : 'down');
      clock.at(32);
      await first.runner.command('cases', 'case-writes', cmd('Approve', 'bob'));
      assert.equal(phase(first.runner), 'FailingOver');
      await first.runner.setDrained(TYO, true, { actor: 'alice', reason: 'maintenance' });
      await first.close();

      const second = await startRunner(db, policy, clock);
      try {
        assert.deepEqual(second.calls[0], [{ 'cases/cases': { epoch: 2, moved: [{ from: PRIMARY, to: JKT }] } }, [TYO], {}], 'resumed ownership and drains are published at start');
        await until('the resumed drain completes', second.runner, () => phase(second.runner) === 'FailedOver');
        const actions = (await second.store.list()).map((r) => r.action);
        assert.deepEqual(actions.slice(-3), ['MoveOwnership', 'Drain', 'DrainComplete']);
        assert.equal((await second.store.verify()).ok, true);
      } finally {
        await second.close();
      }
    });

    it('drains and undrains a cluster as audited changes', async () => {
      const clock = fakeClock(t(0));
      const h = await startRunner(await stores.fresh(), makePolicy(), clock);
      try {
        const drained = await h.runner.setDrained(TYO, true, { actor: 'alice', reason: 'kernel upgrade', changeRequest: 'CHG-9' });
        assert.deepEqual(drained.drained, [TYO]);
        assert.equal(drained.record.target, `cluster/${TYO}`);
        assert.deepEqual(h.calls.at(-1)?.[1], [TYO]);
        await assert.rejects(h.runner.setDrained(TYO, true, { actor: 'alice', reason: 'again' }), (e: unknown) => e instanceof FailoverRunnerError && e.code === 'FAILOVER_UNCHANGED');
        const undrained = await h.runner.setDrained(TYO, false, { actor: 'alice', reason: 'done' });
        assert.deepEqual(undrained.drained, []);
        assert.deepEqual(h.calls.at(-1)?.[1], []);
        const records = await h.store.list({ target: `cluster/${TYO}` });
        assert.deepEqual(records.map((r) => [r.action, r.before, r.after]), [
          ['Drain', { drained: [] }, { drained: [TYO] }],
          ['Undrain', { drained: [TYO] }, { drained: [] }],
        ]);
      } finally {
        await h.close();
      }
    });

    describeWeightSuite(stores);
  });
}
