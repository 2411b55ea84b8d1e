import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterView, FleetView } from '../api/types.ts';
import { boxExit, edgeGeometry, LAYOUT, layoutFleet } from './fleet-layout.ts';

const cluster = (name: string, region: string, gateways = 1): ClusterView => ({
  name,
  region,
  layers: { ready: 'ok', regional: 'ok', failover: 'unknown', business: 'unknown' },
  failing: [],
  drained: false,
  gateways: Array.from({ length: gateways }, (_, i) => ({ name: `ns/gw-${String(i)}`, programmed: true })),
  exports: 0,
  imports: 0,
});
const fleet = (regions: Record<string, number>): FleetView => ({
  regions: Object.entries(regions).map(([name, n]) => ({ name, clusters: Array.from({ length: n }, (_, i) => cluster(`${name}-${String(i)}`, name)) })),
});

describe('fleet map layout', () => {
  it('puts regions side by side and clusters below each other without overlap', () => {
    const l = layoutFleet(fleet({ jkt: 1, sgp: 2, tyo: 1 }));
    assert.deepEqual(l.regions.map((r) => r.name), ['jkt', 'sgp', 'tyo']);
    assert.ok((l.regions[0]?.x ?? 0) < (l.regions[1]?.x ?? 0));
    const [a, b] = l.regions[1]?.clusters ?? [];
    assert.ok(a !== undefined && b !== undefined && a.y + a.height < b.y);
    assert.equal(l.clusters.size, 4);
    assert.ok([...l.clusters.values()].every((c) => c.x + c.width <= l.width && c.y + c.height <= l.height));
  });

  it('wraps regions into rows at fleet scale (20 clusters) and stays inside the canvas', () => {
    const l = layoutFleet(fleet({ a: 4, b: 4, c: 4, d: 4, e: 4 }));
    assert.equal(l.clusters.size, 20);
    assert.equal(l.regions[4]?.x, LAYOUT.pad, 'the fifth region starts a new row');
    assert.ok((l.regions[4]?.y ?? 0) > (l.regions[0]?.y ?? 0) + (l.regions[0]?.height ?? 0));
    assert.ok([...l.clusters.values()].every((c) => c.y + c.height <= l.height));
  });

  it('grows a cluster box with its gateways', () => {
    const l = layoutFleet({ regions: [{ name: 'r', clusters: [cluster('one', 'r', 1), cluster('three', 'r', 3)] }] });
    assert.equal((l.clusters.get('three')?.height ?? 0) - (l.clusters.get('one')?.height ?? 0), 2 * LAYOUT.gatewayLine);
  });
});

describe('edge geometry', () => {
  const A = { x: 0, y: 0, width: 100, height: 50 };
  const B = { x: 300, y: 0, width: 100, height: 50 };

  it('leaves a box on its border, towards the other box', () => {
    assert.deepEqual(boxExit(A, { x: 350, y: 25 }), { x: 100, y: 25 });
    assert.deepEqual(boxExit(A, { x: 50, y: 500 }), { x: 50, y: 50 });
  });

  it('draws A→B and B→A as two different curves between the borders', () => {
    const ab = edgeGeometry(A, B);
    const ba = edgeGeometry(B, A);
    assert.match(ab.d, /^M 100 25 Q 200 -? ?\d/);
    assert.notEqual(ab.d, ba.d);
    assert.ok(ab.label.y < 25 && ba.label.y > 25, 'each bows to its own side');
  });

  it('loops back into the same box for traffic a cluster answered itself', () => {
    const g = edgeGeometry(A, A);
    assert.match(g.d, /^M 100 11 C /);
    assert.ok(g.label.x > 100);
  });
});
