import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePriority, computePriorityLoad, levelHealth, localityPriority, type LevelCounts } from './priority-load.ts';

const lv = (healthy: number, total: number): LevelCounts => ({ healthy, total });
const none = lv(0, 0);

describe('computePriorityLoad', () => {
  const cases: { name: string; levels: LevelCounts[]; threshold?: number; load: number[]; panic: boolean[] }[] = [
    { name: 'all healthy P0 keeps everything', levels: [lv(10, 10), lv(10, 10), none, none], load: [100, 0, 0, 0], panic: [false, false, false, false] },
    { name: 'P0 72 % healthy still keeps everything', levels: [lv(72, 100), lv(10, 10), none, none], load: [100, 0, 0, 0], panic: [false, false, false, false] },
    { name: 'P0 71 % healthy spills 1 %', levels: [lv(71, 100), lv(10, 10), none, none], load: [99, 1, 0, 0], panic: [false, false, false, false] },
    { name: 'P0 50 % healthy → 70/30', levels: [lv(5, 10), lv(10, 10), none, none], load: [70, 30, 0, 0], panic: [false, false, false, false] },
    { name: 'P0 25 % healthy → 35/65 (no panic: NTH is 100)', levels: [lv(1, 4), lv(4, 4), none, none], load: [35, 65, 0, 0], panic: [false, false, false, false] },
    { name: 'P0 dead → all to P1', levels: [lv(0, 3), lv(3, 3), none, none], load: [0, 100, 0, 0], panic: [false, false, false, false] },
    { name: 'overflow chains through P1 into P2', levels: [lv(5, 10), lv(2, 10), lv(10, 10), none], load: [70, 28, 2, 0], panic: [false, false, false, false] },
    { name: 'empty near levels: same region takes all', levels: [none, none, lv(2, 2), lv(2, 2)], load: [0, 0, 100, 0], panic: [false, false, false, false] },
    { name: 'other regions take what the region cannot', levels: [none, lv(1, 2), none, lv(4, 4)], load: [0, 70, 0, 30], panic: [false, false, false, false] },
    { name: 'NTH < 100 normalises (panic disabled)', levels: [lv(1, 7), lv(3, 14), none, none], threshold: 0, load: [40, 60, 0, 0], panic: [false, false, false, false] },
    { name: 'NTH < 100: one level in panic, loads normalised', levels: [lv(1, 10), lv(5, 10), none, none], load: [17, 83, 0, 0], panic: [true, false, true, true] },
    { name: 'total panic: load by endpoint count', levels: [lv(2, 10), lv(1, 10), none, none], load: [50, 50, 0, 0], panic: [true, true, true, true] },
    { name: 'nothing healthy anywhere: total panic', levels: [lv(0, 4), none, none, lv(0, 4)], load: [50, 0, 0, 50], panic: [true, true, true, true] },
    { name: 'single level below threshold panics', levels: [none, lv(2, 5), none, none], load: [0, 100, 0, 0], panic: [true, true, true, true] },
    { name: 'nothing healthy and panic disabled: no load', levels: [lv(0, 4), none, none, none], threshold: 0, load: [0, 0, 0, 0], panic: [false, false, false, false] },
    { name: 'no endpoints at all', levels: [none, none, none, none], load: [0, 0, 0, 0], panic: [false, false, false, false] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = computePriorityLoad(c.levels, c.threshold === undefined ? {} : { panicThresholdPercent: c.threshold });
      assert.deepEqual(got.load, c.load);
      assert.deepEqual(got.panic, c.panic);
      const sum = got.load.reduce((a, b) => a + b, 0);
      assert.ok(sum === 100 || sum === 0);
    });
  }

  it('levelHealth applies the overprovisioning factor and caps at 100', () => {
    assert.equal(levelHealth(lv(5, 10)), 70);
    assert.equal(levelHealth(lv(8, 10)), 100);
    assert.equal(levelHealth(lv(0, 0)), 0);
  });
});

describe('localityPriority', () => {
  const entry = { cluster: 'jkt-1', region: 'ap-southeast-3', zone: 'a' };
  const cases: { name: string; ep: { cluster: string; region?: string; zone?: string }; want: number; from?: typeof entry | { cluster: string } }[] = [
    { name: 'same cluster and zone', ep: { cluster: 'jkt-1', region: 'ap-southeast-3', zone: 'a' }, want: 0 },
    { name: 'same cluster, other zone', ep: { cluster: 'jkt-1', region: 'ap-southeast-3', zone: 'b' }, want: 1 },
    { name: 'same cluster, unknown zone', ep: { cluster: 'jkt-1' }, want: 1 },
    { name: 'other cluster, same region (even same zone name)', ep: { cluster: 'jkt-2', region: 'ap-southeast-3', zone: 'a' }, want: 2 },
    { name: 'other region', ep: { cluster: 'sgp-1', region: 'ap-southeast-1', zone: 'a' }, want: 3 },
    { name: 'unknown regions never match', ep: { cluster: 'x' }, from: { cluster: 'y' }, want: 3 },
    { name: 'entry without zone: same cluster is P1', ep: { cluster: 'y', zone: 'a' }, from: { cluster: 'y' }, want: 1 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(localityPriority(c.ep, c.from ?? entry), c.want));
});

describe('choosePriority', () => {
  const load = [70, 30, 0, 0];
  it('maps r onto cumulative loads', () => {
    assert.equal(choosePriority(load, 0), 0);
    assert.equal(choosePriority(load, 0.69), 0);
    assert.equal(choosePriority(load, 0.7), 1);
    assert.equal(choosePriority(load, 0.999999), 1);
  });
  it('renormalises over allowed levels', () => {
    assert.equal(choosePriority(load, 0, (l) => l !== 0), 1);
    assert.equal(choosePriority(load, 0.99, (l) => l !== 1), 0);
  });
  it('takes the closest allowed level when allowed levels have no load', () => {
    assert.equal(choosePriority(load, 0.5, (l) => l >= 2), 2);
    assert.equal(choosePriority(load, 0.5, (l) => l === 3), 3);
  });
  it('returns -1 when nothing is allowed', () => {
    assert.equal(choosePriority(load, 0.5, () => false), -1);
  });
});
