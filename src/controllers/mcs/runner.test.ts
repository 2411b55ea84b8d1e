/**
 * Tests of the MCS runner's endpoint TTL: a refreshing source that stops
 * heartbeating a cluster gets that cluster withdrawn when its TTL passes (by the
 * runner's own timer, with no store update), an unsynced-but-fresh cluster keeps
 * its endpoints, and a heartbeat brings a withdrawn cluster back. Real timers; the
 * assertions are on results, never on elapsed time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster, ClusterSet, EndpointSlice, Namespace, Service, ServiceExport, clusterName, type ClusterSnapshot, type FleetObject, type Sourced } from '../../api/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { FleetStore } from '../../store/index.ts';
import { runMcs } from './runner.ts';
import type { McsResult } from './types.ts';

const origin = { file: 'test.yaml', line: 1 };
const fleet = (object: FleetObject): Sourced => ({ object, origin });

function clusterObjects(name: string, ip: string): ClusterSnapshot {
  const at = (object: FleetObject): Sourced => ({ object, origin, cluster: clusterName(name) });
  return {
    cluster: clusterName(name),
    objects: [
      at(Namespace.parse({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } })),
      at(Service.parse({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'hello', namespace: 'demo' }, spec: { ports: [{ name: 'http', port: 80 }] } })),
      at(ServiceExport.parse({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'hello', namespace: 'demo' } })),
      at(
        EndpointSlice.parse({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: `hello-${name}`, namespace: 'demo', labels: { 'kubernetes.io/service-name': 'hello' } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 8080 }],
          endpoints: [{ addresses: [ip] }],
        }),
      ),
    ],
  };
}

/** Source clusters of the `demo/hello` import as c1 sees it. */
function importedFrom(result: McsResult): string[] {
  const c1 = result.clusters.find((c) => c.cluster === 'c1');
  return c1?.serviceImports[0]?.status?.clusters?.map((c) => c.cluster) ?? [];
}

async function waitFor(results: McsResult[], predicate: (r: McsResult) => boolean, what: string): Promise<McsResult> {
  for (let i = 0; i < 500; i++) {
    const match = results.find(predicate);
    if (match) return match;
    await delay(10);
  }
  assert.fail(`timed out waiting for ${what}; saw ${JSON.stringify(results.map(importedFrom))}`);
}

describe('runMcs endpoint TTL', () => {
  it('withdraws a cluster whose source stops refreshing, keeps an unsynced one, and revives on heartbeat', async () => {
    const store = new FleetStore();
    store.publish({
      fleetObjects: [
        fleet(Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'c1' }, spec: { region: 'r1' } })),
        fleet(Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'c2' }, spec: { region: 'r2' } })),
        fleet(Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'c3' }, spec: { region: 'r3' } })),
        fleet(ClusterSet.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: ['c1', 'c2', 'c3'], clusterSetIPRange: '10.250.0.0/24', endpointTTLSeconds: 1 } })),
      ],
      clusters: new Map([
        [clusterName('c1'), clusterObjects('c1', '10.1.0.1')],
        [clusterName('c2'), clusterObjects('c2', '10.2.0.1')],
        [clusterName('c3'), clusterObjects('c3', '10.3.0.1')],
      ]),
    });
    // c2 was confirmed 500 ms ago and then goes silent: it expires in ~500 ms.
    store.heartbeat(clusterName('c2'), { observedAt: new Date(new Date().getTime() - 500).toISOString(), synced: true });
    // c3's source fails to sync right now but confirmed it moments ago: kept.
    store.heartbeat(clusterName('c3'), { observedAt: new Date().toISOString(), synced: false });

    const results: McsResult[] = [];
    const stop = new AbortController();
    const running = runMcs({ store, log: silentLogger, signal: stop.signal, onResult: (r) => results.push(r) });
    try {
      await waitFor(results, (r) => importedFrom(r).join() === 'c1,c2,c3', 'all three clusters imported');
      const withdrawn = await waitFor(results, (r) => importedFrom(r).join() === 'c1,c3', 'c2 withdrawn by the TTL timer');
      assert.deepEqual(
        withdrawn.sources.map((s) => [s.cluster, s.stale, s.synced]),
        [
          ['c2', true, true],
          ['c3', false, false],
        ],
      );
      const count = results.length;
      store.heartbeat(clusterName('c3'), { observedAt: new Date().toISOString(), synced: false });
      store.heartbeat(clusterName('c2'), { observedAt: new Date().toISOString(), synced: true });
      const revived = await waitFor(results.slice(count), (r) => importedFrom(r).join() === 'c1,c2,c3', 'c2 back after a heartbeat');
      assert.equal(revived.sources.find((s) => s.cluster === 'c2')?.stale, false);
    } finally {
      stop.abort();
      await running;
    }
  });
});
