import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataPlaneServing } from '../../ir/index.ts';
import { renderTable } from '../printers.ts';
import { ageOf, dataPlaneRows } from './get-dataplanes.ts';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');

describe('get dataplanes', () => {
  it('one row per cluster, sorted: mode, version, ACK or NACK with the reason, ownership epochs, time since the last report', () => {
    const acks: DataPlaneServing[] = [
      { cluster: 'tyo', mode: 'remote', version: 7, state: 'nacked', error: 'listener 127.3.255.1:8080: address in use', ownership: { 'cases/cases': 2 }, at: '2026-12-07T11:58:55.000Z' },
      { cluster: 'jkt', mode: 'embedded', version: 9, state: 'acked', ownership: {}, at: '2026-12-07T11:59:58.800Z' },
    ];
    assert.equal(
      renderTable(['CLUSTER', 'MODE', 'VERSION', 'STATE', 'OWNERSHIP', 'LAST-CONTACT'], dataPlaneRows(acks, NOW)),
      [
        'CLUSTER   MODE       VERSION   STATE                                             OWNERSHIP       LAST-CONTACT',
        'jkt       embedded   9         ACK                                               <none>          1.2s',
        'tyo       remote     7         NACK: listener 127.3.255.1:8080: address in use   cases/cases@2   1m5s',
      ].join('\n'),
    );
  });

  it('ages never go negative (a clock slightly behind the control plane)', () => {
    assert.equal(ageOf('2026-12-07T12:00:01.000Z', NOW), '0.0s');
  });
});
