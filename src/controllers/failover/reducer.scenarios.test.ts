/**
 * Scenario tests of the failover reducer: whole stories through `step`, asserting
 * what the "done when" and seed 000 §20 promise (no flapping failover,
 * approvals by someone else, guardrails that block with evidence, fencing epochs).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialFailoverState, nextDeadline, step } from './reducer.ts';
import { command, down, drained, JKT, lagging, makePolicy, PRIMARY, ready, run, summarize, t, tick, TYO, type Timed } from './test-support.ts';
import { SYSTEM_ACTOR, type AuditRecord, type FailoverEffect, type FailoverState } from './types.ts';

const start = (): FailoverState => initialFailoverState(PRIMARY, t(0));
const audits = (effects: readonly FailoverEffect[]): AuditRecord[] => effects.flatMap((e) => (e.type === 'Audit' ? [e.record] : []));
const moves = (effects: readonly FailoverEffect[]) => effects.flatMap((e) => (e.type === 'MoveOwnership' ? [e] : []));
const greenTargets = (at: number): Timed[] => [ready(JKT, at), ready(TYO, at)];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('failover scenarios', () => {
  it('a flapping region never fails over (hysteresis), in Automatic and Guarded mode', () => {
    for (const mode of ['Automatic', 'Guarded'] as const) {
      const events: Timed[] = [];
      // Ten minutes of health every 5 s: 25 s down, 5 s up, so never 30 s down in a row.
      for (let at = 0; at <= 595; at += 5) {
        events.push(...greenTargets(at), at % 30 < 25 ? down(PRIMARY, at) : ready(PRIMARY, at), tick(at));
      }
      const r = run(makePolicy({ mode }), start(), events);
      const actions = audits(r.effects).map((a) => a.action);
      assert.ok(actions.filter((a) => a === 'Detect').length >= 19, `${mode}: every outage is detected`);
      assert.equal(actions.filter((a) => a === 'Detect').length, actions.filter((a) => a === 'Recover').length);
      assert.ok(!actions.includes('Propose'), `${mode}: no failover is ever proposed`);
      assert.deepEqual(moves(r.effects), []);
      assert.equal(r.state.epoch, 0);
      assert.equal(r.state.owner, PRIMARY);
    }
  });

  it('the same outage held past the dwell is proposed exactly once', () => {
    const events: Timed[] = [...greenTargets(0), ready(PRIMARY, 0)];
    for (let at = 1; at <= 60; at += 1) events.push(down(PRIMARY, at));
    const r = run(makePolicy(), start(), events);
    assert.equal(audits(r.effects).filter((a) => a.action === 'Propose').length, 1);
    const proposal = audits(r.effects).find((a) => a.action === 'Propose');
    assert.equal(proposal?.at, t(31), 'proposed when the 30 s dwell elapsed');
    assert.equal(proposal?.actor, SYSTEM_ACTOR);
  });

  it('Guarded needs an approval by someone other than the proposer, and the approval executes', () => {
    const policy = makePolicy({ mode: 'Guarded' });
    const r = run(policy, start(), [ready(PRIMARY, 0), ...greenTargets(0), command('Propose', 'bob', 5, { changeRequest: 'CHG-42' })]);
    assert.equal(r.state.phase, 'FailoverPending');

    const self = step(r.state, command('Approve', 'bob', 6).event, policy, t(6));
    assert.equal(self.rejection?.code, 'SelfApproval');
    assert.match(self.rejection?.message ?? '', /bob proposed this failover and cannot approve it/);
    assert.equal(self.state.phase, 'FailoverPending');
    const refused = audits(self.effects)[0];
    assert.equal(refused?.action, 'Refuse');
    assert.equal(refused?.actor, 'bob');
    assert.equal(refused?.refusal?.code, 'SelfApproval');

    const other = step(self.state, command('Approve', 'alice', 7, { changeRequest: 'CHG-42' }).event, policy, t(7));
    assert.equal(other.state.phase, 'FailingOver');
    const move = audits(other.effects).find((a) => a.action === 'MoveOwnership');
    assert.equal(move?.actor, 'alice', 'the approval that completed the quorum executed the move');
    assert.equal(move?.changeRequest, 'CHG-42');
    assert.equal(move?.guardrails?.pass, true);
    assert.deepEqual(moves(other.effects), [{ type: 'MoveOwnership', from: PRIMARY, to: JKT, epoch: 1 }]);
    assert.deepEqual(other.state.phase === 'FailingOver' && other.state.proposal.approvals.map((a) => a.by), ['alice']);
  });

  it('without distinctFromProposer the proposer may approve; duplicates never count twice', () => {
    const lax = makePolicy({ mode: 'Manual', distinct: false, required: 2 });
    const r = run(lax, start(), [ready(PRIMARY, 0), ...greenTargets(0), command('Propose', 'bob', 5), command('Approve', 'bob', 6)]);
    assert.deepEqual(r.results.map((x) => x.rejection?.code), [undefined, undefined, undefined, undefined, undefined]);
    const twice = step(r.state, command('Approve', 'bob', 7).event, lax, t(7));
    assert.equal(twice.rejection?.code, 'DuplicateApproval');
    assert.equal(twice.state.phase, 'FailoverPending');
    const second = step(twice.state, command('Approve', 'carol', 8).event, lax, t(8));
    assert.equal(second.state.phase, 'FailingOver');
  });

  it('a failing guardrail blocks execution with its evidence, and the move happens once it is green', () => {
    const policy = makePolicy({ mode: 'Guarded' });
    const pending = run(policy, start(), [ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1), tick(31)]);
    assert.equal(pending.state.phase === 'FailoverPending' && pending.state.proposal.target, JKT);

    const blocked = run(policy, pending.state, [lagging(JKT, 32), command('Approve', 'alice', 33)]);
    assert.equal(blocked.state.phase, 'FailoverPending', 'approved, but the lag guardrail holds the move');
    assert.equal(blocked.results[1]?.rejection, undefined, 'the approval itself is accepted');
    const evaluation = audits(blocked.effects).find((a) => a.action === 'EvaluateGuardrails');
    const lag = evaluation?.guardrails?.checks.find((c) => c.check === 'maxReplicationLagSeconds');
    assert.deepEqual(lag && { observed: lag.observed, threshold: lag.threshold, pass: lag.pass }, { observed: 10, threshold: 5, pass: false });
    assert.ok(blocked.effects.some((e) => e.type === 'Alert' && e.alert === 'GuardrailBlocking' && e.cluster === JKT));
    assert.equal(blocked.state.guardrails?.pass, false, 'the last evaluation is kept for status');

    const execute = step(blocked.state, command('Execute', 'alice', 34).event, policy, t(34));
    assert.equal(execute.rejection?.code, 'GuardrailsBlocked');
    assert.match(execute.rejection?.message ?? '', /maxReplicationLagSeconds: replication lag of jkt-prod-1 is 10s, above the maximum 5s/);
    assert.equal(execute.rejection?.guardrails?.pass, false);

    // The destination catches up: the already-approved proposal executes on the health evaluation.
    const caughtUp = step(execute.state, ready(JKT, 40).event, policy, t(40));
    assert.equal(caughtUp.state.phase, 'FailingOver');
    const move = audits(caughtUp.effects).find((a) => a.action === 'MoveOwnership');
    assert.equal(move?.actor, SYSTEM_ACTOR);
    assert.equal(move?.guardrails?.pass, true);
    assert.equal(caughtUp.state.epoch, 1);
  });

  it('Automatic with every guardrail green fails over in one step, then drains', () => {
    const policy = makePolicy({ mode: 'Automatic' });
    const degraded = run(policy, start(), [ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1)]);
    const scheduled = degraded.effects.find((e) => e.type === 'ScheduleTick');
    assert.deepEqual(scheduled, { type: 'ScheduleTick', at: t(31) }, 'the runner is asked to wake up when the dwell ends');
    assert.equal(nextDeadline(degraded.state, policy), t(31));

    const r = step(degraded.state, tick(31).event, policy, t(31));
    assert.equal(r.state.phase, 'FailingOver');
    assert.deepEqual(summarize(r.effects), ['Audit:Propose', 'Audit:MoveOwnership', 'MoveOwnership', 'DrainMutations', 'ScheduleTick']);
    assert.deepEqual(r.effects.slice(2), [
      { type: 'MoveOwnership', from: PRIMARY, to: JKT, epoch: 1 },
      { type: 'DrainMutations', cluster: PRIMARY, epoch: 1, deadline: t(61) },
      { type: 'ScheduleTick', at: t(61) },
    ]);
    assert.deepEqual(audits(r.effects).map((a) => [a.phaseBefore, a.phaseAfter]), [
      ['Degraded', 'FailoverPending'],
      ['FailoverPending', 'FailingOver'],
    ]);
    const done = step(r.state, drained(PRIMARY, 1, 35).event, policy, t(35));
    assert.equal(done.state.phase, 'FailedOver');
    assert.equal(done.state.owner, JKT);
  });

  it('failback needs the primary stable for stableFor; a relapse restarts the window', () => {
    const policy = makePolicy({ mode: 'Guarded' });
    const failedOver = run(policy, start(), [ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1), tick(31), command('Approve', 'alice', 32), drained(PRIMARY, 1, 33)]);
    assert.equal(failedOver.state.phase, 'FailedOver');
    const r = run(policy, failedOver.state, [ready(PRIMARY, 40), down(PRIMARY, 300), ready(PRIMARY, 310), ready(PRIMARY, 640), command('Failback', 'bob', 640)]);
    assert.equal(r.results[4]?.rejection?.code, 'NotStable');
    assert.match(r.results[4]?.rejection?.message ?? '', /ready for 5m30s; failback needs 10m/);
    const later = run(policy, r.state, [ready(PRIMARY, 910), command('Failback', 'bob', 910), command('Approve', 'alice', 911), drained(JKT, 2, 912)]);
    assert.deepEqual(later.results.map((x) => x.rejection?.code), [undefined, undefined, undefined, undefined]);
    assert.equal(later.state.phase, 'Normal');
    assert.equal(later.state.owner, PRIMARY);
  });

  it('failback mode Guarded proposes on its own when the stability window ends', () => {
    const policy = makePolicy({ mode: 'Guarded', failbackMode: 'Guarded' });
    const failedOver = run(policy, start(), [ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1), tick(31), command('Approve', 'alice', 32), drained(PRIMARY, 1, 33)]);
    const recovering = run(policy, failedOver.state, [ready(PRIMARY, 40)]);
    assert.deepEqual(recovering.effects, [{ type: 'ScheduleTick', at: t(640) }]);
    // The primary keeps reporting healthy; the tick at the deadline opens the failback proposal.
    const r = run(policy, recovering.state, [ready(PRIMARY, 630), tick(640)]);
    assert.equal(r.state.phase, 'FailbackPending');
    const proposal = audits(r.effects).find((a) => a.action === 'Propose');
    assert.equal(proposal?.actor, SYSTEM_ACTOR);
    assert.equal(proposal?.target, PRIMARY);
  });

  it('the epoch is monotonic across failover, failback and a second failover', () => {
    const policy = makePolicy({ mode: 'Guarded' });
    const r = run(policy, start(), [
      ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1), tick(31), command('Approve', 'alice', 32), drained(PRIMARY, 1, 33),
      ready(PRIMARY, 40), ready(PRIMARY, 640), command('Failback', 'bob', 640), command('Approve', 'alice', 641), drained(JKT, 2, 642),
      ...greenTargets(700), down(PRIMARY, 701), tick(731), command('Approve', 'carol', 732), tick(762),
    ]);
    assert.deepEqual(moves(r.effects).map((m) => [m.from, m.to, m.epoch]), [
      [PRIMARY, JKT, 1],
      [JKT, PRIMARY, 2],
      [PRIMARY, JKT, 3],
    ]);
    assert.equal(r.state.epoch, 3);
    assert.equal(r.state.phase, 'FailedOver');
    const epochs = r.results.map((x) => x.state.epoch);
    assert.ok(epochs.every((e, i) => i === 0 || e >= (epochs[i - 1] ?? 0)), 'epochs never go down');
    const revisions = r.results.map((x) => x.state.revision);
    assert.ok(revisions.every((v, i) => i === 0 || v >= (revisions[i - 1] ?? 0)), 'revisions never go down');
    const recorded = audits(r.effects).map((a) => a.epoch);
    assert.ok(recorded.every((e, i) => i === 0 || e >= (recorded[i - 1] ?? 0)), 'audit records carry non-decreasing epochs');
  });

  it('refuses invalid commands with a reason and an audit record, never silently', () => {
    const policy = makePolicy();
    const failingOver = run(policy, start(), [ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1), tick(31), command('Approve', 'alice', 32)]).state;
    const abort = step(failingOver, command('Abort', 'alice', 33).event, policy, t(33));
    assert.equal(abort.rejection?.code, 'InvalidInPhase');
    assert.match(abort.rejection?.message ?? '', /cannot abort in phase FailingOver: ownership already moved to jkt-prod-1 at epoch 1/);
    assert.deepEqual(abort.state, failingOver);
    assert.deepEqual(audits(abort.effects).map((a) => [a.action, a.command, a.refusal?.code]), [['Refuse', 'Abort', 'InvalidInPhase']]);

    const impostor = step(failingOver, { type: 'Approve', actor: SYSTEM_ACTOR, reason: 'me' }, policy, t(33));
    assert.equal(impostor.rejection?.code, 'InvalidCommand');
    const silent = step(failingOver, { type: 'Approve', actor: 'alice', reason: '  ' }, policy, t(33));
    assert.equal(silent.rejection?.code, 'InvalidCommand');
    assert.match(silent.rejection?.message ?? '', /needs a reason/);
  });

  it('ignores health of clusters outside the domain and out-of-order evaluations', () => {
    const policy = makePolicy();
    const s = run(policy, start(), [ready(PRIMARY, 10)]).state;
    assert.deepEqual(step(s, ready('osa-prod-1', 11).event, policy, t(11)).state, s);
    const late = step(s, down(PRIMARY, 5).event, policy, t(12));
    assert.deepEqual(late.state, s, 'an evaluation older than the last one changes nothing');
    assert.deepEqual(late.effects, []);
  });

  it('is pure: frozen inputs, identical results for identical inputs', () => {
    const policy = deepFreeze(makePolicy({ mode: 'Automatic' }));
    const events: Timed[] = [ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1), tick(31), drained(PRIMARY, 1, 32)];
    let state = deepFreeze(start());
    for (const e of events) {
      const a = step(state, e.event, policy, t(e.at));
      const b = step(state, e.event, policy, t(e.at));
      assert.deepEqual(a, b);
      state = deepFreeze(a.state);
    }
    assert.equal(state.phase, 'FailedOver');
  });

  it('an operator abort while degraded stops Lintas from proposing until the primary has recovered', () => {
    const policy = makePolicy({ mode: 'Automatic' });
    const r = run(policy, start(), [ready(PRIMARY, 0), ...greenTargets(0), down(PRIMARY, 1), command('Abort', 'alice', 2), ...greenTargets(50), tick(100)]);
    assert.equal(r.state.phase, 'Aborted');
    assert.equal(r.state.epoch, 0);
    const resumed = run(policy, r.state, [ready(PRIMARY, 110), tick(140)]);
    assert.equal(resumed.state.phase, 'Normal');
    assert.deepEqual(audits(resumed.effects).map((a) => a.action), ['Resume']);
  });
});
