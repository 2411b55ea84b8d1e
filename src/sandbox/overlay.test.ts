/** Tests of generateSlices/overlaySlices: slices from replica readiness, and how they replace static slices. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointSlice, type ClusterName, type ClusterSnapshot, type FleetObject, type FleetSnapshot, type Sourced } from '../api/index.ts';
import { GENERATED_ORIGIN, generateSlices, overlaySlices } from './overlay.ts';
import type { ReplicaPlan } from './plan.ts';

function replica(cluster: string, ns: string, workload: string, r: number, extra: Partial<ReplicaPlan> = {}): ReplicaPlan {
  return {
    id: `${cluster}/${ns}/${workload}/${String(r)}`,
    cluster,
    namespace: ns,
    workload,
    app: 'echo',
    replica: r,
    version: 'v1',
    service: workload,
    address: `127.77.1.${String(10 + r)}`,
    port: 8080,
    peers: { sameCluster: [], otherClusters: [] },
    ...extra,
  };
}

const REPLICAS: readonly ReplicaPlan[] = [
  replica('beta', 'web', 'front', 0, { address: '127.78.1.10' }),
  replica('alpha', 'web', 'front', 0, { zone: 'za', servicePortName: 'http', version: 'v2' }),
  replica('alpha', 'web', 'front', 1, { zone: 'zb', servicePortName: 'http', version: 'v2' }),
  replica('alpha', 'api', 'cases', 0, { address: '127.77.2.10', port: 8081 }),
];

const origin = { file: 'clusters/alpha/endpointslices.yaml', line: 3 };
/** A cluster name as the snapshot types brand it. */
const cn = (name: string): ClusterName => name as ClusterName;

function slice(ns: string, name: string, service: string, address: string): FleetObject {
  return EndpointSlice.parse({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ port: 80 }],
  }) as FleetObject;
}

function other(kind: 'Service' | 'Namespace', ns: string | undefined, name: string): FleetObject {
  return { apiVersion: 'v1', kind, metadata: { name, ...(ns !== undefined ? { namespace: ns } : {}) }, spec: {} } as unknown as FleetObject;
}

function snapshotOf(perCluster: Record<string, FleetObject[]>): FleetSnapshot {
  const clusters = new Map<ClusterName, ClusterSnapshot>();
  for (const [name, objects] of Object.entries(perCluster)) clusters.set(cn(name), { cluster: cn(name), objects: objects.map((object): Sourced => ({ object, origin, cluster: cn(name) })) });
  return { fleetObjects: [{ object: { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'set' }, spec: { clusters: ['alpha'] } } as unknown as FleetObject, origin }], clusters };
}

