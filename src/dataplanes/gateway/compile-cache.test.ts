/** Tests of the listener compile cache (issue 14 item 5): unchanged listener objects are not compiled again. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayIR, HttpListenerIR, TrafficPolicyIR } from '../../ir/index.ts';
import { compileGateway, newListenerCompileCache } from './compile.ts';

const listener = (address: string, upstream: string): HttpListenerIR => ({
  key: `${address}:80`,
  address,
  port: 80,
  cluster: 'a',
  entryBySource: [{ cidr: '10.0.0.0/16', cluster: 'a' }],
  virtualHosts: [{ hostname: '*', gateway: 'ns/gw', listener: 'http', routes: [{ name: 'r', route: { namespace: 'ns', name: 'r' }, ruleIndex: 0, matchIndex: 0, match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }, filters: {}, backends: [{ weight: 1, kind: 'Service', namespace: 'ns', name: upstream, port: 80, upstream }] }] }],
});
const upstreams = (policy?: string): GatewayIR['upstreams'] => [{ key: 'ua', kind: 'Service', namespace: 'ns', name: 'ua', port: 80, protocol: 'http', endpoints: [], ...(policy !== undefined ? { policy } : {}) }];

describe('compileGateway with a ListenerCompileCache', () => {
  it('returns the compiled listener of an unchanged listener object, and compiles a new one', () => {
    const cache = newListenerCompileCache();
    const one = listener('10.0.0.1', 'ua');
    const first = compileGateway({ listeners: [one], upstreams: upstreams() }, undefined, cache);
    const two = listener('10.0.0.2', 'ua');
    const second = compileGateway({ listeners: [one, two], upstreams: upstreams() }, undefined, cache);
    assert.equal(second.listeners[0], first.listeners[0], 'same IR object: the same compiled listener');
    assert.equal(second.listeners[1]?.ir, two);
    const cold = compileGateway({ listeners: [listener('10.0.0.1', 'ua')], upstreams: upstreams() }, undefined, cache);
    assert.notEqual(cold.listeners[0], first.listeners[0], 'an equal but new object is compiled');
  });

  it('compiles everything again when a policy or an upstream\'s policy changed', () => {
    const cache = newListenerCompileCache();
    const one = listener('10.0.0.1', 'ua');
    const policy = { key: 'ns/p', locality: { mode: 'Owner' }, mutationMethods: ['POST'] } as unknown as TrafficPolicyIR;
    const first = compileGateway({ listeners: [one], upstreams: upstreams() }, undefined, cache);
    const withPolicy = compileGateway({ listeners: [one], upstreams: upstreams('ns/p'), policies: [policy] }, undefined, cache);
    assert.notEqual(withPolicy.listeners[0], first.listeners[0]);
    const again = compileGateway({ listeners: [one], upstreams: upstreams('ns/p'), policies: [policy] }, undefined, cache);
    assert.equal(again.listeners[0], withPolicy.listeners[0], 'same scope again: cached');
  });

  it('reports a cached listener\'s compile problems on every apply', () => {
    const cache = newListenerCompileCache();
    const bad: HttpListenerIR = { ...listener('10.0.0.3', 'ua'), virtualHosts: [{ hostname: '*', gateway: 'ns/gw', listener: 'http', routes: [{ ...(listener('x', 'ua').virtualHosts[0]?.routes[0] as HttpListenerIR['virtualHosts'][number]['routes'][number]), match: { path: { type: 'RegularExpression', value: '([' }, headers: [], queryParams: [] } }] }] };
    const first = compileGateway({ listeners: [bad], upstreams: upstreams() }, undefined, cache);
    assert.equal(first.problems.length, 1);
    assert.deepEqual(compileGateway({ listeners: [bad], upstreams: upstreams() }, undefined, cache).problems, first.problems);
  });
});
