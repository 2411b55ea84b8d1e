/** Tests of the read-your-writes memory: bounded in time and in keys, per policy. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentWrites } from './recent-writes.ts';

describe('RecentWrites', () => {
  it('remembers a key for the window, refreshed by a rewrite', () => {
    let now = 1_000;
    const book = new RecentWrites(() => now);
    book.record('ns/cases', 'SGP-1', 10_000, 100);
    assert.equal(book.has('ns/cases', 'SGP-1'), true);
    assert.equal(book.has('ns/other', 'SGP-1'), false, 'per policy');
    assert.equal(book.has('ns/cases', 'SGP-2'), false);
    now += 9_999;
    assert.equal(book.has('ns/cases', 'SGP-1'), true);
    book.record('ns/cases', 'SGP-1', 10_000, 100);
    now += 9_999;
    assert.equal(book.has('ns/cases', 'SGP-1'), true, 'the rewrite restarted the window');
    now += 1;
    assert.equal(book.has('ns/cases', 'SGP-1'), false);
    assert.equal(book.size('ns/cases'), 0, 'an expired key is dropped when seen');
  });

  it('keeps at most maxKeys per policy, forgetting the least recently written, and drops expired keys as it goes', () => {
    let now = 0;
    const book = new RecentWrites(() => now);
    for (let i = 0; i < 1000; i += 1) book.record('ns/cases', `K-${String(i)}`, 60_000, 100);
    assert.equal(book.size('ns/cases'), 100);
    assert.equal(book.has('ns/cases', 'K-899'), false);
    assert.equal(book.has('ns/cases', 'K-900'), true);
    now = 120_000;
    book.record('ns/cases', 'late', 60_000, 100);
    assert.equal(book.size('ns/cases'), 1, 'the expired keys went with the next write');
  });

  it('forgets policies that left the config', () => {
    const book = new RecentWrites(() => 0);
    book.record('ns/a', 'k', 1000, 10);
    book.record('ns/b', 'k', 1000, 10);
    book.retain(new Set(['ns/b']));
    assert.deepEqual([book.has('ns/a', 'k'), book.has('ns/b', 'k')], [false, true]);
  });
});
