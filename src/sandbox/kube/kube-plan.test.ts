/** Tests of the `up --kube` plan: private pod ranges, moved addresses, what is applied to the API servers, each namespace's addresses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, EndpointSlice, Gateway, Namespace, Service, Workload, type ClusterName, type ClusterSnapshot, type FleetObject, type FleetSnapshot, type Sourced } from '../../api/index.ts';
import { planFleet } from '../plan.ts';
import { clusterNetworks, objectsToApply, planKubeSnapshot } from './kube-plan.ts';

const origin = { file: 'test.yaml', line: 1 };

function cluster(name: string, pod: string): Sourced {
  return { object: Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { region: `${name}-r`, podCIDRs: [pod], serviceCIDRs: ['127.11.0.0/16'], nodeCIDRs: ['127.21.0.0/20'] } }) as FleetObject, origin };
}

function objectsOf(pod: string): FleetObject[] {
  return [
    Workload.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Workload', metadata: { name: 'api', namespace: 'cases' }, spec: { app: 'search', service: 'api', replicas: 2, version: 'v1' } }) as FleetObject,
    Service.parse({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'cases' }, spec: { clusterIP: '127.11.0.10', clusterIPs: ['127.11.0.10'], ports: [{ port: 8080 }] } }) as FleetObject,
    EndpointSlice.parse({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'api-1', namespace: 'cases', labels: { 'kubernetes.io/service-name': 'api' } }, addressType: 'IPv4', endpoints: [{ addresses: [pod.replace('0.0/16', '1.10')] }], ports: [{ port: 8080 }] }) as FleetObject,
    Gateway.parse({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'gw' }, spec: { gatewayClassName: 'lintas', addresses: [{ type: 'IPAddress', value: pod.replace('0.0/16', '255.1') }], listeners: [{ name: 'http', protocol: 'HTTP', port: 8080 }] } }) as FleetObject,
    Namespace.parse({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cases' } }) as FleetObject,
  ];
}

function fleet(): FleetSnapshot {
  const map = new Map<ClusterName, ClusterSnapshot>();
  for (const [name, pod] of [['b', '127.2.0.0/16'], ['a', '127.1.0.0/16']] as const) {
    const c = name as ClusterName;
    map.set(c, { cluster: c, objects: objectsOf(pod).map((object) => ({ object, origin, cluster: c })) });
  }
  return { fleetObjects: [cluster('a', '127.1.0.0/16'), cluster('b', '127.2.0.0/16')], clusters: map };
}

const services = new Map([
  ['a', '10.96.0.0/16'],
  ['b', '10.97.0.0/16'],
]);

describe('planKubeSnapshot', () => {
  it('moves each cluster to 10.(i+1).0.0/16 by name and its API server service range, dropping nodeCIDRs', () => {
    const { snapshot, ranges, problems } = planKubeSnapshot(fleet(), services);
    assert.deepEqual(problems, []);
    assert.deepEqual(ranges, [
      { cluster: 'a', podCIDR: '10.1.0.0/16', serviceCIDR: '10.96.0.0/16' },
      { cluster: 'b', podCIDR: '10.2.0.0/16', serviceCIDR: '10.97.0.0/16' },
    ]);
    const b = snapshot.fleetObjects.find((s) => s.object.metadata.name === 'b')?.object.spec as Record<string, unknown>;
    assert.deepEqual([b['podCIDRs'], b['serviceCIDRs'], b['nodeCIDRs']], [['10.2.0.0/16'], ['10.97.0.0/16'], undefined]);
  });

  it('keeps each address at its offset in the new pod range, drops ClusterIPs and EndpointSlices, and plans replicas there', () => {
    const { snapshot } = planKubeSnapshot(fleet(), services);
    const objects = snapshot.clusters.get('b' as ClusterName)?.objects.map((s) => s.object) ?? [];
    const gateway = objects.find((o) => o.kind === 'Gateway') as Gateway;
    assert.deepEqual(gateway.spec.addresses, [{ type: 'IPAddress', value: '10.2.255.1' }]);
    const svc = objects.find((o) => o.kind === 'Service') as Service;
    assert.equal(svc.spec.clusterIP, undefined);
    assert.equal(svc.spec.clusterIPs, undefined);
    assert.ok(!objects.some((o) => o.kind === 'EndpointSlice'));
    assert.deepEqual(planFleet(snapshot).replicas.map((r) => r.address), ['10.1.1.10', '10.1.1.11', '10.2.1.10', '10.2.1.11']);
  });

  it('names a cluster that has no API server', () => {
    const { problems } = planKubeSnapshot(fleet(), new Map([['a', '10.96.0.0/16']]));
    assert.deepEqual(problems, [{ cluster: 'b', message: 'no API server for cluster b (lintas up --kube runs a)' }]);
  });
});

describe('objectsToApply', () => {
  it('applies Namespaces first and never Workloads; Gateway API kinds only where served', () => {
    const { snapshot } = planKubeSnapshot(fleet(), services);
    const objects = snapshot.clusters.get('a' as ClusterName)?.objects ?? [];
    assert.deepEqual(objectsToApply(objects, true).map((o) => o.kind), ['Namespace', 'Service', 'Gateway']);
    assert.deepEqual(objectsToApply(objects, false).map((o) => o.kind), ['Namespace', 'Service']);
  });
});

describe('clusterNetworks', () => {
  it('gives each namespace its primary address, its replicas and its Gateway addresses, nothing of another cluster', () => {
    const { snapshot, ranges } = planKubeSnapshot(fleet(), services);
    const networks = clusterNetworks(ranges, snapshot, [...planFleet(snapshot).replicas, { cluster: 'a', address: '10.2.9.9' }]);
    assert.deepEqual(networks, [
      { cluster: 'a', netns: 'lintas-a', veth: 'vc0', addresses: ['10.1.0.1', '10.1.1.10', '10.1.1.11', '10.1.255.1'] },
      { cluster: 'b', netns: 'lintas-b', veth: 'vc1', addresses: ['10.2.0.1', '10.2.1.10', '10.2.1.11', '10.2.255.1'] },
    ]);
  });
});
