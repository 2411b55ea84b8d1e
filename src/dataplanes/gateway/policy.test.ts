import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OwnershipIR, TrafficPolicyIR } from '../../ir/index.ts';
import { explainPolicy, ownershipKeyOf, resolveOwner } from './policy.ts';

const map: OwnershipIR = {
  key: { header: 'X-Case-Id' },
  map: 'cases/case-owners',
  rules: [
    { prefix: 'SGP-', cluster: 'sgp' },
    { prefix: 'SGP-VIP-', cluster: 'tyo' },
    { keys: ['SGP-1'], cluster: 'jkt' },
  ],
  defaultClusters: ['jkt', 'sgp'],
  reads: 'Nearest',
  epoch: 1,
  moved: [],
};

describe('resolveOwner', () => {
  it('exact key, then the longest prefix, then rendezvous over the defaults', () => {
    assert.equal(resolveOwner(map, 'SGP-1'), 'jkt');
    assert.equal(resolveOwner(map, 'SGP-VIP-3'), 'tyo');
    assert.equal(resolveOwner(map, 'SGP-2'), 'sgp');
    const other = resolveOwner(map, 'X-9');
    assert.ok(other === 'jkt' || other === 'sgp');
    assert.equal(resolveOwner({ ...map, defaultClusters: [] }, 'X-9'), undefined);
  });

  it('follows failover moves, chained', () => {
    const moved = { ...map, moved: [{ from: 'sgp', to: 'tyo' }, { from: 'tyo', to: 'jkt' }] };
    assert.equal(resolveOwner(moved, 'SGP-2'), 'jkt');
  });
});

describe('ownershipKeyOf', () => {
  const req = (path: string, queryString = '', headers: Record<string, string> = {}) => ({ path, queryString, headers: () => headers });
  it('reads a header, a query parameter or a 1-based path segment', () => {
    assert.equal(ownershipKeyOf({ header: 'X-Case-Id' }, req('/', '', { 'x-case-id': ' SGP-7 ' })), 'SGP-7');
    assert.equal(ownershipKeyOf({ query: 'case' }, req('/', 'a=1&case=JKT-2')), 'JKT-2');
    assert.equal(ownershipKeyOf({ pathSegment: 2 }, req('/cases/TYO-3/notes')), 'TYO-3');
    assert.equal(ownershipKeyOf({ pathSegment: 2 }, req('/cases/TYO%2D4')), 'TYO-4');
    assert.equal(ownershipKeyOf({ pathSegment: 3 }, req('/cases')), undefined);
    assert.equal(ownershipKeyOf({ header: 'X-Case-Id' }, req('/', '', { 'x-case-id': '' })), undefined);
  });
});

describe('explainPolicy', () => {
  const policy: TrafficPolicyIR = { key: 'cases/cases', locality: { mode: 'Owner' }, mutationMethods: ['POST'], requireIdempotencyKey: true, ownership: map };
  const req = (headers: Record<string, string>, idempotencyKey = false) => ({ path: '/cases', queryString: '', headers: () => headers, idempotencyKey });
  it('names the answer and the owner', () => {
    assert.equal(explainPolicy(policy, 'POST', req({ 'x-case-id': 'SGP-2' })).answer, 428);
    assert.equal(explainPolicy(policy, 'POST', req({}, true)).answer, 400);
    const m = explainPolicy(policy, 'POST', req({ 'x-case-id': 'SGP-2' }, true));
    assert.equal(m.owner, 'sgp');
    assert.equal(m.pick.ownerCluster, 'sgp');
    const r = explainPolicy(policy, 'GET', req({ 'x-case-id': 'SGP-2' }));
    assert.equal(r.requestClass, 'read');
    assert.equal(r.pick.ownerCluster, undefined);
  });

  it('says when reads go to the owner after a write (read-your-writes)', () => {
    const ryw = { ...policy, ownership: { ...map, readYourWrites: { windowMs: 10_000, maxKeys: 100 } } };
    assert.equal(
      explainPolicy(ryw, 'GET', req({ 'x-case-id': 'SGP-2' })).decision,
      'read of SGP-2 (owner sgp): nearest healthy cluster (reads: Nearest); within 10s of a write of SGP-2 through this gateway, its owner (read-your-writes)',
    );
  });
});
