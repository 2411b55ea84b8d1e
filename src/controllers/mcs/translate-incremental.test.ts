/**
 * The incremental MCS translation: on a sequence of seeded random edits (slices, exports, Services,
 * namespaces, a Cluster's region, a stale source) it gives exactly the result of a translation from
 * scratch, and it translates anew only the Services whose inputs changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, ClusterSet, EndpointSlice, Namespace, Service, ServiceExport, clusterName, type ClusterFreshness, type FleetObject, type FleetSnapshot, type Sourced } from '../../api/index.ts';
import { translateMcs, translateMcsIncremental, type McsCache } from './translate.ts';
import { EMPTY_MCS_STATE, type McsState } from './types.ts';

const CLUSTERS = ['c1', 'c2', 'c3'] as const;
const origin = { file: 'test.yaml', line: 1 };

/** mulberry32: a tiny seeded PRNG, so a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const at = (cluster: string, object: FleetObject): Sourced => ({ object, origin, cluster: clusterName(cluster) });
const namespace = (cluster: string, name: string): Sourced => at(cluster, Namespace.parse({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
const service = (cluster: string, ns: string, name: string, port: number, headless = false): Sourced =>
  at(cluster, Service.parse({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'http', port }], ...(headless ? { clusterIP: 'None' } : {}) } }));
const serviceExport = (cluster: string, ns: string, name: string, created: string): Sourced =>
  at(cluster, ServiceExport.parse({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name, namespace: ns, creationTimestamp: created } }));
const slice = (cluster: string, ns: string, name: string, ips: readonly string[]): Sourced =>
  at(
    cluster,
    EndpointSlice.parse({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-src`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: ips.map((ip, i) => ({ addresses: [ip], conditions: { ready: i % 3 !== 2 } })),
    }),
  );

function fleetObjects(regions: Readonly<Record<string, string>>): Sourced[] {
  return [
    ...CLUSTERS.map((c) => ({ object: Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c }, spec: { region: regions[c] ?? 'r' } }), origin })),
    { object: ClusterSet.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: [...CLUSTERS], clusterSetIPRange: '10.250.0.0/24', endpointTTLSeconds: 60 } }), origin },
  ];
}

/** `services` Services `s0…` in namespaces `a` and `b` of every cluster, most of them exported from several clusters. */
function buildFleet(services: number): FleetSnapshot {
  const clusters = new Map(
    CLUSTERS.map((c, ci) => {
      const objects: Sourced[] = [namespace(c, 'a'), namespace(c, 'b')];
      for (let i = 0; i < services; i++) {
        const ns = i % 2 === 0 ? 'a' : 'b';
        objects.push(service(c, ns, `s${i}`, 80, i % 7 === 0), slice(c, ns, `s${i}`, [`10.${ci + 1}.${i}.1`, `10.${ci + 1}.${i}.2`]));
        if ((i + ci) % 3 !== 0) objects.push(serviceExport(c, ns, `s${i}`, `2026-01-01T00:00:${String(10 + ci).padStart(2, '0')}Z`));
      }
      return [clusterName(c), { cluster: clusterName(c), objects }] as const;
    }),
  );
  return { fleetObjects: fleetObjects({}), clusters };
}

/** One random edit: replaces, adds or drops one object of one cluster (every other object keeps its reference, as the stores do). */
function edit(snapshot: FleetSnapshot, random: () => number, services: number): FleetSnapshot {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const c = pick(CLUSTERS);
  const i = Math.floor(random() * (services + 3));
  const ns = i % 2 === 0 ? 'a' : 'b';
  const name = `s${i}`;
  const objects = [...(snapshot.clusters.get(clusterName(c))?.objects ?? [])];
  const find = (kind: string, n: string): number => objects.findIndex((o) => o.object.kind === kind && o.object.metadata.name === n && (kind === 'Namespace' || o.object.metadata.namespace === ns));
  const put = (kind: string, n: string, object: Sourced | undefined): void => {
    const found = find(kind, n);
    if (found >= 0) objects.splice(found, 1);
    if (object !== undefined) objects.push(object);
  };
  const kind = pick(['slice', 'slice', 'slice', 'export', 'service', 'namespace', 'region', 'same'] as const);
  let fleet = snapshot.fleetObjects;
  switch (kind) {
    case 'slice':
      put('EndpointSlice', `${name}-src`, random() < 0.1 ? undefined : slice(c, ns, name, Array.from({ length: 1 + Math.floor(random() * 4) }, (_, k) => `10.9.${i}.${k + Math.floor(random() * 3)}`)));
      break;
    case 'export':
      put('ServiceExport', name, find('ServiceExport', name) >= 0 ? undefined : serviceExport(c, ns, name, `2026-01-01T00:01:${String(Math.floor(random() * 60)).padStart(2, '0')}Z`));
      break;
    case 'service':
      put('Service', name, random() < 0.2 ? undefined : service(c, ns, name, pick([80, 81]), random() < 0.2));
      break;
    case 'namespace':
      put('Namespace', 'b', find('Namespace', 'b') >= 0 ? undefined : namespace(c, 'b'));
      break;
    case 'region':
      fleet = fleetObjects({ [c]: pick(['r1', 'r2']) });
      break;
    case 'same': {
      // Re-decoded: a new object with the same content (a directory reload).
      const found = find('EndpointSlice', `${name}-src`);
      if (found >= 0) objects[found] = structuredClone(objects[found] as Sourced);
      break;
    }
  }
  const clusters = new Map(snapshot.clusters);
  clusters.set(clusterName(c), { cluster: clusterName(c), objects });
  return { fleetObjects: fleet, clusters };
}

