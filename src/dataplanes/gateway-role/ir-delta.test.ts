/** Tests of the IR deltas sent to data-plane workers (ir-delta.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayIR, HttpListenerIR, UpstreamEndpointIR, UpstreamIR } from '../../ir/index.ts';
import { decodeIrDelta, encodeIrDelta, IR_DELTA_ERROR_PREFIX, IrDeltaError } from './ir-delta.ts';

const ep = (i: number, ready = true): UpstreamEndpointIR => ({ address: `10.1.0.${String(i)}`, port: 8080, cluster: 'a', ready, serving: true, terminating: false });
const upstream = (name: string, endpoints: readonly UpstreamEndpointIR[]): UpstreamIR => ({ key: `Service/a/ns/${name}:80`, kind: 'Service', namespace: 'ns', name, port: 80, protocol: 'http', endpoints });
const listener = (address: string): HttpListenerIR => ({ key: `${address}:80`, address, port: 80, cluster: 'a', virtualHosts: [] });

const base: GatewayIR = {
  listeners: [listener('10.0.0.1'), listener('10.0.0.2')],
  upstreams: [upstream('one', [ep(1), ep(2), ep(3)]), upstream('two', [ep(4)])],
  policies: [],
};

/** What a worker holds: its own copy of the base (a structured clone, as postMessage makes). */
const onWorker = (ir: GatewayIR): GatewayIR => structuredClone(ir);

describe('IR delta', () => {
  it('rebuilds the next IR from the base, reusing the worker\'s own objects for unchanged elements', () => {
    const next: GatewayIR = {
      listeners: [base.listeners[0] as HttpListenerIR, listener('10.0.0.3')],
      upstreams: [{ ...(base.upstreams[0] as UpstreamIR), endpoints: [ep(1), (base.upstreams[0] as UpstreamIR).endpoints[1] as UpstreamEndpointIR, ep(9)] }, base.upstreams[1] as UpstreamIR, upstream('three', [ep(7)])],
      tcpListeners: [],
    };
    const held = onWorker(base);
    const delta = structuredClone(encodeIrDelta(base, next));
    const out = decodeIrDelta(held, delta);
    assert.deepEqual(out, next);
    assert.equal(out.listeners[0], held.listeners[0], 'unchanged listener: the held object');
    assert.equal(out.upstreams[1], held.upstreams[1], 'unchanged upstream: the held object');
    assert.equal(out.upstreams[0]?.endpoints[1], held.upstreams[0]?.endpoints[1], 'unchanged endpoint of a patched upstream: the held object');
    assert.equal('policies' in out, false, 'a list the next IR dropped is gone');
  });

  it('sends only what is new: an unchanged IR is one run per list', () => {
    const delta = encodeIrDelta(base, { ...base });
    assert.deepEqual(delta.lists.listeners, [[0, 2]]);
    assert.deepEqual(delta.upstreams, [[0, 2]]);
  });

  it('a flip in a 10,000-endpoint upstream crosses as two runs and one endpoint', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ep(i));
    const big = upstream('big', many);
    const flipped = { ...big, endpoints: many.map((e, i) => (i === 5_000 ? { ...e, ready: false } : e)) };
    const delta = encodeIrDelta({ listeners: [], upstreams: [big] }, { listeners: [], upstreams: [flipped] });
    const patch = delta.upstreams[0] as { endpoints: readonly unknown[] };
    assert.deepEqual(patch.endpoints, [[0, 5_000], { ...many[5_000], ready: false }, [5_001, 4_999]]);
    const held = onWorker({ listeners: [], upstreams: [big] });
    const out = decodeIrDelta(held, structuredClone(delta));
    assert.deepEqual(out.upstreams[0], flipped);
    assert.equal(out.upstreams[0]?.endpoints[9_999], held.upstreams[0]?.endpoints[9_999]);
  });

  it('refuses a delta that names what the base does not have', () => {
    const delta = encodeIrDelta(base, { ...base });
    const smaller: GatewayIR = { listeners: [base.listeners[0] as HttpListenerIR], upstreams: [] };
    assert.throws(() => decodeIrDelta(smaller, delta), (e: unknown) => e instanceof IrDeltaError && e.message.startsWith(IR_DELTA_ERROR_PREFIX));
  });
});
