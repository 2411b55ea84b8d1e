import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, createRetryBudget, retryBudgetLimit } from './retry-budget.ts';
import { seededRandom } from './test-support.ts';

describe('retry budget', () => {
  it('allows max(3, 20 % of active requests)', () => {
    const cases: [number, number][] = [[0, 3], [1, 3], [15, 3], [19, 3], [20, 4], [24, 4], [25, 5], [100, 20], [1000, 200]];
    for (const [active, want] of cases) assert.equal(retryBudgetLimit(active), want, `active ${String(active)}`);
  });

  it('hands out slots up to the limit and takes them back', () => {
    const budget = createRetryBudget();
    assert.equal(budget.tryAcquire(0), true);
    assert.equal(budget.tryAcquire(0), true);
    assert.equal(budget.tryAcquire(0), true);
    assert.equal(budget.tryAcquire(0), false);
    assert.equal(budget.tryAcquire(20), true, 'more active requests raise the limit to 4');
    assert.equal(budget.tryAcquire(20), false);
    budget.release();
    assert.equal(budget.inFlight(), 3);
    assert.equal(budget.tryAcquire(0), false, 'still at the minimum of 3');
    assert.equal(budget.tryAcquire(20), true);
    for (let i = 0; i < 10; i += 1) budget.release();
    assert.equal(budget.inFlight(), 0, 'never below zero');
  });
});

describe('backoffDelayMs', () => {
  it('stays within [25, 250] ms by default and grows with the attempt', () => {
    const random = seededRandom(7);
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      for (let i = 0; i < 200; i += 1) {
        const d = backoffDelayMs(attempt, random);
        assert.ok(d >= 25 && d <= 250, `attempt ${String(attempt)}: ${String(d)}`);
        assert.ok(d <= 25 * 2 ** attempt, 'exponential ceiling');
      }
    }
  });

  it('hits the ends of the range for extreme random values', () => {
    assert.equal(backoffDelayMs(1, () => 0), 25);
    assert.equal(backoffDelayMs(1, () => 0.999999), 49);
    assert.equal(backoffDelayMs(2, () => 0.999999), 99);
    assert.equal(backoffDelayMs(9, () => 0.999999), 249);
    assert.equal(backoffDelayMs(9, () => 1), 250, 'a random source returning 1 is clamped');
  });

  it('uses baseMs as the floor and 10 × baseMs as the cap', () => {
    assert.equal(backoffDelayMs(1, () => 0, 100), 100);
    assert.equal(backoffDelayMs(8, () => 0.999999, 100), 999);
    const random = seededRandom(3);
    for (let i = 0; i < 100; i += 1) {
      const d = backoffDelayMs(3, random, 100);
      assert.ok(d >= 100 && d < 800);
    }
  });
});
