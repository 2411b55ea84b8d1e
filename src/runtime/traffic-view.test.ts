/**
 * The console's traffic edges from cumulative gateway counters: rates over the window, 5xx
 * ratio, p99 from the latency buckets, counter resets, no traffic, and edges that drain.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PairTraffic, TrafficSample } from '../ir/index.ts';
import type { TrafficView } from './console-contract.ts';
import { advanceTraffic, EMPTY_TRAFFIC_WINDOW, quantileMs, type TrafficWindow } from './traffic-view.ts';

const BOUNDS = [1, 10, 100];

/** A pair whose requests all fell in bucket `bucket` (index into BOUNDS, 3 = +Inf). */
function pair(entry: string, destination: string, requests: number, errors5xx = 0, bucket = 1): PairTraffic {
  const buckets = [0, 0, 0, 0];
  buckets[bucket] = requests;
  return { entry, destination, requests, errors5xx, buckets };
}
const sample = (...pairs: PairTraffic[]): TrafficSample => ({ bucketBoundsMs: BOUNDS, pairs });

/** Feeds samples one second apart from t=0 and returns the last view and window. */
function run(samples: readonly TrafficSample[], startMs = 0, window: TrafficWindow = EMPTY_TRAFFIC_WINDOW) {
  let w = window;
  let view: TrafficView | undefined;
  samples.forEach((s, i) => {
    ({ window: w, view } = advanceTraffic(w, s, startMs + i * 1000));
  });
  return { window: w, view: view as TrafficView };
}

