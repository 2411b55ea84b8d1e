/** Tests of the request rates behind capacity headroom. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addLoadSample, loadRates, type LoadSample } from './load.ts';

const at = (s: number, attempts: Record<string, number>): LoadSample => ({ atMs: 1_000_000 + s * 1000, attempts });

describe('load rates from the gateways\' attempt counters', () => {
  it('is unknown until two readings span some time', () => {
    assert.equal(loadRates([]), undefined);
    assert.equal(loadRates([at(0, { jkt: 5 })]), undefined);
    assert.equal(loadRates([at(0, { jkt: 5 }), at(0, { jkt: 9 })]), undefined);
  });

  it('counts requests per second per destination cluster between the first and last reading, sorted', () => {
    const rates = loadRates([at(0, { sgp: 10, jkt: 100 }), at(1, { sgp: 20, jkt: 150 }), at(4, { sgp: 30, jkt: 400, tyo: 3 })]);
    assert.deepEqual(rates, { jkt: 75, sgp: 5, tyo: 0.75 });
    assert.deepEqual(Object.keys(rates ?? {}), ['jkt', 'sgp', 'tyo']);
  });

  it('a counter that went down (gateways restarted) counts from zero', () => {
    assert.deepEqual(loadRates([at(0, { jkt: 1000 }), at(2, { jkt: 40 })]), { jkt: 20 });
  });

  it('keeps the readings of the last window only', () => {
    let samples: LoadSample[] = [];
    for (let s = 0; s <= 15; s += 1) samples = addLoadSample(samples, at(s, { jkt: s * 30 }), 10_000);
    assert.deepEqual(samples.map((x) => (x.atMs - 1_000_000) / 1000), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    assert.deepEqual(loadRates(samples), { jkt: 30 });
    // A reading from the past (a clock step back) replaces the newer ones instead of making a negative span.
    assert.deepEqual(addLoadSample(samples, at(3, { jkt: 1 }), 10_000).map((x) => (x.atMs - 1_000_000) / 1000), [3]);
  });
});
