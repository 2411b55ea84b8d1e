/** EndpointSlice readiness is never overridden by panic: no ready endpoint → no pick (the proxy answers 503 UH). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamEndpointIR } from '../../../ir/index.ts';
import { silentLogger } from '../../../observability/index.ts';
import { createUpstreamSet } from './index.ts';

const ep = (address: string, ready: boolean): UpstreamEndpointIR => ({ address, port: 8080, cluster: 'c1', region: 'r1', ready, serving: ready, terminating: false });

describe('readiness vs panic', () => {
  it('picks nothing when no endpoint is ready, and only ready ones otherwise', () => {
    const set = createUpstreamSet({ log: silentLogger });
    try {
      set.update([{ key: 'u', kind: 'Service', namespace: 'd', name: 'web', port: 80, protocol: 'http', endpoints: [ep('10.0.0.1', false), ep('10.0.0.2', false)] }]);
      assert.equal(set.pick('u', { entryCluster: 'c1' }), undefined);
      set.update([{ key: 'u', kind: 'Service', namespace: 'd', name: 'web', port: 80, protocol: 'http', endpoints: [ep('10.0.0.1', false), ep('10.0.0.2', true), ep('10.0.0.3', false)] }]);
      // One ready of three: the level is in panic, yet panic must not reach the not-ready ones.
      for (let i = 0; i < 20; i++) assert.equal(set.pick('u', { entryCluster: 'c1' })?.address, '10.0.0.2');
    } finally {
      set.close();
    }
  });
});
