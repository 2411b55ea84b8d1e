import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditRecord } from '../../store/index.ts';
import { failoverEventName, failoverEvents, FailoverEventReason, transitionReason } from './kube-events.ts';
import { initialFailoverState } from './reducer.ts';
import { auditDrafts, domainOwnership } from './runner-view.ts';
import { drained, JKT, makePolicy, pathTo, PRIMARY, ready, run, t, TYO } from './test-support.ts';
import { FAILOVER_PHASES } from './types.ts';

/** The audit records the runner would store for a whole failover and failback, as `auditDrafts` shapes them. */
function auditedFailoverAndFailback(): AuditRecord[] {
  const policy = makePolicy({ mode: 'Manual' });
  const { events } = pathTo('FailingBack', 'Manual');
  const all = [...events, drained(JKT, 2, 642), ready(PRIMARY, 643)];
  const r = run(policy, initialFailoverState(PRIMARY, t(0)), all);
  let before = initialFailoverState(PRIMARY, t(0));
  const records: AuditRecord[] = [];
  for (const result of r.results) {
    const audits = result.effects.flatMap((e) => (e.type === 'Audit' ? [e.record] : []));
    for (const draft of auditDrafts({ policy, before, records: audits, ownershipBefore: domainOwnership([before]), ownershipAfter: domainOwnership([result.state]) })) {
      const seq = records.length + 1;
      records.push({ ...draft, seq, id: `a-${String(seq)}`, time: draft.time ?? t(0), prevHash: '', hash: '' });
    }
    before = result.state;
  }
  return records;
}

describe('failover Events from audit records', () => {
  it('a failover and failback become one Event per phase change, in the affected clusters, regarding the FailoverPolicy', () => {
    const events = failoverEvents(auditedFailoverAndFailback());
    assert.deepEqual(
      events.map((e) => `${e.type}/${e.reason} in ${e.clusters.join(',')}`),
      [
        `Warning/FailoverDegraded in ${PRIMARY}`,
        `Warning/FailoverProposed in ${[JKT, PRIMARY].sort().join(',')}`,
        `Warning/FailoverStarted in ${[JKT, PRIMARY].sort().join(',')}`,
        `Warning/FailedOver in ${[JKT, PRIMARY].sort().join(',')}`,
        `Normal/FailbackProposed in ${[JKT, PRIMARY].sort().join(',')}`,
        `Normal/FailbackStarted in ${[JKT, PRIMARY].sort().join(',')}`,
        // The owner moved back at FailbackStarted: completing the drain concerns the primary only.
        `Normal/FailbackCompleted in ${PRIMARY}`,
      ],
    );
    for (const e of events) {
      assert.equal(e.namespace, 'cases');
      assert.equal(e.policy, 'case-writes');
      assert.match(e.name, /^case-writes\.[0-9a-f]{16}$/);
    }
    assert.ok(!events.some((e) => e.clusters.includes(TYO)), 'tyo was never a target nor an owner');
    assert.match(events[2]?.message ?? '', /^FailoverPending → FailingOver for primary sgp-prod-1: owner jkt-prod-1, epoch 1, target jkt-prod-1 \(alice: /);
    assert.equal(new Set(events.map((e) => e.name)).size, events.length, 'distinct transitions are distinct Events');
  });

  it('the same transition at the same epoch has the same name (one series); another epoch another', () => {
    assert.equal(failoverEventName('p', 'c', 'FailoverProposed', 1), failoverEventName('p', 'c', 'FailoverProposed', 1));
    assert.notEqual(failoverEventName('p', 'c', 'FailoverProposed', 1), failoverEventName('p', 'c', 'FailoverProposed', 2));
  });

  it('records that are not phase changes (health bookkeeping, drains, weights, malformed) give none', () => {
    const base = { seq: 1, id: 'a-1', time: t(0), actor: 'system:lintas', prevHash: '', hash: '' };
    assert.deepEqual(
      failoverEvents([
        { ...base, action: 'EvaluateGuardrails', target: 'cases/p', before: { phase: 'FailoverPending', owner: PRIMARY, epoch: 1 }, after: { phase: 'FailoverPending', owner: PRIMARY, epoch: 1 } },
        { ...base, action: 'drain', target: PRIMARY, before: { drained: [] }, after: { drained: [PRIMARY] } },
        { ...base, action: 'Detect', target: 'no-namespace', before: { phase: 'Normal', owner: PRIMARY }, after: { phase: 'Degraded', owner: PRIMARY } },
        { ...base, action: 'Detect', target: 'cases/p', before: { phase: 'Bogus' }, after: { phase: 'Degraded' } },
      ]),
      [],
    );
  });

  it('every phase change has a decided reason (exhaustive)', () => {
    for (const before of FAILOVER_PHASES) for (const after of FAILOVER_PHASES) if (before !== after) assert.doesNotThrow(() => transitionReason(before, after));
    assert.equal(transitionReason('FailoverPending', 'Normal'), FailoverEventReason.Withdrawn);
    assert.equal(transitionReason('Degraded', 'Normal'), FailoverEventReason.Recovered);
  });
});
