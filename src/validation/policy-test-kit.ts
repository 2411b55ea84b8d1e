/**
 * Test kit of the policy checks: decodes YAML files the way the directory source does,
 * with real line numbers, a small two-cluster fleet around the case API, and `check`,
 * which runs the policy checks on it. Not used by production code.
 * @module
 */
import assert from 'node:assert/strict';
import { decodeFleet } from './test-decode.ts';
import { formatIssue } from './issues.ts';
import { checkPolicies } from './policy-checks.ts';

export { decodeFleet, type Decoded } from './test-decode.ts';

/** Three clusters: jkt-prod-1 (capacity 100), sgp-prod-1 (80), tyo-prod-1 (none). */
export const CLUSTERS = `
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
export const APPS = `
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

/** The OwnershipMap cases/case-owners. */
export const OWNERS = `
apiVersion: lintas.dev/v1alpha1
kind: OwnershipMap
metadata: { name: case-owners, namespace: cases }
spec:
  rules: [{ prefix: JKT-, cluster: jkt-prod-1 }, { prefix: SGP-, cluster: sgp-prod-1 }]
  default: { clusters: [jkt-prod-1, sgp-prod-1, tyo-prod-1] }
`;

/** The Owner-mode TrafficPolicy cases/cases on the ServiceImport public-case-api. */
export const CASES_POLICY = `
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
export function check(policies: string, invalidClusters: ReadonlySet<string> = new Set()): string[] {
  const fleet = decodeFleet({
    'fleet/clusters.yaml': CLUSTERS,
    'clusters/jkt-prod-1/apps.yaml': APPS,
    'clusters/sgp-prod-1/apps.yaml': APPS,
    'fleet/policies.yaml': policies,
  });
  assert.deepEqual(fleet.issues.map(formatIssue), [], 'the fixture decodes cleanly');
  return checkPolicies(fleet.objects, fleet.locate, invalidClusters).map(formatIssue);
}

/** YAML documents joined into one file. */
export const doc = (...parts: string[]): string => parts.join('\n---\n');

