import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DesiredWrite } from '../api/index.ts';
import type { McsClusterResult } from '../controllers/index.ts';
import { KubeApiError, type ClusterWriter, type LiveObject } from '../sources/index.ts';
import { syncCluster } from './kube-writeback.ts';

/** An MCS result of one cluster that imports one ServiceImport with one slice. */
const result = {
  cluster: 'sgp',
  serviceImports: [{ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP' }], ips: ['10.255.0.1'] } }],
  endpointSlices: [],
  serviceExports: [],
} as unknown as McsClusterResult;

/** A writer that refuses (403) the kinds in `forbidden` and applies the rest. */
function refusingWriter(forbidden: ReadonlySet<string>): { writer: ClusterWriter; written: string[] } {
  const written: string[] = [];
  const writer = {
    listOwned: () => Promise.resolve(new Map<string, LiveObject>()),
    write: (w: DesiredWrite) => {
      if (forbidden.has(w.resource.kind)) return Promise.reject(new KubeApiError(403, 'Forbidden', `patch ${w.resource.kind} in sgp: 403 forbidden`));
      written.push(`${w.resource.kind}/${w.name}${w.write === 'status' ? '/status' : ''}`);
      return Promise.resolve({ outcome: 'applied' as const, live: { spec: { clusterIP: '10.96.0.7' } } });
    },
    collect: () => Promise.resolve(0),
  } as unknown as ClusterWriter;
  return { writer, written };
}

describe('syncCluster', () => {
  it('counts an object refused by RBAC as forbidden and still writes the others', async () => {
    const { writer, written } = refusingWriter(new Set(['Service']));
    const summary = await syncCluster(writer, result);
    assert.equal(summary.forbidden, 1);
    assert.ok(written.some((w) => w.startsWith('ServiceImport/web')), `the ServiceImport was still written: ${written.join(', ')}`);
  });

  it('fails the sync on any other error (retried with back-off by the component)', async () => {
    const writer = { ...refusingWriter(new Set()).writer, write: () => Promise.reject(new KubeApiError(500, 'InternalError', 'boom')) } as unknown as ClusterWriter;
    await assert.rejects(syncCluster(writer, result), /boom/);
  });
});
