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
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, silentLogger } from '../../src/observability/index.ts';
import { startServeRuntime, type ServeRuntime } from '../../src/runtime/index.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { openStore, type LintasStore } from '../../src/store/index.ts';
import { waitFor } from '../wait.ts';
import { installSharedCrds, kubeBinariesMissing, startKubeFleet, TEST_CLUSTERS, type TestKubeFleet } from './fleet.ts';
import { EXPORTS, expectConflict, expectGarbageCollected, expectImported, IMPORTERS, IMPORTS, samples, scenarioClient, seedExport, SLICES, writeFleetDir, type ScenarioClient } from './mcs-scenario.ts';

const missing = kubeBinariesMissing();
/** Set to a file to keep the runtime's debug log (every write and why it was needed). */
const LOG_FILE = process.env['LINTAS_KUBE_TEST_LOG'];

describe('MCS write-back against real kube-apiservers', { skip: missing }, () => {
  let fleet: TestKubeFleet;
  let dir: string;
  let audit: LintasStore;
  let runtime: ServeRuntime | undefined;
  let lookalikeVersion: string | undefined;

  let k: ScenarioClient;
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
    k = scenarioClient(fleet);
    await Promise.all(TEST_CLUSTERS.map((c) => installSharedCrds(fleet, c.name)));
    await seedExport(k);
    // A user's slice that looks exactly like one of Lintas's imports (every label, even the owner label).
    await k.apply(
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
    lookalikeVersion = (await k.get('sgp-prod-1', `${SLICES}/web-lookalike`))?.metadata.resourceVersion;
    dir = await mkdtemp(join(tmpdir(), 'lintas-writeback-'));
    await writeFleetDir(dir);
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
    await expectImported(k, { ignoreSlice: 'web-lookalike' });
  });

  it('a conflict (the same Service exported with another protocol from sgp) shows on both exports\' status with the KEP reason, and as an ExportConflict Event', async () => {
    await expectConflict(fleet, k);
  });

  it('a restart reconciles with no duplicates and no writes (lintas_kube_writes_total stays at zero)', async () => {
    const before = await syncedTimes(1);
    assert.ok(samples(before, 'lintas_kube_writes_total').some((l) => l.includes('verb="create"')), 'the first run created objects');
    const importsBefore = await Promise.all(IMPORTERS.map(async (c) => (await k.list(c, SLICES)).map((s) => `${s.metadata.name}@${String(s.metadata.resourceVersion)}`).sort()));
    await runtime?.stop();
    runtime = await start();
    // A complete sync of every cluster in the new process, from a result computed after every cluster was listed.
    const after = await syncedTimes(1);
    assert.deepEqual(samples(after, 'lintas_kube_writes_total'), [], 'no create, patch or delete after a restart');
    const importsAfter = await Promise.all(IMPORTERS.map(async (c) => (await k.list(c, SLICES)).map((s) => `${s.metadata.name}@${String(s.metadata.resourceVersion)}`).sort()));
    assert.deepEqual(importsAfter, importsBefore, 'the same slices, unchanged, none duplicated');
    for (const cluster of IMPORTERS) assert.equal((await k.list(cluster, IMPORTS)).length, 1);
  });

  it('deleting the exports garbage-collects what Lintas made; the user\'s look-alike slice is never modified or deleted', async () => {
    await expectGarbageCollected(fleet, k, { ignoreSlice: 'web-lookalike' });
    const lookalike = await k.get('sgp-prod-1', `${SLICES}/web-lookalike`);
    assert.equal(lookalike?.metadata.resourceVersion, lookalikeVersion, 'the look-alike was never written to');
    assert.ok(samples(await metrics(), 'lintas_kube_writes_total').some((l) => l.includes('verb="delete"')));
  });

  it('`--no-kube-write` only reads: the import is computed, nothing is written', async () => {
    await runtime?.stop();
    await k.apply('jkt-prod-1', EXPORTS, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } });
    runtime = await start(false);
    const current = runtime;
    await waitFor('the import computed for tyo', () => (current.bus.mcs.get('latest')?.result.clusters.find((c) => c.cluster === 'tyo-prod-1')?.serviceImports.length === 1 ? true : undefined), 60_000);
    assert.deepEqual(await k.list('tyo-prod-1', IMPORTS), []);
    assert.deepEqual(samples(await metrics(), 'lintas_kube_write_syncs_total'), [], 'no write-back component runs');
  });
});