describe('generateSlices', () => {
  it('makes one valid slice per (cluster, namespace, Service), ready only where the last probe answered', () => {
    const ready = new Map([
      ['alpha/web/front/0', true],
      ['alpha/web/front/1', false],
      ['beta/web/front/0', true],
      // alpha/api/cases/0 absent: not probed yet, so not ready.
    ]);
    const out = generateSlices(REPLICAS, ready);
    assert.deepEqual([...out.keys()], ['alpha', 'beta']);
    const alpha = out.get('alpha') ?? [];
    assert.deepEqual(alpha.map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.name}`), ['api/cases-lintas-up', 'web/front-lintas-up']);
    for (const s of [...alpha, ...(out.get('beta') ?? [])]) {
      const checked = EndpointSlice.safeParse(s);
      assert.ok(checked.success, `generated slice must pass the EndpointSlice schema: ${JSON.stringify(checked.error?.issues)}`);
    }

    const front = alpha[1];
    assert.ok(front);
    const { 'endpointslice.kubernetes.io/managed-by': managedBy, ...labels } = front.metadata.labels ?? {};
    assert.deepEqual(labels, { 'kubernetes.io/service-name': 'front', version: 'v2' });
    assert.ok(managedBy !== undefined && managedBy.length > 0, 'generated slices say who manages them');
    assert.deepEqual(front.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(front.endpoints, [
      { addresses: ['127.77.1.10'], conditions: { ready: true, serving: true, terminating: false }, zone: 'za', targetRef: { kind: 'Pod', name: 'front-0', namespace: 'web' } },
      { addresses: ['127.77.1.11'], conditions: { ready: false, serving: false, terminating: false }, zone: 'zb', targetRef: { kind: 'Pod', name: 'front-1', namespace: 'web' } },
    ]);

    const cases = alpha[0];
    assert.ok(cases);
    assert.deepEqual(cases.ports, [{ port: 8081, protocol: 'TCP' }]);
    assert.deepEqual(cases.endpoints.map((e) => e.conditions?.ready), [false]);
    assert.equal(cases.endpoints[0]?.zone, undefined);
    assert.deepEqual(out.get('beta')?.[0]?.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['127.78.1.10', true]]);
  });

  it('gives nothing for no replicas', () => {
    assert.equal(generateSlices([], new Map()).size, 0);
  });
});

describe('overlaySlices', () => {
  it('replaces the static slices of workload-managed Services, keeps the rest, and sorts the cluster', () => {
    const base = snapshotOf({
      alpha: [
        other('Namespace', undefined, 'web'),
        other('Service', 'web', 'front'),
        slice('web', 'front-static', 'front', '10.0.0.1'),
        // Same Service name in another namespace: not managed, kept.
        slice('other', 'front-static', 'front', '10.0.0.2'),
        // Another Service in the managed namespace: kept.
        slice('web', 'legacy-abc', 'legacy', '10.0.0.3'),
      ],
      gamma: [slice('web', 'front-static', 'front', '10.0.0.4')],
    });
    const frozen = structuredClone(base.clusters.get(cn('alpha'))?.objects);
    const generated = generateSlices(REPLICAS, new Map([['alpha/web/front/0', true]]));
    const out = overlaySlices(base, generated);

    assert.equal(out.fleetObjects, base.fleetObjects);
    const alpha = out.clusters.get(cn('alpha'));
    assert.ok(alpha);
    assert.equal(alpha.cluster, 'alpha');
    assert.deepEqual(
      alpha.objects.map((s) => `${s.object.kind} ${s.object.metadata.namespace ?? ''}/${s.object.metadata.name}`),
      [
        'EndpointSlice api/cases-lintas-up',
        'EndpointSlice other/front-static',
        'EndpointSlice web/front-lintas-up',
        'EndpointSlice web/legacy-abc',
        'Namespace /web',
        'Service web/front',
      ],
    );
    const added = alpha.objects.find((s) => s.object.metadata.name === 'front-lintas-up');
    assert.deepEqual(added?.origin, GENERATED_ORIGIN);
    assert.equal(added?.cluster, 'alpha');
    const kept = alpha.objects.find((s) => s.object.metadata.name === 'legacy-abc');
    assert.deepEqual(kept?.origin, origin);

    // Clusters without generated slices are passed through untouched (same object), and the input is not mutated.
    assert.equal(out.clusters.get(cn('gamma')), base.clusters.get(cn('gamma')));
    assert.deepEqual(base.clusters.get(cn('alpha'))?.objects, frozen);
  });

  it('adds a cluster only through its snapshot: generated slices for a cluster the snapshot lacks are not invented', () => {
    const base = snapshotOf({ alpha: [] });
    const out = overlaySlices(base, generateSlices(REPLICAS, new Map()));
    assert.deepEqual([...out.clusters.keys()], ['alpha']);
    assert.equal(out.clusters.get(cn('alpha'))?.objects.length, 2);
  });

  it('follows readiness: re-applying with a replica not ready flips its endpoint', () => {
    const base = snapshotOf({ alpha: [], beta: [] });
    const ready = new Map([['beta/web/front/0', true]]);
    const before = overlaySlices(base, generateSlices(REPLICAS, ready));
    ready.set('beta/web/front/0', false);
    const after = overlaySlices(base, generateSlices(REPLICAS, ready));
    const endpoint = (s: FleetSnapshot): boolean | undefined => {
      const o = s.clusters.get(cn('beta'))?.objects[0]?.object as EndpointSlice | undefined;
      return o?.endpoints[0]?.conditions?.ready;
    };
    assert.equal(endpoint(before), true);
    assert.equal(endpoint(after), false);
  });
});
