/**
 * The transition table of the failover reducer: every phase × every event type, with the
 * mode-dependent rows spelled out. Each row starts from a state reached through the reducer
 * itself (see `pathTo` in test-support.ts: all healthy at 0 s, sgp-prod-1 down at 1 s, …),
 * applies optional `given` events, then the event under test, and checks the phase, the
 * effects (in order) and the rejection code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FailoverMode } from '../../api/index.ts';
import { step } from './reducer.ts';
import { command, describeTimed, down, drained, JKT, lagging, makePolicy, PRIMARY, reach, ready, run, summarize, t, tick, TYO, type PolicyOptions, type Timed } from './test-support.ts';
import { EVENT_TYPES, FAILOVER_PHASES, type FailoverPhase, type FailoverState, type RejectionCode } from './types.ts';

interface Row {
  readonly from: FailoverPhase;
  readonly mode: FailoverMode;
  readonly policy?: PolicyOptions;
  readonly given?: readonly Timed[];
  readonly event: Timed;
  readonly to: FailoverPhase;
  readonly effects: readonly string[];
  readonly rejection?: RejectionCode;
  readonly check?: (s: FailoverState) => void;
}

const G = 'Guarded';
const M = 'Manual';
const A = 'Automatic';
const REFUSE = ['Audit:Refuse'];
const PROPOSED = ['Audit:Propose', 'Alert:FailoverPendingApproval', 'Audit:EvaluateGuardrails'];
const PROPOSED_BLOCKED = ['Audit:Propose', 'Audit:EvaluateGuardrails', 'Alert:GuardrailBlocking'];
const MOVE = ['Audit:MoveOwnership', 'MoveOwnership', 'DrainMutations', 'ScheduleTick'];
const COMMANDS = ['Propose', 'Approve', 'Reject', 'Execute', 'Abort', 'Failback'] as const;

/** Rows refusing each listed command with InvalidInPhase. */
function refusedCommands(from: FailoverPhase, at: number, commands: readonly (typeof COMMANDS)[number][], mode: FailoverMode = G): Row[] {
  return commands.map((c) => ({ from, mode, event: command(c, 'alice', at), to: from, effects: REFUSE, rejection: 'InvalidInPhase' }));
}

const ownerIs = (cluster: string, epoch: number) => (s: FailoverState) => {
  assert.equal(s.owner, cluster);
  assert.equal(s.epoch, epoch);
};

