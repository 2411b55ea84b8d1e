import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then waits for the refill (on a fake clock)', async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket({
      ratePerSecond: 10,
      burst: 3,
      clock: () => now,
      sleep: (ms) => {
        waits.push(ms);
        now += ms;
        return Promise.resolve();
      },
    });
    for (let i = 0; i < 3; i++) await bucket.take();
    assert.deepEqual(waits, [], 'the burst needs no wait');
    await bucket.take();
    await bucket.take();
    assert.deepEqual(waits, [100, 100], 'then one token per 100 ms at 10/s');
    now += 10_000;
    for (let i = 0; i < 3; i++) await bucket.take();
    assert.deepEqual(waits, [100, 100], 'an idle bucket refills to its burst, never beyond');
    await bucket.take();
    assert.equal(waits.length, 3);
  });

  it('refuses a rate or burst that would never let anything through', () => {
    assert.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 1 }), /ratePerSecond must be > 0/);
  });
});
