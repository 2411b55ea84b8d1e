/**
 * Writes Lintas's desired objects into one member cluster's API server (issue 16, write-back).
 *
 * - Creates with POST (create-only: an object of that name that someone else made answers 409 and is
 *   left alone), then updates by server-side apply (`application/apply-patch+yaml`, field manager
 *   `lintas`, forced only on objects Lintas owns, with the live resourceVersion as a precondition).
 * - Idempotent: no request when the live object already holds what Lintas last applied (ownership.ts).
 * - A 409 is re-read, then decided again; a field-manager conflict on someone else's object is never
 *   forced (the write is skipped and counted).
 * - Every request waits for the cluster's token bucket; no answer, 429 and 5xx are retried with
 *   jittered exponential back-off.
 * - Garbage collection deletes only objects {@link isLintasOwned} says are Lintas's, with uid and
 *   resourceVersion preconditions, so a replaced object is never deleted by mistake.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LINTAS_FIELD_MANAGER, OWNED_RESOURCES, OWNER_LABEL, type DesiredWrite } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import { KubeApiError } from './api-error.ts';
import type { KubeClient, KubeRequestOptions, KubeResponse } from './client.ts';
import type { KubeWriteMetrics } from './metrics.ts';
import { difference, drift, isLintasOwned, markOwned, type LiveObject } from './ownership.ts';
import { apiVersionOf, resourcePath } from './resources.ts';
import { TokenBucket } from './token-bucket.ts';

/** What one desired write came to. */
export type WriteOutcome = 'created' | 'applied' | 'unchanged' | 'foreign' | 'conflict' | 'stale' | 'missing';

/** Options of {@link ClusterWriter}. */
export interface ClusterWriterOptions {
  readonly cluster: string;
  readonly client: KubeClient;
  /** This Lintas instance's owner id (label and annotation value of what it creates). */
  readonly owner: string;
  readonly log: Logger;
  readonly metrics?: KubeWriteMetrics;
  /** Requests per second to this cluster and burst (default {@link DEFAULT_WRITE_RATE}). */
  readonly ratePerSecond?: number;
  readonly burst?: number;
  /** Attempts per request when there is no answer, a 429 or a 5xx (default 5); back-off from 100 ms, doubling to 5 s. */
  readonly attempts?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly random?: () => number;
  readonly clock?: () => number;
}

/** What a watch already knows about the object of a write (see {@link ClusterWriter.write}). */
export interface WriteHint {
  readonly known?: LiveObject;
  readonly absent?: boolean;
}

/**
 * Default requests per second to one cluster, and burst. 50/100 is what kubelet and kube-scheduler
 * use by default (controller-runtime's 20/30 is tuned for many controllers sharing an API server):
 * Lintas is one writer per member cluster, the server's own priority and fairness protects it, and
 * at 20/s an import of 1,000 Services (about 9,000 requests per cluster) took 7.5 minutes.
 */
export const DEFAULT_WRITE_RATE = { ratePerSecond: 50, burst: 100 } as const;

/** Key of a live or desired object: `Kind/namespace/name`. */
export function writeKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

const APPLY = 'application/apply-patch+yaml';
const RETRIED = new Set([0, 429, 500, 502, 503, 504]);

function metaOf(o: LiveObject | undefined): NonNullable<LiveObject['metadata']> {
  return o?.metadata ?? {};
}

function isFieldManagerConflict(res: KubeResponse): boolean {
  const causes = (res.body?.['details'] as { causes?: { type?: string }[] } | undefined)?.causes ?? [];
  return causes.some((c) => c.type === 'FieldManagerConflict');
}

/**
 * The desired status with each condition's lastTransitionTime taken from the live condition of the
 * same type when its status did not change (as meta.SetStatusCondition does): a restarted Lintas, or
 * a replica without the previous one's state, must not move transition times it did not cause.
 */
function keepTransitionTimes(want: Record<string, unknown>, live: unknown): Record<string, unknown> {
  const conditions = want['conditions'];
  const liveConditions = (live as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions) || !Array.isArray(liveConditions)) return want;
  const settled = conditions.map((c: { type?: string; status?: string; lastTransitionTime?: string }) => {
    const before = (liveConditions as typeof c[]).find((l) => l.type === c.type);
    return before !== undefined && before.status === c.status && before.lastTransitionTime !== undefined ? { ...c, lastTransitionTime: before.lastTransitionTime } : c;
  });
  return { ...want, conditions: settled };
}

