/**
 * The management cluster on real kube-apiservers (issue 16 items 1 and 3): Lintas runs "in-cluster"
 * in jkt-prod-1 (a temp dir stands in for the service account mount), reads the fleet-scoped
 * lintas.dev CRs there and combines them with the fleet directory into the same FleetStore and
 * translators, follows the remote-cluster Secrets there, and elects its leader through the Lease in
 * lintas-system, all with a token of the lintas ServiceAccount under deploy/'s RBAC.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { silentLogger } from '../../src/observability/index.ts';
import { startServeRuntime, type RuntimeConfig, type ServeRuntime } from '../../src/runtime/index.ts';
import { leasePath } from '../../src/runtime/kube-lease.ts';
import { CONTROL_PLANE_LEASE } from '../../src/runtime/leadership.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { openStore, type LintasStore } from '../../src/store/index.ts';
import { waitFor } from '../wait.ts';
import { apply as applyManifest, deployManifests } from './manifests.ts';
import { installSharedCrds, kubeBinariesMissing, startKubeFleet, TEST_CLUSTERS, type TestKubeFleet } from './fleet.ts';

const missing = kubeBinariesMissing();
const MANAGEMENT = 'jkt-prod-1';
const CRDS = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'deploy', 'crds');

const DIRECTORY = [
  // jkt-prod-1 is the cluster Lintas runs in: its objects are read through the in-cluster context.
  ...TEST_CLUSTERS.map((c, i) => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c.name, ...(c.name === MANAGEMENT ? { annotations: { 'lintas.dev/kubeconfig-context': 'in-cluster' } } : {}) }, spec: { region: `region-${String(i + 1)}`, network: `net-${String(i + 1)}`, podCIDRs: [`10.${String(i + 1)}.0.0/16`], serviceCIDRs: [c.serviceCidr] } })),
  { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: TEST_CLUSTERS.map((c) => c.name), clusterSetIPRange: '10.250.0.0/16' } },
  // Also applied as a CR below: the directory's copy wins.
  { apiVersion: 'lintas.dev/v1alpha1', kind: 'OwnershipMap', metadata: { name: 'web-owners', namespace: 'shop' }, spec: { rules: [{ prefix: 'J-', cluster: 'jkt-prod-1' }], default: { hash: 'Rendezvous', clusters: TEST_CLUSTERS.map((c) => c.name) } } },
];

const TRAFFIC_POLICY = { apiVersion: 'lintas.dev/v1alpha1', kind: 'TrafficPolicy', metadata: { name: 'web', namespace: 'shop' }, spec: { targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'web' }], locality: { mode: 'Owner' }, ownership: { key: { header: 'X-Id' }, mapRef: { kind: 'OwnershipMap', name: 'web-owners' } } } };
const failoverPolicy = (unhealthyFor: string): Record<string, unknown> => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'FailoverPolicy', metadata: { name: 'web', namespace: 'shop' }, spec: { targetRef: { kind: 'TrafficPolicy', name: 'web' }, mode: 'Guarded', from: 'sgp-prod-1', to: ['jkt-prod-1'], detection: { unhealthyFor } } });

describe('management cluster: lintas.dev CRs and the leader Lease, in-cluster', { skip: missing }, () => {
  let fleet: TestKubeFleet;
  let dir: string;
  let store: LintasStore;
  let runtime: ServeRuntime;
  let replicaConfig: (holder: string, stateDir: string, store: LintasStore) => RuntimeConfig;
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];

  const apply = async (path: string, object: Record<string, unknown>, cluster: string = MANAGEMENT): Promise<void> => {
    const name = (object['metadata'] as { name: string }).name;
    const res = await fleet.request(cluster, 'PATCH', `${path}/${name}?fieldManager=lintas-test&force=true`, object, 'application/apply-patch+yaml');
    assert.ok(res.status < 300, `apply ${path}/${name}: ${String(res.status)} ${JSON.stringify(res.body)}`);
  };
  const fleetObject = (kind: string, name: string): { origin: { file: string }; object: Record<string, unknown> } | undefined =>
    runtime.bus.fleet.current().fleetObjects.find((s) => s.object.kind === kind && s.object.metadata.name === name) as { origin: { file: string }; object: Record<string, unknown> } | undefined;

  before(async () => {
    fleet = await startKubeFleet();
    await Promise.all([MANAGEMENT, 'sgp-prod-1'].map((c) => installSharedCrds(fleet, c)));
    // sgp-prod-1 exports shop/web; it is reached only once a remote-cluster Secret names it.
    await apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, 'sgp-prod-1');
    await apply('/api/v1/namespaces/shop/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } }, 'sgp-prod-1');
    await apply('/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceexports', { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } }, 'sgp-prod-1');
    await apply('/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-sgp-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.2.0.5'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }, 'sgp-prod-1');
    for (const file of ['lintas.dev_trafficpolicies.yaml', 'lintas.dev_failoverpolicies.yaml', 'lintas.dev_ownershipmaps.yaml', 'lintas.dev_clusters.yaml', 'lintas.dev_clustersets.yaml', 'lintas.dev_healthcontracts.yaml', 'lintas.dev_dnspolicies.yaml']) {
      for (const doc of parseAllDocuments(await readFile(join(CRDS, file), 'utf8'))) await apply('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', doc.toJS() as Record<string, unknown>);
    }
    for (const ns of ['lintas-system', 'shop']) await apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await waitFor('the lintas.dev CRDs served', async () => ((await fleet.request(MANAGEMENT, 'GET', '/apis/lintas.dev/v1alpha1/failoverpolicies')).status === 200 ? true : undefined), 60_000);
    await apply('/apis/lintas.dev/v1alpha1/namespaces/shop/trafficpolicies', TRAFFIC_POLICY);
    await apply('/apis/lintas.dev/v1alpha1/namespaces/shop/failoverpolicies', failoverPolicy('5s'));
    await apply('/apis/lintas.dev/v1alpha1/namespaces/shop/ownershipmaps', { ...DIRECTORY[4]!, spec: { rules: [], default: { hash: 'Rendezvous', clusters: ['tyo-prod-1'] } } });

    dir = await mkdtemp(join(tmpdir(), 'lintas-management-'));
    await mkdir(join(dir, 'fleet', 'fleet'), { recursive: true });
    await writeFile(join(dir, 'fleet', 'fleet', 'fleet.yaml'), DIRECTORY.map((o) => stringify(o)).join('---\n'));
    // The service account mount of a pod in jkt-prod-1, standing in: a token of the lintas
    // ServiceAccount under deploy/'s RBAC (nothing more), the CA, the namespace.
    for (const { object } of deployManifests().filter((m) => m.file.includes('rbac-') || m.object.kind === 'ServiceAccount')) {
      const res = await applyManifest(fleet, MANAGEMENT, object, { dryRun: false });
      assert.ok(res.status < 300, JSON.stringify(res.body));
    }
    const issued = await fleet.request(MANAGEMENT, 'POST', '/api/v1/namespaces/lintas-system/serviceaccounts/lintas/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const sa = join(dir, 'serviceaccount');
    await mkdir(sa);
    await writeFile(join(sa, 'token'), (issued.body as { status: { token: string } }).status.token);
    await writeFile(join(sa, 'ca.crt'), fleet.ca);
    await writeFile(join(sa, 'namespace'), 'lintas-system');
    const port = fleet.apiservers.get(MANAGEMENT)?.port;
    store = await openStore({ dataDir: join(dir, 'state') });
    const log = { ...silentLogger };
    const capture = (level: string) => (message: string, fields: Record<string, unknown> = {}): void => void logs.push({ level, message, fields });
    const logger: typeof silentLogger = { ...log, error: capture('error'), warn: capture('warn'), info: () => undefined, debug: () => undefined, child: () => logger };
    replicaConfig = (holder, stateDir, replicaStore) => ({
      ...testRuntimeConfig(join(dir, 'fleet'), stateDir, replicaStore, logger),
      inCluster: { serviceAccountDir: sa, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) } },
      // The write-back on: a cluster a remote-cluster Secret adds gets its ServiceImports too.
      kubeWrite: true,
      holder,
      lease: { ttlMs: 4_000, renewMs: 300 },
    });
    runtime = await startServeRuntime(replicaConfig('replica-1', join(dir, 'state'), store));
  });

  after(async () => {
    await runtime?.stop();
    await store?.close();
    await fleet?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('the CRs join the directory\'s objects in the same FleetStore and reach the failover translator; the directory wins a clash', async () => {
    // Listed before the directory's first publication: already there once the runtime started.
    assert.equal(fleetObject('TrafficPolicy', 'web')?.origin.file, 'management:in-cluster/trafficpolicies/shop/web');
    assert.equal(fleetObject('FailoverPolicy', 'web')?.origin.file, 'management:in-cluster/failoverpolicies/shop/web');
    await waitFor('the FailoverPolicy\'s state machine for shop/web', () => (runtime.bus.failover.get('latest')?.ownership['shop/web'] !== undefined ? true : undefined));
    // The OwnershipMap defined in both: the directory's copy, and a warning naming both.
    const owners = runtime.bus.fleet.current().fleetObjects.filter((s) => s.object.kind === 'OwnershipMap');
    assert.deepEqual(owners.map((s) => s.origin.file), ['fleet/fleet.yaml']);
    const status = (await (await fetch(`${runtime.adminUrl}/api/v1/management`)).json()) as { shadowed: string[]; refused: string[]; synced: boolean };
    assert.equal(status.synced, true);
    assert.deepEqual(status.shadowed, ['management:in-cluster/ownershipmaps/shop/web-owners: OwnershipMap/shop/web-owners is also in the fleet directory (fleet/fleet.yaml); the directory\'s copy wins']);
    assert.ok(logs.some((l) => l.level === 'warn' && /directory wins/.test(l.message)));
  });

  it('a malformed CR is refused with its cluster, namespace, name and field named; its last good version keeps serving', async () => {
    await apply('/apis/lintas.dev/v1alpha1/namespaces/shop/failoverpolicies', failoverPolicy('0s'));
    const status = await waitFor('the refusal', async () => {
      const s = (await (await fetch(`${runtime.adminUrl}/api/v1/management`)).json()) as { refused: string[] };
      return s.refused.length > 0 ? s : undefined;
    });
    assert.match(status.refused[0] ?? '', /^management:in-cluster\/failoverpolicies\/shop\/web:1: FailoverPolicy shop\/web: \.spec\.detection\.unhealthyFor: must be greater than 0s/);
    assert.deepEqual((fleetObject('FailoverPolicy', 'web')?.object['spec'] as { detection: unknown }).detection, { unhealthyFor: '5s' });
    // Fixed: the refusal clears and the new version serves.
    await apply('/apis/lintas.dev/v1alpha1/namespaces/shop/failoverpolicies', failoverPolicy('7s'));
    await waitFor('the fixed policy served', () => ((fleetObject('FailoverPolicy', 'web')?.object['spec'] as { detection: { unhealthyFor: string } } | undefined)?.detection.unhealthyFor === '7s' ? true : undefined));
  });

  it('a CR that breaks the fleet checks (a FailoverPolicy naming an unknown cluster) is refused as a set; the last good set keeps serving', async () => {
    await apply('/apis/lintas.dev/v1alpha1/namespaces/shop/failoverpolicies', { ...failoverPolicy('7s'), spec: { ...(failoverPolicy('7s')['spec'] as object), to: ['osaka-1'] } });
    const status = await waitFor('the set refused', async () => {
      const s = (await (await fetch(`${runtime.adminUrl}/api/v1/management`)).json()) as { refused: string[] };
      return s.refused.some((r) => r.includes('osaka-1')) ? s : undefined;
    });
    assert.match(status.refused.find((r) => r.includes('osaka-1')) ?? '', /^management:in-cluster\/failoverpolicies\/shop\/web/);
    assert.deepEqual((fleetObject('FailoverPolicy', 'web')?.object['spec'] as { to: unknown }).to, ['jkt-prod-1']);
    await apply('/apis/lintas.dev/v1alpha1/namespaces/shop/failoverpolicies', failoverPolicy('7s'));
  });

  it('a remote-cluster Secret starts a member cluster\'s watch (its export imported), a bad key is refused by name, rotation restarts it, deleting the Secret stops the watch', async () => {
    const importedInJkt = (): string[] => {
      const jkt = runtime.bus.mcs.get('latest')?.result.clusters.find((c) => c.cluster === MANAGEMENT);
      return (jkt?.endpointSlices ?? []).filter((s) => s.metadata.namespace === 'shop').flatMap((s) => s.endpoints.flatMap((e) => e.addresses.map((a) => `${s.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] ?? '?'}/${a}`)));
    };
    const management = async (): Promise<{ remoteClusters: { clusters: Record<string, string>; errors: string[]; watches: { cluster: string }[] } }> => (await (await fetch(`${runtime.adminUrl}/api/v1/management`)).json()) as never;
    assert.deepEqual(importedInJkt(), [], 'sgp is not watched yet');
    const server = fleet.apiservers.get('sgp-prod-1')?.server ?? '';
    const sgpKubeconfig = stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'sgp', cluster: { server, 'certificate-authority-data': Buffer.from(fleet.ca).toString('base64') } }], users: [{ name: 'lintas', user: { token: fleet.adminToken } }], contexts: [{ name: 'sgp', context: { cluster: 'sgp', user: 'lintas' } }], 'current-context': 'sgp' });
    const secret = (data: Record<string, string>): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'remote-sgp', namespace: 'lintas-system', labels: { 'lintas.dev/remote-cluster': 'true' } }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) });
    await apply('/api/v1/namespaces/lintas-system/secrets', secret({ 'sgp-prod-1': sgpKubeconfig, 'tyo-prod-1': 'clusters: [not, a, kubeconfig' }));
    await waitFor('sgp\'s export imported into jkt', () => (importedInJkt().join() === 'sgp-prod-1/10.2.0.5' ? true : undefined), 30_000);
    // The write-back follows the Secret too: sgp (reached only through it) gets its ServiceImport.
    await waitFor('the ServiceImport written into sgp through the Secret\'s credential', async () => ((await fleet.request('sgp-prod-1', 'GET', '/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceimports/web')).status === 200 ? true : undefined), 30_000);
    const status = (await management()).remoteClusters;
    assert.deepEqual(status.clusters, { 'sgp-prod-1': 'lintas-system/remote-sgp key sgp-prod-1' });
    // Its watch metrics sit beside the kubeconfig clusters' (jkt-prod-1 through in-cluster).
    await waitFor('sgp\'s watch metrics', async () => {
      const metrics = await (await fetch(`${runtime.adminUrl}/metrics`)).text();
      return /^lintas_kube_watch_up\{cluster="sgp-prod-1"\} 1$/m.test(metrics) && /^lintas_kube_watch_up\{cluster="jkt-prod-1"\} 1$/m.test(metrics) ? true : undefined;
    });
    assert.equal(status.errors.length, 1);
    assert.match(status.errors[0] ?? '', /^Secret lintas-system\/remote-sgp key tyo-prod-1: not a usable kubeconfig/);

    // Rotated credentials restart the watch with them: a revoked token shows as sgp down (its imports kept), a valid one brings it back.
    const watchOf = async (): Promise<{ up: boolean; resources: Record<string, { lastError?: string }> } | undefined> => (await management()).remoteClusters.watches.find((w) => w.cluster === 'sgp-prod-1') as never;
    await apply('/api/v1/namespaces/lintas-system/secrets', secret({ 'sgp-prod-1': sgpKubeconfig.replace(fleet.adminToken, 'revoked-token') }));
    const down = await waitFor('sgp refused with the revoked token', async () => {
      const w = await watchOf();
      return w !== undefined && Object.values(w.resources).some((r) => r.lastError?.includes('401') === true) ? w : undefined;
    }, 30_000);
    assert.equal(down.up, false);
    assert.deepEqual(importedInJkt(), ['sgp-prod-1/10.2.0.5'], 'unsynced is not empty');
    assert.deepEqual((await management()).remoteClusters.errors, [], 'the fixed Secret has no bad key left');
    await apply('/api/v1/namespaces/lintas-system/secrets', secret({ 'sgp-prod-1': sgpKubeconfig }));
    await waitFor('sgp up again with the valid token', async () => ((await watchOf())?.up === true ? true : undefined), 30_000);

    const res = await fleet.request(MANAGEMENT, 'DELETE', '/api/v1/namespaces/lintas-system/secrets/remote-sgp');
    assert.equal(res.status, 200);
    await waitFor('the watch of sgp stopped', async () => ((await management()).remoteClusters.watches.length === 0 ? true : undefined));
    await waitFor('sgp\'s export no longer imported', () => (importedInJkt().length === 0 ? true : undefined));
    assert.deepEqual((await management()).remoteClusters.clusters, {});
  });

  it('the replica elects through the Lease in the management cluster', async () => {
    await waitFor('leader', () => (runtime.bus.leader.get(CONTROL_PLANE_LEASE)?.role === 'leader' ? true : undefined));
    const lease = (await fleet.request(MANAGEMENT, 'GET', leasePath('lintas-system', CONTROL_PLANE_LEASE))).body as { spec: { holderIdentity: string; leaseDurationSeconds: number } };
    assert.deepEqual([lease.spec.holderIdentity, lease.spec.leaseDurationSeconds], ['replica-1', 4]);
    const metrics = await (await fetch(`${runtime.adminUrl}/metrics`)).text();
    assert.match(metrics, /^lintas_control_plane_leader 1$/m);
  });

  it('a second replica follows; once the leader stops, it takes the Lease and leads', async () => {
    const secondStore = await openStore({ dataDir: join(dir, 'state') });
    const second = await startServeRuntime(replicaConfig('replica-2', join(dir, 'state-2'), secondStore));
    const leaderMetric = async (r: ServeRuntime): Promise<string | undefined> => /^lintas_control_plane_leader (\d)$/m.exec(await (await fetch(`${r.adminUrl}/metrics`)).text())?.[1];
    try {
      assert.deepEqual(second.bus.leader.get(CONTROL_PLANE_LEASE), { role: 'follower', reason: 'HeldByOther', leader: 'replica-1' });
      assert.deepEqual([await leaderMetric(runtime), await leaderMetric(second)], ['1', '0']);
      // The second replica reads the same CRs: the same fleet-scoped objects.
      assert.deepEqual(second.bus.fleet.current().fleetObjects.map((o) => o.origin.file), runtime.bus.fleet.current().fleetObjects.map((o) => o.origin.file));
      await runtime.stop();
      await waitFor('replica-2 to lead', () => (second.bus.leader.get(CONTROL_PLANE_LEASE)?.role === 'leader' ? true : undefined));
      const lease = (await fleet.request(MANAGEMENT, 'GET', leasePath('lintas-system', CONTROL_PLANE_LEASE))).body as { spec: { holderIdentity: string; leaseTransitions: number } };
      assert.deepEqual([lease.spec.holderIdentity, lease.spec.leaseTransitions], ['replica-2', 1]);
      assert.equal(await leaderMetric(second), '1');
    } finally {
      await second.stop();
      await secondStore.close();
    }
  });
});
