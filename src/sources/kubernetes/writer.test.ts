import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ENDPOINT_SLICE_RESOURCE, SERVICE_EXPORT_RESOURCE, type DesiredWrite } from '../../api/index.ts';
import { silentLogger } from '../../observability/index.ts';
import type { KubeClient, KubeRequestOptions, KubeResponse } from './client.ts';
import type { LiveObject } from './ownership.ts';
import { ClusterWriter, writeKey } from './writer.ts';

type Stored = LiveObject & { metadata: Record<string, unknown> & { labels?: Record<string, string> }; status?: Record<string, unknown> };

/** An in-memory API server: objects by path, resourceVersions, managedFields managers, preconditions. */
class FakeCluster {
  readonly objects = new Map<string, Stored>();
  readonly requests: string[] = [];
  /** Answers queued for the next requests of a method (e.g. a 503 for the next PATCH). */
  readonly failNext: { method: string; status: number; body?: Record<string, unknown> }[] = [];
  /** Object paths whose status another field manager owns (a non-forced status apply conflicts). */
  readonly statusOwnedElsewhere = new Set<string>();
  #rv = 1;
  readonly client: KubeClient = { server: 'https://fake', request: (method, path, options) => Promise.resolve(this.#handle(method, path, options ?? {})) };

  put(path: string, object: Record<string, unknown>, manager: string): void {
    const meta = (object['metadata'] ?? {}) as Record<string, unknown>;
    this.objects.set(path, { ...object, metadata: { ...meta, uid: `uid-${String(this.#rv)}`, resourceVersion: String(this.#rv++), generation: 1, managedFields: [{ manager }] } } as Stored);
  }

  writes(): string[] {
    return this.requests.filter((r) => !r.startsWith('GET'));
  }

  #handle(method: string, fullPath: string, options: KubeRequestOptions): KubeResponse {
    this.requests.push(`${method} ${fullPath}`);
    const failure = this.failNext[0]?.method === method ? this.failNext.shift() : undefined;
    if (failure !== undefined) return { status: failure.status, body: failure.body };
    const status = fullPath.endsWith('/status');
    const path = status ? fullPath.slice(0, -'/status'.length) : fullPath;
    const body = options.body as Stored | undefined;
    const query = options.query ?? {};
    const existing = this.objects.get(path);
    switch (method) {
      case 'GET': {
        if (existing !== undefined) return { status: 200, body: existing };
        // A list across namespaces: `/apis/g/v/plural` matches `/apis/g/v/namespaces/<ns>/plural/<name>`.
        const [key, value] = (query['labelSelector'] ?? '=').split('=');
        const prefix = path.slice(0, path.lastIndexOf('/'));
        const plural = path.slice(path.lastIndexOf('/') + 1);
        const items = [...this.objects.entries()].filter(([p, o]) => p.startsWith(`${prefix}/namespaces/`) && p.split('/').at(-2) === plural && (key === '' || o.metadata.labels?.[key ?? ''] === value)).map(([, o]) => ({ ...o, apiVersion: undefined, kind: undefined }));
        return items.length > 0 || !path.includes('/namespaces/') ? { status: 200, body: { items } } : { status: 404, body: { reason: 'NotFound' } };
      }
      case 'POST': {
        const objectPath = `${path}/${String(body?.metadata['name'])}`;
        if (this.objects.has(objectPath)) return { status: 409, body: { reason: 'AlreadyExists' } };
        this.put(objectPath, body ?? {}, query['fieldManager'] ?? '?');
        return { status: 201, body: this.objects.get(objectPath) };
      }
      case 'PATCH': {
        if (existing === undefined) return { status: 404, body: { reason: 'NotFound' } };
        const rv = body?.metadata['resourceVersion'];
        if (rv !== undefined && rv !== existing.metadata['resourceVersion']) return { status: 409, body: { reason: 'Conflict', message: 'the object has been modified' } };
        if (status && query['force'] !== 'true' && this.statusOwnedElsewhere.has(path)) return { status: 409, body: { reason: 'Conflict', details: { causes: [{ type: 'FieldManagerConflict' }] } } };
        const { metadata, ...rest } = body ?? { metadata: {} };
        const next: Stored = status
          ? { ...existing, status: rest['status'] as Record<string, unknown> }
          : { ...existing, ...rest, metadata: { ...existing.metadata, labels: metadata['labels'] as Record<string, string>, annotations: metadata['annotations'] } };
        next.metadata = { ...next.metadata, resourceVersion: String(this.#rv++), managedFields: [...((existing.metadata['managedFields'] as object[]) ?? []), { manager: query['fieldManager'] }] };
        this.objects.set(path, next);
        return { status: 200, body: next };
      }
      case 'DELETE': {
        if (existing === undefined) return { status: 404, body: {} };
        const pre = (body as unknown as { preconditions?: { uid?: string; resourceVersion?: string } }).preconditions;
        if (pre?.uid !== existing.metadata['uid'] || pre?.resourceVersion !== existing.metadata['resourceVersion']) return { status: 409, body: { reason: 'Conflict' } };
        this.objects.delete(path);
        return { status: 200, body: {} };
      }
      default:
        return { status: 405, body: {} };
    }
  }
}

const SLICES = '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices';
const slice = (name: string, address: string): DesiredWrite => ({
  resource: ENDPOINT_SLICE_RESOURCE,
  namespace: 'shop',
  name,
  write: 'object',
  owned: true,
  body: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'shop', labels: { 'multicluster.kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: [address] }] },
});
const exportStatus = (generation: number, conflict: 'True' | 'False'): DesiredWrite => ({
  resource: SERVICE_EXPORT_RESOURCE,
  namespace: 'shop',
  name: 'web',
  write: 'status',
  owned: false,
  generation,
  body: { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' }, status: { conditions: [{ type: 'Conflict', status: conflict, reason: conflict === 'True' ? 'PortConflict' : 'NoConflicts', lastTransitionTime: '2026-01-01T00:00:00Z' }] } },
  ...(conflict === 'True' ? { event: { type: 'Warning', reason: 'ExportConflict', message: 'PortConflict' } } : {}),
});

describe('ClusterWriter', () => {
  let cluster: FakeCluster;
  let writer: ClusterWriter;
  beforeEach(() => {
    cluster = new FakeCluster();
    writer = new ClusterWriter({ cluster: 'sgp', client: cluster.client, owner: 'lintas', log: silentLogger, ratePerSecond: 1000, burst: 1000, initialBackoffMs: 1, maxBackoffMs: 2, random: () => 0 });
  });
  const sync = async (writes: readonly DesiredWrite[]): Promise<string[]> => {
    const owned = await writer.listOwned();
    const outcomes: string[] = [];
    for (const w of writes) outcomes.push((await writer.write(w, owned)).outcome);
    await writer.collect(owned, new Set(writes.filter((w) => w.write === 'object').map((w) => writeKey(w.resource.kind, w.namespace, w.name))));
    return outcomes;
  };

  it('creates once, then writes nothing while the live object holds what it applied; a change is applied with force', async () => {
    assert.deepEqual(await sync([slice('web-1', '10.1.0.5')]), ['created']);
    assert.deepEqual(cluster.writes(), [`POST ${SLICES}`]);
    assert.deepEqual(await sync([slice('web-1', '10.1.0.5')]), ['unchanged']);
    assert.equal(cluster.writes().length, 1, 'no write for an unchanged object');
    assert.deepEqual(await sync([slice('web-1', '10.1.0.6')]), ['applied']);
    assert.equal(cluster.writes().at(-1), `PATCH ${SLICES}/web-1`);
  });

  it("never updates or deletes a user's look-alike, even one carrying Lintas's labels and annotations", async () => {
    const lookalike = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', namespace: 'shop', labels: { 'lintas.dev/owner': 'lintas' }, annotations: { 'lintas.dev/owned-by': 'lintas' } }, endpoints: [] };
    cluster.put(`${SLICES}/web-1`, lookalike, 'kubectl');
    cluster.put(`${SLICES}/web-other`, { ...lookalike, metadata: { ...lookalike.metadata, name: 'web-other' } }, 'kubectl');
    assert.deepEqual(await sync([slice('web-1', '10.1.0.5')]), ['foreign']);
    assert.deepEqual(await sync([]), []);
    assert.deepEqual(cluster.writes(), [], 'not one write: the same name is skipped, the other is not collected');
  });

  it('garbage-collects what it created and no longer wants, with uid and resourceVersion preconditions', async () => {
    await sync([slice('web-1', '10.1.0.5'), slice('web-2', '10.1.0.6')]);
    await sync([slice('web-1', '10.1.0.5')]);
    assert.deepEqual([...cluster.objects.keys()], [`${SLICES}/web-1`]);
    assert.equal(cluster.writes().at(-1), `DELETE ${SLICES}/web-2`);
  });

  it('retries no answer, 429 and 5xx with back-off, counting every attempt', async () => {
    cluster.failNext.push({ method: 'POST', status: 503 }, { method: 'POST', status: 429 });
    assert.deepEqual(await sync([slice('web-1', '10.1.0.5')]), ['created']);
    assert.equal(cluster.writes().length, 3);
  });

  it('re-reads an object that changed under it and decides again (a replaced object is re-checked for ownership)', async () => {
    await sync([slice('web-1', '10.1.0.5')]);
    const owned = await writer.listOwned();
    // Someone replaced it between the list and the apply: the precondition refuses the stale write.
    cluster.put(`${SLICES}/web-1`, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', namespace: 'shop' }, endpoints: [] }, 'kubectl');
    const { outcome } = await writer.write(slice('web-1', '10.1.0.6'), owned);
    assert.equal(outcome, 'foreign');
    assert.deepEqual((cluster.objects.get(`${SLICES}/web-1`) as unknown as { endpoints: unknown[] }).endpoints, []);
  });

  it("writes someone else's status without force: a field-manager conflict is skipped, never clobbered; a stale generation is skipped", async () => {
    const path = '/apis/multicluster.x-k8s.io/v1beta1/namespaces/shop/serviceexports/web';
    cluster.put(path, { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'shop' } }, 'kubectl');
    assert.deepEqual(await sync([exportStatus(2, 'False')]), ['stale']);
    assert.deepEqual(cluster.writes(), []);
    cluster.statusOwnedElsewhere.add(path);
    assert.deepEqual(await sync([exportStatus(1, 'True')]), ['conflict']);
    assert.deepEqual(cluster.writes(), [`PATCH ${path}/status`], 'one attempt, not forced, no Event');
    cluster.statusOwnedElsewhere.delete(path);
    assert.deepEqual(await sync([exportStatus(1, 'True')]), ['applied']);
    assert.deepEqual(cluster.writes().slice(1), [`PATCH ${path}/status`, 'POST /api/v1/namespaces/shop/events'], 'the new conflict is recorded as an Event');
    assert.deepEqual(await sync([{ ...exportStatus(1, 'True'), body: { ...exportStatus(1, 'True').body, status: { conditions: [{ type: 'Conflict', status: 'True', reason: 'PortConflict', lastTransitionTime: '2026-06-01T00:00:00Z' }] } } }]), ['unchanged'], 'a restarted Lintas does not move a transition time it did not cause');
  });
});
