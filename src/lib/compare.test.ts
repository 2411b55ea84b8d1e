/** compareStrings orders by code unit, not locale, so golden outputs match on every machine. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareStrings } from './compare.ts';

describe('compareStrings', () => {
  it('sorts by code unit: upper case before lower, "-" before "/"', () => {
    assert.deepEqual(['b', 'B', 'a/x', 'a-x', 'a'].sort(compareStrings), ['B', 'a', 'a-x', 'a/x', 'b']);
    assert.equal(compareStrings('x', 'x'), 0);
  });
});