const ROWS: readonly Row[] = [
  // Normal: the primary owns the domain.
  { from: 'Normal', mode: G, event: down(PRIMARY, 1), to: 'Degraded', effects: ['Audit:Detect', 'ScheduleTick'] },
  { from: 'Normal', mode: G, event: ready(PRIMARY, 1), to: 'Normal', effects: [] },
  { from: 'Normal', mode: G, event: ready(JKT, 1), to: 'Normal', effects: [] },
  { from: 'Normal', mode: G, event: tick(100), to: 'Normal', effects: [] },
  { from: 'Normal', mode: G, event: drained(PRIMARY, 1, 1), to: 'Normal', effects: [], rejection: 'StaleDrain' },
  { from: 'Normal', mode: G, event: command('Propose', 'bob', 1), to: 'FailoverPending', effects: PROPOSED, check: (s) => assert.equal(s.phase === 'FailoverPending' && s.proposal.target, JKT) },
  { from: 'Normal', mode: G, event: command('Propose', 'bob', 1, { target: TYO }), to: 'FailoverPending', effects: PROPOSED, check: (s) => assert.equal(s.phase === 'FailoverPending' && s.proposal.target, TYO) },
  { from: 'Normal', mode: G, event: command('Propose', 'bob', 1, { target: 'osa-prod-1' }), to: 'Normal', effects: REFUSE, rejection: 'UnknownTarget' },
  { from: 'Normal', mode: A, event: command('Propose', 'bob', 1), to: 'FailoverPending', effects: PROPOSED_BLOCKED },
  { from: 'Normal', mode: A, given: [ready(JKT, 1)], event: command('Propose', 'bob', 1), to: 'FailingOver', effects: ['Audit:Propose', ...MOVE], check: ownerIs(JKT, 1) },
  ...refusedCommands('Normal', 1, ['Approve', 'Reject', 'Execute', 'Abort', 'Failback']),

  // Degraded: the dwell is running.
  { from: 'Degraded', mode: G, event: ready(PRIMARY, 2), to: 'Normal', effects: ['Audit:Recover'] },
  { from: 'Degraded', mode: G, event: down(PRIMARY, 2), to: 'Degraded', effects: [] },
  { from: 'Degraded', mode: G, event: ready(JKT, 2), to: 'Degraded', effects: [] },
  { from: 'Degraded', mode: G, event: tick(30), to: 'Degraded', effects: [] },
  { from: 'Degraded', mode: G, event: tick(31), to: 'FailoverPending', effects: PROPOSED },
  { from: 'Degraded', mode: G, event: down(PRIMARY, 31), to: 'FailoverPending', effects: PROPOSED },
  { from: 'Degraded', mode: A, event: tick(31), to: 'FailoverPending', effects: PROPOSED_BLOCKED },
  { from: 'Degraded', mode: A, given: [ready(JKT, 2)], event: tick(31), to: 'FailingOver', effects: ['Audit:Propose', ...MOVE], check: ownerIs(JKT, 1) },
  { from: 'Degraded', mode: A, given: [ready(TYO, 2)], event: tick(31), to: 'FailingOver', effects: ['Audit:Propose', ...MOVE], check: ownerIs(TYO, 1) },
  { from: 'Degraded', mode: M, event: tick(31), to: 'Degraded', effects: ['Audit:Escalate', 'Alert:OwnerUnhealthy'] },
  { from: 'Degraded', mode: M, given: [tick(31)], event: tick(90), to: 'Degraded', effects: [] },
  { from: 'Degraded', mode: M, event: command('Propose', 'bob', 2), to: 'FailoverPending', effects: PROPOSED },
  { from: 'Degraded', mode: G, event: drained(PRIMARY, 1, 2), to: 'Degraded', effects: [], rejection: 'StaleDrain' },
  { from: 'Degraded', mode: G, event: command('Abort', 'alice', 2), to: 'Aborted', effects: ['Audit:Abort'] },
  ...refusedCommands('Degraded', 2, ['Approve', 'Reject', 'Execute', 'Failback']),

  // FailoverPending, Guarded: Lintas proposed sgp-prod-1 → jkt-prod-1 at 31 s; all guardrails green.
  { from: 'FailoverPending', mode: G, event: command('Approve', 'alice', 32), to: 'FailingOver', effects: ['Audit:Approve', ...MOVE], check: ownerIs(JKT, 1) },
  { from: 'FailoverPending', mode: G, event: command('Reject', 'alice', 32), to: 'Aborted', effects: ['Audit:Reject'] },
  { from: 'FailoverPending', mode: G, event: command('Abort', 'alice', 32), to: 'Aborted', effects: ['Audit:Abort'] },
  { from: 'FailoverPending', mode: G, event: command('Execute', 'alice', 32), to: 'FailoverPending', effects: REFUSE, rejection: 'NotApproved' },
  { from: 'FailoverPending', mode: G, event: ready(PRIMARY, 32), to: 'FailoverPending', effects: ['ScheduleTick'] },
  { from: 'FailoverPending', mode: G, given: [ready(PRIMARY, 32)], event: tick(62), to: 'Normal', effects: ['Audit:Withdraw'] },
  { from: 'FailoverPending', mode: G, event: lagging(JKT, 32), to: 'FailoverPending', effects: ['Audit:EvaluateGuardrails', 'Alert:GuardrailBlocking'] },
  { from: 'FailoverPending', mode: G, event: tick(32), to: 'FailoverPending', effects: [] },
  // jkt-prod-1's last evaluation (0 s) is older than 60 s at 100 s: stale evidence blocks.
  { from: 'FailoverPending', mode: G, event: tick(100), to: 'FailoverPending', effects: ['Audit:EvaluateGuardrails', 'Alert:GuardrailBlocking'] },
  { from: 'FailoverPending', mode: G, event: drained(PRIMARY, 1, 32), to: 'FailoverPending', effects: [], rejection: 'StaleDrain' },
  ...refusedCommands('FailoverPending', 32, ['Propose', 'Failback']),
  // FailoverPending, Manual: bob proposed at 31 s.
  { from: 'FailoverPending', mode: M, event: command('Approve', 'bob', 32), to: 'FailoverPending', effects: REFUSE, rejection: 'SelfApproval' },
  { from: 'FailoverPending', mode: M, event: command('Approve', 'alice', 32), to: 'FailingOver', effects: ['Audit:Approve', ...MOVE] },
  { from: 'FailoverPending', mode: M, given: [ready(PRIMARY, 32), ready(JKT, 60)], event: tick(63), to: 'FailoverPending', effects: [] },
  // FailoverPending, Automatic: blocked because both destinations lag.
  { from: 'FailoverPending', mode: A, event: ready(JKT, 32), to: 'FailingOver', effects: MOVE, check: ownerIs(JKT, 1) },
  { from: 'FailoverPending', mode: A, event: ready(TYO, 32), to: 'FailingOver', effects: MOVE, check: ownerIs(TYO, 1) },
  { from: 'FailoverPending', mode: A, event: tick(32), to: 'FailoverPending', effects: [] },
  { from: 'FailoverPending', mode: A, event: command('Execute', 'alice', 32), to: 'FailoverPending', effects: REFUSE, rejection: 'GuardrailsBlocked' },
  { from: 'FailoverPending', mode: A, event: command('Approve', 'alice', 32), to: 'FailoverPending', effects: ['Audit:Approve'] },

  // FailingOver: epoch 1, jkt-prod-1 owns, sgp-prod-1 drains until 62 s.
  { from: 'FailingOver', mode: G, event: drained(PRIMARY, 1, 33), to: 'FailedOver', effects: ['Audit:DrainComplete'], check: ownerIs(JKT, 1) },
  { from: 'FailingOver', mode: G, event: drained(PRIMARY, 0, 33), to: 'FailingOver', effects: [], rejection: 'StaleDrain' },
  { from: 'FailingOver', mode: G, event: drained(JKT, 1, 33), to: 'FailingOver', effects: [], rejection: 'StaleDrain' },
  { from: 'FailingOver', mode: G, event: tick(61), to: 'FailingOver', effects: [] },
  { from: 'FailingOver', mode: G, event: tick(62), to: 'FailedOver', effects: ['Audit:DrainTimeout', 'Alert:DrainTimedOut'], check: ownerIs(JKT, 1) },
  { from: 'FailingOver', mode: G, event: ready(PRIMARY, 33), to: 'FailingOver', effects: [] },
  ...refusedCommands('FailingOver', 33, COMMANDS),

  // FailedOver: jkt-prod-1 owns at epoch 1; sgp-prod-1 has been down since 1 s.
  { from: 'FailedOver', mode: G, event: ready(PRIMARY, 40), to: 'FailedOver', effects: [] },
  { from: 'FailedOver', mode: G, policy: { failbackMode: 'Guarded' }, event: ready(PRIMARY, 40), to: 'FailedOver', effects: ['ScheduleTick'] },
  { from: 'FailedOver', mode: G, policy: { failbackMode: 'Guarded' }, given: [ready(PRIMARY, 40)], event: ready(PRIMARY, 639), to: 'FailedOver', effects: [] },
  { from: 'FailedOver', mode: G, policy: { failbackMode: 'Guarded' }, given: [ready(PRIMARY, 40)], event: ready(PRIMARY, 640), to: 'FailbackPending', effects: PROPOSED },
  { from: 'FailedOver', mode: G, policy: { failbackMode: 'Automatic' }, given: [ready(PRIMARY, 40)], event: ready(PRIMARY, 640), to: 'FailingBack', effects: ['Audit:Propose', ...MOVE], check: ownerIs(PRIMARY, 2) },
  { from: 'FailedOver', mode: G, event: command('Failback', 'bob', 34), to: 'FailedOver', effects: REFUSE, rejection: 'NotStable' },
  { from: 'FailedOver', mode: G, given: [ready(PRIMARY, 40)], event: command('Failback', 'bob', 100), to: 'FailedOver', effects: REFUSE, rejection: 'NotStable' },
  { from: 'FailedOver', mode: G, given: [ready(PRIMARY, 40), ready(PRIMARY, 640)], event: command('Failback', 'bob', 640), to: 'FailbackPending', effects: PROPOSED },
  { from: 'FailedOver', mode: G, event: down(JKT, 34), to: 'FailedOver', effects: ['Alert:OwnerUnhealthy'] },
  { from: 'FailedOver', mode: G, event: tick(34), to: 'FailedOver', effects: [] },
  { from: 'FailedOver', mode: G, event: drained(PRIMARY, 1, 34), to: 'FailedOver', effects: [], rejection: 'StaleDrain' },
  ...refusedCommands('FailedOver', 34, ['Propose', 'Approve', 'Reject', 'Execute', 'Abort']),

  // FailbackPending: bob proposed failback to sgp-prod-1 at 640 s.
  { from: 'FailbackPending', mode: G, event: command('Approve', 'alice', 641), to: 'FailingBack', effects: ['Audit:Approve', ...MOVE], check: ownerIs(PRIMARY, 2) },
  { from: 'FailbackPending', mode: G, event: command('Approve', 'bob', 641), to: 'FailbackPending', effects: REFUSE, rejection: 'SelfApproval' },
  { from: 'FailbackPending', mode: G, event: command('Reject', 'alice', 641), to: 'FailedOver', effects: ['Audit:Reject'], check: ownerIs(JKT, 1) },
  { from: 'FailbackPending', mode: G, event: command('Abort', 'alice', 641), to: 'FailedOver', effects: ['Audit:Abort'], check: ownerIs(JKT, 1) },
  { from: 'FailbackPending', mode: G, event: command('Execute', 'alice', 641), to: 'FailbackPending', effects: REFUSE, rejection: 'NotApproved' },
  { from: 'FailbackPending', mode: G, event: down(PRIMARY, 641), to: 'FailedOver', effects: ['Audit:Withdraw'] },
  { from: 'FailbackPending', mode: G, event: ready(JKT, 641), to: 'FailbackPending', effects: [] },
  { from: 'FailbackPending', mode: G, event: tick(641), to: 'FailbackPending', effects: [] },
  { from: 'FailbackPending', mode: G, event: drained(JKT, 1, 641), to: 'FailbackPending', effects: [], rejection: 'StaleDrain' },
  ...refusedCommands('FailbackPending', 641, ['Propose', 'Failback']),

  // FailingBack: epoch 2, sgp-prod-1 owns again, jkt-prod-1 drains until 671 s.
  { from: 'FailingBack', mode: G, event: drained(JKT, 2, 642), to: 'Normal', effects: ['Audit:DrainComplete'], check: ownerIs(PRIMARY, 2) },
  { from: 'FailingBack', mode: G, event: drained(JKT, 1, 642), to: 'FailingBack', effects: [], rejection: 'StaleDrain' },
  { from: 'FailingBack', mode: G, event: tick(671), to: 'Normal', effects: ['Audit:DrainTimeout', 'Alert:DrainTimedOut'], check: ownerIs(PRIMARY, 2) },
  { from: 'FailingBack', mode: G, event: tick(642), to: 'FailingBack', effects: [] },
  { from: 'FailingBack', mode: G, event: down(PRIMARY, 642), to: 'FailingBack', effects: [] },
  ...refusedCommands('FailingBack', 642, COMMANDS),

  // Aborted: alice rejected the failover at 32 s; sgp-prod-1 is still down and still owns.
  { from: 'Aborted', mode: G, event: ready(PRIMARY, 33), to: 'Aborted', effects: ['ScheduleTick'] },
  { from: 'Aborted', mode: G, given: [ready(PRIMARY, 33)], event: tick(63), to: 'Normal', effects: ['Audit:Resume'] },
  { from: 'Aborted', mode: G, given: [ready(PRIMARY, 33), down(PRIMARY, 40)], event: tick(63), to: 'Aborted', effects: [] },
  { from: 'Aborted', mode: G, event: down(PRIMARY, 33), to: 'Aborted', effects: [] },
  { from: 'Aborted', mode: G, event: tick(1000), to: 'Aborted', effects: [] },
  { from: 'Aborted', mode: G, event: command('Propose', 'bob', 33), to: 'FailoverPending', effects: PROPOSED },
  { from: 'Aborted', mode: A, event: command('Propose', 'bob', 33), to: 'FailoverPending', effects: PROPOSED_BLOCKED },
  { from: 'Aborted', mode: G, event: drained(PRIMARY, 1, 33), to: 'Aborted', effects: [], rejection: 'StaleDrain' },
  ...refusedCommands('Aborted', 33, ['Approve', 'Reject', 'Execute', 'Abort', 'Failback']),
];

