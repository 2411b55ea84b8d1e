import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProbeBook } from './probes.ts';
import type { ProbeTarget } from './types.ts';

const target = (key: string, failureThreshold = 3, successThreshold = 2): ProbeTarget => ({
  key,
  hostname: 'cases.example.com',
  cluster: 'c1',
  address: '127.0.0.1',
  port: 8080,
  path: '/healthz',
  intervalMs: 1000,
  timeoutMs: 500,
  failureThreshold,
  successThreshold,
});

describe('probe book', () => {
  it('probes each target once per interval and never twice at once', () => {
    const book = new ProbeBook();
    const t = target('a');
    assert.deepEqual(book.due([t], 0).map((x) => x.key), ['a']);
    assert.deepEqual(book.due([t], 2000), [], 'still in flight');
    book.record(t, { ok: true, detail: '200' });
    assert.deepEqual(book.due([t], 999), []);
    assert.deepEqual(book.due([t], 2000).map((x) => x.key), ['a']);
  });

  it('decides on the first result, then flips only after the thresholds', () => {
    const book = new ProbeBook();
    const t = target('a', 3, 2);
    const step = (ok: boolean): boolean => {
      book.due([t], Number.MAX_SAFE_INTEGER);
      return book.record(t, { ok, detail: ok ? '200' : 'ECONNREFUSED' });
    };
    assert.equal(step(true), true, 'first verdict');
    assert.deepEqual(book.verdicts()['a'], { ok: true, detail: '200 (1 success in a row, threshold 2)' });
    assert.equal(step(false), false);
    assert.equal(step(false), false);
    assert.equal(book.verdicts()['a']?.ok, true, 'two failures are below the threshold of 3');
    assert.equal(step(false), true);
    assert.deepEqual(book.verdicts()['a'], { ok: false, detail: 'ECONNREFUSED (3 failures in a row, threshold 3)' });
    assert.equal(step(true), false, 'one success is below the threshold of 2');
    assert.equal(book.states().get('a')?.last?.streak, '1 success in a row, threshold 2');
    assert.equal(step(true), true);
    const first = new ProbeBook();
    first.due([t], 0);
    assert.equal(first.record(t, { ok: false, detail: '503' }), true);
    assert.equal(first.verdicts()['a']?.ok, false, 'a first failure counts at once: nothing says the target ever answered');
  });

  it('forgets targets that are gone', () => {
    const book = new ProbeBook();
    book.due([target('a'), target('b')], 0);
    book.record(target('a'), { ok: true, detail: '200' });
    book.due([target('b')], 5000);
    assert.deepEqual(Object.keys(book.verdicts()), []);
    assert.deepEqual([...book.states().keys()], ['b']);
  });
});
