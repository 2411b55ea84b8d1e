import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../../../test/wait.ts';
import { clusterName, type ClusterFreshness, type ClusterSnapshot } from '../../api/index.ts';
import { createLogger, silentLogger } from '../../observability/index.ts';
import { ClusterWatch } from './cluster-watch.ts';
import { FakeApiServer } from './fake-api-server.ts';
import { KubeApiError } from './transport.ts';

const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const EXPORTS = '/apis/multicluster.x-k8s.io/v1beta1/serviceexports';
const NAMESPACES = '/api/v1/namespaces';

function slice(ip: string): Record<string, unknown> {
  return {
    metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** The fake store keys objects by name only; give the slice its namespace back as the API server would. */
function writeSlice(server: FakeApiServer, ip: string): void {
  server.write(SLICES, 'web-abc', slice(ip));
  const key = `${SLICES}|web-abc`;
  const stored = server.objects.get(key) as { metadata: Record<string, unknown> };
  stored.metadata['namespace'] = 'shop';
}

/** Writes an object named `name` with metadata (namespace, labels, managedFields...). */
function put(server: FakeApiServer, path: string, name: string, body: Record<string, unknown>, metadata: Record<string, unknown> = {}): void {
  server.write(path, name, { ...body, metadata: { ...(body['metadata'] as object | undefined), ...metadata, name } });
}

/** What the write-back marks an imported slice with (ownership.ts): owner label and annotation, field manager `lintas`. */
const OWNED = { namespace: 'shop', labels: { 'lintas.dev/owner': 'lintas', 'kubernetes.io/service-name': 'derived-1', 'multicluster.kubernetes.io/source-cluster': 'jkt-prod-1' }, annotations: { 'lintas.dev/owned-by': 'lintas' }, managedFields: [{ manager: 'lintas', operation: 'Apply' }] };

describe('ClusterWatch', () => {
  it("hands on no new snapshot for Lintas's own objects or a ServiceExport's status: its write-back does not echo", async () => {
    const server = new FakeApiServer();
    writeSlice(server, '10.1.0.5');
    put(server, EXPORTS, 'web', { spec: {} }, { namespace: 'shop', generation: 1 });
    const snapshots: ClusterSnapshot[] = [];
    const watch = new ClusterWatch({ cluster: clusterName('sgp-prod-1'), transport: server.transport, log: silentLogger, onSnapshot: (s) => snapshots.push(s), onFreshness: () => undefined });
    watch.start();
    try {
      await waitFor('synced', () => (watch.status().up ? true : undefined));
      await waitFor('the export listed', () => snapshots.at(-1)?.objects.find((o) => o.object.kind === 'ServiceExport'));
      const before = snapshots.length;
      const published = snapshots.at(-1);

      // An imported slice the write-back made, then changed; and the export's status written twice.
      put(server, SLICES, 'web-jkt-abc', slice('10.2.0.7'), OWNED);
      put(server, SLICES, 'web-jkt-abc', slice('10.2.0.8'), OWNED);
      put(server, EXPORTS, 'web', { spec: {}, status: { conditions: [{ type: 'Valid', status: 'True', reason: 'Valid', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }, { namespace: 'shop', generation: 1 });
      put(server, EXPORTS, 'web', { spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Exported', message: '', lastTransitionTime: '2026-01-01T00:00:01Z' }] } }, { namespace: 'shop', generation: 1 });
      // The watch coalesces on setImmediate: one turn later every event above has been looked at.
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(snapshots.length, before, 'no snapshot for the echo');

      // A user's look-alike (same labels, another field manager) and a real change are handed on.
      put(server, SLICES, 'look-alike', slice('10.2.0.9'), { ...OWNED, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] });
      put(server, NAMESPACES, 'marker', {});
      const next = await waitFor('the next change', () => snapshots.at(-1)?.objects.find((o) => o.object.metadata.name === 'marker') && snapshots.at(-1));
      assert.equal(snapshots.length, before + 1);
      assert.deepEqual(next.objects.filter((o) => o.object.kind === 'EndpointSlice').map((o) => o.object.metadata.name), ['look-alike', 'web-abc']);
      // Unchanged objects are the same references, which the MCS translator's caches rely on.
      const unchanged = (s: ClusterSnapshot | undefined): unknown => s?.objects.find((o) => o.object.metadata.name === 'web-abc');
      assert.equal(unchanged(next), unchanged(published));
      const exported = next.objects.find((o) => o.object.kind === 'ServiceExport');
      assert.equal(exported, published?.objects.find((o) => o.object.kind === 'ServiceExport'));
      assert.equal((exported?.object as { status?: unknown }).status, undefined, "an export's status is Lintas's output, not input");

      // A changed object takes its predecessor's place; the rest stay the same references.
      put(server, SLICES, 'web-abc', slice('10.1.0.6'), { namespace: 'shop' });
      const moved = await waitFor('the slice changed', () => (snapshots.length > before + 1 ? snapshots.at(-1) : undefined));
      assert.deepEqual(moved.objects.map((o) => o.object.metadata.name), next.objects.map((o) => o.object.metadata.name));
      assert.deepEqual((moved.objects.find((o) => o.object.metadata.name === 'web-abc')?.object as { endpoints: { addresses: string[] }[] }).endpoints[0]?.addresses, ['10.1.0.6']);
      assert.equal(moved.objects.find((o) => o.object.kind === 'ServiceExport'), exported);
    } finally {
      await watch.stop();
    }
  });

  it('publishes decoded per-cluster objects and reports freshness: confirmed while up, the last confirmation (synced: false) once down', async () => {
    const server = new FakeApiServer();
    writeSlice(server, '10.1.0.5');
    const snapshots: ClusterSnapshot[] = [];
    const reports: ClusterFreshness[] = [];
    let now = Date.parse('2026-01-01T00:00:00Z');
    const watch = new ClusterWatch({
      cluster: clusterName('sgp-prod-1'),
      transport: server.transport,
      log: silentLogger,
      clock: () => now,
      heartbeatMs: 60_000,
      initialBackoffMs: 5,
      maxBackoffMs: 20,
      onSnapshot: (s) => snapshots.push(s),
      onFreshness: (f) => reports.push(f),
    });
    watch.start();
    try {
      await waitFor('every resource synced', () => (watch.status().up ? true : undefined));
      const latest = await waitFor('a snapshot with the slice', () => snapshots.at(-1)?.objects.find((o) => o.object.kind === 'EndpointSlice'));
      assert.equal(latest.cluster, 'sgp-prod-1');
      assert.equal(latest.object.metadata.namespace, 'shop');
      assert.equal(latest.origin.file, 'clusters/sgp-prod-1/kube/endpointslices/shop/web-abc');
      await waitFor('a fresh report', () => (reports.at(-1)?.synced === true ? true : undefined));
      const confirmedAt = new Date(now).toISOString();
      assert.equal(reports.at(-1)?.observedAt, confirmedAt);

      now += 5_000;
      server.down = true;
      server.endWatches(new KubeApiError(0, undefined, 'connection reset'));
      const down = await waitFor('an unsynced report', () => (reports.at(-1)?.synced === false ? reports.at(-1) : undefined));
      assert.equal(down.observedAt, confirmedAt, 'observedAt stays the last confirmation, so the endpoint TTL runs from there');
      const kept = watch.snapshot().objects.filter((o) => o.object.kind === 'EndpointSlice');
      assert.equal(kept.length, 1, 'unsynced is not empty: the slice is still there');

      now += 5_000;
      server.down = false;
      await waitFor('synced again', () => (reports.at(-1)?.synced === true ? true : undefined));
      assert.equal(reports.at(-1)?.observedAt, new Date(now).toISOString());
    } finally {
      await watch.stop();
    }
  });

  it('leaves out an object the schema refuses, and says so', async () => {
    const server = new FakeApiServer();
    server.write(SLICES, 'bad', { addressType: 'IPv4', endpoints: [{ addresses: ['not-an-ip'] }] });
    const lines: string[] = [];
    const watch = new ClusterWatch({ cluster: clusterName('jkt-prod-1'), transport: server.transport, log: createLogger({ format: 'json', level: 'warn', write: (l) => lines.push(l) }), onSnapshot: () => undefined, onFreshness: () => undefined });
    watch.start();
    try {
      await waitFor('synced', () => (watch.status().up ? true : undefined));
      assert.equal(watch.snapshot().objects.length, 0);
      assert.match(lines.join('\n'), /clusters\/jkt-prod-1\/kube\/endpointslices\/bad.*addresses/);
    } finally {
      await watch.stop();
    }
  });
});
