import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseGatewayDuration } from './duration.ts';

const H = 3_600_000;
const M = 60_000;
const S = 1_000;

describe('parseGatewayDuration', () => {
  const valid: [string, number][] = [
    ['0s', 0],
    ['0ms', 0],
    ['0h0m0s0ms', 0],
    ['1h', H],
    ['5m', 5 * M],
    ['500ms', 500],
    ['1ms', 1],
    ['1h30m', H + 30 * M],
    ['1h30m30s500ms', H + 30 * M + 30 * S + 500],
    ['01h', H], // leading zeros are decimal, not octal
    ['00060m', H],
    ['99999h', 99_999 * H],
    ['90m', 90 * M],
    ['1m1h', H + M], // Go's ParseDuration accepts any order and sums
    ['30s30s', 60 * S],
    ['1m5s', M + 5 * S],
    ['5m1ms', 5 * M + 1],
  ];
  for (const [input, want] of valid) {
    it(`${input} = ${want}ms`, () => {
      assert.equal(parseGatewayDuration(input), want);
    });
  }

  const invalid = [
    '',
    '0',
    '1',
    '1.5s', // no floating point
    '-1s', // no sign
    '+1s',
    '100000h', // at most five digits per component
    '1d',
    '1us',
    '1ns',
    '1H',
    '1h 30m',
    ' 1h',
    '1h1m1s1ms1h', // at most four components
    'h',
    'ms',
    '1hm',
  ];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(parseGatewayDuration(input), undefined);
    });
  }
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [1_500, '1s500ms'],
    [S, '1s'],
    [M, '1m'],
    [90 * M, '1h30m'],
    [H + 500, '1h500ms'],
    [H + 30 * M + 30 * S + 500, '1h30m30s500ms'],
    [48 * H, '48h'],
    [99_999 * H + 59 * M + 59 * S + 999, '99999h59m59s999ms'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms -> ${want}`, () => {
      assert.equal(formatDuration(ms), want);
      // Canonical output must itself be a valid duration of the same length.
      assert.equal(parseGatewayDuration(want), ms);
    });
  }

  const unrepresentable = [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 100_000 * H];
  for (const ms of unrepresentable) {
    it(`throws RangeError for ${ms}`, () => {
      assert.throws(() => formatDuration(ms), RangeError);
    });
  }

  it('normalises non-canonical input when round-tripped', () => {
    const ms = parseGatewayDuration('1m1h90s');
    assert.equal(ms, H + M + 90 * S);
    assert.equal(formatDuration(ms), '1h2m30s');
  });
});
