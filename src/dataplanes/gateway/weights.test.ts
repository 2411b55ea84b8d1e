import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileWeights, pickWeighted } from './weights.ts';
import { seededRandom } from './upstream/test-support.ts';

describe('weighted backend choice', () => {
  test('weight/sum split within tolerance; weight 0 never chosen', () => {
    const t = compileWeights([
      { weight: 3, value: 'a' },
      { weight: 0, value: 'zero' },
      { weight: 1, value: 'b' },
    ]);
    const random = seededRandom(42);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const v = pickWeighted(t, random) as string;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    assert.equal(counts.get('zero'), undefined);
    const share = (counts.get('a') ?? 0) / 10_000;
    assert.ok(Math.abs(share - 0.75) < 0.02, `share of a: ${String(share)}`);
  });

  test('boundaries: r just below a cumulative edge stays on the left', () => {
    const t = compileWeights([
      { weight: 1, value: 'a' },
      { weight: 1, value: 'b' },
    ]);
    assert.equal(pickWeighted(t, () => 0), 'a');
    assert.equal(pickWeighted(t, () => 0.4999), 'a');
    assert.equal(pickWeighted(t, () => 0.5), 'b');
    assert.equal(pickWeighted(t, () => 0.9999), 'b');
  });

  test('empty and all-zero tables choose nothing; one entry needs no randomness', () => {
    assert.equal(pickWeighted(compileWeights([]), () => 0), undefined);
    assert.equal(pickWeighted(compileWeights([{ weight: 0, value: 'a' }]), () => 0), undefined);
    assert.equal(
      pickWeighted(compileWeights([{ weight: 5, value: 'only' }]), () => {
        throw new Error('not called');
      }),
      'only',
    );
  });
});
