import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkFleet } from './fleet-checks.ts';
import { formatIssue } from './issues.ts';
import { checkPolicies } from './policy-checks.ts';
import { decodeFleet } from './test-decode.ts';

const CLUSTERS = `
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: { name: jkt-prod-1 }
spec: { region: ap-southeast-3, capacity: 100 }
---
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: { name: sgp-prod-1 }
spec: { region: ap-southeast-1, capacity: 80 }
---
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: { name: tyo-prod-1 }
spec: { region: ap-northeast-1 }
`;

/** What each of jkt-prod-1 and sgp-prod-1 runs: the case API, exported, behind a route with timeouts. */
const APPS = `
apiVersion: v1
kind: Service
metadata: { name: public-case-api, namespace: cases }
spec: { ports: [{ name: http, port: 8080 }] }
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata: { name: public-case-api, namespace: cases }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: public-case-api, namespace: cases }
spec:
  rules:
    - name: reads
      timeouts: { request: 5s }
      backendRefs: [{ group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api, port: 8080 }]
    - name: writes
      timeouts: { request: 20s, backendRequest: 2s }
      backendRefs: [{ group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api, port: 8080 }]
`;

const OWNERS = `
apiVersion: lintas.dev/v1alpha1
kind: OwnershipMap
metadata: { name: case-owners, namespace: cases }
spec:
  rules: [{ prefix: JKT-, cluster: jkt-prod-1 }, { prefix: SGP-, cluster: sgp-prod-1 }]
  default: { clusters: [jkt-prod-1, sgp-prod-1, tyo-prod-1] }
`;

const CASES_POLICY = `
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: cases, namespace: cases }
spec:
  targetRefs: [{ group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api }]
  locality: { mode: Owner }
  requestClasses: { mutation: { requireIdempotencyKey: true } }
  ownership:
    key: { header: X-Case-Id }
    mapRef: { kind: OwnershipMap, name: case-owners }
`;

/** Every policy-check issue of a fleet made of the base objects plus `policies` (in fleet/policies.yaml). */
function check(policies: string, invalidClusters: ReadonlySet<string> = new Set()): string[] {
  const fleet = decodeFleet({
    'fleet/clusters.yaml': CLUSTERS,
    'clusters/jkt-prod-1/apps.yaml': APPS,
    'clusters/sgp-prod-1/apps.yaml': APPS,
    'fleet/policies.yaml': policies,
  });
  assert.deepEqual(fleet.issues.map(formatIssue), [], 'the fixture decodes cleanly');
  return checkPolicies(fleet.objects, fleet.locate, invalidClusters).map(formatIssue);
}

const doc = (...parts: string[]): string => parts.join('\n---\n');

