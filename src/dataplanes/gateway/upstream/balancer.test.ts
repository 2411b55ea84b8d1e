import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseP2C, chooseRoundRobin, pickFromPlan, type Balanceable, type LevelPlan, type Plan } from './balancer.ts';
import { seededRandom } from './test-support.ts';

interface E extends Balanceable {
  active: number;
}

const mk = (key: string, cluster = 'c1', active = 0): E => ({ ref: { key, address: key, port: 80, cluster }, active });
const level = (healthy: E[], all: E[] = healthy, lastResort: E[] = []): LevelPlan<E> => ({ healthy, all, lastResort });
const emptyLevel = level([]);
const ctx = { entryCluster: 'c1' };

function counts(n: number, pick: () => E | undefined): Map<string, number> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i += 1) {
    const e = pick();
    const k = e?.ref.key ?? '(none)';
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return seen;
}

describe('chooseP2C', () => {
  it('spreads evenly over idle endpoints', () => {
    const eps = [mk('a'), mk('b'), mk('c'), mk('d')];
    const seen = counts(8000, () => chooseP2C(eps, rnd));
    for (const e of eps) {
      const n = seen.get(e.ref.key) ?? 0;
      assert.ok(n > 1700 && n < 2300, `${e.ref.key}: ${String(n)}`);
    }
  });

  it('never picks the busiest endpoint when two distinct choices are made', () => {
    const eps = [mk('a', 'c1', 0), mk('b', 'c1', 50), mk('c', 'c1', 1)];
    const seen = counts(3000, () => chooseP2C(eps, rnd));
    assert.equal(seen.get('b'), undefined);
    assert.ok((seen.get('a') ?? 0) > (seen.get('c') ?? 0), 'the least loaded wins more often');
  });

  it('handles 0, 1 and 2 candidates', () => {
    assert.equal(chooseP2C([], rnd), undefined);
    const one = mk('x');
    assert.equal(chooseP2C([one], rnd), one);
    const pair = [mk('p', 'c1', 3), mk('q', 'c1', 1)];
    for (let i = 0; i < 20; i += 1) assert.equal(chooseP2C(pair, rnd)?.ref.key, 'q');
  });
});

const rnd = seededRandom(42);

describe('chooseRoundRobin', () => {
  it('cycles through candidates', () => {
    const eps = [mk('a'), mk('b'), mk('c')];
    const state = { cursor: 0 };
    const got = Array.from({ length: 6 }, () => chooseRoundRobin(eps, state)?.ref.key);
    assert.deepEqual(got, ['a', 'b', 'c', 'a', 'b', 'c']);
  });
});

describe('pickFromPlan', () => {
  const a = mk('a'); // P0
  const b = mk('b'); // P1
  const r = mk('r', 'c2'); // P3
  const plan: Plan<E> = { load: [70, 30, 0, 0], panic: [false, false, false, false], levels: [level([a]), level([b]), emptyLevel, level([r])] };

  it('splits traffic by priority load', () => {
    const seen = counts(10_000, () => pickFromPlan(plan, ctx, rnd));
    const share = (seen.get('a') ?? 0) / 10_000;
    assert.ok(share > 0.66 && share < 0.74, `P0 share ${String(share)}`);
    assert.equal(seen.get('r'), undefined, 'no load on P3');
  });

  it('honours exclude, falling back to a zero-load level', () => {
    const seen = counts(200, () => pickFromPlan(plan, { ...ctx, exclude: new Set(['a', 'b']) }, rnd));
    assert.deepEqual([...seen.keys()], ['r']);
  });

  it('renormalises over levels that still have candidates', () => {
    const seen = counts(200, () => pickFromPlan(plan, { ...ctx, exclude: new Set(['a']) }, rnd));
    assert.deepEqual([...seen.keys()], ['b']);
  });

  it('prefers other clusters with avoidClusters, and falls back when there are none', () => {
    const seen = counts(200, () => pickFromPlan(plan, { ...ctx, avoidClusters: new Set(['c1']) }, rnd));
    assert.deepEqual([...seen.keys()], ['r']);
    const only = { ...plan, levels: [level([a]), emptyLevel, emptyLevel, emptyLevel] };
    assert.equal(pickFromPlan(only, { ...ctx, avoidClusters: new Set(['c1']) }, rnd), a);
  });

  it('treats exclude as soft: the only endpoint is retried rather than nothing', () => {
    const only = { ...plan, load: [100, 0, 0, 0], levels: [level([a]), emptyLevel, emptyLevel, emptyLevel] };
    assert.equal(pickFromPlan(only, { ...ctx, exclude: new Set(['a']) }, rnd), a);
  });

  it('uses every endpoint of a level in panic, healthy or not', () => {
    const sick = mk('sick');
    const panicPlan: Plan<E> = { load: [100, 0, 0, 0], panic: [true, true, true, true], levels: [level([], [sick]), emptyLevel, emptyLevel, emptyLevel] };
    assert.equal(pickFromPlan(panicPlan, ctx, rnd), sick);
    const calm = { ...panicPlan, panic: [false, false, false, false] };
    assert.equal(pickFromPlan(calm, ctx, rnd), undefined);
  });

  it('uses terminating endpoints only as a last resort', () => {
    const term = mk('term');
    const withHealthy: Plan<E> = { ...plan, levels: [level([a], [a, term], [term]), level([b]), emptyLevel, level([r])] };
    const seen = counts(500, () => pickFromPlan(withHealthy, ctx, rnd));
    assert.equal(seen.get('term'), undefined);
    const noneHealthy: Plan<E> = { load: [0, 0, 0, 0], panic: [false, false, false, false], levels: [level([], [term], [term]), emptyLevel, emptyLevel, emptyLevel] };
    assert.equal(pickFromPlan(noneHealthy, ctx, rnd), term);
    // A retry prefers a terminating endpoint over the one that just failed.
    const retry: Plan<E> = { load: [100, 0, 0, 0], panic: [false, false, false, false], levels: [level([a], [a, term], [term]), emptyLevel, emptyLevel, emptyLevel] };
    assert.equal(pickFromPlan(retry, { ...ctx, exclude: new Set(['a']) }, rnd), term);
  });

  it('round robin inside a level when asked', () => {
    const eps = [mk('x'), mk('y')];
    const rr: Plan<E> = { load: [100, 0, 0, 0], panic: [false, false, false, false], levels: [level(eps), emptyLevel, emptyLevel, emptyLevel] };
    const state = { cursor: 0 };
    const got = Array.from({ length: 4 }, () => pickFromPlan(rr, ctx, rnd, 'round-robin', state)?.ref.key);
    assert.deepEqual(got, ['x', 'y', 'x', 'y']);
  });
});
