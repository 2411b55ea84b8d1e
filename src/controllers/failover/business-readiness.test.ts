/**
 * Business readiness (the health contract's synthetic transaction, seed 000 §12.1) is acted on:
 * a cluster whose transaction fails is not a failover target, and failback waits for it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { healthObservation, type ClusterHealth } from '../health/index.ts';
import { evaluateGuardrails } from './guardrails.ts';
import { initialFailoverState } from './reducer.ts';
import { failoverSettings } from './settings.ts';
import { command, drained, JKT, makePolicy, PRIMARY, ready, run, t, tick, TYO, type Timed } from './test-support.ts';
import type { HealthObservation } from './types.ts';

/** A cluster green on every layer but business, which says `business`. */
const withBusiness = (cluster: string, at: number, business: boolean): Timed => {
  const r = ready(cluster, at).event;
  if (r.type !== 'Health') throw new TypeError('ready() is a Health event');
  return { at, event: { type: 'Health', observation: { ...r.observation, businessReady: business } } };
};

describe('business readiness', () => {
  const settings = failoverSettings(makePolicy()).guardrails;
  const green: HealthObservation = { cluster: JKT, regionalReady: true, dependenciesReady: true, headroomFraction: 0.5, replicationLagSeconds: 1, at: t(0) };

  it('is a guardrail when the destination runs a synthetic transaction, and absent when it runs none', () => {
    const failing = evaluateGuardrails(JKT, { ...green, businessReady: false }, settings, t(1));
    assert.equal(failing.pass, false);
    assert.deepEqual(failing.checks.filter((c) => !c.pass), [
      { check: 'businessReady', observed: false, threshold: true, pass: false, message: 'business readiness (the synthetic transaction) of jkt-prod-1 is false (needs true)' },
    ]);
    assert.equal(evaluateGuardrails(JKT, { ...green, businessReady: true }, settings, t(1)).pass, true);
    const none = evaluateGuardrails(JKT, green, settings, t(1));
    assert.equal(none.pass, true);
    assert.deepEqual(none.checks.map((c) => c.check), ['observationFresh', 'secondaryRegionalReady', 'dependenciesReady', 'minHeadroomFraction', 'maxReplicationLagSeconds']);
  });

  it('comes from the contract\'s business layer, only when it has one', () => {
    const base: ClusterHealth = {
      cluster: JKT,
      ready: { ok: true, checks: [] },
      regional: { ok: true, checks: [] },
      failover: { ok: null, checks: [] },
      business: { ok: false, checks: [{ name: 'step 1 POST /cases', ok: false }] },
      evaluatedAt: t(0),
    };
    assert.equal(healthObservation(base).businessReady, false);
    assert.equal('businessReady' in healthObservation({ ...base, business: { ok: null, checks: [] } }), false);
  });

  it('Automatic: a destination whose synthetic transaction fails is skipped for the next green one', () => {
    const policy = makePolicy({ mode: 'Automatic' });
    const r = run(policy, initialFailoverState(PRIMARY, t(0)), [
      ready(PRIMARY, 0),
      withBusiness(JKT, 0, false),
      withBusiness(TYO, 0, true),
      { at: 1, event: { type: 'Health', observation: { cluster: PRIMARY, regionalReady: false, at: t(1) } } },
      withBusiness(JKT, 30, false),
      withBusiness(TYO, 30, true),
      tick(31),
    ]);
    assert.equal(r.state.phase, 'FailingOver');
    assert.equal(r.state.owner, TYO, 'jkt-prod-1 is preferred but cannot complete the critical transaction');
  });

  it('failback waits for the primary\'s business readiness, then moves', () => {
    const policy = makePolicy({ mode: 'Guarded' });
    const failedOver = run(policy, initialFailoverState(PRIMARY, t(0)), [
      ready(PRIMARY, 0),
      ready(JKT, 0),
      ready(TYO, 0),
      { at: 1, event: { type: 'Health', observation: { cluster: PRIMARY, regionalReady: false, at: t(1) } } },
      tick(31),
      command('Approve', 'alice', 32),
      drained(PRIMARY, 1, 33),
    ]);
    assert.equal(failedOver.state.phase, 'FailedOver');
    // Regionally ready for stableFor, but its synthetic transaction fails.
    const waiting = run(policy, failedOver.state, [withBusiness(PRIMARY, 40, false), withBusiness(PRIMARY, 640, false), command('Failback', 'bob', 640), command('Approve', 'alice', 641)]);
    assert.deepEqual(waiting.results.map((x) => x.rejection?.code), [undefined, undefined, undefined, undefined]);
    assert.equal(waiting.state.phase, 'FailbackPending');
    assert.equal(waiting.state.owner, JKT);
    assert.ok(waiting.effects.some((e) => e.type === 'Alert' && e.alert === 'GuardrailBlocking' && /business readiness/.test(e.message)));
    const back = run(policy, waiting.state, [withBusiness(PRIMARY, 650, true)]);
    assert.equal(back.state.phase, 'FailingBack');
    assert.equal(back.state.owner, PRIMARY);
  });
});
