/** Tests of report deltas between a data-plane worker and its reader (report-delta.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointObservation } from '../../ir/index.ts';
import { applyObservationDelta, diffObservations, observationMap } from './report-delta.ts';

const obs = (i: number, state: EndpointObservation['state'] = 'healthy'): EndpointObservation => ({ upstream: 'ServiceImport/ns/big:80', kind: 'ServiceImport', namespace: 'ns', name: 'big', address: `10.0.0.${String(i)}`, port: 80, cluster: 'a', state });

describe('report deltas', () => {
  it('send only the endpoints whose state changed and the keys of those gone; the reader ends with the full list', () => {
    const first = Array.from({ length: 100 }, (_, i) => obs(i));
    const sent = observationMap(first);
    const held = observationMap(structuredClone(first));
    const second = [...first.slice(0, 50).map((e, i) => (i === 7 ? obs(7, 'ejected') : e)), ...first.slice(51), obs(200)];
    const { delta, next } = diffObservations(sent, second, 1);
    assert.deepEqual(delta.changed, [obs(7, 'ejected'), obs(200)]);
    assert.deepEqual(delta.removed, ['ServiceImport/ns/big:80\u000010.0.0.50\u000080']);
    applyObservationDelta(held, structuredClone(delta));
    assert.deepEqual(new Set(held.values()), new Set(second), 'the reader holds what a full report would say');
    assert.equal(next.size, second.length);
  });

  it('an unchanged report is an empty delta', () => {
    const all = Array.from({ length: 10 }, (_, i) => obs(i));
    const { delta } = diffObservations(observationMap(all), all.map((e) => ({ ...e })), 4);
    assert.deepEqual(delta, { base: 4, changed: [], removed: [] });
  });
});
