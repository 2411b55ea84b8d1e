import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { microTime, planLease, type LeaseObject } from './kube-lease.ts';

const lease = (spec: LeaseObject['spec'], resourceVersion = '7'): LeaseObject => ({ metadata: { name: 'lintas-control-plane', namespace: 'lintas-system', resourceVersion }, ...(spec !== undefined ? { spec } : {}) });
const T0 = Date.parse('2026-12-07T10:00:00Z');

describe('planLease (client-go leader election, decided by the local clock)', () => {
  it('creates a missing Lease with this replica as holder and no transitions', () => {
    const { step } = planLease({ current: undefined, observed: undefined, holder: 'a', now: T0, durationSeconds: 15 });
    assert.deepEqual(step, { kind: 'create', spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-12-07T10:00:00.000000Z', renewTime: '2026-12-07T10:00:00.000000Z', leaseTransitions: 0 } });
  });

  it('a Lease held by another is expired only once its record stayed unchanged for its duration by OUR clock, whatever its renewTime says', () => {
    // The holder's clock runs an hour behind: its renewTime looks long expired, yet it renews.
    const held = lease({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0 - 3_600_000), leaseTransitions: 3 });
    const first = planLease({ current: held, observed: undefined, holder: 'a', now: T0, durationSeconds: 15 });
    assert.deepEqual(first.step, { kind: 'held', holder: 'b', expiresAt: T0 + 15_000 });
    const later = planLease({ current: held, observed: first.observed, holder: 'a', now: T0 + 14_999, durationSeconds: 15 });
    assert.equal(later.step.kind, 'held');
    // A renewal (a changed record) restarts the wait.
    const renewed = lease({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0 - 3_590_000), leaseTransitions: 3 }, '8');
    const afterRenew = planLease({ current: renewed, observed: later.observed, holder: 'a', now: T0 + 14_999, durationSeconds: 15 });
    assert.deepEqual(afterRenew.step, { kind: 'held', holder: 'b', expiresAt: T0 + 14_999 + 15_000 });
    // Unchanged for the whole duration: taken, with the resourceVersion read and one more transition.
    const taken = planLease({ current: renewed, observed: afterRenew.observed, holder: 'a', now: T0 + 30_000, durationSeconds: 15 });
    assert.deepEqual(taken.step, { kind: 'update', resourceVersion: '8', spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0 + 30_000), renewTime: microTime(T0 + 30_000), leaseTransitions: 4 } });
  });

  it('judges expiry by the monotonic clock and stamps the wall clock into the Lease', () => {
    const held = lease({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(T0) });
    const first = planLease({ current: held, observed: undefined, holder: 'a', now: 1_000, wallNow: T0, durationSeconds: 15 });
    assert.deepEqual(first.step, { kind: 'held', holder: 'b', expiresAt: 16_000 });
    const taken = planLease({ current: held, observed: first.observed, holder: 'a', now: 16_000, wallNow: T0 + 15_000, durationSeconds: 15 });
    assert.equal(taken.step.kind === 'update' ? taken.step.spec.renewTime : undefined, '2026-12-07T10:00:15.000000Z');
  });

  it('renews its own Lease keeping acquireTime and transitions; takes a released (empty holder) Lease at once', () => {
    const own = lease({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 2 });
    const renew = planLease({ current: own, observed: undefined, holder: 'a', now: T0 + 2_000, durationSeconds: 15 });
    assert.deepEqual(renew.step, { kind: 'update', resourceVersion: '7', spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0 + 2_000), leaseTransitions: 2 } });
    const released = lease({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 2 });
    const take = planLease({ current: released, observed: undefined, holder: 'b', now: T0, durationSeconds: 15 });
    assert.equal(take.step.kind, 'update');
    assert.equal(take.step.kind === 'update' ? take.step.spec.leaseTransitions : -1, 3);
  });
});
