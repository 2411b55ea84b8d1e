import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ClusterSnapshot, FleetSnapshot } from '../../api/index.ts';
import { EMPTY_MCS_STATE, SOURCE_REGION_ANNOTATION as MCS_SOURCE_REGION, translateMcs, type McsResult } from '../mcs/index.ts';
import { loadGatewayCase } from './testdata-loader.ts';
import { translateGateway } from './translate.ts';
import type { GatewayInput, McsView } from './types.ts';
import { SOURCE_REGION_ANNOTATION } from './upstreams.ts';

const read = (name: string): string => readFileSync(new URL(`./testdata/${name}.in.yaml`, import.meta.url), 'utf8');

function input(caseName: string, now = '2026-05-01T12:00:00Z'): GatewayInput {
  const c = loadGatewayCase(read(caseName), caseName);
  return { snapshot: c.snapshot, mcs: translateMcs({ snapshot: c.snapshot, now, state: EMPTY_MCS_STATE }), now };
}

function deepFreeze<T>(value: T): T {
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return Object.freeze(value);
}

/** The same fleet with every cluster's objects in reverse order. */
function reversed(snapshot: FleetSnapshot): FleetSnapshot {
  const clusters = new Map<ClusterSnapshot['cluster'], ClusterSnapshot>();
  for (const [name, snap] of [...snapshot.clusters].reverse()) clusters.set(name, { cluster: name, objects: [...snap.objects].reverse() });
  return { fleetObjects: [...snapshot.fleetObjects].reverse(), clusters };
}

describe('translateGateway', () => {
  it('never mutates its input and gives the same result twice', () => {
    const frozen = deepFreeze(input('serviceimport-backends'));
    const a = translateGateway(frozen);
    const b = translateGateway(frozen);
    assert.deepEqual(a, b);
    assert.ok(a.ir.listeners.length > 0);
  });

  it('does not depend on the order of objects in the snapshot', () => {
    for (const name of ['precedence-tie-order', 'listener-conflicts', 'hostnames-listener-isolation']) {
      const i = input(name);
      assert.deepEqual(translateGateway({ ...i, snapshot: reversed(i.snapshot) }), translateGateway(i), name);
    }
  });

  it('keeps lastTransitionTime while a condition holds and moves it when the status changes', () => {
    const first = translateGateway(input('basic-service-backend', '2026-05-01T12:00:00Z'));
    const later = input('basic-service-backend', '2026-05-02T00:00:00Z');
    const same = translateGateway({ ...later, previous: first });
    const times = (r: typeof first): string[] => r.httpRoutes.flatMap((x) => x.route.status.parents.flatMap((p) => p.conditions.map((c) => c.lastTransitionTime)));
    assert.deepEqual(new Set(times(same)), new Set(['2026-05-01T12:00:00Z']));

    // Remove the Service: ResolvedRefs flips to False (new time), Accepted stays True (old time).
    const objects = [...(later.snapshot.clusters.values().next().value?.objects ?? [])].filter((s) => s.object.kind !== 'Service');
    const clusters = new Map([...later.snapshot.clusters].map(([k, v]) => [k, { ...v, objects }]));
    const changed = translateGateway({ ...later, snapshot: { ...later.snapshot, clusters }, previous: first });
    const conditions = changed.httpRoutes.find((r) => r.route.metadata.name === 'hello')?.route.status.parents[0]?.conditions ?? [];
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.lastTransitionTime]),
      [
        ['Accepted', 'True', '2026-05-01T12:00:00Z'],
        ['ResolvedRefs', 'False', '2026-05-02T00:00:00Z'],
      ],
    );
  });

  it('only manages GatewayClasses with its controllerName', () => {
    const result = translateGateway({ ...input('basic-service-backend'), controllerName: 'example.com/other-controller' });
    assert.deepEqual(result.gateways.map((g) => g.gateway.metadata.name), ['foreign']);
    assert.deepEqual(result.httpRoutes.map((r) => r.route.metadata.name), ['not-ours']);
    assert.deepEqual(result.ir.listeners.map((l) => l.key), ['127.0.0.11:80']);
  });

  it('serves only upstreams that programmed rules use', () => {
    // filters: routes that are not accepted resolve backends for status, but add no upstream.
    const result = translateGateway(input('filters'));
    const used = new Set(result.ir.listeners.flatMap((l) => l.virtualHosts.flatMap((v) => v.routes.flatMap((r) => [...r.backends.map((b) => b.upstream), ...(r.filters.mirrors ?? []).map((m) => m.upstream)]))));
    assert.deepEqual(result.ir.upstreams.map((u) => u.key).filter((k) => !used.has(k)), []);
  });

  it('reads the MCS source-region annotation the MCS controller writes', () => {
    assert.equal(SOURCE_REGION_ANNOTATION, MCS_SOURCE_REGION);
    // An McsResult is an McsView (compile-time check).
    const view: McsView = translateMcs({ snapshot: { fleetObjects: [], clusters: new Map() }, now: '2026-05-01T12:00:00Z', state: EMPTY_MCS_STATE }) satisfies McsResult;
    assert.deepEqual(view.clusters, []);
  });
});
