import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_OUTLIER_DETECTION as cfg,
  decayedMultiplier,
  eject,
  ejectionAllowed,
  expireEjection,
  isEjected,
  newOutlierState,
  recordOutcome,
  uneject,
} from './outlier.ts';

describe('outlier detection', () => {
  it('ejects after 3 consecutive gateway errors (connect failures count)', () => {
    const s = newOutlierState();
    assert.equal(recordOutcome(s, { error: 'connect' }, cfg, 0), undefined);
    assert.equal(recordOutcome(s, { status: 503 }, cfg, 0), undefined);
    assert.equal(recordOutcome(s, { error: 'timeout' }, cfg, 0), 'consecutive_gateway_errors');
  });

  it('ejects after 5 consecutive 5xx; a success or a 4xx resets', () => {
    const s = newOutlierState();
    for (let i = 0; i < 4; i += 1) assert.equal(recordOutcome(s, { status: 500 }, cfg, 0), undefined);
    assert.equal(recordOutcome(s, { status: 404 }, cfg, 0), undefined);
    for (let i = 0; i < 4; i += 1) assert.equal(recordOutcome(s, { status: 500 }, cfg, 0), undefined);
    assert.equal(recordOutcome(s, { status: 500 }, cfg, 0), 'consecutive_5xx');
  });

  it('a plain 500 breaks a run of gateway errors but still counts as 5xx', () => {
    const s = newOutlierState();
    recordOutcome(s, { error: 'reset' }, cfg, 0);
    recordOutcome(s, { error: 'reset' }, cfg, 0);
    assert.equal(recordOutcome(s, { status: 500 }, cfg, 0), undefined);
    assert.equal(s.consecutiveGateway, 0);
    assert.equal(s.consecutive5xx, 3);
  });

  it('an uncharged outcome (invalid request, client gone) neither counts nor resets the run', () => {
    const s = newOutlierState();
    recordOutcome(s, { error: 'connect' }, cfg, 0);
    recordOutcome(s, { error: 'connect' }, cfg, 0);
    const before = { ...s };
    for (let i = 0; i < 10; i += 1) assert.equal(recordOutcome(s, { uncharged: true }, cfg, 0), undefined);
    assert.deepEqual(s, before);
    assert.equal(recordOutcome(s, { error: 'connect' }, cfg, 0), 'consecutive_gateway_errors');
  });

  it('zero thresholds disable a detector', () => {
    const s = newOutlierState();
    const off = { ...cfg, consecutive5xx: 0, consecutiveGatewayErrors: 0 };
    for (let i = 0; i < 20; i += 1) assert.equal(recordOutcome(s, { error: 'connect' }, off, 0), undefined);
  });

  it('ejection time is base × multiplier, capped, and decays while healthy', () => {
    const s = newOutlierState();
    assert.equal(eject(s, cfg, 0), 30_000);
    assert.ok(isEjected(s, 29_999));
    assert.ok(!isEjected(s, 30_000));
    assert.equal(recordOutcome(s, { error: 'connect' }, cfg, 10_000), undefined, 'outcomes while ejected are ignored');
    assert.equal(expireEjection(s, 30_000), true);
    assert.equal(expireEjection(s, 30_000), false);
    assert.equal(eject(s, cfg, 30_000), 60_000, 'ejected again at once: multiplier 2');
    expireEjection(s, 90_000);
    assert.equal(eject(s, cfg, 90_500), 90_000, 'multiplier 3 (no full interval elapsed)');
    expireEjection(s, 180_500);
    assert.equal(decayedMultiplier(s, cfg, 182_500), 1, 'two intervals healthy: 3 → 1');
    assert.equal(eject(s, cfg, 182_500), 60_000);
    expireEjection(s, 242_500);
    assert.equal(eject(s, cfg, 1_000_000), 30_000, 'long healthy: back to base');
    const capped = newOutlierState();
    const small = { ...cfg, baseEjectionTimeMs: 100_000, maxEjectionTimeMs: 250_000 };
    let t = 0;
    const durations: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const d = eject(capped, small, t);
      durations.push(d);
      t += d;
      expireEjection(capped, t);
    }
    assert.deepEqual(durations, [100_000, 200_000, 250_000, 250_000]);
  });

  it('max below base: the cap is the base', () => {
    const s = newOutlierState();
    const odd = { ...cfg, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 1_000 };
    assert.equal(eject(s, odd, 0), 10_000);
  });

  it('uneject ends an ejection early and resets counters', () => {
    const s = newOutlierState();
    eject(s, cfg, 0);
    assert.equal(uneject(s, 5_000), true);
    assert.ok(!isEjected(s, 5_001));
    assert.equal(uneject(s, 5_001), false);
  });

  it('max ejection percent, with one ejection always allowed', () => {
    const cases: [number, number, number, boolean][] = [
      // ejected now, total, max %, allowed
      [0, 1, 50, true],
      [0, 3, 10, true],
      [1, 3, 50, false],
      [1, 4, 50, true],
      [2, 4, 50, false],
      [1, 2, 50, false],
      [4, 10, 50, true],
      [5, 10, 50, false],
      [9, 10, 100, true],
      [0, 0, 50, false],
    ];
    for (const [ejected, total, max, want] of cases) {
      assert.equal(ejectionAllowed(ejected, total, max), want, `${String(ejected)}/${String(total)} at ${String(max)} %`);
    }
  });
});