describe('checkPolicies', () => {
  it('finds nothing wrong with consistent policies', () => {
    const failover = `
apiVersion: lintas.dev/v1alpha1
kind: FailoverPolicy
metadata: { name: case-writes, namespace: cases }
spec: { targetRef: { kind: TrafficPolicy, name: cases }, from: sgp-prod-1, to: [jkt-prod-1, tyo-prod-1] }`;
    const contract = `
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: { name: cases, namespace: cases }
spec: { targetRef: { kind: ServiceImport, name: public-case-api } }`;
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover, contract)), []);
  });

  it('refuses weights and failover priorities naming unknown clusters; a region is a valid priority', () => {
    const policy = `
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: spread, namespace: cases }
spec:
  targetRefs: [{ kind: ServiceImport, name: public-case-api }]
  locality:
    mode: Weighted
    weights: { jkt-prod-1: 90, hkg-prod-1: 10 }
    failoverPriority: [ap-northeast-1, sgp-prod-1, mars-1]`;
    assert.deepEqual(check(policy), [
      'fleet/policies.yaml:9: TrafficPolicy cases/spread: .spec.locality.weights.hkg-prod-1: cluster "hkg-prod-1" is not in the inventory (no Cluster object named "hkg-prod-1")',
      'fleet/policies.yaml:10: TrafficPolicy cases/spread: .spec.locality.failoverPriority[2]: "mars-1" is neither a cluster in the inventory nor the region of one',
    ]);
  });

  it('does not report a cluster that exists but failed its own checks', () => {
    const policy = CASES_POLICY.replace('mode: Owner', 'mode: Weighted, weights: { broken-1: 1 }').replace(/ {2}ownership:[\s\S]*$/, '');
    assert.deepEqual(check(policy, new Set(['broken-1'])), []);
  });

  it('refuses an ownership mapRef to a missing OwnershipMap, even one in another namespace', () => {
    const elsewhere = OWNERS.replace('namespace: cases', 'namespace: search');
    assert.deepEqual(check(doc(elsewhere, CASES_POLICY)), [
      'fleet/policies.yaml:20: TrafficPolicy cases/cases: .spec.ownership.mapRef.name: OwnershipMap "case-owners" does not exist in namespace cases',
    ]);
  });

  it('warns that ownership does not route outside mode Owner', () => {
    const policy = CASES_POLICY.replace('mode: Owner', 'mode: LocalPreferred');
    assert.deepEqual(check(doc(OWNERS, policy)), [
      'fleet/policies.yaml:18: warning: TrafficPolicy cases/cases: .spec.ownership: is not used for routing: mutations go to their owner only when locality.mode is Owner, not LocalPreferred',
    ]);
  });

  it('warns when CapacityAware meets a cluster without capacity', () => {
    const policy = CASES_POLICY.replace('mode: Owner', 'mode: CapacityAware').replace(/ {2}ownership:[\s\S]*$/, '');
    assert.deepEqual(check(policy), [
      'fleet/policies.yaml:7: warning: TrafficPolicy cases/cases: .spec.locality.mode: CapacityAware weighs clusters by .spec.capacity, which is not set on cluster(s) tyo-prod-1',
    ]);
  });

  it('refuses OwnershipMap clusters that are not in the inventory', () => {
    const owners = OWNERS.replace('{ prefix: SGP-, cluster: sgp-prod-1 }', '{ prefix: SGP-, cluster: sgp-prod-2 }').replace('tyo-prod-1] }', 'tyo-prod-9] }');
    assert.deepEqual(check(doc(owners, CASES_POLICY)), [
      'fleet/policies.yaml:6: OwnershipMap cases/case-owners: .spec.rules[1].cluster: cluster "sgp-prod-2" is not in the inventory (no Cluster object named "sgp-prod-2")',
      'fleet/policies.yaml:7: OwnershipMap cases/case-owners: .spec.default.clusters[2]: cluster "tyo-prod-9" is not in the inventory (no Cluster object named "tyo-prod-9")',
    ]);
  });

  it("refuses a policy timeout above its HTTPRoute rule's, naming every cluster with that rule", () => {
    const policy = `
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: reads, namespace: cases }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: public-case-api, sectionName: reads }]
  timeouts: { request: 10s, backendRequest: 8s }
---
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: writes, namespace: cases }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: public-case-api, sectionName: writes }]
  timeouts: { request: 10s, backendRequest: 3s }`;
    // reads: both are above the rule's request 5s, which bounds a backend attempt too when the rule sets no backendRequest.
    // writes: 10s fits under 20s, but 3s is above the rule's backendRequest 2s.
    assert.deepEqual(check(policy), [
      'fleet/policies.yaml:7: TrafficPolicy cases/reads: .spec.timeouts.request: is above timeouts.request 5s of HTTPRoute cases/public-case-api rule "reads" (in jkt-prod-1, sgp-prod-1): the route\'s timeout ends the request first',
      'fleet/policies.yaml:7: TrafficPolicy cases/reads: .spec.timeouts.backendRequest: is above timeouts.request 5s of HTTPRoute cases/public-case-api rule "reads" (in jkt-prod-1, sgp-prod-1): the route\'s timeout ends the request first',
      'fleet/policies.yaml:14: TrafficPolicy cases/writes: .spec.timeouts.backendRequest: is above timeouts.backendRequest 2s of HTTPRoute cases/public-case-api rule "writes" (in jkt-prod-1, sgp-prod-1): the route\'s timeout ends the request first',
    ]);
  });

  it("warns when a service policy's timeout is above a route rule that sends to the service", () => {
    const policy = CASES_POLICY.replace('  locality: { mode: Owner }', '  timeouts: { request: 10s }').replace(/ {2}ownership:[\s\S]*$/, '');
    assert.deepEqual(check(policy), [
      'fleet/policies.yaml:7: warning: TrafficPolicy cases/cases: .spec.timeouts.request: is above timeouts.request 5s of HTTPRoute cases/public-case-api rule "reads" (in jkt-prod-1, sgp-prod-1): the route\'s timeout ends the request first',
    ]);
  });

  it('warns about targets that do not exist (yet) and refuses a target with two policies', () => {
    const policy = `
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: ghosts, namespace: cases }
spec:
  targetRefs:
    - { kind: ServiceImport, name: case-archive }
    - { kind: Service, name: case-archive }
    - { group: gateway.networking.k8s.io, kind: HTTPRoute, name: case-archive }
    - { group: gateway.networking.k8s.io, kind: HTTPRoute, name: public-case-api, sectionName: deletes }
---
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: also-cases, namespace: cases }
spec:
  targetRefs: [{ group: net.gke.io, kind: ServiceImport, name: public-case-api }]`;
    assert.deepEqual(check(doc(CASES_POLICY.replace('mode: Owner', 'mode: LocalOnly').replace(/ {2}ownership:[\s\S]*$/, ''), policy)), [
      'fleet/policies.yaml:17: warning: TrafficPolicy cases/ghosts: .spec.targetRefs[0]: no cluster exports cases/case-archive (no ServiceExport), so there is no ServiceImport cases/case-archive; the policy applies once it exists',
      'fleet/policies.yaml:18: warning: TrafficPolicy cases/ghosts: .spec.targetRefs[1]: Service cases/case-archive does not exist in any cluster; the policy applies once it exists',
      'fleet/policies.yaml:19: warning: TrafficPolicy cases/ghosts: .spec.targetRefs[2]: HTTPRoute cases/case-archive does not exist in any cluster; the policy applies once it exists',
      'fleet/policies.yaml:20: warning: TrafficPolicy cases/ghosts: .spec.targetRefs[3]: HTTPRoute cases/public-case-api has no rule named "deletes" in any cluster; the policy applies once it exists',
      'fleet/policies.yaml:26: TrafficPolicy cases/also-cases: .spec.targetRefs[0]: ServiceImport public-case-api is already the target of TrafficPolicy cases (fleet/policies.yaml:2); a target has one policy',
    ]);
  });

  it('warns about a HealthContract whose target is missing and refuses a second contract for one service', () => {
    const contracts = `
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: { name: cases, namespace: cases }
spec: { targetRef: { kind: ServiceImport, name: public-case-api } }
---
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: { name: cases-again, namespace: cases }
spec: { targetRef: { group: net.gke.io, kind: ServiceImport, name: public-case-api } }
---
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: { name: archive, namespace: cases }
spec: { targetRef: { kind: Service, name: case-archive } }`;
    assert.deepEqual(check(contracts), [
      'fleet/policies.yaml:10: HealthContract cases/cases-again: .spec.targetRef: ServiceImport public-case-api already has HealthContract cases (fleet/policies.yaml:2); a service has one health contract',
      'fleet/policies.yaml:15: warning: HealthContract cases/archive: .spec.targetRef: Service cases/case-archive does not exist in any cluster; the contract applies once it exists',
    ]);
  });

  it('refuses a FailoverPolicy whose TrafficPolicy or clusters do not exist', () => {
    const failover = `
apiVersion: lintas.dev/v1alpha1
kind: FailoverPolicy
metadata: { name: case-writes, namespace: cases }
spec:
  targetRef: { kind: TrafficPolicy, name: case-writes }
  from: [sgp-prod-1, hkg-prod-1]
  to: [jkt-prod-1, syd-prod-1]
---
apiVersion: lintas.dev/v1alpha1
kind: FailoverPolicy
metadata: { name: one-owner, namespace: cases }
spec: { targetRef: { kind: TrafficPolicy, name: cases }, from: mnl-prod-1, to: [jkt-prod-1] }`;
    assert.deepEqual(check(doc(OWNERS, CASES_POLICY, failover)), [
      'fleet/policies.yaml:28: FailoverPolicy cases/case-writes: .spec.targetRef.name: TrafficPolicy "case-writes" does not exist in namespace cases',
      'fleet/policies.yaml:29: FailoverPolicy cases/case-writes: .spec.from[1]: cluster "hkg-prod-1" is not in the inventory (no Cluster object named "hkg-prod-1")',
      'fleet/policies.yaml:30: FailoverPolicy cases/case-writes: .spec.to[1]: cluster "syd-prod-1" is not in the inventory (no Cluster object named "syd-prod-1")',
      'fleet/policies.yaml:35: FailoverPolicy cases/one-owner: .spec.from: cluster "mnl-prod-1" is not in the inventory (no Cluster object named "mnl-prod-1")',
    ]);
  });

  it('runs as part of checkFleet', () => {
    const fleet = decodeFleet({ 'fleet/clusters.yaml': CLUSTERS, 'fleet/policies.yaml': CASES_POLICY });
    const issues = checkFleet(fleet.objects, [], fleet.locate).map(formatIssue);
    assert.ok(issues.includes('fleet/policies.yaml:11: TrafficPolicy cases/cases: .spec.ownership.mapRef.name: OwnershipMap "case-owners" does not exist in namespace cases'), issues.join('\n'));
  });
});