describe('translateMcsIncremental', () => {
  for (const seed of [16, 17, 18]) it(`gives the result of a translation from scratch after every one of 300 random edits (seed ${seed})`, () => {
    const random = prng(seed);
    const services = 12;
    let snapshot = buildFleet(services);
    let cache: McsCache | undefined;
    let incrementalState: McsState = EMPTY_MCS_STATE;
    let fullState: McsState = EMPTY_MCS_STATE;
    let recomputed = 0;
    for (let step = 0; step < 300; step++) {
      const now = new Date(Date.parse('2026-02-01T00:00:00Z') + step * 1000).toISOString();
      // Now and then a source goes stale (its endpoints are withdrawn) or comes back.
      const freshness: Record<string, ClusterFreshness> = step % 40 >= 30 ? { c2: { observedAt: '2026-01-01T00:00:00Z', synced: false } } : {};
      const incremental = translateMcsIncremental({ snapshot, now, state: incrementalState, freshness }, cache);
      const full = translateMcs({ snapshot, now, state: fullState, freshness });
      assert.deepEqual(incremental.result, full, `step ${step}`);
      recomputed += incremental.recomputed.length;
      cache = incremental.cache;
      incrementalState = incremental.result.state;
      fullState = full.state;
      snapshot = edit(snapshot, random, services);
    }
    // Incremental in fact: far fewer Services translated than 300 full translations would.
    assert.ok(recomputed < 300 * services, `recomputed ${recomputed}`);
  });

  it('translates anew only the Service whose slice changed, and none for an unchanged or re-decoded fleet', () => {
    const snapshot = buildFleet(50);
    const first = translateMcsIncremental({ snapshot, now: '2026-02-01T00:00:00Z', state: EMPTY_MCS_STATE });
    assert.equal(first.recomputed.length, 50);

    const c1 = snapshot.clusters.get(clusterName('c1'))?.objects ?? [];
    const objects = c1.map((o) => (o.object.kind === 'EndpointSlice' && o.object.metadata.name === 's7-src' ? slice('c1', 'b', 's7', ['10.1.7.9']) : o));
    const changed: FleetSnapshot = { ...snapshot, clusters: new Map(snapshot.clusters).set(clusterName('c1'), { cluster: clusterName('c1'), objects }) };
    const second = translateMcsIncremental({ snapshot: changed, now: '2026-02-01T00:00:01Z', state: first.result.state }, first.cache);
    assert.deepEqual(second.recomputed, ['b/s7']);
    // Every other import is the very same object as before (consumers can compare by reference).
    const before = first.result.clusters[0]?.serviceImports.find((si) => si.metadata.name === 's8');
    assert.equal(second.result.clusters[0]?.serviceImports.find((si) => si.metadata.name === 's8'), before);

    const redecoded: FleetSnapshot = { ...changed, clusters: new Map([...changed.clusters].map(([name, c]) => [name, { cluster: name, objects: structuredClone(c.objects) }])) };
    const third = translateMcsIncremental({ snapshot: redecoded, now: '2026-02-01T00:00:02Z', state: second.result.state }, second.cache);
    assert.deepEqual(third.recomputed, []);
    assert.deepEqual(third.result, translateMcs({ snapshot: redecoded, now: '2026-02-01T00:00:02Z', state: second.result.state }));

    // A cache is only trusted with the state it produced (this very object: a state loaded from disk is another one).
    assert.equal(third.result.state, first.result.state, 'an endpoint change leaves the state as it was: the same object');
    const untrusted = translateMcsIncremental({ snapshot: redecoded, now: '2026-02-01T00:00:03Z', state: { ...third.result.state } }, third.cache);
    assert.equal(untrusted.recomputed.length, 50);
  });
});
