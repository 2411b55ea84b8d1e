/**
 * Test helper: the MCS story the Kubernetes e2e tests tell against the test fleet, shared by the
 * write-back e2e (as admin) and the RBAC e2e (as the deploy/ ServiceAccount): the fleet directory,
 * the export in jkt, and the waits and assertions for what Lintas writes back (imports in sgp and
 * tyo, export status, a conflict and its Event, garbage collection on unexport).
 * @module
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../wait.ts';
import { TEST_CLUSTERS, type TestKubeFleet } from './fleet.ts';

/** The fleet-scoped objects (Clusters, ClusterSet) of the test fleet, as a directory source's YAML. */
export const FLEET_YAML = [
  ...TEST_CLUSTERS.map((c, i) => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c.name }, spec: { region: `region-${String(i + 1)}`, podCIDRs: [`10.${String(i + 1)}.0.0/16`], serviceCIDRs: [c.serviceCidr] } })),
  { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: TEST_CLUSTERS.map((c) => c.name), clusterSetIPRange: '10.250.0.0/16' } },
]
  .map((o) => stringify(o))
  .join('---\n');

/** The clusters that import jkt's export. */
export const IMPORTERS = ['sgp-prod-1', 'tyo-prod-1'] as const;
/** Collections of namespace `shop`. */
export const SLICES = '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices';
export const IMPORTS = '/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceimports';
export const EXPORTS = '/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceexports';
export const SERVICES = '/api/v1/namespaces/shop/services';

/** The fields of an object the assertions read. */
export interface Obj {
  metadata: { name: string; resourceVersion?: string; generation?: number; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string; reason: string; observedGeneration?: number }[] };
  endpoints?: { addresses: string[] }[];
}

/** The `name: value` lines of one metric in a Prometheus exposition. */
export function samples(text: string, metric: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${metric}{`));
}

/** Admin reads and writes of the test fleet, as the scenario makes them. */
export interface ScenarioClient {
  /** Server-side apply of `object` into collection `path` (field manager `lintas-test` unless `manager`). */
  apply(cluster: string, path: string, object: Record<string, unknown>, manager?: string): Promise<void>;
  get(cluster: string, path: string): Promise<Obj | undefined>;
  list(cluster: string, path: string): Promise<Obj[]>;
}

/** The scenario's client over `fleet` (as its admin). */
export function scenarioClient(fleet: TestKubeFleet): ScenarioClient {
  return {
    apply: async (cluster, path, object, manager = 'lintas-test') => {
      const name = (object['metadata'] as { name: string }).name;
      const res = await fleet.request(cluster, 'PATCH', `${path}/${name}?fieldManager=${manager}&force=true`, object, 'application/apply-patch+yaml');
      assert.ok(res.status < 300, `apply ${path}/${name} in ${cluster}: ${String(res.status)} ${JSON.stringify(res.body)}`);
    },
    get: async (cluster, path) => {
      const res = await fleet.request(cluster, 'GET', path);
      return res.status === 200 ? (res.body as Obj) : undefined;
    },
    list: async (cluster, path) => ((await fleet.request(cluster, 'GET', path)).body as { items?: Obj[] }).items ?? [],
  };
}

/** Writes the fleet directory (`<dir>/fleet/fleet/clusters.yaml`) the runtime reads its Clusters from. */
export async function writeFleetDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'fleet', 'fleet'), { recursive: true });
  await writeFile(join(dir, 'fleet', 'fleet', 'clusters.yaml'), FLEET_YAML);
}

/** Namespace `shop` in every cluster; in jkt, Service `web` (TCP 80), its ServiceExport and a ready endpoint 10.1.0.5. */
export async function seedExport(k: ScenarioClient): Promise<void> {
  for (const c of TEST_CLUSTERS) await k.apply(c.name, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await k.apply('jkt-prod-1', SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
  await k.apply('jkt-prod-1', EXPORTS, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } });
  await k.apply('jkt-prod-1', SLICES, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
}

/**
 * Waits for, and checks, jkt's export in every importer: a ServiceImport whose IP is the derived
 * Service's allocated ClusterIP, that Service without a selector, and one imported slice with the
 * MCS labels; then the export's three status conditions at its generation.
 */
export async function expectImported(k: ScenarioClient, options: { ignoreSlice?: string } = {}): Promise<void> {
  for (const cluster of IMPORTERS) {
    const si = await waitFor(`ServiceImport shop/web with an IP in ${cluster}`, async () => {
      const found = await k.get(cluster, `${IMPORTS}/web`);
      return (found?.spec?.['ips'] as string[] | undefined)?.length === 1 ? found : undefined;
    }, 60_000);
    assert.equal(si.spec?.['type'], 'ClusterSetIP');
    assert.deepEqual(si.spec?.['ports'], [{ name: 'http', port: 80, protocol: 'TCP' }]);
    const derived = (await k.list(cluster, SERVICES)).filter((s) => s.metadata.labels?.['multicluster.kubernetes.io/service-name'] === 'web');
    assert.equal(derived.length, 1, 'one derived Service');
    const service = derived[0];
    assert.ok(service);
    assert.match(service.metadata.name, /^derived-[0-9a-f]{10}$/);
    assert.equal(service.spec?.['selector'], undefined, 'no selector: its endpoints are the imported slices');
    assert.deepEqual(si.spec?.['ips'], [service.spec?.['clusterIP']], 'the ServiceImport IP is the ClusterIP the cluster allocated');
    const slices = await waitFor(`imported slices in ${cluster}`, async () => {
      const found = (await k.list(cluster, SLICES)).filter((s) => s.metadata.labels?.['lintas.dev/owner'] === 'lintas' && s.metadata.name !== options.ignoreSlice);
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
    const se = await k.get('jkt-prod-1', `${EXPORTS}/web`);
    return se?.status?.conditions?.length === 3 ? se : undefined;
  });
  assert.deepEqual(exported.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}@${String(c.observedGeneration)}`), [`Valid=True/Valid@${String(exported.metadata.generation)}`, `Ready=True/Exported@${String(exported.metadata.generation)}`, `Conflict=False/NoConflicts@${String(exported.metadata.generation)}`]);
}

