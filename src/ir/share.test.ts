/** Tests of structural sharing between Gateway IRs (share.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayIR, UpstreamEndpointIR, UpstreamIR } from './gateway.ts';
import { shareIr, shareUpstream } from './share.ts';

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

});

describe('shareIr', () => {
  it('gives a version parsed from JSON the previous version\'s objects wherever they are equal', () => {
    const previous: GatewayIR = { listeners: [{ key: '10.0.0.1:80', address: '10.0.0.1', port: 80, cluster: 'a', virtualHosts: [] }], upstreams: [upstream(fresh(50)), { ...upstream(fresh(2)), key: 'other' }], policies: [] };
    const parsed = JSON.parse(JSON.stringify({ ...previous, upstreams: [upstream(fresh(50, 3)), previous.upstreams[1]] })) as GatewayIR;
    const out = shareIr(previous, parsed);
    assert.deepEqual(out, parsed);
    assert.equal(out.listeners[0], previous.listeners[0], 'an equal listener: the previous object');
    assert.equal(out.upstreams[1], previous.upstreams[1], 'an equal upstream: the previous object');
    assert.equal(out.upstreams[0]?.endpoints.filter((e, i) => e === previous.upstreams[0]?.endpoints[i]).length, 49, 'a changed upstream keeps its 49 equal endpoints');
  });
});
