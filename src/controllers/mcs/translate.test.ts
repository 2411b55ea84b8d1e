import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ClusterSnapshot, FleetSnapshot } from '../../api/index.ts';
import { loadMcsCase } from './testdata-loader.ts';
import { translateMcs } from './translate.ts';
import type { McsInput } from './types.ts';

function load(caseName: string): McsInput {
  return loadMcsCase(readFileSync(new URL(`./testdata/${caseName}.in.yaml`, import.meta.url), 'utf8'), caseName);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The snapshot without the objects `drop` selects. */
function without(snapshot: FleetSnapshot, drop: (cluster: string, kind: string, name: string) => boolean): FleetSnapshot {
  const clusters = new Map<ClusterSnapshot['cluster'], ClusterSnapshot>();
  for (const [name, cluster] of snapshot.clusters) {
    clusters.set(name, { cluster: name, objects: cluster.objects.filter((s) => !drop(name, s.object.kind, s.object.metadata.name)) });
  }
  return { fleetObjects: snapshot.fleetObjects, clusters };
}

describe('translateMcs', () => {
  it('never mutates its input (deeply frozen) and is deterministic', () => {
    const input = load('conflicting-ports');
    for (const cluster of input.snapshot.clusters.values()) deepFreeze(cluster);
    deepFreeze(input.snapshot.fleetObjects);
    deepFreeze(input.state);
    const first = translateMcs(input);
    assert.deepEqual(translateMcs(input), first);
  });

  it('is a fixed point: fed its own state later, nothing changes (IPs, first-seen times, transition times)', () => {
    const input = load('precedence');
    const first = translateMcs(input);
    const second = translateMcs({ ...input, now: '2026-06-01T00:00:00Z', state: first.state });
    assert.deepEqual(second, first);
  });

  it('does not depend on the order of objects in the snapshot', () => {
    const input = load('headless-endpoints');
    const clusters = new Map([...input.snapshot.clusters].reverse().map(([name, c]) => [name, { ...c, objects: [...c.objects].reverse() }]));
    const reordered = { ...input, snapshot: { fleetObjects: [...input.snapshot.fleetObjects].reverse(), clusters } };
    assert.deepEqual(translateMcs(reordered), translateMcs(input));
  });

  it('unexport withdraws that cluster only; the last unexport removes the import and releases its IP', () => {
    const input = load('basic-two-cluster-export');
    const before = translateMcs(input);
    const oneLeft = translateMcs({ ...input, state: before.state, snapshot: without(input.snapshot, (c, kind) => c === 'c1' && kind === 'ServiceExport') });
    for (const cluster of oneLeft.clusters) {
      assert.deepEqual(
        cluster.serviceImports.map((si) => [si.metadata.name, si.spec.ips, si.status?.clusters]),
        [['hello', ['10.250.0.1'], [{ cluster: 'c2' }]]],
        'the import stays, same IP, c2 only',
      );
      assert.deepEqual(
        cluster.endpointSlices.map((s) => s.metadata.labels?.['multicluster.kubernetes.io/source-cluster']),
        ['c2'],
      );
    }
    const none = translateMcs({ ...input, state: oneLeft.state, snapshot: without(input.snapshot, (_c, kind) => kind === 'ServiceExport') });
    assert.ok(none.clusters.every((c) => c.serviceImports.length === 0 && c.endpointSlices.length === 0));
    assert.deepEqual(none.state.allocations, {});
    assert.deepEqual(none.dns.services, []);
  });

  it('a deleted Service turns its export Valid=False and withdraws its endpoints', () => {
    const input = load('basic-two-cluster-export');
    const result = translateMcs({ ...input, snapshot: without(input.snapshot, (c, kind) => c === 'c2' && kind === 'Service') });
    const c2 = result.clusters.find((c) => c.cluster === 'c2');
    assert.deepEqual(
      c2?.serviceExports[0]?.status.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['Valid=False/NoService', 'Ready=False/Pending', 'Conflict=False/NoConflicts'],
    );
    assert.deepEqual(
      c2?.endpointSlices.map((s) => s.metadata.labels?.['multicluster.kubernetes.io/source-cluster']),
      ['c1'],
    );
  });
});