/** Exports `web` from sgp with another protocol (UDP); waits for Conflict=True/PortConflict on both exports and an ExportConflict Event in sgp. */
export async function expectConflict(fleet: TestKubeFleet, k: ScenarioClient): Promise<void> {
  await k.apply('sgp-prod-1', SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ name: 'udp', port: 80, protocol: 'UDP' }] } });
  await k.apply('sgp-prod-1', EXPORTS, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } });
  for (const cluster of ['jkt-prod-1', 'sgp-prod-1']) {
    await waitFor(`Conflict=True/PortConflict on ${cluster}'s export`, async () => {
      const conflict = (await k.get(cluster, `${EXPORTS}/web`))?.status?.conditions?.find((c) => c.type === 'Conflict');
      return conflict?.status === 'True' && conflict.reason === 'PortConflict' ? true : undefined;
    }, 30_000);
  }
  const events = await waitFor('an ExportConflict Event in sgp', async () => {
    const found = ((await fleet.request('sgp-prod-1', 'GET', '/api/v1/namespaces/shop/events')).body as { items: { reason: string; involvedObject: { kind: string; name: string }; type: string }[] }).items.filter((e) => e.reason === 'ExportConflict');
    return found.length > 0 ? found : undefined;
  });
  assert.deepEqual(events.map((e) => `${e.type} ${e.involvedObject.kind}/${e.involvedObject.name}`), ['Warning ServiceExport/web']);
}

/** Deletes the exports of jkt and sgp and waits until every ServiceImport, derived Service and imported slice Lintas made is gone from the importers. */
export async function expectGarbageCollected(fleet: TestKubeFleet, k: ScenarioClient, options: { ignoreSlice?: string } = {}): Promise<void> {
  for (const cluster of ['jkt-prod-1', 'sgp-prod-1']) assert.equal((await fleet.request(cluster, 'DELETE', `${EXPORTS}/web`)).status, 200);
  for (const cluster of IMPORTERS) {
    await waitFor(`Lintas's objects gone from ${cluster}`, async () => {
      const left = [...(await k.list(cluster, IMPORTS)), ...(await k.list(cluster, SERVICES)).filter((s) => s.metadata.name.startsWith('derived-')), ...(await k.list(cluster, SLICES)).filter((s) => s.metadata.name !== options.ignoreSlice && s.metadata.labels?.['lintas.dev/owner'] !== undefined)];
      return left.length === 0 ? true : undefined;
    }, 30_000);
  }
}
