/**
 * Tests of FleetStore: whole-fleet publish round-trips, re-publishing is a
 * no-op, vanished clusters are deleted and reported, `fleetChanged` tracks the
 * fleet shard only, and per-cluster writes.
 *
 * Snapshots are built by hand (the store layer may not import sources); the
 * objects go through the api schemas so they have their real decoded shape.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster, ClusterSet, clusterName, Service, type ClusterName, type ClusterSnapshot, type FleetSnapshot, type Sourced } from '../api/index.ts';
import { FLEET_SHARD, FleetStore, type FleetUpdate } from './fleet-store.ts';

const cluster = (name: string, region = 'r1'): Sourced => ({
  object: Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { region } }),
  origin: { file: 'fleet/clusters.yaml', line: 1 },
});

const clusterSet = (members: string[]): Sourced => ({
  object: ClusterSet.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: members } }),
  origin: { file: 'fleet/clusterset.yaml', line: 1 },
});

const service = (clusterId: string, name: string, port = 80): Sourced => ({
  object: Service.parse({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port }] } }),
  origin: { file: `clusters/${clusterId}/services.yaml`, line: 1 },
  cluster: clusterName(clusterId),
});

/** A fleet with the given clusters (name → its objects) and fleet objects. */
function fleet(clusters: Record<string, Sourced[]>, fleetObjects?: readonly Sourced[]): FleetSnapshot {
  const names = Object.keys(clusters).sort();
  const map = new Map<ClusterName, ClusterSnapshot>(names.map((n) => [clusterName(n), { cluster: clusterName(n), objects: clusters[n] ?? [] }]));
  return { fleetObjects: fleetObjects ?? [...names.map((n) => cluster(n)), clusterSet(names)], clusters: map };
}

const BASE = (): FleetSnapshot =>
  fleet({
    a: [service('a', 'web'), service('a', 'api', 8080)],
    b: [service('b', 'web')],
    c: [service('c', 'web')],
  });

/** Deep equality of two snapshots, comparing the clusters map as sorted entries. */
function assertSameFleet(actual: FleetSnapshot, expected: FleetSnapshot): void {
  assert.deepEqual(actual.fleetObjects, expected.fleetObjects);
  assert.deepEqual([...actual.clusters.entries()], [...expected.clusters.entries()].sort(([x], [y]) => (x < y ? -1 : 1)));
}

