import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planShape, shapeKey, weightedLoads } from './plan-shape.ts';

const jkt = { cluster: 'jkt-prod-1', region: 'ap-southeast-3', zone: 'a' };
const sgp = { cluster: 'sgp-prod-1', region: 'ap-southeast-1' };
const tyo = { cluster: 'tyo-prod-1', region: 'ap-northeast-1' };
const none = new Set<string>();

describe('planShape', () => {
  it('LocalPreferred (and no policy) uses the four locality priorities', () => {
    for (const loc of [undefined, { mode: 'LocalPreferred' as const }, { mode: 'Owner' as const }]) {
      const s = planShape(loc, jkt, none);
      assert.equal(s.levels, 4);
      assert.equal(s.levelOf({ ...jkt }), 0);
      assert.equal(s.levelOf({ cluster: 'jkt-prod-1', region: 'ap-southeast-3' }), 1);
      assert.equal(s.levelOf(sgp), 3);
    }
  });

  it('LocalOnly drops every other cluster', () => {
    const s = planShape({ mode: 'LocalOnly' }, jkt, none);
    assert.equal(s.levelOf(jkt), 0);
    assert.equal(s.levelOf(sgp), -1);
    assert.equal(s.levelOf(tyo), -1);
  });

  it('FailoverPriority: entry first, then the list in order, unlisted excluded', () => {
    const s = planShape({ mode: 'FailoverPriority', failoverPriority: ['tyo-prod-1', 'jkt-prod-1'] }, jkt, none);
    assert.deepEqual(s.levelClusters, ['jkt-prod-1', 'tyo-prod-1']);
    assert.equal(s.levelOf(jkt), 0);
    assert.equal(s.levelOf(tyo), 1);
    assert.equal(s.levelOf(sgp), -1);
    // The 1.4 spill applies between the levels: half of jkt healthy → 70/30.
    assert.deepEqual(s.loads([{ healthy: 1, total: 2 }, { healthy: 2, total: 2 }]).load, [70, 30]);
  });

  it('Weighted: one level per listed cluster, unlisted excluded', () => {
    const s = planShape({ mode: 'Weighted', weights: [{ cluster: 'jkt-prod-1', weight: 90 }, { cluster: 'sgp-prod-1', weight: 10 }] }, jkt, none);
    assert.equal(s.levelOf(sgp), 1);
    assert.equal(s.levelOf(tyo), -1);
    assert.deepEqual(s.loads([{ healthy: 2, total: 2 }, { healthy: 1, total: 2 }]).load, [90, 10]);
    // An unhealthy cluster's share goes to the others.
    assert.deepEqual(s.loads([{ healthy: 0, total: 2 }, { healthy: 1, total: 2 }]).load, [0, 100]);
  });

  it('CapacityAware: capacities 40 and 80 → 33 % / 67 %, scaled by healthy fraction', () => {
    const s = planShape({ mode: 'CapacityAware', weights: [{ cluster: 'jkt-prod-1', weight: 40 }, { cluster: 'sgp-prod-1', weight: 80 }] }, jkt, none);
    const all = s.loads([{ healthy: 4, total: 4 }, { healthy: 4, total: 4 }]).load;
    assert.equal(Math.round(all[0] ?? 0), 33);
    assert.equal(Math.round(all[1] ?? 0), 67);
    // sgp at half health: 40×1 vs 80×0.5 → 50/50.
    assert.deepEqual(s.loads([{ healthy: 4, total: 4 }, { healthy: 2, total: 4 }]).load, [50, 50]);
  });

  it('owner shape: only the owner, never panic', () => {
    const s = planShape(undefined, jkt, none, 'sgp-prod-1');
    assert.equal(s.levelOf(sgp), 0);
    assert.equal(s.levelOf(jkt), -1);
    assert.deepEqual(s.loads([{ healthy: 0, total: 3 }]), { load: [100], panic: [false] });
    assert.equal(planShape(undefined, jkt, new Set(['sgp-prod-1']), 'sgp-prod-1').levelOf(sgp), -1);
  });

  it('excluded clusters get no level in any mode', () => {
    const ex = new Set(['jkt-prod-1']);
    assert.equal(planShape(undefined, jkt, ex).levelOf(jkt), -1);
    assert.equal(planShape({ mode: 'LocalOnly' }, jkt, ex).levelOf(jkt), -1);
    assert.equal(planShape({ mode: 'FailoverPriority', failoverPriority: [] }, jkt, ex).levelOf(jkt), -1);
  });
});

describe('weightedLoads', () => {
  it('is all zero when nothing is healthy', () => {
    assert.deepEqual(weightedLoads([1, 2], [{ healthy: 0, total: 1 }, { healthy: 0, total: 1 }], false).load, [0, 0]);
  });
});

describe('shapeKey', () => {
  it('shares the default plan between LocalPreferred policies and separates owners', () => {
    assert.equal(shapeKey(undefined, undefined, undefined), '');
    assert.equal(shapeKey({ mode: 'LocalPreferred' }, undefined, 'a/b'), '');
    assert.notEqual(shapeKey(undefined, 'x', undefined), shapeKey(undefined, 'y', undefined));
    assert.notEqual(shapeKey({ mode: 'LocalOnly' }, undefined, 'a/b'), shapeKey({ mode: 'LocalOnly' }, undefined, 'a/c'));
  });
});
