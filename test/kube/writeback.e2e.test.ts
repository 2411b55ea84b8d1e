/**
 * The MCS write-back against three real kube-apiservers (issue 16 items 2 and 4), through
 * `lintas serve --kubeconfig` (the runtime): an export in jkt becomes a ServiceImport, a derived
 * Service (its ClusterIP allocated by the API server, and the ServiceImport's IP) and imported
 * EndpointSlices in sgp and tyo; the export's status is written back with observedGeneration; a
 * protocol conflict shows on both exports' status with the KEP reason and an ExportConflict Event;
 * a restart writes nothing (counted by `lintas_kube_writes_total`) and duplicates nothing; deleting
 * the exports garbage-collects what Lintas made; a user's look-alike EndpointSlice (same labels,
 * even Lintas's owner label) is never modified or deleted.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startServeRuntime, type ServeRuntime } from '../../src/runtime/index.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { openStore, type LintasStore } from '../../src/store/index.ts';
import { appendFileSync } from 'node:fs';
import { createLogger, silentLogger } from '../../src/observability/index.ts';
import { waitFor } from '../wait.ts';
import { installSharedCrds, kubeBinariesMissing, startKubeFleet, TEST_CLUSTERS, type TestKubeFleet } from './fleet.ts';

const missing = kubeBinariesMissing();
/** Set to a file to keep the runtime's debug log (every write and why it was needed). */
const LOG_FILE = process.env['LINTAS_KUBE_TEST_LOG'];

const FLEET_YAML = [
  ...TEST_CLUSTERS.map((c, i) => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c.name }, spec: { region: `region-${String(i + 1)}`, podCIDRs: [`10.${String(i + 1)}.0.0/16`], serviceCIDRs: [c.serviceCidr] } })),
  { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: TEST_CLUSTERS.map((c) => c.name), clusterSetIPRange: '10.250.0.0/16' } },
]
  .map((o) => stringify(o))
  .join('---\n');

const IMPORTERS = ['sgp-prod-1', 'tyo-prod-1'] as const;
const SLICES = '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices';
const IMPORTS = '/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceimports';
const EXPORTS = '/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceexports';
const SERVICES = '/api/v1/namespaces/shop/services';

interface Obj {
  metadata: { name: string; resourceVersion?: string; generation?: number; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string; reason: string; observedGeneration?: number }[] };
  endpoints?: { addresses: string[] }[];
}