/** Where the live status differs from the desired one (a field path), comparing conditions by type; undefined when it holds it. */
function statusDrift(live: unknown, want: Record<string, unknown>): string | undefined {
  const have = (live ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(want)) {
    if (key !== 'conditions' || !Array.isArray(value)) {
      const d = difference(have[key], value, `.status.${key}`);
      if (d !== undefined) return d;
      continue;
    }
    // Other controllers may add conditions of their own types: compare only Lintas's, by type.
    const liveConditions = Array.isArray(have[key]) ? (have[key] as { type?: string }[]) : [];
    for (const c of value as { type?: string }[]) {
      const d = difference(liveConditions.find((l) => l.type === c.type), c, `.status.conditions[${c.type ?? ''}]`);
      if (d !== undefined) return d;
    }
  }
  return undefined;
}

/** One cluster's writer (see the module comment). */
export class ClusterWriter {
  readonly #o: ClusterWriterOptions;
  readonly #bucket: TokenBucket;
  readonly #warned = new Set<string>();

  /** Creates the writer; it sends nothing until asked. */
  constructor(options: ClusterWriterOptions) {
    this.#o = options;
    this.#bucket = new TokenBucket({ ratePerSecond: options.ratePerSecond ?? DEFAULT_WRITE_RATE.ratePerSecond, burst: options.burst ?? DEFAULT_WRITE_RATE.burst, ...(options.clock !== undefined ? { clock: options.clock } : {}) });
  }

