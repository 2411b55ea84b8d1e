/**
 * The Kubernetes source against three real kube-apiservers (issue 16 item 4): objects written in a
 * member cluster's API server reach the fleet snapshot and the MCS result; a cluster whose API server
 * stops keeps its endpoints (unsynced is not empty) until the ClusterSet's endpoint TTL, then loses
 * them; a restart and a reconnect reconcile with no duplicates; a forced 410 Gone (the watch's version
 * compacted away in etcd) relists without losing a change.
 *
 * Lintas reaches each API server through a TCP relay, so a test can cut its connection (an outage
 * as Lintas sees it) while the test itself keeps writing to the API server directly.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { clusterName } from '../../src/api/index.ts';
import type { McsResult } from '../../src/controllers/index.ts';
import { runMcs } from '../../src/controllers/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { startServeRuntime } from '../../src/runtime/index.ts';
import { KubernetesSource, loadFleet } from '../../src/sources/index.ts';
import { FleetStore, openStore } from '../../src/store/index.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { startTcpRelay, type TcpRelay } from '../tcp-relay.ts';
import { waitFor } from '../wait.ts';
import { installSharedCrds, kubeBinariesMissing, startKubeFleet, TEST_CLUSTERS, type TestKubeFleet } from './fleet.ts';

const missing = kubeBinariesMissing();

/** The ClusterSet's endpoint TTL: long enough to see a stopped cluster's endpoints kept, short enough to wait out. */
const TTL_SECONDS = 8;

const FLEET_YAML = (ttl: number): string =>
  [
    ...TEST_CLUSTERS.map((c, i) => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c.name }, spec: { region: `region-${String(i + 1)}`, network: `net-${String(i + 1)}`, podCIDRs: [`10.${String(i + 1)}.0.0/16`], serviceCIDRs: [c.serviceCidr] } })),
    { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: TEST_CLUSTERS.map((c) => c.name), clusterSetIPRange: '10.250.0.0/16', endpointTTLSeconds: ttl } },
  ]
    .map((o) => stringify(o))
    .join('---\n');

/** `source/ip` of every imported endpoint of shop/web in `importer`, sorted (duplicates kept: the test looks for them). */
function importedEndpoints(result: McsResult | undefined, importer: string): string[] {
  const cluster = result?.clusters.find((c) => c.cluster === importer);
  const out: string[] = [];
  for (const slice of cluster?.endpointSlices ?? []) {
    if (slice.metadata.namespace !== 'shop' || slice.metadata.labels?.['multicluster.kubernetes.io/service-name'] !== 'web') continue;
    for (const endpoint of slice.endpoints) for (const address of endpoint.addresses) out.push(`${slice.metadata.labels['multicluster.kubernetes.io/source-cluster'] ?? '?'}/${address}`);
  }
  return out.sort();
}

const slice = (name: string, addresses: readonly string[]): Record<string, unknown> => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

