/**
 * The bench's readings of /metrics and its admin-client pool: the write rate per API server is the
 * sum over every kind and verb, and the pool never has more than its width in flight.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pool } from './objects.ts';
import { writesPerCluster } from './observe.ts';

describe('bench/kube readings', () => {
  it('sums lintas_kube_writes_total per cluster over kinds and verbs, ignoring other metrics', () => {
    const text = [
      '# HELP lintas_kube_writes_total x',
      'lintas_kube_writes_total{cluster="jkt-prod-1",kind="EndpointSlice",verb="patch"} 3',
      'lintas_kube_writes_total{cluster="jkt-prod-1",kind="Service",verb="create"} 2',
      'lintas_kube_writes_total{cluster="sgp-prod-1",kind="ServiceImport",verb="create"} 7',
      'lintas_kube_write_syncs_total{cluster="sgp-prod-1"} 99',
    ].join('\n');
    assert.deepEqual([...writesPerCluster(text)], [['jkt-prod-1', 5], ['sgp-prod-1', 7]]);
    assert.deepEqual([...writesPerCluster(text, true)], [['jkt-prod-1 EndpointSlice patch', 3], ['jkt-prod-1 Service create', 2], ['sgp-prod-1 ServiceImport create', 7]]);
  });

  it('runs every item once with at most `width` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await pool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      done.push(n);
      inFlight--;
    });
    assert.deepEqual(done.sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(most, 3);
  });
});
