/** Tests of planFleet: addresses from each cluster's pod CIDR, ports, zones, peers and located problems. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, Service, Workload, type ClusterName, type ClusterSnapshot, type FleetObject, type FleetSnapshot, type Sourced } from '../api/index.ts';
import { planFleet, type ReplicaPlan } from './plan.ts';

const origin = { file: 'test.yaml', line: 1 };

function cluster(name: string, spec: Record<string, unknown>): Sourced {
  return { object: Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { region: `${name}-region`, ...spec } }) as FleetObject, origin };
}

function service(ns: string, name: string, ports: unknown[]): FleetObject {
  return Service.parse({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports } }) as FleetObject;
}

function workload(ns: string, name: string, spec: Record<string, unknown>): FleetObject {
  return Workload.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Workload', metadata: { name, namespace: ns }, spec }) as FleetObject;
}

function fleet(clusters: Sourced[], perCluster: Record<string, FleetObject[]>): FleetSnapshot {
  const map = new Map<ClusterName, ClusterSnapshot>();
  for (const [text, objects] of Object.entries(perCluster)) {
    const name = text as ClusterName;
    map.set(name, { cluster: name, objects: objects.map((object) => ({ object, origin, cluster: name })) });
  }
  return { fleetObjects: clusters, clusters: map };
}

function byId(replicas: readonly ReplicaPlan[], id: string): ReplicaPlan {
  const r = replicas.find((x) => x.id === id);
  assert.ok(r, `replica ${id} in ${replicas.map((x) => x.id).join(', ')}`);
  return r;
}

/** Two clusters that both run a case API (stateful) and a search (stateless). */
function twoClusters(): FleetSnapshot {
  const apps = (): FleetObject[] => [
    service('cases', 'public-case-api', [{ name: 'http', port: 80, targetPort: 8081 }]),
    service('search', 'case-search-api', [{ port: 8082 }]),
    workload('cases', 'public-case-api', { app: 'case-api', replicas: 2, version: 'v3', service: 'public-case-api' }),
    workload('search', 'case-search-api', { app: 'search', replicas: 3, service: 'case-search-api' }),
  ];
  return fleet(
    [cluster('alpha', { podCIDRs: ['fd00::/48', '127.77.0.0/16'], zones: ['za', 'zb'] }), cluster('beta', { podCIDRs: ['127.78.0.0/16'] })],
    { beta: apps(), alpha: apps() },
  );
}