describe('Kubernetes source against real kube-apiservers', { skip: missing }, () => {
  let fleet: TestKubeFleet;
  let dir: string;
  const relays = new Map<string, TcpRelay>();
  const store = new FleetStore();
  let source: KubernetesSource;
  const results: McsResult[] = [];
  const stopping = new AbortController();
  let mcs: Promise<void> | undefined;
  const latest = (): McsResult | undefined => results.at(-1);
  const sgpSource = (): McsResult['sources'][number] | undefined => latest()?.sources.find((s) => s.cluster === 'sgp-prod-1');

  /** Creates (or replaces) an object in a cluster's API server as the admin, by server-side apply. */
  const apply = async (cluster: string, path: string, object: Record<string, unknown>): Promise<void> => {
    const name = (object['metadata'] as { name: string }).name;
    const res = await fleet.request(cluster, 'PATCH', `${path}/${name}?fieldManager=lintas-test&force=true`, object, 'application/apply-patch+yaml');
    assert.ok(res.status < 300, `apply ${path}/${name} in ${cluster}: ${String(res.status)} ${JSON.stringify(res.body)}`);
  };
  const SLICES = '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices';

  before(async () => {
    // Without the watch cache a watch reads etcd itself, so a compacted version answers 410 Gone.
    fleet = await startKubeFleet({ apiserverArgs: ['--watch-cache=false'] });
    await Promise.all(TEST_CLUSTERS.map((c) => installSharedCrds(fleet, c.name)));
    for (const [i, c] of ['jkt-prod-1', 'sgp-prod-1'].entries()) {
      await apply(c, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
      await apply(c, '/api/v1/namespaces/shop/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
      await apply(c, '/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceexports', { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } });
      await apply(c, SLICES, slice(`web-${c.slice(0, 3)}-1`, [`10.${String(i + 1)}.0.5`]));
    }
    await apply('tyo-prod-1', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });

    dir = await mkdtemp(join(tmpdir(), 'lintas-kube-source-'));
    // Lintas' kubeconfig: the test fleet's, each server behind a relay the tests can cut.
    const kubeconfig = parse(fleet.kubeconfig) as { clusters: { name: string; cluster: { server: string } }[] };
    for (const entry of kubeconfig.clusters) {
      const server = fleet.apiservers.get(entry.name);
      assert.ok(server);
      const relay = await startTcpRelay({ host: '127.0.0.1', port: server.port });
      relays.set(entry.name, relay);
      entry.cluster.server = `https://127.0.0.1:${String(relay.port)}`;
    }
    await writeFile(join(dir, 'kubeconfig'), stringify(kubeconfig));
    await mkdir(join(dir, 'fleet', 'fleet'), { recursive: true });
    await writeFile(join(dir, 'fleet', 'fleet', 'clusters.yaml'), FLEET_YAML(TTL_SECONDS));
    const loaded = await loadFleet(join(dir, 'fleet'));
    assert.deepEqual(loaded.issues.filter((i) => i.severity === 'error'), []);

    // As `serve --kubeconfig` wires it: the directory's fleet, the watched clusters laid over it, one store.
    source = new KubernetesSource({ kubeconfigPath: join(dir, 'kubeconfig'), heartbeats: store, log: silentLogger, heartbeatMs: 200, initialBackoffMs: 100, maxBackoffMs: 1000 });
    const publish = (): void => void store.publish(source.apply(loaded.snapshot));
    source.subscribe(publish);
    await source.reconcile(loaded.snapshot.fleetObjects);
    publish();
    mcs = runMcs({ store, log: silentLogger, signal: stopping.signal, onResult: (result) => results.push(result) });
    // Synced means every resource listed once (a CRD just established can take a moment to serve).
    await waitFor('every cluster synced', () => (source.status().every((s) => s.up) && latest()?.sources.every((s) => s.synced) === true ? true : undefined), 60_000);
  });

  after(async () => {
    stopping.abort();
    await mcs;
    await source?.stop();
    for (const relay of relays.values()) await relay.close();
    await fleet?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('an EndpointSlice written in sgp reaches the fleet snapshot and the MCS result of the other clusters', async () => {
    await waitFor('both exporters imported into tyo', () => (importedEndpoints(latest(), 'tyo-prod-1').join() === 'jkt-prod-1/10.1.0.5,sgp-prod-1/10.2.0.5' ? true : undefined), 30_000);
    const sgp = store.current().clusters.get(clusterName('sgp-prod-1'));
    const kinds = new Set<string>(sgp?.objects.map((o) => o.object.kind));
    for (const kind of ['Namespace', 'Service', 'ServiceExport', 'EndpointSlice']) assert.ok(kinds.has(kind), `sgp's snapshot has a ${kind}`);
    assert.equal(sgp?.objects.find((o) => o.object.kind === 'ServiceExport')?.object.apiVersion, 'multicluster.x-k8s.io/v1beta1');

    await apply('sgp-prod-1', SLICES, slice('web-sgp-1', ['10.2.0.5', '10.2.0.6']));
    await waitFor('the new endpoint imported', () => (importedEndpoints(latest(), 'tyo-prod-1').join() === 'jkt-prod-1/10.1.0.5,sgp-prod-1/10.2.0.5,sgp-prod-1/10.2.0.6' ? true : undefined), 15_000);
  });

  it('a stopped API server keeps its endpoints (unsynced is not empty) until the endpoint TTL, then they are withdrawn; a restart brings them back once', async () => {
    const sgp = fleet.apiservers.get('sgp-prod-1');
    assert.ok(sgp);
    const before = importedEndpoints(latest(), 'tyo-prod-1');
    assert.deepEqual(before, ['jkt-prod-1/10.1.0.5', 'sgp-prod-1/10.2.0.5', 'sgp-prod-1/10.2.0.6']);
    assert.equal(sgpSource()?.synced, true, 'sgp confirmed before it stops');
    await sgp.stop();
    // The first result after sgp went unsynced: its endpoints are still imported.
    const down = await waitFor('sgp reported unsynced', () => (sgpSource()?.synced === false ? latest() : undefined), 30_000);
    const downSource = down.sources.find((s) => s.cluster === 'sgp-prod-1');
    assert.equal(downSource?.stale, false);
    assert.deepEqual(importedEndpoints(down, 'tyo-prod-1'), before, 'unsynced is not empty: the last known endpoints stay');
    assert.equal(source.status().find((s) => s.cluster === 'sgp-prod-1')?.up, false);

    await waitFor('sgp withdrawn at the TTL', () => (sgpSource()?.stale === true ? true : undefined), (TTL_SECONDS + 20) * 1000);
    assert.deepEqual(importedEndpoints(latest(), 'tyo-prod-1'), ['jkt-prod-1/10.1.0.5']);
    assert.ok(Date.parse(latest()?.sources.find((s) => s.cluster === 'sgp-prod-1')?.expiresAt ?? '') - Date.parse(downSource?.observedAt ?? '') === TTL_SECONDS * 1000);

    await sgp.start();
    await waitFor('sgp back', () => (sgpSource()?.stale === false && sgpSource()?.synced === true ? true : undefined), 30_000);
    assert.deepEqual(importedEndpoints(latest(), 'tyo-prod-1'), before, 'the same endpoints, each once');
  });

  it('a reconnect reconciles what changed while Lintas could not see the cluster, with no duplicates', async () => {
    const relay = relays.get('sgp-prod-1');
    assert.ok(relay);
    relay.cut();
    await waitFor('sgp unsynced', () => (sgpSource()?.synced === false ? true : undefined), 30_000);
    // Changed behind Lintas' back: one endpoint gone, another slice added.
    await apply('sgp-prod-1', SLICES, slice('web-sgp-1', ['10.2.0.5']));
    await apply('sgp-prod-1', SLICES, slice('web-sgp-2', ['10.2.0.7']));
    relay.resume();
    await waitFor('reconciled', () => (importedEndpoints(latest(), 'tyo-prod-1').join() === 'jkt-prod-1/10.1.0.5,sgp-prod-1/10.2.0.5,sgp-prod-1/10.2.0.7' && sgpSource()?.synced === true ? true : undefined), 30_000);
    const slices = store.current().clusters.get(clusterName('sgp-prod-1'))?.objects.filter((o) => o.object.kind === 'EndpointSlice').map((o) => o.object.metadata.name);
    assert.deepEqual(slices, ['web-sgp-1', 'web-sgp-2']);
  });

  it('a forced 410 Gone (the watch version compacted away in etcd) relists without losing a change', async () => {
    const relay = relays.get('sgp-prod-1');
    assert.ok(relay);
    const relistsBefore = source.status().find((s) => s.cluster === 'sgp-prod-1')?.resources['endpointslices']?.relists ?? 0;
    relay.cut();
    await waitFor('sgp unsynced', () => (sgpSource()?.synced === false ? true : undefined), 30_000);
    // A delete and an update Lintas' watch never sees, then etcd forgets them: only a relist can find them.
    const deleted = await fleet.request('sgp-prod-1', 'DELETE', `${SLICES}/web-sgp-2`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    await apply('sgp-prod-1', SLICES, slice('web-sgp-1', ['10.2.0.8']));
    await fleet.etcd.compact(await fleet.etcd.revision());
    relay.resume();
    await waitFor('relisted after 410', () => ((source.status().find((s) => s.cluster === 'sgp-prod-1')?.resources['endpointslices']?.relists ?? 0) > relistsBefore ? true : undefined), 30_000);
    await waitFor('the changes applied', () => (importedEndpoints(latest(), 'tyo-prod-1').join() === 'jkt-prod-1/10.1.0.5,sgp-prod-1/10.2.0.8' ? true : undefined), 15_000);
  });

  it('`serve --kubeconfig` (the runtime) reads the clusters from their API servers and reports each watch in /metrics', async () => {
    const stateDir = join(dir, 'serve-state');
    const audit = await openStore({ dataDir: stateDir });
    const runtime = await startServeRuntime({ ...testRuntimeConfig(join(dir, 'fleet'), stateDir, audit), kubeconfigPath: join(dir, 'kubeconfig') });
    try {
      await waitFor('sgp imported through the runtime', () => (importedEndpoints(runtime.bus.mcs.get('latest')?.result, 'tyo-prod-1').join() === 'jkt-prod-1/10.1.0.5,sgp-prod-1/10.2.0.8' ? true : undefined), 30_000);
      await waitFor('the runtime heartbeats the watched clusters', () => (TEST_CLUSTERS.every((c) => runtime.bus.fleet.freshness()[c.name]?.synced === true) ? true : undefined), 30_000);
      const metrics = await waitFor('every watch up in /metrics', async () => {
        const text = await (await fetch(`${runtime.adminUrl}/metrics`)).text();
        return TEST_CLUSTERS.every((c) => text.includes(`lintas_kube_watch_up{cluster="${c.name}"} 1`)) ? text : undefined;
      });
      assert.match(metrics, /lintas_kube_last_sync_timestamp_seconds\{cluster="sgp-prod-1"\} \d/);
      assert.match(metrics, /lintas_kube_relists\{cluster="sgp-prod-1",resource="endpointslices"\} 0/);
    } finally {
      await runtime.stop();
      await audit.close();
    }
  });
});