/** The `name: value` lines of one metric in a Prometheus exposition. */
function samples(text: string, metric: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${metric}{`));
}

describe('MCS write-back against real kube-apiservers', { skip: missing }, () => {
  let fleet: TestKubeFleet;
  let dir: string;
  let audit: LintasStore;
  let runtime: ServeRuntime | undefined;
  let lookalikeVersion: string | undefined;

  const apply = async (cluster: string, path: string, object: Record<string, unknown>, manager = 'lintas-test'): Promise<void> => {
    const name = (object['metadata'] as { name: string }).name;
    const res = await fleet.request(cluster, 'PATCH', `${path}/${name}?fieldManager=${manager}&force=true`, object, 'application/apply-patch+yaml');
    assert.ok(res.status < 300, `apply ${path}/${name} in ${cluster}: ${String(res.status)} ${JSON.stringify(res.body)}`);
  };
  const get = async (cluster: string, path: string): Promise<Obj | undefined> => {
    const res = await fleet.request(cluster, 'GET', path);
    return res.status === 200 ? (res.body as Obj) : undefined;
  };
  const list = async (cluster: string, path: string): Promise<Obj[]> => ((await fleet.request(cluster, 'GET', path)).body as { items?: Obj[] }).items ?? [];
  const start = async (kubeWrite = true): Promise<ServeRuntime> =>
    startServeRuntime({ ...testRuntimeConfig(join(dir, 'fleet'), join(dir, 'state'), audit, LOG_FILE === undefined ? silentLogger : createLogger({ level: 'debug', write: (l) => appendFileSync(LOG_FILE, `${l}\n`) })), kubeconfigPath: fleet.kubeconfigPath, kubeWrite, embeddedGateways: 'none' });
  const metrics = async (): Promise<string> => {
    assert.ok(runtime);
    return (await fetch(`${runtime.adminUrl}/metrics`)).text();
  };
  /** Waits until every cluster completed `n` write-back syncs in the current runtime. */
  const syncedTimes = (n: number): Promise<string> =>
    waitFor(`${String(n)} write-back syncs of every cluster`, async () => {
      const text = await metrics();
      return TEST_CLUSTERS.every((c) => samples(text, 'lintas_kube_write_syncs_total').some((l) => l.includes(`cluster="${c.name}"`) && Number(l.split(' ').at(-1)) >= n)) ? text : undefined;
    }, 60_000);

  before(async () => {
    fleet = await startKubeFleet();
    await Promise.all(TEST_CLUSTERS.map((c) => installSharedCrds(fleet, c.name)));
    for (const c of TEST_CLUSTERS) await apply(c.name, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await apply('jkt-prod-1', SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    await apply('jkt-prod-1', EXPORTS, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } });
    await apply('jkt-prod-1', SLICES, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    // A user's slice that looks exactly like one of Lintas's imports (every label, even the owner label).
    await apply(
      'sgp-prod-1',
      SLICES,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-lookalike', namespace: 'shop', labels: { 'endpointslice.kubernetes.io/managed-by': 'lintas.dev', 'multicluster.kubernetes.io/service-name': 'web', 'multicluster.kubernetes.io/source-cluster': 'jkt-prod-1', 'lintas.dev/owner': 'lintas' }, annotations: { 'lintas.dev/owned-by': 'lintas' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.9.9.9'] }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
      'someone-else',
    );
    lookalikeVersion = (await get('sgp-prod-1', `${SLICES}/web-lookalike`))?.metadata.resourceVersion;
    dir = await mkdtemp(join(tmpdir(), 'lintas-writeback-'));
    await mkdir(join(dir, 'fleet', 'fleet'), { recursive: true });
    await writeFile(join(dir, 'fleet', 'fleet', 'clusters.yaml'), FLEET_YAML);
    audit = await openStore({ dataDir: join(dir, 'state') });
    runtime = await start();
  });

  after(async () => {
    await runtime?.stop();
    await audit?.close();
    await fleet?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('an export in jkt appears in sgp and tyo as a ServiceImport, a derived Service whose allocated ClusterIP is the import\'s IP, and imported EndpointSlices', async () => {
    for (const cluster of IMPORTERS) {
      const si = await waitFor(`ServiceImport shop/web with an IP in ${cluster}`, async () => {
        const found = await get(cluster, `${IMPORTS}/web`);
        return (found?.spec?.['ips'] as string[] | undefined)?.length === 1 ? found : undefined;
      }, 60_000);
      assert.equal(si.spec?.['type'], 'ClusterSetIP');
      assert.deepEqual(si.spec?.['ports'], [{ name: 'http', port: 80, protocol: 'TCP' }]);
      const derived = (await list(cluster, SERVICES)).filter((s) => s.metadata.labels?.['multicluster.kubernetes.io/service-name'] === 'web');
      assert.equal(derived.length, 1, 'one derived Service');
      const service = derived[0];
      assert.ok(service);
      assert.match(service.metadata.name, /^derived-[0-9a-f]{10}$/);
      assert.equal(service.spec?.['selector'], undefined, 'no selector: its endpoints are the imported slices');
      assert.deepEqual(si.spec?.['ips'], [service.spec?.['clusterIP']], 'the ServiceImport IP is the ClusterIP the cluster allocated');
      const slices = await waitFor(`imported slices in ${cluster}`, async () => {
        const found = (await list(cluster, SLICES)).filter((s) => s.metadata.labels?.['lintas.dev/owner'] === 'lintas' && s.metadata.name !== 'web-lookalike');
        return found.length === 1 ? found : undefined;
      });
      assert.deepEqual(slices[0]?.metadata.labels, {
        'endpointslice.kubernetes.io/managed-by': 'lintas.dev',
        'kubernetes.io/service-name': service.metadata.name,
        'lintas.dev/owner': 'lintas',
        'multicluster.kubernetes.io/service-name': 'web',
        'multicluster.kubernetes.io/source-cluster': 'jkt-prod-1',
      });
      assert.deepEqual(slices[0]?.endpoints?.map((e) => e.addresses[0]), ['10.1.0.5']);
    }
    const exported = await waitFor('jkt export status written', async () => {
      const se = await get('jkt-prod-1', `${EXPORTS}/web`);
      return se?.status?.conditions?.length === 3 ? se : undefined;
    });
    assert.deepEqual(exported.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}@${String(c.observedGeneration)}`), [`Valid=True/Valid@${String(exported.metadata.generation)}`, `Ready=True/Exported@${String(exported.metadata.generation)}`, `Conflict=False/NoConflicts@${String(exported.metadata.generation)}`]);
  });

  it('a conflict (the same Service exported with another protocol from sgp) shows on both exports\' status with the KEP reason, and as an ExportConflict Event', async () => {
    await apply('sgp-prod-1', SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ name: 'udp', port: 80, protocol: 'UDP' }] } });
    await apply('sgp-prod-1', EXPORTS, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } });
    for (const cluster of ['jkt-prod-1', 'sgp-prod-1']) {
      await waitFor(`Conflict=True/PortConflict on ${cluster}'s export`, async () => {
        const conflict = (await get(cluster, `${EXPORTS}/web`))?.status?.conditions?.find((c) => c.type === 'Conflict');
        return conflict?.status === 'True' && conflict.reason === 'PortConflict' ? true : undefined;
      }, 30_000);
    }
    const events = await waitFor('an ExportConflict Event in sgp', async () => {
      const found = ((await fleet.request('sgp-prod-1', 'GET', '/api/v1/namespaces/shop/events')).body as { items: { reason: string; involvedObject: { kind: string; name: string }; type: string }[] }).items.filter((e) => e.reason === 'ExportConflict');
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(events.map((e) => `${e.type} ${e.involvedObject.kind}/${e.involvedObject.name}`), ['Warning ServiceExport/web']);
  });

  it('a restart reconciles with no duplicates and no writes (lintas_kube_writes_total stays at zero)', async () => {
    const before = await syncedTimes(1);
    assert.ok(samples(before, 'lintas_kube_writes_total').some((l) => l.includes('verb="create"')), 'the first run created objects');
    const importsBefore = await Promise.all(IMPORTERS.map(async (c) => (await list(c, SLICES)).map((s) => `${s.metadata.name}@${String(s.metadata.resourceVersion)}`).sort()));
    await runtime?.stop();
    runtime = await start();
    // A complete sync of every cluster in the new process, from a result computed after every cluster was listed.
    const after = await syncedTimes(1);
    assert.deepEqual(samples(after, 'lintas_kube_writes_total'), [], 'no create, patch or delete after a restart');
    const importsAfter = await Promise.all(IMPORTERS.map(async (c) => (await list(c, SLICES)).map((s) => `${s.metadata.name}@${String(s.metadata.resourceVersion)}`).sort()));
    assert.deepEqual(importsAfter, importsBefore, 'the same slices, unchanged, none duplicated');
    for (const cluster of IMPORTERS) assert.equal((await list(cluster, IMPORTS)).length, 1);
  });

  it('deleting the exports garbage-collects what Lintas made; the user\'s look-alike slice is never modified or deleted', async () => {
    for (const cluster of ['jkt-prod-1', 'sgp-prod-1']) assert.equal((await fleet.request(cluster, 'DELETE', `${EXPORTS}/web`)).status, 200);
    for (const cluster of IMPORTERS) {
      await waitFor(`Lintas's objects gone from ${cluster}`, async () => {
        const left = [...(await list(cluster, IMPORTS)), ...(await list(cluster, SERVICES)).filter((s) => s.metadata.name.startsWith('derived-')), ...(await list(cluster, SLICES)).filter((s) => s.metadata.name !== 'web-lookalike' && s.metadata.labels?.['lintas.dev/owner'] !== undefined)];
        return left.length === 0 ? true : undefined;
      }, 30_000);
    }
    const lookalike = await get('sgp-prod-1', `${SLICES}/web-lookalike`);
    assert.equal(lookalike?.metadata.resourceVersion, lookalikeVersion, 'the look-alike was never written to');
    assert.ok(samples(await metrics(), 'lintas_kube_writes_total').some((l) => l.includes('verb="delete"')));
  });

  it('`--no-kube-write` only reads: the import is computed, nothing is written', async () => {
    await runtime?.stop();
    await apply('jkt-prod-1', EXPORTS, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } });
    runtime = await start(false);
    const current = runtime;
    await waitFor('the import computed for tyo', () => (current.bus.mcs.get('latest')?.result.clusters.find((c) => c.cluster === 'tyo-prod-1')?.serviceImports.length === 1 ? true : undefined), 60_000);
    assert.deepEqual(await list('tyo-prod-1', IMPORTS), []);
    assert.deepEqual(samples(await metrics(), 'lintas_kube_write_syncs_total'), [], 'no write-back component runs');
  });
});
