import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
import { healthTargets } from './targets.ts';
import { DEFAULT_NOW, loadFleetCase } from '../../../test/fleet-case.ts';

// Three clusters. public-case-api is exported from c1 and c2 (c1's pods listen on 8080, c2's
// on 9090; a metrics port comes first so the port named http must be picked) and imported
// by c3, which does not export it. local-api is a plain Service in c1 only.
const FLEET = `
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: {name: c1}
spec: {region: ap-southeast-3}
---
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: {name: c2}
spec: {region: ap-southeast-1}
---
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: {name: c3}
spec: {region: ap-northeast-1}
---
apiVersion: lintas.dev/v1alpha1
kind: ClusterSet
metadata: {name: prod}
spec: {clusters: [c1, c2, c3], clusterSetIPRange: 10.250.0.0/24}
---
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: {name: cases, namespace: cases}
spec:
  targetRef: {group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api}
  regional: {dependencies: [{name: case-db, http: {path: /dependencies/db}}]}
---
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: {name: local, namespace: cases}
spec:
  targetRef: {kind: Service, name: local-api}
---
apiVersion: lintas.dev/v1alpha1
kind: HealthContract
metadata: {name: ghost, namespace: cases}
spec:
  targetRef: {kind: ServiceImport, name: not-exported}
---
apiVersion: v1
kind: Namespace
metadata: {name: cases, annotations: {lintas.dev/cluster: c1}}
---
apiVersion: v1
kind: Namespace
metadata: {name: cases, annotations: {lintas.dev/cluster: c2}}
---
apiVersion: v1
kind: Namespace
metadata: {name: cases, annotations: {lintas.dev/cluster: c3}}
---
apiVersion: v1
kind: Service
metadata: {name: public-case-api, namespace: cases, annotations: {lintas.dev/cluster: c1}}
spec:
  ports: [{name: metrics, port: 9100, targetPort: 9100}, {name: http, port: 80, targetPort: 8080}]
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceExport
metadata: {name: public-case-api, namespace: cases, creationTimestamp: 2026-01-01T00:00:00Z, annotations: {lintas.dev/cluster: c1}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: public-case-api-a, namespace: cases, labels: {kubernetes.io/service-name: public-case-api}, annotations: {lintas.dev/cluster: c1}}
addressType: IPv4
ports: [{name: metrics, port: 9100}, {name: http, port: 8080}]
endpoints:
  - addresses: [10.1.0.12]
    conditions: {ready: false}
  - addresses: [10.1.0.11]
---
apiVersion: v1
kind: Service
metadata: {name: public-case-api, namespace: cases, annotations: {lintas.dev/cluster: c2}}
spec:
  ports: [{name: metrics, port: 9100, targetPort: 9100}, {name: http, port: 80, targetPort: 9090}]
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata: {name: public-case-api, namespace: cases, creationTimestamp: 2026-02-01T00:00:00Z, annotations: {lintas.dev/cluster: c2}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: public-case-api-b, namespace: cases, labels: {kubernetes.io/service-name: public-case-api}, annotations: {lintas.dev/cluster: c2}}
addressType: IPv4
ports: [{name: metrics, port: 9100}, {name: http, port: 9090}]
endpoints:
  - addresses: [10.2.0.21]
    conditions: {ready: true}
---
apiVersion: v1
kind: Service
metadata: {name: local-api, namespace: cases, annotations: {lintas.dev/cluster: c1}}
spec:
  ports: [{port: 80, targetPort: 7070}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: local-api-a, namespace: cases, labels: {kubernetes.io/service-name: local-api}, annotations: {lintas.dev/cluster: c1}}
addressType: IPv4
ports: [{port: 7070}]
endpoints:
  - addresses: [10.1.0.31]
`;

describe('healthTargets', () => {
  const { snapshot } = loadFleetCase(FLEET, 'health-targets.yaml', 'HealthTestCase');
  const mcs = translateMcs({ snapshot, now: DEFAULT_NOW, state: EMPTY_MCS_STATE });
  const targets = healthTargets(snapshot, mcs);

  it('lists every contract, sorted by namespace, target, contract', () => {
    assert.deepEqual(
      targets.map((t) => [t.contract, t.kind, t.service]),
      [
        ['cases/local', 'Service', 'cases/local-api'],
        ['cases/ghost', 'ServiceImport', 'cases/not-exported'],
        ['cases/cases', 'ServiceImport', 'cases/public-case-api'],
      ],
    );
  });

  it('a ServiceImport: the exporting clusters, each with its own endpoint port of the port named http', () => {
    const t = targets.find((x) => x.contract === 'cases/cases');
    assert.deepEqual(t?.clusters, [
      {
        cluster: 'c1',
        endpoints: [
          { address: '10.1.0.11', port: 8080, ready: true },
          { address: '10.1.0.12', port: 8080, ready: false },
        ],
      },
      { cluster: 'c2', endpoints: [{ address: '10.2.0.21', port: 9090, ready: true }] },
    ]);
    assert.deepEqual(t.spec.regional.dependencies, [{ name: 'case-db', http: { path: '/dependencies/db' } }]);
  });

  it('a Service: every cluster that has it, with the local endpoints of its first port', () => {
    const t = targets.find((x) => x.contract === 'cases/local');
    assert.deepEqual(t?.clusters, [{ cluster: 'c1', endpoints: [{ address: '10.1.0.31', port: 7070, ready: true }] }]);
  });

  it('a target nobody serves has no clusters', () => {
    assert.deepEqual(targets.find((x) => x.contract === 'cases/ghost')?.clusters, []);
  });

  it('an exporter with no endpoints is still a cluster of the target', () => {
    const emptied = {
      clusters: mcs.clusters.map((c) => ({
        ...c,
        endpointSlices: c.endpointSlices.map((s) => (s.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] === 'c2' ? { ...s, endpoints: [] } : s)),
      })),
    };
    const t = healthTargets(snapshot, emptied).find((x) => x.contract === 'cases/cases');
    assert.deepEqual(t?.clusters.map((c) => [c.cluster, c.endpoints.length]), [
      ['c1', 2],
      ['c2', 0],
    ]);
  });
});
