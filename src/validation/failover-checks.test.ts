/** Tests of the FailoverPolicy detection checks: what nothing would detect or measure is refused, with what to add. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CASES_POLICY, check, doc, OWNERS } from './policy-test-kit.ts';

const failover = (extra = '') => `
apiVersion: lintas.dev/v1alpha1
kind: FailoverPolicy
metadata: { name: case-writes, namespace: cases }
spec:
  targetRef: { kind: TrafficPolicy, name: cases }
  from: sgp-prod-1
  to: [jkt-prod-1, tyo-prod-1]${extra}`;

const contract = (spec = '') => `
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: { name: cases, namespace: cases }
spec:
  targetRef: { kind: ServiceImport, name: public-case-api }${spec}`;

const ROUTE_POLICY = `
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: cases, namespace: cases }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: public-case-api }]`;

describe('FailoverPolicy detection checks', () => {
  it('accepts a policy whose services have no HealthContract: the default contract (the gateways\' view) detects', () => {
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover())), []);
  });

  it('refuses a policy over HTTPRoutes only with no HealthContract in the namespace, saying what to add and where', () => {
    assert.deepEqual(check(doc(ROUTE_POLICY, failover())), [
      'fleet/policies.yaml:13: FailoverPolicy cases/case-writes: .spec.targetRef.name: nothing would detect that sgp-prod-1 failed: TrafficPolicy "cases" (fleet/policies.yaml:2) targets only HTTPRoutes, and no HealthContract in namespace cases says how their backends are; add a HealthContract (lintas.dev/v1alpha1, namespace cases) whose .spec.targetRef names the routes\' backend Service or ServiceImport, e.g. next to this policy in fleet/policies.yaml',
    ]);
    assert.deepEqual(check(doc(ROUTE_POLICY, failover(), contract())), [], 'a contract in the namespace decides the domain');
  });

  it('refuses a replication-lag guardrail that no contract measures', () => {
    const lag = '\n  guardrails: { maxReplicationLagSeconds: 5 }';
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover(lag))), [
      'fleet/policies.yaml:31: FailoverPolicy cases/case-writes: .spec.guardrails.maxReplicationLagSeconds: no HealthContract measures the replication lag of ServiceImport public-case-api, so this guardrail can never pass and ownership never moves; add a HealthContract (lintas.dev/v1alpha1, namespace cases) for ServiceImport public-case-api with .spec.failover.replicationLag (an HTTP path that answers the lag in seconds)',
    ]);
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover(lag), contract())), [
      'fleet/policies.yaml:31: FailoverPolicy cases/case-writes: .spec.guardrails.maxReplicationLagSeconds: no HealthContract measures the replication lag of ServiceImport public-case-api, so this guardrail can never pass and ownership never moves; add .spec.failover.replicationLag (an HTTP path that answers the lag in seconds) to HealthContract cases/cases (fleet/policies.yaml:34)',
    ]);
    const measured = contract('\n  failover: { replicationLag: { http: { path: /replication-lag }, maxSeconds: 5 } }');
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover(lag), measured)), []);
  });

  it('refuses a headroom guardrail when the service\'s contract does not measure headroom; warns about destinations without capacity', () => {
    const headroom = '\n  guardrails: { minHeadroomFraction: 0.3 }';
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover(headroom), contract())), [
      'fleet/policies.yaml:31: FailoverPolicy cases/case-writes: .spec.guardrails.minHeadroomFraction: no HealthContract measures headroom, so this guardrail can never pass and ownership never moves; add .spec.failover.minHeadroomFraction to HealthContract cases/cases (fleet/policies.yaml:34)',
      'fleet/policies.yaml:30: warning: FailoverPolicy cases/case-writes: .spec.to[1]: Cluster tyo-prod-1 has no .spec.capacity (requests per second), so its headroom is unknown and guardrails.minHeadroomFraction blocks every failover to it; set it in fleet/clusters.yaml:12',
    ]);
    // Without a contract the default one measures headroom for the guardrail.
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover(headroom))).length, 1);
  });
});
