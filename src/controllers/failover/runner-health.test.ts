/** Tests of turning a health-contract report into the reducer's observations of a policy's domain. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { observationsFor } from './runner-health.ts';
import { casesTrafficPolicy, clusterHealth, healthReport } from './runner-test-support.ts';
import { JKT, makePolicy, PRIMARY, t, TYO } from './test-support.ts';
import type { HealthReport } from '../health/index.ts';

describe('observationsFor', () => {
  const policy = makePolicy();

  it('reports destinations first, then the owner, with the health layers the guardrails read', () => {
    const obs = observationsFor(policy, healthReport(t(5), { [PRIMARY]: 'down', [JKT]: 'lagging', [TYO]: 'ready' }), [casesTrafficPolicy()]);
    assert.deepEqual(obs.map((o) => [o.cluster, o.regionalReady]), [[JKT, true], [TYO, true], [PRIMARY, false]]);
    assert.deepEqual(obs[0], { cluster: JKT, regionalReady: true, failoverReady: false, dependenciesReady: true, headroomFraction: 0.5, replicationLagSeconds: 10, at: t(5) });
  });

  it('reports a domain cluster that serves none of the services as not ready, and nothing without evidence', () => {
    const obs = observationsFor(policy, healthReport(t(5), { [JKT]: 'ready', [TYO]: 'ready' }), [casesTrafficPolicy()]);
    assert.deepEqual(obs.find((o) => o.cluster === PRIMARY), { cluster: PRIMARY, regionalReady: false, failoverReady: false, at: t(5) });
    const elsewhere: HealthReport = { generatedAt: t(5), services: [{ ...healthReport(t(5), { [PRIMARY]: 'ready' }).services[0]!, service: 'search/case-search-api' }] };
    assert.deepEqual(observationsFor(policy, elsewhere, [casesTrafficPolicy()]), []);
    assert.deepEqual(observationsFor(policy, elsewhere, undefined), [], 'without TrafficPolicies, only services of the policy\'s namespace count');
  });

  it('judges a cluster by its worst targeted service', () => {
    const tp = casesTrafficPolicy();
    const two = { ...tp, spec: { ...tp.spec, targetRefs: [...tp.spec.targetRefs, { group: '', kind: 'Service' as const, name: 'case-db' }] } };
    const base = healthReport(t(5), { [PRIMARY]: 'ready', [JKT]: 'ready', [TYO]: 'ready' }).services[0]!;
    const report: HealthReport = {
      generatedAt: t(6),
      services: [base, { ...base, service: 'cases/case-db', clusters: [clusterHealth(JKT, t(4), 'lagging'), clusterHealth(PRIMARY, t(6), 'down')] }],
    };
    const obs = observationsFor(policy, report, [two]);
    assert.deepEqual(obs.find((o) => o.cluster === JKT), { cluster: JKT, regionalReady: true, failoverReady: false, dependenciesReady: true, headroomFraction: 0.5, replicationLagSeconds: 10, at: t(4) });
    assert.equal(obs.find((o) => o.cluster === PRIMARY)?.regionalReady, false);
    assert.equal(obs.find((o) => o.cluster === TYO)?.regionalReady, true, 'a cluster missing from one service is judged on the others');
  });
});
