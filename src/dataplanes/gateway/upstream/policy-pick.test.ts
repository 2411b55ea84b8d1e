/**
 * Traffic-policy picks through the real upstream set (issue 5): owner-only
 * mutations, excluded clusters, Weighted / CapacityAware splits within
 * binomial tolerance, FailoverPriority order, and session affinity stability.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../observability/index.ts';
import type { UpstreamEndpointIR } from '../../../ir/index.ts';
import type { PickContext, UpstreamSet } from './types.ts';
import { ep, fakeClock, seededRandom, upstream } from './test-support.ts';
import { createUpstreamSet } from './upstream-set.ts';

const KEY = 'ServiceImport/ns/svc:8080';
const JKT: PickContext = { entryCluster: 'jkt', entryRegion: 'id' };

function fleet(extra: Partial<Record<string, Partial<UpstreamEndpointIR>>> = {}): UpstreamEndpointIR[] {
  const e = (address: string, cluster: string, region: string): UpstreamEndpointIR => ep(address, cluster, { region, ...(extra[address] ?? {}) });
  return [e('10.1.0.1', 'jkt', 'id'), e('10.1.0.2', 'jkt', 'id'), e('10.2.0.1', 'sgp', 'sg'), e('10.2.0.2', 'sgp', 'sg'), e('10.3.0.1', 'tyo', 'jp')];
}

function setup(endpoints: UpstreamEndpointIR[], excluded: string[] = []): UpstreamSet {
  const set = createUpstreamSet({ log: silentLogger, random: seededRandom(5), now: fakeClock().now, healthCheck: { enabled: false } });
  set.update([{ ...upstream(endpoints), ...(excluded.length > 0 ? { excludedClusters: excluded.map((cluster) => ({ cluster, reason: 'test' })) } : {}) }]);
  return set;
}

function byCluster(set: UpstreamSet, n: number, ctx: PickContext): Map<string, number> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i += 1) {
    const c = set.pick(KEY, ctx)?.cluster ?? '(none)';
    seen.set(c, (seen.get(c) ?? 0) + 1);
  }
  return seen;
}

/** |observed − n·p| within 5 σ of a binomial: cannot flake, still catches a wrong split. */
function assertShare(observed: number, n: number, p: number, what: string): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(observed - n * p) <= 5 * sigma + 1, `${what}: ${observed} of ${n}, expected ≈ ${n * p}`);
}

