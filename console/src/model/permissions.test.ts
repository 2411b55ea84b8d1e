import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionPath, ACTION_ROUTES, parseWeights, visibleActions } from './permissions.ts';

describe('role → visible actions', () => {
  it('a viewer (no actions) sees no buttons; signed out sees none either', () => {
    assert.deepEqual([...visibleActions({ actions: [] })], []);
    assert.deepEqual([...visibleActions(undefined)], []);
  });

  it('an approver sees approve and reject only', () => {
    const who = { actions: [ACTION_ROUTES.approve, ACTION_ROUTES.reject, '/api/v1/failover/:namespace/:name/propose'] };
    assert.deepEqual([...visibleActions(who)], ['approve', 'reject']);
  });

  it('accepts "POST <route>" entries and ignores routes it does not know', () => {
    const who = { actions: ['POST /api/v1/drain/:cluster', 'POST /api/v1/undrain/:cluster', '/api/v1/faults/cluster/:name/:action'] };
    assert.deepEqual([...visibleActions(who)], ['drain', 'undrain']);
  });

  it('an admin with every route sees every action', () => {
    assert.equal(visibleActions({ actions: Object.values(ACTION_ROUTES) }).size, 8);
  });
});

describe('action paths and weights', () => {
  it('fills the route with the encoded target', () => {
    assert.equal(actionPath('approve', 'cases/case-writes'), '/api/v1/failover/cases/case-writes/approve');
    assert.equal(actionPath('drain', 'sgp-prod-1'), '/api/v1/drain/sgp-prod-1');
    assert.equal(actionPath('weights-clear', 'cases/cases'), '/api/v1/weights/cases/cases/clear');
    assert.equal(actionPath('abort', 'a b/c'), '/api/v1/failover/a%20b/c/abort');
  });

  it('parses weights and names the bad part', () => {
    assert.deepEqual(parseWeights('jkt-prod-1=3, sgp-prod-1 = 0'), { weights: { 'jkt-prod-1': 3, 'sgp-prod-1': 0 } });
    assert.deepEqual(parseWeights('jkt=-1'), { error: 'weights: "jkt=-1" is not cluster=non-negative integer' });
    assert.ok('error' in parseWeights(''));
  });
});
