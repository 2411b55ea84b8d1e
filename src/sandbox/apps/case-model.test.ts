import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canTransition, CASE_STATES, caseNumber, nextCaseNumber, nextState, regionPrefix, supersedes, type CaseRecord } from './case-model.ts';

const record = (over: Partial<CaseRecord>): CaseRecord => ({
  id: 'JKT-101',
  title: 't',
  state: 'OPEN',
  version: 1,
  ownerCluster: 'jkt-prod-1',
  domain: '*',
  epoch: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: { cluster: 'jkt-prod-1', replica: 1 },
  data: {},
  history: [],
  ...over,
});

describe('case lifecycle', () => {
  it('moves one step at a time, forward only', () => {
    for (let i = 0; i < CASE_STATES.length; i++) {
      for (let j = 0; j < CASE_STATES.length; j++) {
        const from = CASE_STATES[i];
        const to = CASE_STATES[j];
        assert.ok(from !== undefined && to !== undefined);
        assert.equal(canTransition(from, to), j === i + 1, `${from} → ${to}`);
      }
    }
    assert.equal(nextState('CLOSED'), undefined);
  });
});

describe('case ids', () => {
  it('takes the region prefix from the cluster name', () => {
    assert.equal(regionPrefix('jkt-prod-1'), 'JKT');
    assert.equal(regionPrefix('sgp'), 'SGP');
  });

  it('gives each replica its own numbers, above every number seen', () => {
    assert.equal(nextCaseNumber(0, 1), 101);
    assert.equal(nextCaseNumber(101, 2), 202);
    assert.equal(nextCaseNumber(202, 1), 301);
    assert.equal(caseNumber('JKT-301', 'JKT'), 301);
    assert.equal(caseNumber('SGP-301', 'JKT'), undefined);
    assert.equal(caseNumber('JKT-abc', 'JKT'), undefined);
  });
});

describe('supersedes', () => {
  it('orders by epoch first, then version, with a deterministic tiebreak', () => {
    assert.ok(supersedes(record({ epoch: 2, version: 1 }), record({ epoch: 1, version: 9 })));
    assert.ok(supersedes(record({ version: 2 }), record({ version: 1 })));
    assert.ok(!supersedes(record({}), record({})));
    const a = record({ updatedBy: { cluster: 'sgp-prod-1', replica: 0 } });
    const b = record({ updatedBy: { cluster: 'jkt-prod-1', replica: 0 } });
    assert.notEqual(supersedes(a, b), supersedes(b, a));
  });
});