describe('advanceTraffic', () => {
  test('the first sample has no rate and no edges: cumulative counts say nothing about when', () => {
    const { view } = run([sample(pair('jkt', 'sgp', 500))]);
    assert.deepEqual(view, { windowSeconds: 0, edges: [] });
  });

  test('no traffic at all: no edges', () => {
    const { view } = run([sample(), sample(), sample()]);
    assert.deepEqual(view.edges, []);
  });

  test('req/s, 5xx ratio and requests over the window, sorted by entry then destination', () => {
    const { view } = run([
      sample(pair('jkt', 'jkt', 0), pair('jkt', 'sgp', 100)),
      sample(pair('jkt', 'jkt', 10), pair('jkt', 'sgp', 110, 1)),
      sample(pair('jkt', 'jkt', 20), pair('jkt', 'sgp', 130, 4), pair('tyo', 'none', 3, 3)),
    ]);
    assert.equal(view.windowSeconds, 2);
    assert.deepEqual(view.edges, [
      { entry: 'jkt', destination: 'jkt', rps: 10, errorRatio: 0, p99Ms: 9.9, requests: 20 },
      { entry: 'jkt', destination: 'sgp', rps: 15, errorRatio: 0.1333, p99Ms: 9.9, requests: 30 },
      // A pair that appears counts from zero.
      { entry: 'tyo', destination: 'none', rps: 1.5, errorRatio: 1, p99Ms: 9.9, requests: 3 },
    ]);
  });

  test('the window is the last few seconds: old traffic leaves the rate', () => {
    const samples = [0, 100, 200, 300, 400, 500, 500, 500, 500, 500, 500].map((n) => sample(pair('jkt', 'sgp', n)));
    assert.equal(run(samples.slice(0, 6)).view.edges[0]?.rps, 100);
    const { view } = run(samples);
    assert.equal(view.windowSeconds, 5);
    assert.deepEqual(view.edges, [{ entry: 'jkt', destination: 'sgp', rps: 0, errorRatio: 0, requests: 0 }], 'drained: still an edge, at rate 0, without a p99');
  });

  test('a pair seen in the last minute stays at rate 0, then goes', () => {
    const { window } = run([sample(pair('jkt', 'sgp', 0)), sample(pair('jkt', 'sgp', 10))]);
    // The pair's traffic was last seen at t=1 s; later samples show nothing new.
    const within = advanceTraffic(window, sample(pair('jkt', 'sgp', 10)), 61_000).view;
    assert.deepEqual(within.edges.map((e) => [e.entry, e.destination, e.rps]), [['jkt', 'sgp', 0]]);
    const past = advanceTraffic(window, sample(pair('jkt', 'sgp', 10)), 61_001).view;
    assert.deepEqual(past.edges, []);
  });

  test('a counter reset (the data plane restarted) counts from zero instead of going negative', () => {
    const { view } = run([sample(pair('jkt', 'sgp', 1000)), sample(pair('jkt', 'sgp', 1010)), sample(pair('jkt', 'sgp', 5))]);
    assert.equal(view.edges[0]?.requests, 15, '10 before the restart, 5 after');
    assert.equal(view.edges[0]?.rps, 7.5);
  });

  test('a reset seen only in the buckets or the 5xx count is a reset too', () => {
    const before = pair('jkt', 'sgp', 10, 2, 0);
    const after: PairTraffic = { ...pair('jkt', 'sgp', 10, 1, 2) };
    const { view } = run([sample(before), sample(after)]);
    assert.deepEqual(view.edges[0], { entry: 'jkt', destination: 'sgp', rps: 10, errorRatio: 0.1, p99Ms: 99.1, requests: 10 });
  });

  test('a pair missing from a later sample (restart without it) and back counts from zero', () => {
    const { view } = run([sample(pair('jkt', 'sgp', 50)), sample(), sample(pair('jkt', 'sgp', 4))]);
    assert.equal(view.edges[0]?.requests, 4);
  });

  test('a clock that steps back drops the samples from the future', () => {
    const { window } = run([sample(pair('jkt', 'sgp', 0)), sample(pair('jkt', 'sgp', 10))], 10_000);
    const { view, window: next } = advanceTraffic(window, sample(pair('jkt', 'sgp', 20)), 5_000);
    assert.ok(next.samples.every((s) => s.atMs <= 5_000));
    assert.equal(view.windowSeconds, 0);
    assert.ok(view.edges.every((e) => Number.isFinite(e.rps) && e.rps >= 0));
  });

  test('a slow tick still yields a rate over the span since the previous sample', () => {
    const w = run([sample(pair('jkt', 'sgp', 0))]).window;
    const { view } = advanceTraffic(w, sample(pair('jkt', 'sgp', 100)), 10_000);
    assert.deepEqual(view.edges, [{ entry: 'jkt', destination: 'sgp', rps: 10, errorRatio: 0, p99Ms: 9.9, requests: 100 }]);
  });

  test('the input window is not mutated', () => {
    const { window } = run([sample(pair('jkt', 'sgp', 0)), sample(pair('jkt', 'sgp', 10))]);
    const frozen = JSON.stringify(window);
    advanceTraffic(window, sample(pair('jkt', 'sgp', 30)), 2_000);
    assert.equal(JSON.stringify(window), frozen);
  });
});

describe('quantileMs', () => {
  test('no observations: undefined', () => {
    assert.equal(quantileMs(0.99, [0, 0, 0, 0], BOUNDS), undefined);
  });

  test('interpolates linearly inside the bucket the rank falls in', () => {
    // 100 observations: 50 in (0,1], 50 in (1,10]. p50 is the top of the first bucket, p99 near the top of the second.
    assert.equal(quantileMs(0.5, [50, 50, 0, 0], BOUNDS), 1);
    assert.equal(quantileMs(0.75, [50, 50, 0, 0], BOUNDS), 5.5);
    assert.ok(Math.abs((quantileMs(0.99, [50, 50, 0, 0], BOUNDS) ?? 0) - 9.82) < 1e-9);
  });

  test('the first bucket starts at 0', () => {
    assert.equal(quantileMs(0.5, [10, 0, 0, 0], BOUNDS), 0.5);
  });

  test('in the unbounded bucket: the highest finite bound', () => {
    assert.equal(quantileMs(0.99, [1, 0, 0, 99], BOUNDS), 100);
  });

  test('empty buckets before the rank are skipped', () => {
    assert.equal(quantileMs(0.5, [0, 0, 4, 0], BOUNDS), 55);
  });
});
