import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { silentLogger } from '../../observability/index.ts';
import type { KubeClient, KubeRequestOptions, KubeResponse } from './client.ts';
import { StatusWriter, type EventToRecord, type StatusTarget } from './status-writer.ts';
import { ClusterWriter } from './writer.ts';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown>; status?: Record<string, unknown> };

/** An in-memory API server for status subresources and Events: resourceVersion preconditions, apply and merge patches. */
class FakeCluster {
  readonly objects = new Map<string, Obj>();
  readonly requests: string[] = [];
  /** Runs once before the next PATCH is answered: another controller writing between Lintas's read and write. */
  beforePatch: (() => void) | undefined;
  #rv = 1;
  readonly client: KubeClient = { server: 'https://fake', request: (method, path, options) => Promise.resolve(this.#handle(method, path, options ?? {})) };

  put(path: string, object: Record<string, unknown>): void {
    const existing = this.objects.get(path);
    const meta = (object['metadata'] ?? {}) as Record<string, unknown>;
    this.objects.set(path, { ...object, metadata: { generation: 1, ...existing?.metadata, ...meta, resourceVersion: String(this.#rv++) } } as Obj);
  }

  writes(): string[] {
    return this.requests.filter((r) => !r.startsWith('GET'));
  }

  #handle(method: string, fullPath: string, options: KubeRequestOptions): KubeResponse {
    this.requests.push(`${method} ${fullPath}${options.contentType !== undefined ? ` ${options.contentType}` : ''}`);
    const path = fullPath.replace(/\/status$/, '');
    const body = (options.body ?? {}) as Obj;
    const existing = this.objects.get(path);
    if (method === 'GET') return existing !== undefined ? { status: 200, body: structuredClone(existing) } : { status: 404, body: { reason: 'NotFound' } };
    if (method === 'POST') {
      const objectPath = `${path}/${String(body.metadata['name'])}`;
      if (this.objects.has(objectPath)) return { status: 409, body: { reason: 'AlreadyExists' } };
      this.put(objectPath, body);
      return { status: 201, body: this.objects.get(objectPath) };
    }
    if (method !== 'PATCH') return { status: 405, body: {} };
    const hook = this.beforePatch;
    this.beforePatch = undefined;
    hook?.();
    const now = this.objects.get(path);
    if (now === undefined) return { status: 404, body: { reason: 'NotFound' } };
    const rv = (body.metadata as Record<string, unknown> | undefined)?.['resourceVersion'];
    if (rv !== undefined && rv !== now.metadata['resourceVersion']) return { status: 409, body: { reason: 'Conflict' } };
    if (fullPath.endsWith('/status')) this.put(path, { ...now, status: { ...now.status, ...body.status } });
    else this.put(path, { ...now, ...body, metadata: now.metadata });
    return { status: 200, body: this.objects.get(path) };
  }
}

const GATEWAYS = '/apis/gateway.networking.k8s.io/v1/namespaces/infra/gateways';
const ROUTES = '/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes';
const OURS = 'lintas.dev/gateway-controller';
const cond = (type: string, status: string, reason: string, at = '2026-05-01T12:00:00Z'): Record<string, unknown> => ({ type, status, reason, message: reason, observedGeneration: 2, lastTransitionTime: at });

const gatewayStatus = (accepted: string, at?: string): StatusTarget => ({
  resource: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways', kind: 'Gateway' },
  namespace: 'infra',
  name: 'edge',
  mode: 'apply',
  generation: 2,
  status: { conditions: [cond('Accepted', accepted, 'Accepted', at), cond('Programmed', 'True', 'Programmed', at)], listeners: [{ name: 'http', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], attachedRoutes: 1, conditions: [cond('Accepted', 'True', 'Accepted', at)] }] },
});
const routeParents = (resolved: string): StatusTarget => ({
  resource: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute' },
  namespace: 'demo',
  name: 'hello',
  mode: 'parents',
  controllerName: OURS,
  generation: 2,
  status: { parents: [{ parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', resolved, resolved === 'True' ? 'ResolvedRefs' : 'BackendNotFound')] }] },
});
const theirs = { parentRef: { name: 'other-gw', namespace: 'infra' }, controllerName: 'example.com/other', conditions: [cond('Accepted', 'True', 'Accepted')] };

describe('StatusWriter', () => {
  let fake: FakeCluster;
  let writer: StatusWriter;
  beforeEach(() => {
    fake = new FakeCluster();
    writer = new StatusWriter({ cluster: 'jkt', writer: new ClusterWriter({ cluster: 'jkt', client: fake.client, owner: 'lintas', log: silentLogger, ratePerSecond: 1000 }), owner: 'lintas', log: silentLogger });
    fake.put(`${GATEWAYS}/edge`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'infra', generation: 2 } });
    fake.put(`${ROUTES}/hello`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'hello', namespace: 'demo', generation: 2 }, status: { parents: [theirs] } });
  });

  it('applies a Gateway status by server-side apply of the status subresource (field manager lintas, forced), then writes nothing while it holds', async () => {
    assert.equal(await writer.write(gatewayStatus('True')), 'applied');
    assert.deepEqual(fake.writes(), [`PATCH ${GATEWAYS}/edge/status application/apply-patch+yaml`]);
    assert.equal(await writer.write(gatewayStatus('True', '2026-05-01T13:00:00Z')), 'unchanged', 'a condition that kept its status keeps its live lastTransitionTime');
    assert.equal(fake.writes().length, 1);
  });

  it('skips an object at another generation (stale) and one that is gone (missing)', async () => {
    assert.equal(await writer.write({ ...gatewayStatus('True'), generation: 1 }), 'stale');
    assert.equal(await writer.write({ ...gatewayStatus('True'), name: 'gone' }), 'missing');
    assert.deepEqual(fake.writes(), []);
  });

  it('merges Lintas\'s parents entry into the atomic status.parents, keeping another controller\'s entry, with a resourceVersion precondition', async () => {
    assert.equal(await writer.write(routeParents('False')), 'applied');
    const parents = (fake.objects.get(`${ROUTES}/hello`)?.status?.['parents'] ?? []) as { controllerName: string; conditions: { type: string; status: string; reason: string }[] }[];
    assert.deepEqual(parents.map((p) => p.controllerName), ['example.com/other', OURS]);
    assert.equal(parents[1]?.conditions.find((c) => c.type === 'ResolvedRefs')?.reason, 'BackendNotFound');
    assert.deepEqual(fake.writes(), [`PATCH ${ROUTES}/hello/status application/merge-patch+json`]);
    assert.equal(await writer.write(routeParents('False')), 'unchanged');
    assert.equal(fake.writes().length, 1);
  });

  it('a parents entry another controller adds between Lintas\'s read and write is re-read and kept (409, never clobbered)', async () => {
    const late = { ...theirs, parentRef: { name: 'late-gw', namespace: 'infra' }, controllerName: 'example.com/late' };
    fake.beforePatch = () => {
      const route = fake.objects.get(`${ROUTES}/hello`);
      fake.put(`${ROUTES}/hello`, { ...route, status: { parents: [theirs, late] } });
    };
    assert.equal(await writer.write(routeParents('True')), 'applied');
    const parents = (fake.objects.get(`${ROUTES}/hello`)?.status?.['parents'] ?? []) as { controllerName: string }[];
    assert.deepEqual(parents.map((p) => p.controllerName), ['example.com/other', 'example.com/late', OURS]);
    assert.equal(fake.writes().length, 2, 'the first write was refused by the precondition, the second merged again');
  });

  it('an empty parents write removes Lintas\'s stale entry (the route left Lintas\'s Gateway) and keeps the other controller\'s', async () => {
    await writer.write(routeParents('True'));
    assert.equal(await writer.write({ ...routeParents('True'), status: { parents: [] } }), 'applied');
    const parents = (fake.objects.get(`${ROUTES}/hello`)?.status?.['parents'] ?? []) as { controllerName: string }[];
    assert.deepEqual(parents.map((p) => p.controllerName), ['example.com/other']);
    assert.equal(await writer.write({ ...routeParents('True'), status: { parents: [] } }), 'unchanged');
  });

  it('an Event is created once; a repeat raises its count (a series); one made before a restart is left alone; a burst is rate-limited', async () => {
    const e: EventToRecord = { namespace: 'cases', name: 'case-writes.0123456789abcdef', regarding: { apiVersion: 'lintas.dev/v1alpha1', kind: 'FailoverPolicy', namespace: 'cases', name: 'case-writes' }, type: 'Warning', reason: 'FailoverStarted', message: 'm', time: '2026-05-01T12:00:00Z', component: 'lintas.dev/failover' };
    assert.equal(await writer.event(e), 'created');
    assert.equal(await writer.event({ ...e, time: '2026-05-01T12:05:00Z' }), 'counted');
    const stored = fake.objects.get('/api/v1/namespaces/cases/events/case-writes.0123456789abcdef');
    assert.equal(stored?.['count'], 2);
    assert.equal(stored?.['lastTimestamp'], '2026-05-01T12:05:00Z');
    const restarted = new StatusWriter({ cluster: 'jkt', writer: new ClusterWriter({ cluster: 'jkt', client: fake.client, owner: 'lintas', log: silentLogger }), owner: 'lintas', log: silentLogger, eventBurst: 2, clock: () => 0 });
    assert.equal(await restarted.event(e), 'exists');
    assert.equal(await restarted.event({ ...e, name: 'other.1' }), 'created');
    assert.equal(await restarted.event({ ...e, name: 'other.2' }), 'dropped', 'the burst of 2 is spent and the clock did not move');
  });
});