describe('policy contradictions are located errors', () => {
  const decodeOnly = (policies: string): string[] => decodeFleet({ 'fleet/policies.yaml': policies }).issues.map(formatIssue);

  it('names file, line, object and field for each contradiction', () => {
    const policies = `
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: weighted, namespace: cases }
spec:
  targetRefs: [{ kind: ServiceImport, name: public-case-api }]
  locality: { mode: Weighted, weights: { jkt-prod-1: 0 } }
  timeouts: { request: 3s, backendRequest: 10s }
---
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: owner, namespace: cases }
spec:
  targetRefs: [{ kind: ServiceImport, name: public-case-api }]
  locality:
    mode: Owner
---
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: mirror, namespace: cases }
spec:
  targetRefs: [{ kind: ServiceImport, name: public-case-api }]
  locality: { mode: FailoverPriority }
  requestClasses: { mutation: { methods: [POST, PUT] } }
  mirror:
    backendRef: { kind: ServiceImport, name: shadow, port: 8080 }
    shadowSafe: false
---
apiVersion: lintas.dev/v1alpha1
kind: OwnershipMap
metadata: { name: owners, namespace: cases }
spec:
  rules:
    - { keys: [A-1], cluster: jkt-prod-1 }
    - { keys: [A-1], cluster: sgp-prod-1 }`;
    assert.deepEqual(decodeOnly(policies), [
      'fleet/policies.yaml:7: TrafficPolicy cases/weighted: .spec.locality.weights: must give at least one cluster a weight above 0: with every weight 0, Weighted sends no traffic anywhere',
      'fleet/policies.yaml:8: TrafficPolicy cases/weighted: .spec.timeouts.backendRequest: must be less than or equal to timeouts.request (3s)',
      'fleet/policies.yaml:13: TrafficPolicy cases/owner: .spec.ownership: is required when locality.mode is Owner: say where the ownership key is and which OwnershipMap maps it to a cluster',
      'fleet/policies.yaml:23: TrafficPolicy cases/mirror: .spec.locality.failoverPriority: is required when locality.mode is FailoverPriority: list the clusters or regions to fail over to, in order',
      'fleet/policies.yaml:27: TrafficPolicy cases/mirror: .spec.mirror.shadowSafe: must be true, or requestClasses.mutation.methods must list PATCH, DELETE: those requests count as reads and would be mirrored to a backend that is not shadow-safe',
      'fleet/policies.yaml:35: OwnershipMap cases/owners: .spec.rules[1].keys[0]: key "A-1" is also listed in .spec.rules[0].keys[0]: which cluster owns it is ambiguous',
    ]);
  });
});