describe('planFleet', () => {
  it('places workload i replica r at address (i + 1) × 256 + 10 + r of the first IPv4 pod CIDR, sorted by cluster then namespace/name', () => {
    const plan = planFleet(twoClusters());
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(
      plan.replicas.map((r) => `${r.id} ${r.address}:${String(r.port)}`),
      [
        'alpha/cases/public-case-api/0 127.77.1.10:8081',
        'alpha/cases/public-case-api/1 127.77.1.11:8081',
        'alpha/search/case-search-api/0 127.77.2.10:8082',
        'alpha/search/case-search-api/1 127.77.2.11:8082',
        'alpha/search/case-search-api/2 127.77.2.12:8082',
        'beta/cases/public-case-api/0 127.78.1.10:8081',
        'beta/cases/public-case-api/1 127.78.1.11:8081',
        'beta/search/case-search-api/0 127.78.2.10:8082',
        'beta/search/case-search-api/1 127.78.2.11:8082',
        'beta/search/case-search-api/2 127.78.2.12:8082',
      ],
    );
  });

  it('carries identity, version, service port name, region, and zones round-robin by replica', () => {
    const plan = planFleet(twoClusters());
    const first = byId(plan.replicas, 'alpha/cases/public-case-api/1');
    assert.equal(first.cluster, 'alpha');
    assert.equal(first.namespace, 'cases');
    assert.equal(first.workload, 'public-case-api');
    assert.equal(first.app, 'case-api');
    assert.equal(first.replica, 1);
    assert.equal(first.version, 'v3');
    assert.equal(first.service, 'public-case-api');
    assert.equal(first.servicePortName, 'http');
    assert.equal(first.region, 'alpha-region');
    assert.equal(first.zone, 'zb');
    assert.deepEqual(
      ['alpha/search/case-search-api/0', 'alpha/search/case-search-api/1', 'alpha/search/case-search-api/2'].map((id) => byId(plan.replicas, id).zone),
      ['za', 'zb', 'za'],
    );
    const search = byId(plan.replicas, 'beta/search/case-search-api/0');
    assert.equal(search.version, 'v1', 'the Workload default version');
    assert.equal(search.zone, undefined, 'a cluster without zones gives none');
    assert.equal(search.servicePortName, undefined);
  });

  it('gives stateful replicas their same-cluster siblings and one replica per other cluster; stateless ones none', () => {
    const plan = planFleet(twoClusters());
    const alpha0 = byId(plan.replicas, 'alpha/cases/public-case-api/0');
    assert.deepEqual(alpha0.peers.sameCluster, ['http://127.77.1.11:8081']);
    assert.deepEqual(alpha0.peers.otherClusters, [{ cluster: 'beta', url: 'http://127.78.1.10:8081' }]);
    const beta1 = byId(plan.replicas, 'beta/cases/public-case-api/1');
    assert.deepEqual(beta1.peers.sameCluster, ['http://127.78.1.10:8081']);
    assert.deepEqual(beta1.peers.otherClusters, [{ cluster: 'alpha', url: 'http://127.77.1.10:8081' }]);
    for (const r of plan.replicas.filter((x) => x.app === 'search')) assert.deepEqual(r.peers, { sameCluster: [], otherClusters: [] }, r.id);
  });

  it('does not pair replicas of a different Service, namespace or app as peers', () => {
    const snapshot = fleet([cluster('alpha', { podCIDRs: ['127.77.0.0/16'] }), cluster('beta', { podCIDRs: ['127.78.0.0/16'] }), cluster('gamma', { podCIDRs: ['127.79.0.0/16'] })], {
      alpha: [service('audit', 'audit-ingest-api', [{ port: 9000 }]), workload('audit', 'audit-ingest-api', { app: 'audit-ingest', replicas: 1, service: 'audit-ingest-api' })],
      // Same app, other Service name: not a peer.
      beta: [service('audit', 'other-audit', [{ port: 9000 }]), workload('audit', 'other-audit', { app: 'audit-ingest', replicas: 1, service: 'other-audit' })],
      // Same Service name, other app: not a peer either.
      gamma: [service('audit', 'audit-ingest-api', [{ port: 9000 }]), workload('audit', 'audit-ingest-api', { app: 'echo', replicas: 1, service: 'audit-ingest-api' })],
    });
    const plan = planFleet(snapshot);
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(byId(plan.replicas, 'alpha/audit/audit-ingest-api/0').peers, { sameCluster: [], otherClusters: [] });
    assert.deepEqual(byId(plan.replicas, 'beta/audit/other-audit/0').peers, { sameCluster: [], otherClusters: [] });
  });

  it('takes the Service port when targetPort is named or absent, and skips clusters and workloads with no replicas', () => {
    const snapshot = fleet([cluster('alpha', { podCIDRs: ['127.77.0.0/16'] }), cluster('beta', { podCIDRs: ['127.78.0.0/16'] })], {
      alpha: [
        service('default', 'named', [{ port: 8443, targetPort: 'https' }]),
        service('default', 'none', [{ port: 7000 }]),
        workload('default', 'named', { app: 'echo', replicas: 1, service: 'named' }),
        workload('default', 'none', { app: 'echo', replicas: 1, service: 'none' }),
        workload('default', 'zero', { app: 'echo', replicas: 0, service: 'none' }),
      ],
      beta: [service('default', 'none', [{ port: 7000 }])],
    });
    const plan = planFleet(snapshot);
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(
      plan.replicas.map((r) => `${r.id} ${r.address}:${String(r.port)}`),
      ['alpha/default/named/0 127.77.1.10:8443', 'alpha/default/none/0 127.77.2.10:7000'],
    );
  });

  it('reports located problems: no IPv4 pod CIDR, missing Service, a Service with no port, a pod CIDR too small', () => {
    const snapshot = fleet(
      [cluster('v6only', { podCIDRs: ['fd00::/48'] }), cluster('alpha', { podCIDRs: ['127.77.0.0/16'] }), cluster('tiny', { podCIDRs: ['127.80.0.0/23'] })],
      {
        v6only: [service('default', 'web', [{ port: 80 }]), workload('default', 'web', { app: 'echo', replicas: 1, service: 'web' })],
        alpha: [
          // The schema asks for ports; a snapshot built by other code may still lack them.
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'portless', namespace: 'default' }, spec: {} } as FleetObject,
          workload('default', 'ghost', { app: 'echo', replicas: 1, service: 'missing' }),
          workload('default', 'portless', { app: 'echo', replicas: 1, service: 'portless' }),
        ],
        // A /23 holds 512 addresses: workload 0 fits (266, 267), workload 1 starts at 522.
        tiny: [
          service('default', 'a', [{ port: 80 }]),
          service('default', 'b', [{ port: 80 }]),
          workload('default', 'a', { app: 'echo', replicas: 2, service: 'a' }),
          workload('default', 'b', { app: 'echo', replicas: 2, service: 'b' }),
        ],
      },
    );
    const plan = planFleet(snapshot);
    assert.deepEqual(
      plan.problems.map((p) => `${p.cluster} | ${p.object} | ${p.message}`),
      [
        'alpha | Workload default/ghost | .spec.service: Service default/missing not found in cluster alpha',
        'alpha | Workload default/portless | .spec.service: Service default/portless has no port',
        'tiny | Workload default/b | pod CIDR 127.80.0.0/23 is too small for replica 0',
        "v6only | Workload default/web | cluster v6only has no IPv4 podCIDRs: lintas up binds each replica to an address of its cluster's pod CIDR",
      ],
    );
    assert.deepEqual(plan.replicas.map((r) => r.id), ['tiny/default/a/0', 'tiny/default/a/1']);
  });

  it('reports a cluster folder without a Cluster object instead of guessing addresses', () => {
    const snapshot = fleet([], { orphan: [service('default', 'web', [{ port: 80 }]), workload('default', 'web', { app: 'echo', replicas: 1, service: 'web' })] });
    const plan = planFleet(snapshot);
    assert.deepEqual(plan.replicas, []);
    assert.equal(plan.problems.length, 1);
    assert.equal(plan.problems[0]?.cluster, 'orphan');
  });

  it('is deterministic and does not depend on object order in the snapshot', () => {
    const a = planFleet(twoClusters());
    const reversed = twoClusters();
    const shuffled: FleetSnapshot = {
      fleetObjects: [...reversed.fleetObjects].reverse(),
      clusters: new Map([...reversed.clusters].reverse().map(([name, c]) => [name, { cluster: name, objects: [...c.objects].reverse() }])),
    };
    assert.deepEqual(planFleet(shuffled), a);
  });
});
