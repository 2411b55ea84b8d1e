import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterConfig, DataPlaneServing, GatewayIR } from '../../ir/index.ts';
import { PROGRAMMED_PENDING, withDataPlaneProgrammed } from './programmed.ts';
import type { GatewayResult } from './types.ts';

const T = '2026-12-07T12:00:00.000Z';
const EMPTY_IR: GatewayIR = { listeners: [], upstreams: [] } as unknown as GatewayIR;

function result(clusters: readonly string[]): GatewayResult {
  return {
    ir: EMPTY_IR,
    gateways: clusters.map((cluster) => ({
      cluster,
      gateway: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'infra' },
        spec: { gatewayClassName: 'lintas', listeners: [] },
        status: {
          conditions: [
            { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: T },
            { type: 'Programmed', status: 'True', reason: 'Programmed', message: '', lastTransitionTime: T },
          ],
          listeners: [],
        },
      },
    })),
    httpRoutes: [],
    gatewayClasses: [],
    trafficPolicies: [],
  } as unknown as GatewayResult;
}

const serving = (cluster: string, extra: Partial<DataPlaneServing>): [string, DataPlaneServing] => [cluster, { cluster, mode: 'remote', version: 'v2', state: 'acked', ownership: {}, at: T, ...extra }];
const config = (cluster: string, version: string): [string, ClusterConfig] => [cluster, { version, generation: 2, publishedAt: T, ir: EMPTY_IR }];

describe('withDataPlaneProgrammed', () => {
  it('Programmed stays True only where the cluster\'s data plane serves its desired config', () => {
    const out = withDataPlaneProgrammed(
      result(['jkt', 'sgp', 'tyo', 'bkk', 'emb']),
      new Map([serving('jkt', {}), serving('sgp', { version: 'v1' }), serving('tyo', { state: 'nacked', error: 'listener 127.3.255.1:8080: EADDRINUSE' }), serving('emb', { mode: 'embedded', version: 7 })]),
      new Map([config('jkt', 'v2'), config('sgp', 'v2'), config('tyo', 'v2'), config('bkk', 'v2')]),
    );
    const programmed = Object.fromEntries(out.gateways.map((g) => [g.cluster, g.gateway.status.conditions.find((c) => c.type === 'Programmed')]));
    assert.equal(programmed['jkt']?.status, 'True');
    assert.equal(programmed['emb']?.status, 'True', 'an embedded gateway that applied its config');
    assert.deepEqual([programmed['sgp']?.status, programmed['sgp']?.reason, programmed['sgp']?.message], ['False', PROGRAMMED_PENDING, 'the data plane of cluster sgp serves config v1, not v2 yet']);
    assert.match(programmed['tyo']?.message ?? '', /refused its config: listener 127\.3\.255\.1:8080: EADDRINUSE/);
    assert.equal(programmed['bkk']?.message, 'no data plane of cluster bkk has reported yet');
    assert.equal(out.gateways[0]?.gateway.status.conditions[0]?.status, 'True', 'other conditions are left alone');
  });
});
