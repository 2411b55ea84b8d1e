import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyFraction, murmur3, rendezvousPick, rendezvousScore } from './rendezvous.ts';

const id = (s: string): string => s;

describe('murmur3', () => {
  it('is deterministic and sensitive to every character', () => {
    assert.equal(murmur3(''), 0);
    assert.equal(murmur3('JKT-1'), murmur3('JKT-1'));
    assert.notEqual(murmur3('JKT-1'), murmur3('JKT-2'));
    assert.notEqual(murmur3('abc', 1), murmur3('abc'));
  });

  it('is pinned: these values must never change (they decide data ownership across releases)', () => {
    assert.deepEqual(
      ['a', 'ab', 'abc', 'case-42', 'SGP-7\u0000sgp-prod-1'].map((s) => murmur3(s)),
      [1867108634, 374890698, 1118836419, 1584207509, 1328209614],
    );
    assert.equal(rendezvousScore('SGP-7', 'sgp-prod-1'), 1328209614);
  });
});

describe('rendezvousPick', () => {
  const nodes = ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'];

  it('is independent of the order of nodes', () => {
    for (let i = 0; i < 200; i++) {
      const key = `case-${i}`;
      assert.equal(rendezvousPick(key, nodes, id), rendezvousPick(key, [...nodes].reverse(), id));
    }
  });

  it('returns undefined for no nodes', () => {
    assert.equal(rendezvousPick('x', [], id), undefined);
  });

  it('moves only the keys of a removed node, each to its runner-up', () => {
    const endpoints = Array.from({ length: 10 }, (_, i) => `10.0.0.${i}:8080`);
    const removed = '10.0.0.3:8080';
    const rest = endpoints.filter((e) => e !== removed);
    let moved = 0;
    for (let i = 0; i < 5000; i++) {
      const key = `session-${i}`;
      const before = rendezvousPick(key, endpoints, id);
      const after = rendezvousPick(key, rest, id);
      if (before === removed) {
        moved += 1;
        // The runner-up: the best of the others.
        const ranked = [...rest].sort((a, b) => rendezvousScore(key, b) - rendezvousScore(key, a));
        assert.equal(after, ranked[0]);
      } else {
        assert.equal(after, before, `key ${key} moved although its node stayed`);
      }
    }
    // Roughly a tenth of the keys lived on the removed node (binomial: 500 ± 4σ ≈ 85).
    assert.ok(moved > 415 && moved < 585, `moved ${moved}`);
  });

  it('spreads keys evenly (chi-square, 3 nodes × 30,000 keys)', () => {
    const counts = new Map(nodes.map((n) => [n, 0]));
    const total = 30_000;
    for (let i = 0; i < total; i++) {
      const n = rendezvousPick(`k${i}`, nodes, id) as string;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const expected = total / nodes.length;
    const chi = [...counts.values()].reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    // 2 degrees of freedom: p = 1e-6 at χ² ≈ 27.6.
    assert.ok(chi < 27.6, `chi-square ${chi.toFixed(2)} counts ${JSON.stringify([...counts])}`);
  });
});

describe('keyFraction', () => {
  it('is stable and in [0, 1)', () => {
    for (let i = 0; i < 1000; i++) {
      const f = keyFraction(`u${i}`);
      assert.ok(f >= 0 && f < 1);
      assert.equal(f, keyFraction(`u${i}`));
    }
  });
});
