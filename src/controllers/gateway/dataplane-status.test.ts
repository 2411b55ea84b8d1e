/** Tests of the per-cluster data-plane rows the control plane derives from its config and acknowledgement maps. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterConfig, DataPlaneAck } from '../../ir/index.ts';
import { dataPlaneRows } from './dataplane-status.ts';

const NOW = '2026-05-01T12:00:10.000Z';
const config = (version: string, generation: number, publishedAt = '2026-05-01T12:00:00.000Z'): ClusterConfig => ({ version, generation, publishedAt, ir: { listeners: [], upstreams: [] } });
const ack = (cluster: string, extra: Partial<DataPlaneAck> = {}): DataPlaneAck => ({ cluster, subject: `gw-${cluster}`, connected: true, lastContact: '2026-05-01T12:00:05.000Z', ...extra });

describe('dataPlaneRows', () => {
  it('says per cluster whether its gateway is in sync, pending, rejected, disconnected, unknown or without config, with its lag', () => {
    const configs = new Map([
      ['a', config('v2', 2)],
      ['b', config('v5', 5)],
      ['c', config('v7', 7)],
      ['d', config('v1', 1)],
      ['e', config('v3', 3)],
    ]);
    const acks = new Map([
      ['a', ack('a', { acked: { version: 'v2', generation: 2, at: '2026-05-01T12:00:00.012Z', lagMs: 12 } })],
      ['b', ack('b', { acked: { version: 'v4', generation: 4, at: '2026-05-01T11:59:00.000Z' } })],
      ['c', ack('c', { acked: { version: 'v6', generation: 6, at: '2026-05-01T11:59:00.000Z' }, nacked: { version: 'v7', generation: 7, at: '2026-05-01T12:00:01.000Z', error: 'cannot bind 10.0.0.1:80' } })],
      ['d', ack('d', { connected: false, acked: { version: 'v1', generation: 1, at: '2026-05-01T11:00:00.000Z' } })],
      ['z', ack('z', { acked: { version: 'old', at: '2026-05-01T11:00:00.000Z' } })],
    ]);
    assert.deepEqual(
      dataPlaneRows(configs, acks, NOW).map((r) => [r.cluster, r.state, r.ackedVersion ?? null, r.lagMs ?? null, r.error ?? null]),
      [
        ['a', 'InSync', 'v2', 12, null],
        ['b', 'Pending', 'v4', 10_000, null],
        ['c', 'Rejected', 'v6', 10_000, 'cannot bind 10.0.0.1:80'],
        ['d', 'Disconnected', 'v1', null, null],
        ['e', 'Unknown', null, 10_000, null],
        ['z', 'NoConfig', 'old', null, null],
      ],
    );
  });
});