describe('policy picks', () => {
  it('Owner: only the owner cluster, and nothing at all when the owner has no healthy endpoint', () => {
    const set = setup(fleet());
    const seen = byCluster(set, 500, { ...JKT, ownerCluster: 'sgp' });
    assert.deepEqual([...seen.keys()], ['sgp']);
    const dead = setup(fleet({ '10.2.0.1': { ready: false, serving: false }, '10.2.0.2': { ready: false, serving: false } }));
    assert.equal(dead.pick(KEY, { ...JKT, ownerCluster: 'sgp' }), undefined);
    // Reads under the same upstream still flow (nearest healthy).
    assert.equal(dead.pick(KEY, JKT)?.cluster, 'jkt');
  });

  it('preferCluster (read-your-writes): the owner while it has a healthy endpoint, else the usual pick', () => {
    const set = setup(fleet());
    assert.deepEqual([...byCluster(set, 200, { ...JKT, preferCluster: 'sgp' }).keys()], ['sgp']);
    // After a connect failure in the owner's cluster the retry goes elsewhere.
    assert.deepEqual([...byCluster(set, 200, { ...JKT, preferCluster: 'sgp', avoidClusters: new Set(['sgp']) }).keys()], ['jkt']);
    const dead = setup(fleet({ '10.2.0.1': { ready: false, serving: false }, '10.2.0.2': { ready: false, serving: false } }));
    assert.deepEqual([...byCluster(dead, 200, { ...JKT, preferCluster: 'sgp' }).keys()], ['jkt']);
    assert.deepEqual([...byCluster(setup(fleet(), ['sgp']), 200, { ...JKT, preferCluster: 'sgp' }).keys()], ['jkt'], 'an excluded owner is not preferred');
  });

  it('Owner: an owner that is excluded (regional readiness false) is unavailable', () => {
    const set = setup(fleet(), ['sgp']);
    assert.equal(set.pick(KEY, { ...JKT, ownerCluster: 'sgp' }), undefined);
  });

  it('excluded clusters get no traffic even with Ready endpoints (the blackhole pattern)', () => {
    const set = setup(fleet(), ['jkt']);
    const seen = byCluster(set, 1000, JKT);
    assert.equal(seen.get('jkt'), undefined);
    assert.equal((seen.get('sgp') ?? 0) + (seen.get('tyo') ?? 0), 1000);
    assert.deepEqual(set.explain(KEY, JKT)?.excludedClusters, [{ cluster: 'jkt', reason: 'test' }]);
  });

  it('LocalOnly: entry cluster only; none left → no endpoint', () => {
    const ctx: PickContext = { ...JKT, locality: { mode: 'LocalOnly' }, policyKey: 'ns/p' };
    assert.deepEqual([...byCluster(setup(fleet()), 300, ctx).keys()], ['jkt']);
    const down = setup(fleet({ '10.1.0.1': { ready: false, serving: false }, '10.1.0.2': { ready: false, serving: false } }));
    assert.equal(down.pick(KEY, ctx), undefined);
  });

  it('FailoverPriority: entry, then the list in order, unlisted never', () => {
    const ctx: PickContext = { ...JKT, locality: { mode: 'FailoverPriority', failoverPriority: ['tyo', 'sgp'] }, policyKey: 'ns/p' };
    const jktDown = { '10.1.0.1': { ready: false, serving: false }, '10.1.0.2': { ready: false, serving: false } };
    assert.deepEqual([...byCluster(setup(fleet(jktDown)), 300, ctx).keys()], ['tyo']);
    const only = { mode: 'FailoverPriority' as const, failoverPriority: ['tyo'] };
    const seen = byCluster(setup(fleet({ ...jktDown, '10.3.0.1': { ready: false, serving: false } })), 100, { ...JKT, locality: only, policyKey: 'ns/q' });
    assert.deepEqual([...seen.keys()], ['(none)'], 'sgp is not listed: nothing');
  });

  it('Weighted 90/10 within tolerance; an unhealthy cluster’s share goes to the others', () => {
    const locality = { mode: 'Weighted' as const, weights: [{ cluster: 'jkt', weight: 90 }, { cluster: 'sgp', weight: 10 }] };
    const n = 4000;
    const seen = byCluster(setup(fleet()), n, { ...JKT, locality, policyKey: 'ns/w' });
    assertShare(seen.get('sgp') ?? 0, n, 0.1, 'sgp share');
    assert.equal(seen.get('tyo'), undefined, 'tyo unlisted');
    const jktDown = setup(fleet({ '10.1.0.1': { ready: false, serving: false }, '10.1.0.2': { ready: false, serving: false } }));
    assert.deepEqual([...byCluster(jktDown, 200, { ...JKT, locality, policyKey: 'ns/w' }).keys()], ['sgp']);
  });

  it('CapacityAware 40/80 → 1/3 vs 2/3', () => {
    const locality = { mode: 'CapacityAware' as const, weights: [{ cluster: 'jkt', weight: 40 }, { cluster: 'sgp', weight: 80 }] };
    const n = 6000;
    const seen = byCluster(setup(fleet()), n, { ...JKT, locality, policyKey: 'ns/c' });
    assertShare(seen.get('jkt') ?? 0, n, 1 / 3, 'jkt share');
    assertShare(seen.get('sgp') ?? 0, n, 2 / 3, 'sgp share');
  });

  it('session affinity: a key keeps its endpoint; removing an endpoint moves only its keys', () => {
    const endpoints = Array.from({ length: 6 }, (_, i) => ep(`10.1.0.${i + 1}`, 'jkt', { region: 'id' }));
    const set = setup(endpoints);
    const before = new Map<string, string>();
    for (let i = 0; i < 600; i++) {
      const key = `user-${i}`;
      const first = set.pick(KEY, { ...JKT, affinityKey: key })?.key as string;
      assert.equal(set.pick(KEY, { ...JKT, affinityKey: key })?.key, first, 'same key, same endpoint');
      before.set(key, first);
    }
    assert.ok(new Set(before.values()).size === 6, 'keys spread over every endpoint');
    const gone = '10.1.0.4:8080';
    set.update([upstream(endpoints.filter((e) => `${e.address}:8080` !== gone))]);
    let moved = 0;
    for (const [key, was] of before) {
      const now = set.pick(KEY, { ...JKT, affinityKey: key })?.key;
      if (was === gone) moved += 1;
      else assert.equal(now, was, `${key} moved although ${was} stayed`);
    }
    assert.ok(moved > 0);
  });
});
