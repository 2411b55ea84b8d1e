/**
 * Test double: the write side of a {@link FakeApiServer}, so that one fake serves both an informer's
 * watches and a writer's requests (the write-back's tests count the requests). Namespaced objects are
 * stored under the all-namespaces collection the informers list, keyed `namespace/name`. Creates
 * (409 when taken), server-side applies (resourceVersion precondition, managedFields), status applies
 * and deletes (uid and resourceVersion preconditions); no list.
 * @module
 */
import type { KubeClient, KubeRequestOptions, KubeResponse } from './client.ts';
import type { FakeApiServer } from './fake-api-server.ts';

type Meta = Record<string, unknown> & { managedFields?: { manager?: string }[]; resourceVersion?: string; uid?: string };
type Stored = Record<string, unknown> & { metadata: Meta };

const PATH = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(\/status)?$/;

/** A KubeClient over `server`; `requests` lists `METHOD path` of every request in order. */
export class FakeApiClient implements KubeClient {
  readonly server = 'https://fake.invalid';
  readonly requests: string[] = [];
  /** Answers for the next requests whose `METHOD path` starts with `match` (e.g. a 403 for a kind). */
  readonly refuse: { match: string; status: number }[] = [];
  readonly #api: FakeApiServer;
  #uid = 0;
  #ips = 0;

  /** Wraps `api` (objects written here reach its watches). */
  constructor(api: FakeApiServer) {
    this.#api = api;
  }

  /** Requests other than GET. */
  writes(): string[] {
    return this.requests.filter((r) => !r.startsWith('GET'));
  }

  /** An object as stored (undefined when absent). */
  get(collection: string, namespace: string, name: string): Stored | undefined {
    return this.#api.objects.get(`${collection}|${namespace}/${name}`) as Stored | undefined;
  }

  /** Stores an object as `manager` wrote it (a user's look-alike, or Lintas's own from an earlier run). */
  put(collection: string, object: Record<string, unknown>, manager: string): void {
    const meta = object['metadata'] as Meta & { name: string; namespace: string };
    this.#api.write(collection, `${meta.namespace}/${meta.name}`, { ...object, metadata: { ...meta, uid: `uid-${String(++this.#uid)}`, generation: 1, managedFields: [{ manager }] } });
  }

  request(method: string, path: string, options: KubeRequestOptions = {}): Promise<KubeResponse> {
    this.requests.push(`${method} ${path}`);
    const refusal = this.refuse.find((r) => `${method} ${path}`.startsWith(r.match));
    if (refusal !== undefined) return Promise.resolve({ status: refusal.status, body: { reason: 'Forbidden' } });
    return Promise.resolve(this.#handle(method, path, options));
  }

  #handle(method: string, path: string, options: KubeRequestOptions): KubeResponse {
    const m = PATH.exec(path);
    if (m === null) return { status: 404, body: { reason: 'NotFound' } };
    const [, prefix = '', namespace = '', plural = '', name, status] = m;
    const collection = `${prefix}/${plural}`;
    const body = options.body as Stored | undefined;
    const manager = options.query?.['fieldManager'] ?? '?';
    const existing = name === undefined ? undefined : this.get(collection, namespace, name);
    if (method === 'POST') {
      const created = String(body?.metadata['name']);
      if (this.get(collection, namespace, created) !== undefined) return { status: 409, body: { reason: 'AlreadyExists' } };
      const { status: _ignored, ...rest } = body ?? { metadata: {} };
      // As the API server does, a Service gets a ClusterIP unless it is headless.
      const spec = rest['spec'] as { clusterIP?: string } | undefined;
      if (plural === 'services' && spec !== undefined && spec.clusterIP === undefined) rest['spec'] = { ...spec, clusterIP: `10.96.0.${String(++this.#ips)}` };
      this.put(collection, { ...rest, metadata: { ...body?.metadata, namespace } }, manager);
      return { status: 201, body: this.get(collection, namespace, created) };
    }
    if (existing === undefined || name === undefined) return { status: 404, body: { reason: 'NotFound' } };
    if (method === 'GET') return { status: 200, body: existing };
    if (method === 'DELETE') {
      const pre = (body as unknown as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)?.preconditions;
      if (pre?.uid !== existing.metadata.uid || pre?.resourceVersion !== existing.metadata.resourceVersion) return { status: 409, body: { reason: 'Conflict' } };
      this.#api.write(collection, `${namespace}/${name}`, undefined);
      return { status: 200, body: {} };
    }
    if (method !== 'PATCH') return { status: 405, body: {} };
    const rv = body?.metadata['resourceVersion'];
    if (rv !== undefined && rv !== existing.metadata.resourceVersion) return { status: 409, body: { reason: 'Conflict', message: 'the object has been modified' } };
    const { metadata, ...rest } = body ?? { metadata: {} };
    const next: Stored =
      status !== undefined
        ? { ...existing, status: rest['status'] }
        : { ...existing, ...rest, status: existing['status'], metadata: { ...existing.metadata, labels: metadata['labels'], annotations: metadata['annotations'] } };
    next.metadata = { ...next.metadata, managedFields: [...(existing.metadata.managedFields ?? []), { manager }] };
    this.#api.write(collection, `${namespace}/${name}`, next);
    return { status: 200, body: this.get(collection, namespace, name) };
  }
}
