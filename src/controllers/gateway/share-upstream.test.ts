/** Tests of structural sharing for rebuilt upstreams (share-upstream.ts) and its effect on config versions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamEndpointIR, UpstreamIR } from '../../ir/index.ts';
import { configVersion } from './cluster-configs.ts';
import { shareUpstream } from './share-upstream.ts';

const ep = (i: number, ready = true): UpstreamEndpointIR => ({ address: `10.0.${String(Math.floor(i / 250))}.${String(i % 250)}`, port: 8080, cluster: 'a', zone: 'z1', ready, serving: ready, terminating: false });
const upstream = (endpoints: readonly UpstreamEndpointIR[], extra: Partial<UpstreamIR> = {}): UpstreamIR => ({ key: 'ServiceImport/ns/big:80', kind: 'ServiceImport', namespace: 'ns', name: 'big', port: 80, protocol: 'http', endpoints, ...extra });
const fresh = (n: number, flip = -1): UpstreamEndpointIR[] => Array.from({ length: n }, (_, i) => ep(i, i !== flip));

describe('shareUpstream', () => {
  it('returns the previous upstream itself when the rebuilt one is equal', () => {
    const before = upstream(fresh(100));
    assert.equal(shareUpstream(before, upstream(fresh(100))), before);
    assert.equal(shareUpstream(undefined, before), before);
  });

  it('keeps every unchanged endpoint object and only the changed one new', () => {
    const before = upstream(fresh(1000));
    const rebuilt = upstream(fresh(1000, 500));
    const out = shareUpstream(before, rebuilt);
    assert.deepEqual(out, rebuilt, 'the output equals the rebuilt upstream');
    assert.notEqual(out, before);
    const kept = out.endpoints.filter((e, i) => e === before.endpoints[i]).length;
    assert.equal(kept, 999);
    assert.equal(out.endpoints[500], rebuilt.endpoints[500]);
  });

  it('matches endpoints by key when one was added or removed (indexes shifted)', () => {
    const before = upstream(fresh(10));
    const rebuilt = upstream([ep(0), ...fresh(10).slice(2)]);
    const out = shareUpstream(before, rebuilt);
    assert.deepEqual(out, rebuilt);
    assert.ok(out.endpoints.every((e) => before.endpoints.includes(e)), 'all 9 survivors are the old objects');
  });

  it('an equal endpoint list but another field changed: a new upstream with the old endpoints', () => {
    const before = upstream(fresh(5));
    const out = shareUpstream(before, upstream(fresh(5), { policy: 'ns/p' }));
    assert.equal(out.policy, 'ns/p');
    assert.ok(out.endpoints.every((e, i) => e === before.endpoints[i]));
  });

  it('versions equal a cold encoding whatever the sharing', () => {
    const before = upstream(fresh(300));
    const shared = shareUpstream(before, upstream(fresh(300, 7)));
    const ir = { listeners: [], upstreams: [shared] };
    assert.equal(configVersion(ir), configVersion(JSON.parse(JSON.stringify(ir)) as typeof ir));
    assert.notEqual(configVersion(ir), configVersion({ listeners: [], upstreams: [before] }));
  });
});
