/**
 * What the gateway is told about a domain's failover (issue 14 item 9): the moves it routes by,
 * and the owners whose failover is under way without a move, for the access log's
 * `failover_mode` (normal, degraded, failover). Real reducer steps, fixed times.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialFailoverState } from './reducer.ts';
import { domainOwnership, ownershipByTrafficPolicy } from './runner-view.ts';
import { command, down, JKT, makePolicy, PRIMARY, ready, run, t, TYO } from './test-support.ts';

describe('ownershipByTrafficPolicy', () => {
  const policy = makePolicy({ unhealthyFor: '30s' });
  const view = (state: ReturnType<typeof initialFailoverState>) => ownershipByTrafficPolicy([{ policy, primary: PRIMARY, state }]);

  it('lists the owner as degraded while its failover is under way, and as moved once it failed over', () => {
    const normal = initialFailoverState(PRIMARY, t(0));
    assert.deepEqual(view(normal), { 'cases/cases': { epoch: 1, moved: [] } });

    const degraded = run(policy, normal, [ready(JKT, 0), ready(TYO, 0), down(PRIMARY, 1)]).state;
    assert.equal(degraded.phase, 'Degraded');
    assert.deepEqual(view(degraded), { 'cases/cases': { epoch: 1, moved: [], degraded: [PRIMARY] } });
    // Audit evidence keeps to what routing changes on: moves and the epoch.
    assert.deepEqual(domainOwnership([degraded]), { epoch: 1, moved: [] });

    const pending = run(policy, degraded, [ready(JKT, 40), ready(TYO, 40), down(PRIMARY, 40)]).state;
    assert.equal(pending.phase, 'FailoverPending');
    assert.deepEqual(view(pending)['cases/cases']?.degraded, [PRIMARY]);

    const moved = run(policy, pending, [command('Approve', 'bob', 41)]).state;
    assert.equal(moved.owner, JKT);
    assert.deepEqual(view(moved), { 'cases/cases': { epoch: 2, moved: [{ from: PRIMARY, to: JKT }] } });
  });
});
