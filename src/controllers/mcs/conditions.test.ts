import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../api/index.ts';
import { exportConditions, settleConditions, type DraftCondition } from './conditions.ts';

const NOW = '2026-05-01T00:00:00Z';
const OLD = '2026-01-01T00:00:00Z';

describe('settleConditions', () => {
  const next: DraftCondition = { type: 'Valid', status: 'True', reason: 'Valid', message: 'new words' };
  const cases: { name: string; previous: Condition[] | undefined; want: string }[] = [
    { name: 'first time: now', previous: undefined, want: NOW },
    { name: 'same status: kept even when reworded', previous: [{ ...next, message: 'old words', lastTransitionTime: OLD }], want: OLD },
    { name: 'same status, other reason: kept', previous: [{ ...next, reason: 'Other', lastTransitionTime: OLD }], want: OLD },
    { name: 'status changed: now', previous: [{ ...next, status: 'False', lastTransitionTime: OLD }], want: NOW },
    { name: 'other type only: now', previous: [{ ...next, type: 'Ready', lastTransitionTime: OLD }], want: NOW },
  ];
  for (const c of cases) it(c.name, () => assert.equal(settleConditions([next], c.previous, NOW)[0]?.lastTransitionTime, c.want));
});

describe('exportConditions', () => {
  it('joins several conflicts: reasons with commas, messages with spaces', () => {
    const [valid, ready, conflict] = exportConditions(
      { valid: true, clusterCount: 2, conflicts: [{ reason: 'PortConflict', message: 'A.' }, { reason: 'TypeConflict', message: 'B.' }] },
      7,
    );
    assert.deepEqual([valid?.type, valid?.status, ready?.reason], ['Valid', 'True', 'Exported']);
    assert.deepEqual(conflict, { type: 'Conflict', status: 'True', reason: 'PortConflict,TypeConflict', message: 'A. B.', observedGeneration: 7 });
  });
  it('an invalid export is not ready and omits observedGeneration without a generation', () => {
    const conditions = exportConditions({ valid: false, reason: 'NoService', message: 'gone' }, undefined);
    assert.deepEqual(
      conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['Valid=False/NoService', 'Ready=False/Pending', 'Conflict=False/NoConflicts'],
    );
    assert.ok(conditions.every((c) => !('observedGeneration' in c)));
  });
});
