import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffValues, flatten } from './audit-diff.ts';

describe('audit before/after diff', () => {
  it('lists changed leaves by path and leaves unchanged ones out (a failover record)', () => {
    const before = { phase: 'FailoverPending', owner: 'sgp-prod-1', epoch: 0 };
    const after = { phase: 'FailingOver', owner: 'jkt-prod-1', epoch: 1 };
    assert.deepEqual(diffValues(before, after), [
      { path: 'epoch', kind: 'changed', before: '0', after: '1' },
      { path: 'owner', kind: 'changed', before: '"sgp-prod-1"', after: '"jkt-prod-1"' },
      { path: 'phase', kind: 'changed', before: '"FailoverPending"', after: '"FailingOver"' },
    ]);
  });

  it('reports added and removed leaves in nested objects and arrays', () => {
    const before = { weights: { jkt: 1, sgp: 1 }, moved: [] };
    const after = { weights: { jkt: 3 }, moved: [{ from: 'sgp', to: 'jkt' }] };
    assert.deepEqual(diffValues(before, after), [
      { path: 'moved', kind: 'removed', before: '[]' },
      { path: 'moved[0].from', kind: 'added', after: '"sgp"' },
      { path: 'moved[0].to', kind: 'added', after: '"jkt"' },
      { path: 'weights.jkt', kind: 'changed', before: '1', after: '3' },
      { path: 'weights.sgp', kind: 'removed', before: '1' },
    ]);
  });

  it('handles absent sides and scalars', () => {
    assert.deepEqual(diffValues(undefined, { drained: true }), [{ path: 'drained', kind: 'added', after: 'true' }]);
    assert.deepEqual(diffValues('a', 'b'), [{ path: '(value)', kind: 'changed', before: '"a"', after: '"b"' }]);
    assert.deepEqual(diffValues({ a: null }, { a: null }), []);
  });

  it('flattens with dotted paths and indexes', () => {
    assert.deepEqual([...flatten({ a: { b: [1, { c: 2 }] } })], [['a.b[0]', '1'], ['a.b[1].c', '2']]);
  });
});