async function nextUpdate(iter: AsyncIterator<FleetUpdate>, ms = 2000): Promise<FleetUpdate> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no FleetUpdate within ${ms} ms`)), ms);
  });
  try {
    const result = await Promise.race([iter.next(), timeout]);
    assert.equal(result.done, false, 'the subscription ended unexpectedly');
    return result.value as FleetUpdate;
  } finally {
    clearTimeout(timer);
  }
}

describe('FleetStore: publish', () => {
  it('is empty at version 0 before the first publish', () => {
    const store = new FleetStore();
    assert.equal(store.version, 0);
    const current = store.current();
    assert.deepEqual(current.fleetObjects, []);
    assert.equal(current.clusters.size, 0);
  });

  it('round-trips a published snapshot through current()', () => {
    const store = new FleetStore();
    const snapshot = BASE();
    const changed = store.publish(snapshot);
    assert.deepEqual([...changed].sort(), [FLEET_SHARD, 'a', 'b', 'c'].sort());
    assert.equal(store.version, 1, 'one publish is one version');
    assertSameFleet(store.current(), snapshot);
    assert.deepEqual([...store.current().clusters.keys()], ['a', 'b', 'c']);
    assert.equal(store.current().clusters.get(clusterName('a'))?.cluster, 'a');
  });

  it('keeps an empty cluster (a folder with no objects) as a shard', () => {
    const store = new FleetStore();
    store.publish(fleet({ a: [], b: [service('b', 'web')] }));
    assert.deepEqual(store.current().clusters.get(clusterName('a')), { cluster: 'a', objects: [] });
  });

  it('treats re-publishing the same (or a deep-equal) snapshot as a no-op', () => {
    const store = new FleetStore();
    store.publish(BASE());
    assert.deepEqual(store.publish(BASE()), [], 'a freshly built, deep-equal snapshot changes nothing');
    assert.equal(store.version, 1);
  });

  it('reports only the clusters whose objects changed', () => {
    const store = new FleetStore();
    store.publish(BASE());
    const next = fleet({ a: [service('a', 'web'), service('a', 'api', 8081)], b: [service('b', 'web')], c: [service('c', 'web')] });
    assert.deepEqual(store.publish(next), ['a']);
    assert.equal(store.version, 2);
    assertSameFleet(store.current(), next);
  });

  it('deletes the shard of a cluster that vanished from the snapshot', () => {
    const store = new FleetStore();
    store.publish(BASE());
    const without = fleet({ a: [service('a', 'web'), service('a', 'api', 8080)], b: [service('b', 'web')] }, BASE().fleetObjects);
    assert.deepEqual(store.publish(without), ['c']);
    assert.equal(store.version, 2);
    assert.deepEqual([...store.current().clusters.keys()], ['a', 'b']);
  });
});

describe('FleetStore: subscribe', () => {
  it('yields the current fleet first, with every cluster changed and fleetChanged', async () => {
    const store = new FleetStore();
    store.publish(BASE());
    const controller = new AbortController();
    const iter = store.subscribe(controller.signal);
    const first = await nextUpdate(iter);
    assert.equal(first.version, 1);
    assert.deepEqual(first.changedClusters, ['a', 'b', 'c']);
    assert.equal(first.fleetChanged, true);
    assertSameFleet(first.snapshot, BASE());
    controller.abort();
  });

  it('lists a removed cluster in changedClusters, without fleetChanged when fleet objects are the same', async () => {
    const store = new FleetStore();
    store.publish(BASE());
    const controller = new AbortController();
    const iter = store.subscribe(controller.signal);
    await nextUpdate(iter);
    store.publish(fleet({ a: [service('a', 'web'), service('a', 'api', 8080)], b: [service('b', 'web')] }, BASE().fleetObjects));
    const update = await nextUpdate(iter);
    assert.equal(update.version, 2);
    assert.deepEqual(update.changedClusters, ['c']);
    assert.equal(update.fleetChanged, false);
    assert.equal(update.snapshot.clusters.has(clusterName('c')), false);
    assert.equal(update.snapshot.fleetObjects.length, 4);
    controller.abort();
  });

  it('sets fleetChanged (and no clusters) when only fleet-scoped objects change', async () => {
    const store = new FleetStore();
    store.publish(BASE());
    const controller = new AbortController();
    const iter = store.subscribe(controller.signal);
    await nextUpdate(iter);
    const fleetObjects = [cluster('a', 'r2'), cluster('b'), cluster('c'), clusterSet(['a', 'b', 'c'])];
    store.publish(fleet({ a: [service('a', 'web'), service('a', 'api', 8080)], b: [service('b', 'web')], c: [service('c', 'web')] }, fleetObjects));
    const update = await nextUpdate(iter);
    assert.equal(update.fleetChanged, true);
    assert.deepEqual(update.changedClusters, []);
    assert.deepEqual(update.snapshot.fleetObjects, fleetObjects);
    controller.abort();
  });

  it('does not wake subscribers on a no-op re-publish', async () => {
    const store = new FleetStore();
    store.publish(BASE());
    const controller = new AbortController();
    const iter = store.subscribe(controller.signal);
    await nextUpdate(iter);
    const pending = iter.next();
    store.publish(BASE());
    const marker = Symbol('pending');
    assert.equal(await Promise.race([pending, delay(30).then(() => marker)]), marker);
    store.publishCluster({ cluster: clusterName('b'), objects: [service('b', 'web', 81)] });
    const update = (await pending).value as FleetUpdate;
    assert.equal(update.version, 2);
    assert.deepEqual(update.changedClusters, ['b']);
    assert.equal(update.fleetChanged, false);
    controller.abort();
  });

  it('coalesces several publishes for a slow subscriber, sorting changedClusters', async () => {
    const store = new FleetStore();
    store.publish(BASE());
    const controller = new AbortController();
    const iter = store.subscribe(controller.signal);
    await nextUpdate(iter);
    store.publishCluster({ cluster: clusterName('c'), objects: [] });
    store.publishCluster({ cluster: clusterName('a'), objects: [] });
    store.deleteCluster(clusterName('b'));
    const update = await nextUpdate(iter);
    assert.equal(update.version, 4);
    assert.deepEqual(update.changedClusters, ['a', 'b', 'c']);
    assert.equal(update.fleetChanged, false);
    controller.abort();
  });
});

describe('FleetStore: publishCluster and deleteCluster', () => {
  it('replaces one cluster, adds a new one, and leaves the rest alone', () => {
    const store = new FleetStore();
    store.publish(BASE());
    const objects = [service('b', 'web', 9090)];
    assert.equal(store.publishCluster({ cluster: clusterName('b'), objects }), true);
    assert.equal(store.version, 2);
    assert.deepEqual(store.current().clusters.get(clusterName('b'))?.objects, objects);
    assert.equal(store.publishCluster({ cluster: clusterName('b'), objects: [service('b', 'web', 9090)] }), false, 'deep-equal is a no-op');
    assert.equal(store.version, 2);
    assert.equal(store.publishCluster({ cluster: clusterName('d'), objects: [service('d', 'web')] }), true);
    assert.deepEqual([...store.current().clusters.keys()], ['a', 'b', 'c', 'd']);
    assert.deepEqual(store.current().clusters.get(clusterName('a')), BASE().clusters.get(clusterName('a')));
    assert.deepEqual(store.current().fleetObjects, BASE().fleetObjects);
  });

  it('deletes a cluster once; deleting a missing one is a no-op', () => {
    const store = new FleetStore();
    store.publish(BASE());
    assert.equal(store.deleteCluster(clusterName('a')), true);
    assert.equal(store.version, 2);
    assert.deepEqual([...store.current().clusters.keys()], ['b', 'c']);
    assert.equal(store.deleteCluster(clusterName('a')), false);
    assert.equal(store.deleteCluster(clusterName('zzz')), false);
    assert.equal(store.version, 2);
    assert.equal(store.current().fleetObjects.length, 4, 'fleet objects are not a cluster');
  });

  it('a later whole-fleet publish removes clusters added by publishCluster', () => {
    const store = new FleetStore();
    store.publish(BASE());
    store.publishCluster({ cluster: clusterName('extra'), objects: [] });
    assert.deepEqual(store.publish(BASE()), ['extra']);
    assert.deepEqual([...store.current().clusters.keys()], ['a', 'b', 'c']);
  });
});