describe('failover reducer transition table', () => {
  for (const row of ROWS) {
    const policyNote = row.policy ? ` ${JSON.stringify(row.policy)}` : '';
    const givenNote = row.given ? ` given [${row.given.map(describeTimed).join(', ')}]` : '';
    it(`${row.from} [${row.mode}${policyNote}]${givenNote} + ${describeTimed(row.event)} → ${row.to}${row.rejection ? ` (refused: ${row.rejection})` : ''}`, () => {
      const policy = makePolicy({ mode: row.mode, ...row.policy });
      const start = reach(row.from, row.mode, policy);
      const given = run(policy, start.state, row.given ?? []);
      const result = step(given.state, row.event.event, policy, t(row.event.at));
      assert.equal(result.state.phase, row.to);
      assert.deepEqual(summarize(result.effects), row.effects);
      assert.equal(result.rejection?.code, row.rejection);
      assert.ok(result.state.epoch >= given.state.epoch, 'the epoch never decreases');
      if (row.rejection !== undefined) {
        assert.ok(result.rejection?.message, 'a rejection says why');
        assert.equal(result.state.revision, given.state.revision, 'a refused event changes no revision');
      }
      row.check?.(result.state);
    });
  }

  it('covers every event type in every phase', () => {
    const missing: string[] = [];
    for (const phase of FAILOVER_PHASES) {
      for (const type of EVENT_TYPES) {
        if (!ROWS.some((r) => r.from === phase && r.event.event.type === type)) missing.push(`${phase} × ${type}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('covers the dwell expiry in every mode', () => {
    const modes = new Set(ROWS.filter((r) => r.from === 'Degraded' && r.event.event.type === 'Tick' && r.event.at >= 31).map((r) => r.mode));
    assert.deepEqual([...modes].sort(), [A, G, M]);
  });
});
