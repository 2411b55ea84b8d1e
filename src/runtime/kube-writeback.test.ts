/**
 * The per-service write-back of one cluster against the fake API server (watches and writes on one
 * store), counting the requests: a result that changes one service of 50 writes that service only;
 * a restart writes and reads nothing; garbage collection, look-alikes, RBAC refusals, drift repair,
 * and units written concurrently.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { planUnits, type McsClusterResult } from '../controllers/index.ts';
import { silentLogger } from '../observability/index.ts';
import { ClusterWriter, FakeApiClient, FakeApiServer, type KubeClient, type LiveObject } from '../sources/index.ts';
import { waitFor } from '../../test/wait.ts';
import { ClusterWriteback } from './kube-writeback-cluster.ts';

const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const IMPORTS = '/apis/multicluster.x-k8s.io/v1beta1/serviceimports';
const SERVICES = '/api/v1/services';
const EXPORT_STATUS = (name: string): string => `PATCH /apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceexports/${name}/status`;

/** sgp's MCS result: `n` Services imported from jkt (one slice each; `changed` gets another address) and sgp's own export `own`. */
function result(n: number, changed?: number): McsClusterResult {
  const names = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
  return {
    cluster: 'sgp',
    serviceImports: names.map((name, i) => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name, namespace: 'shop' }, spec: { type: 'ClusterSetIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ips: [`10.250.0.${String(i + 1)}`] }, status: { clusters: [{ cluster: 'jkt' }] } })),
    endpointSlices: names.map((name, i) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-jkt`, namespace: 'shop', labels: { 'multicluster.kubernetes.io/service-name': name, 'multicluster.kubernetes.io/source-cluster': 'jkt', 'endpointslice.kubernetes.io/managed-by': 'lintas.dev' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [`10.1.0.${String(i + 1)}`], conditions: { ready: true } }, ...(i === changed ? [{ addresses: ['10.1.1.1'], conditions: { ready: true } }] : [])],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    })),
    serviceExports: [{ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'own', namespace: 'shop', generation: 1, resourceVersion: '1' }, status: { conditions: [{ type: 'Valid', status: 'True', reason: 'Valid', message: 'ServiceExport is valid.', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] } }],
  } as unknown as McsClusterResult;
}

/** sgp's own export as the source's watch saw it (no status yet). */
const liveExport = (): Map<string, LiveObject> => new Map([['shop/own', { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'own', namespace: 'shop', generation: 1, resourceVersion: '1' } }]]);

const started: ClusterWriteback[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((cw) => cw.stop()));
});

/** A started, synced write-back of sgp over `api` (a fresh process: nothing remembered). */
async function writeback(api: FakeApiServer, client: KubeClient, concurrency = 8): Promise<ClusterWriteback> {
  const writer = new ClusterWriter({ cluster: 'sgp', client, owner: 'lintas', log: silentLogger, ratePerSecond: 1e6, burst: 1e6 });
  const cw = new ClusterWriteback({ cluster: 'sgp', writer, transport: api.transport, owner: 'lintas', log: silentLogger, concurrency, resyncMs: 3_600_000 });
  started.push(cw);
  cw.start();
  await waitFor('the owned-object informers listed', () => (cw.synced() ? true : undefined));
  return cw;
}

async function apply(cw: ClusterWriteback, r: McsClusterResult, exports = liveExport()): Promise<void> {
  cw.plan(planUnits(r), exports);
  await cw.idle();
}

describe('ClusterWriteback (per-service write-back)', () => {
  it('a result that changes one service of 50 writes that one slice: no list, no GET, nothing else', async () => {
    const api = new FakeApiServer();
    const client = new FakeApiClient(api);
    const cw = await writeback(api, client);
    await apply(cw, result(50));
    // Creates straight away (the watch says none exists), the export's status from the source's copy: no GET.
    assert.equal(client.requests.filter((r) => r.startsWith('GET')).length, 0, client.requests.filter((r) => r.startsWith('GET')).join('\n'));
    assert.equal(client.writes().filter((r) => r.startsWith('POST')).length, 150, 'a derived Service, a ServiceImport and a slice per import');
    assert.ok(client.requests.includes(EXPORT_STATUS('own')));
    assert.equal(client.get(IMPORTS, 'shop', 'svc-07')?.['spec'] !== undefined && (client.get(IMPORTS, 'shop', 'svc-07')?.['spec'] as { ips?: string[] }).ips?.[0]?.startsWith('10.96.0.'), true, 'the derived ClusterIP is the import\'s IP');
    client.requests.length = 0;
    await apply(cw, result(50, 7));
    assert.deepEqual(client.requests, ['PATCH /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/svc-07-jkt']);
    client.requests.length = 0;
    await apply(cw, result(50, 7));
    assert.deepEqual(client.requests, [], 'the same result again (new objects, same content): nothing');
  });

  it('a restart writes and reads nothing when the cluster already holds the result', async () => {
    const api = new FakeApiServer();
    const client = new FakeApiClient(api);
    const exports = '/apis/multicluster.x-k8s.io/v1beta1/serviceexports';
    client.put(exports, liveExport().get('shop/own') as LiveObject, 'kubectl');
    const seen = (): Map<string, LiveObject> => new Map([['shop/own', client.get(exports, 'shop', 'own') as LiveObject]]);
    await apply(await writeback(api, client), result(20), seen());
    assert.ok(client.requests.includes(EXPORT_STATUS('own')));
    const live = await writeback(api, client);
    client.requests.length = 0;
    await apply(live, result(20), seen());
    assert.deepEqual(client.requests, []);
  });

  it('a service that goes away has its three objects deleted, and only those; a leftover of an earlier run is collected; a look-alike is never touched', async () => {
    const api = new FakeApiServer();
    const client = new FakeApiClient(api);
    // Left by an earlier run (Lintas's, no unit wants it) and a user's look-alike (every label, another manager).
    const marks = { labels: { 'lintas.dev/owner': 'lintas', 'multicluster.kubernetes.io/service-name': 'gone' }, annotations: { 'lintas.dev/owned-by': 'lintas' } };
    client.put(SLICES, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'gone-jkt', namespace: 'shop', ...marks }, endpoints: [] }, 'lintas');
    client.put(SLICES, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'svc-01-jkt', namespace: 'shop', ...marks }, endpoints: [] }, 'someone-else');
    client.put(SLICES, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'lookalike', namespace: 'shop', ...marks }, endpoints: [] }, 'someone-else');
    const cw = await writeback(api, client);
    await apply(cw, result(3));
    assert.equal(client.get(SLICES, 'shop', 'gone-jkt'), undefined, 'the leftover was collected');
    assert.equal((client.get(SLICES, 'shop', 'svc-01-jkt')?.metadata.managedFields ?? []).length, 1, 'the look-alike under a desired name was not written');
    assert.ok(client.get(SLICES, 'shop', 'lookalike'));
    client.requests.length = 0;
    const two = result(3);
    await apply(cw, { ...two, serviceImports: two.serviceImports.slice(0, 2), endpointSlices: two.endpointSlices.slice(0, 2) });
    assert.deepEqual(client.writes().sort(), [
      'DELETE /api/v1/namespaces/shop/services/derived-' + (client.requests.find((r) => r.startsWith('DELETE /api/v1/'))?.split('derived-')[1] ?? ''),
      'DELETE /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/svc-02-jkt',
      'DELETE /apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceimports/svc-02',
    ]);
    assert.ok(client.get(SLICES, 'shop', 'lookalike') && client.get(SLICES, 'shop', 'svc-01-jkt'), 'look-alikes never deleted');
  });

  it('a kind refused by RBAC (403) is that object\'s outcome: the ServiceImport and slice are still written', async () => {
    const api = new FakeApiServer();
    const client = new FakeApiClient(api);
    client.refuse.push({ match: 'POST /api/v1/', status: 403 });
    const cw = await writeback(api, client);
    await apply(cw, result(2));
    assert.ok(client.get(IMPORTS, 'shop', 'svc-00') && client.get(SLICES, 'shop', 'svc-01-jkt'));
    assert.equal(client.get(SERVICES, 'shop', 'svc-00'), undefined);
    assert.equal(cw.lastError(), undefined, 'not a failure to retry');
  });

  it('drift repair puts back what someone changed in an object of Lintas\'s, and writes nothing else', async () => {
    const api = new FakeApiServer();
    const client = new FakeApiClient(api);
    const exports = '/apis/multicluster.x-k8s.io/v1beta1/serviceexports';
    client.put(exports, liveExport().get('shop/own') as LiveObject, 'kubectl');
    const cw = await writeback(api, client);
    await apply(cw, result(10), new Map([['shop/own', client.get(exports, 'shop', 'own') as LiveObject]]));
    const stored = client.get(SLICES, 'shop', 'svc-04-jkt');
    assert.ok(stored);
    api.write(SLICES, 'shop/svc-04-jkt', { ...stored, endpoints: [] });
    client.requests.length = 0;
    cw.resync();
    await cw.idle();
    assert.deepEqual(client.requests, ['PATCH /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/svc-04-jkt']);
  });

  it('an export\'s status is written once: drift repair and later results write nothing though the source\'s copy has no status', async () => {
    const api = new FakeApiServer();
    const client = new FakeApiClient(api);
    const exports = '/apis/multicluster.x-k8s.io/v1beta1/serviceexports';
    client.put(exports, liveExport().get('shop/own') as LiveObject, 'kubectl');
    // As the Kubernetes source hands it on: status and resourceVersion dropped (cluster-watch.ts, no echo).
    const { resourceVersion: _rv, ...meta } = (client.get(exports, 'shop', 'own') as LiveObject).metadata ?? {};
    const asSourced = (): Map<string, LiveObject> => new Map([['shop/own', { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: meta }]]);
    const exportRequests = (): string[] => client.requests.filter((r) => r.includes('serviceexports'));
    const cw = await writeback(api, client);
    await apply(cw, result(5), asSourced());
    assert.equal(client.writes().filter((r) => r === EXPORT_STATUS('own')).length, 1);
    await waitFor('the export informer saw the status', () => (client.get(exports, 'shop', 'own')?.['status'] !== undefined ? true : undefined));
    client.requests.length = 0;
    cw.resync();
    await cw.idle();
    assert.deepEqual(client.requests, [], 'a steady state writes and reads nothing');
    await apply(cw, result(5, 2), asSourced());
    assert.deepEqual(client.requests, ['PATCH /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/svc-02-jkt'], 'a change writes what changed only');
    const fresh = await writeback(api, client);
    await waitFor('the restarted write-back listed the exports', () => (fresh.synced() ? true : undefined));
    client.requests.length = 0;
    await apply(fresh, result(5, 2), asSourced());
    fresh.resync();
    await fresh.idle();
    assert.deepEqual(exportRequests(), [], 'a restart does not rewrite the status either');
  });

  it('writes several services at once, never more than the concurrency', async () => {
    const api = new FakeApiServer();
    const inner = new FakeApiClient(api);
    let inFlight = 0;
    let most = 0;
    const client: KubeClient = {
      server: inner.server,
      request: async (method, path, options) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        return inner.request(method, path, options);
      },
    };
    const cw = await writeback(api, client, 4);
    await apply(cw, result(12));
    assert.equal(most, 4);
  });
});
