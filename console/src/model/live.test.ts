import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelayMs, snapshotAge } from './live.ts';

describe('reconnect back-off', () => {
  it('doubles from 0.5 s and stops at 10 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((a) => reconnectDelayMs(a, 0)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
  it('adds at most 20 % jitter', () => {
    assert.equal(reconnectDelayMs(0, 1), 600);
    assert.equal(reconnectDelayMs(9, 5), 12_000);
  });
});

describe('snapshot age', () => {
  const at = '2025-01-01T00:00:00.000Z';
  const t = Date.parse(at);
  it('reads seconds, minutes, hours', () => {
    assert.equal(snapshotAge(at, t + 1500), '1 s');
    assert.equal(snapshotAge(at, t + 125_000), '2 min');
    assert.equal(snapshotAge(at, t + 3 * 3_600_000), '3 h');
  });
  it('never goes negative and shows ? for an unreadable time', () => {
    assert.equal(snapshotAge(at, t - 5000), '0 s');
    assert.equal(snapshotAge('nope', t), '?');
  });
});