  /** Every object of the owned kinds that is Lintas's, by {@link writeKey} (a kind the cluster does not serve reads as none). */
  async listOwned(signal?: AbortSignal): Promise<Map<string, LiveObject>> {
    const owned = new Map<string, LiveObject>();
    for (const resource of OWNED_RESOURCES) {
      const res = await this.#send(resource.kind, undefined, 'GET', resourcePath(resource.group, resource.version, resource.plural), { query: { labelSelector: `${OWNER_LABEL}=${this.#o.owner}` }, ...(signal !== undefined ? { signal } : {}) });
      if (res.status === 404) continue;
      if (res.status !== 200) throw this.#error('list', resource.kind, '', res);
      for (const listed of (res.body?.['items'] ?? []) as LiveObject[]) {
        if (!isLintasOwned(listed, this.#o.owner)) continue;
        // List items carry no apiVersion and kind; a GET of the object would.
        const item = { ...listed, apiVersion: apiVersionOf(resource.group, resource.version), kind: resource.kind };
        owned.set(writeKey(resource.kind, metaOf(item).namespace ?? '', metaOf(item).name ?? ''), item);
      }
    }
    return owned;
  }

  /**
   * Makes one desired write if it is needed; `owned` is updated with what the server answered.
   * `hint` carries what a watch already knows, to spare the GET: `known`, the live object of a status
   * write to an object Lintas does not own; `absent`, no object of Lintas's has this key (a create
   * is tried at once; a 409 still reads the object and leaves a look-alike alone).
   */
  async write(desired: DesiredWrite, owned: Map<string, LiveObject>, signal?: AbortSignal, hint?: WriteHint): Promise<{ outcome: WriteOutcome; live?: LiveObject }> {
    return desired.write === 'object' ? this.#writeObject(desired, owned, signal, hint?.absent === true) : this.#writeStatus(desired, owned, signal, hint?.known);
  }

  /** Deletes every owned object whose key is not in `keep`; returns how many were deleted. */
  async collect(owned: ReadonlyMap<string, LiveObject>, keep: ReadonlySet<string>, signal?: AbortSignal): Promise<number> {
    let deleted = 0;
    for (const [key, live] of owned) {
      if (keep.has(key)) continue;
      const resource = OWNED_RESOURCES.find((r) => key.startsWith(`${r.kind}/`));
      const meta = metaOf(live);
      if (resource === undefined || !isLintasOwned(live, this.#o.owner)) continue;
      const body = { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: meta.uid, resourceVersion: meta.resourceVersion } };
      const res = await this.#send(resource.kind, 'delete', 'DELETE', resourcePath(resource.group, resource.version, resource.plural, meta.namespace, meta.name), { body, ...(signal !== undefined ? { signal } : {}) });
      if (res.status === 200 || res.status === 202) deleted++;
      else if (res.status === 409) this.#skip(resource.kind, 'conflict', `not deleting ${key}: it changed since it was read; the next sync decides again`);
      else if (res.status !== 404) throw this.#error('delete', resource.kind, key, res);
    }
    return deleted;
  }

  async #writeObject(desired: DesiredWrite, owned: Map<string, LiveObject>, signal?: AbortSignal, absent = false): Promise<{ outcome: WriteOutcome; live?: LiveObject }> {
    const { resource, namespace, name } = desired;
    const key = writeKey(resource.kind, namespace, name);
    const path = resourcePath(resource.group, resource.version, resource.plural, namespace, name);
    const marked = markOwned(desired.body, this.#o.owner);
    const opts = signal !== undefined ? { signal } : {};
    let live = owned.get(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (live === undefined) {
        // The caller's watch says there is none: create first (the GET follows only a 409).
        const got = absent && attempt === 0 ? { status: 404, body: undefined } : await this.#send(resource.kind, undefined, 'GET', path, opts);
        if (got.status === 200) {
          if (!isLintasOwned(got.body as LiveObject, this.#o.owner)) return this.#foreign(resource.kind, key);
          live = got.body as LiveObject;
        } else if (got.status === 404) {
          const created = await this.#send(resource.kind, 'create', 'POST', resourcePath(resource.group, resource.version, resource.plural, namespace), { ...opts, body: marked, query: { fieldManager: LINTAS_FIELD_MANAGER } });
          if (created.status === 201 || created.status === 200) {
            owned.set(key, created.body as LiveObject);
            return { outcome: 'created', live: created.body as LiveObject };
          }
          if (created.status !== 409) throw this.#error('create', resource.kind, key, created);
          continue; // made by someone else meanwhile: re-read, and it will be foreign
        } else {
          throw this.#error('get', resource.kind, key, got);
        }
      }
      const differs = drift(live, marked);
      if (differs === undefined) return { outcome: 'unchanged', live };
      this.#o.log.debug('applying', { cluster: this.#o.cluster, object: key, drift: differs });
      const body = { ...marked, metadata: { ...(marked['metadata'] as object), resourceVersion: metaOf(live).resourceVersion } };
      const res = await this.#send(resource.kind, 'patch', 'PATCH', path, { ...opts, body, contentType: APPLY, query: { fieldManager: LINTAS_FIELD_MANAGER, force: 'true' } });
      if (res.status === 200) {
        owned.set(key, res.body as LiveObject);
        return { outcome: 'applied', live: res.body as LiveObject };
      }
      if (res.status !== 409 && res.status !== 404) throw this.#error('apply', resource.kind, key, res);
      owned.delete(key);
      live = undefined; // changed or deleted since it was read: read it again and decide again
    }
    this.#skip(resource.kind, 'conflict', `${key} kept changing while Lintas wrote it; the next sync tries again`);
    return { outcome: 'conflict' };
  }

  async #writeStatus(desired: DesiredWrite, owned: Map<string, LiveObject>, signal?: AbortSignal, known?: LiveObject): Promise<{ outcome: WriteOutcome; live?: LiveObject }> {
    const { resource, namespace, name } = desired;
    const key = writeKey(resource.kind, namespace, name);
    const path = resourcePath(resource.group, resource.version, resource.plural, namespace, name);
    const opts = signal !== undefined ? { signal } : {};
    const want = (desired.body['status'] ?? {}) as Record<string, unknown>;
    let live = desired.owned ? owned.get(key) : known;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (live === undefined) {
        const got = await this.#send(resource.kind, undefined, 'GET', path, opts);
        if (got.status === 404) return { outcome: 'missing' };
        if (got.status !== 200) throw this.#error('get', resource.kind, key, got);
        live = got.body as LiveObject;
      }
      if (desired.owned && !isLintasOwned(live, this.#o.owner)) return this.#foreign(resource.kind, key);
      if (desired.generation !== undefined && metaOf(live).generation !== desired.generation) {
        this.#skip(resource.kind, 'stale', undefined);
        return { outcome: 'stale' };
      }
      const settled = keepTransitionTimes(want, live['status']);
      const differs = statusDrift(live['status'], settled);
      if (differs === undefined) return { outcome: 'unchanged', live };
      this.#o.log.debug('applying status', { cluster: this.#o.cluster, object: key, drift: differs });
      const body = { ...desired.body, status: settled, metadata: { ...(desired.body['metadata'] as object), resourceVersion: metaOf(live).resourceVersion } };
      const query: Record<string, string> = { fieldManager: LINTAS_FIELD_MANAGER, ...(desired.owned ? { force: 'true' } : {}) };
      const res = await this.#send(resource.kind, 'patch', 'PATCH', `${path}/status`, { ...opts, body, contentType: APPLY, query });
      if (res.status === 200) {
        if (desired.owned) owned.set(key, res.body as LiveObject);
        if (desired.event !== undefined) await this.#event(desired, res.body as LiveObject, signal);
        return { outcome: 'applied', live: res.body as LiveObject };
      }
      if (res.status === 409 && isFieldManagerConflict(res)) {
        // Another controller owns these status fields: re-read said so, and Lintas never forces them over.
        this.#skip(resource.kind, 'conflict', `not writing the status of ${key}: another field manager owns it (${String(res.body?.['message'] ?? '')})`);
        return { outcome: 'conflict' };
      }
      if (res.status === 404) return { outcome: 'missing' };
      if (res.status !== 409) throw this.#error('apply status', resource.kind, key, res);
      live = undefined;
    }
    this.#skip(resource.kind, 'conflict', `the status of ${key} kept changing while Lintas wrote it; the next sync tries again`);
    return { outcome: 'conflict' };
  }

  /** Records a core/v1 Event on the object (best effort: a refused Event is logged, never fails the sync). */
  async #event(desired: DesiredWrite, live: LiveObject, signal?: AbortSignal): Promise<void> {
    const event = desired.event;
    if (event === undefined) return;
    const now = new Date((this.#o.clock ?? Date.now)()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const meta = metaOf(live);
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${desired.name}.`, namespace: desired.namespace },
      involvedObject: { apiVersion: apiVersionOf(desired.resource.group, desired.resource.version), kind: desired.resource.kind, name: desired.name, namespace: desired.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: 'lintas' },
      reportingComponent: 'lintas.dev/mcs',
      reportingInstance: this.#o.owner,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const res = await this.#send('Event', 'create', 'POST', `/api/v1/namespaces/${encodeURIComponent(desired.namespace)}/events`, { body, ...(signal !== undefined ? { signal } : {}) });
    if (res.status >= 300) this.#o.log.warn('cannot record an Event', { cluster: this.#o.cluster, reason: event.reason, object: `${desired.namespace}/${desired.name}`, status: res.status });
  }

  /** One request through this cluster's token bucket, retried like every write (the status writer's requests share the limit). */
  request(kind: string, verb: 'create' | 'patch' | 'delete' | undefined, method: string, path: string, options: KubeRequestOptions): Promise<KubeResponse> {
    return this.#send(kind, verb, method, path, options);
  }

  #foreign(kind: string, key: string): { outcome: WriteOutcome } {
    this.#skip(kind, 'foreign', this.#warned.has(key) ? undefined : `not touching ${key}: it exists and Lintas did not create it`);
    this.#warned.add(key);
    return { outcome: 'foreign' };
  }

  #skip(kind: string, reason: 'foreign' | 'conflict' | 'stale' | 'failed', message: string | undefined): void {
    this.#o.metrics?.skipped.inc({ cluster: this.#o.cluster, kind, reason });
    if (message !== undefined) this.#o.log.warn(message, { cluster: this.#o.cluster });
  }

  #error(what: string, kind: string, key: string, res: KubeResponse): KubeApiError {
    this.#skip(kind, 'failed', undefined);
    const reason = typeof res.body?.['reason'] === 'string' ? res.body['reason'] : undefined;
    const message = typeof res.body?.['message'] === 'string' ? res.body['message'] : '';
    return new KubeApiError(res.status, reason, `${what} ${key} in ${this.#o.cluster} (${this.#o.client.server}): ${String(res.status)} ${message}`.trim());
  }

  /** One request: a token first, retried with back-off on no answer, 429 and 5xx; writes are counted per attempt. */
  async #send(kind: string, verb: 'create' | 'patch' | 'delete' | undefined, method: string, path: string, options: KubeRequestOptions): Promise<KubeResponse> {
    const attempts = this.#o.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      await this.#bucket.take(options.signal);
      if (verb !== undefined) this.#o.metrics?.writes.inc({ cluster: this.#o.cluster, kind, verb });
      let res: KubeResponse;
      try {
        res = await this.#o.client.request(method, path, options);
      } catch (error) {
        if (attempt >= attempts || options.signal?.aborted === true) throw error;
        res = { status: 0, body: undefined };
      }
      if (!RETRIED.has(res.status) || attempt >= attempts) return res;
      const base = Math.min((this.#o.initialBackoffMs ?? 100) * 2 ** (attempt - 1), this.#o.maxBackoffMs ?? 5000);
      await sleep(base / 2 + (base / 2) * (this.#o.random ?? Math.random)(), undefined, options.signal !== undefined ? { signal: options.signal } : {});
    }
  }
}

