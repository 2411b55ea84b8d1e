/**
 * Writes status Lintas computed into objects it does not own, and records Events, in one member
 * cluster's API server (issue 16 item 2: Gateway API and lintas.dev status, failover Events).
 *
 * - `apply`: the whole status is Lintas's (a Gateway of Lintas's class, a lintas.dev object):
 *   server-side apply of the status subresource, field manager `lintas`, forced (Lintas is the
 *   controller of that status), with the live resourceVersion as a precondition.
 * - `parents`: Lintas's entries of a route's `status.parents`, an atomic list in the upstream CRDs:
 *   read, merge (every entry with another controllerName is kept as it is), and write the list with a
 *   JSON merge patch carrying the resourceVersion read, so a concurrent write by another controller
 *   answers 409 and is re-read, never overwritten.
 * - Both skip a live object whose metadata.generation is not the one the status was computed for
 *   (the next translation answers for it), and write nothing when the live status already holds what
 *   Lintas wants; a condition whose status did not change keeps its live lastTransitionTime.
 * - Events are core/v1 Events (as the ExportConflict Event), named by the caller so that a repeat is
 *   the same Event: a repeat this writer made before raises `count` (a series); one it does not know
 *   (made before a restart, or by another leader) is left as it is. At most `eventBurst` Events, then
 *   one per `eventRefillMs`, per cluster: more are dropped and counted, as client-go's spam filter does.
 * @module
 */
import { LINTAS_FIELD_MANAGER, type ResourceType } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import { KubeApiError } from './api-error.ts';
import type { KubeResponse } from './client.ts';
import { difference, type LiveObject } from './ownership.ts';
import { apiVersionOf, resourcePath } from './resources.ts';
import type { ClusterWriter } from './writer.ts';

/** One status to write (the controllers' `StatusWrite` has this shape). */
export interface StatusTarget {
  readonly resource: ResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly mode: 'apply' | 'parents';
  readonly status: Readonly<Record<string, unknown>>;
  readonly controllerName?: string;
  readonly generation?: number;
}

/** One Event to record (core/v1), about `regarding`. */
export interface EventToRecord {
  readonly namespace: string;
  /** The Event's name: the same name is the same Event (a series). */
  readonly name: string;
  readonly regarding: { readonly apiVersion: string; readonly kind: string; readonly namespace: string; readonly name: string };
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /** RFC 3339: when it happened. */
  readonly time: string;
  /** `reportingComponent` (e.g. `lintas.dev/failover`). */
  readonly component: string;
}

/** What one status write came to. */
export type StatusOutcome = 'applied' | 'unchanged' | 'missing' | 'stale' | 'conflict' | 'forbidden';
/** What one Event came to. */
export type EventOutcome = 'created' | 'counted' | 'exists' | 'dropped' | 'failed';

/** Options of {@link StatusWriter}. */
export interface StatusWriterOptions {
  readonly cluster: string;
  /** The cluster's writer: its token bucket and retries carry every request. */
  readonly writer: ClusterWriter;
  /** This instance's id (`reportingInstance` of Events). */
  readonly owner: string;
  readonly log: Logger;
  readonly eventBurst?: number;
  readonly eventRefillMs?: number;
  readonly clock?: () => number;
}

type Condition = { readonly type?: string; readonly status?: string; readonly lastTransitionTime?: string };
type Parent = { readonly parentRef?: Record<string, unknown>; readonly controllerName?: string; readonly conditions?: readonly Condition[] };

/** `want`'s conditions with the live lastTransitionTime wherever the same type kept its status. */
function keepTimes(want: unknown, live: unknown): unknown {
  if (!Array.isArray(want)) return want;
  const before = Array.isArray(live) ? (live as Condition[]) : [];
  return (want as Condition[]).map((c) => {
    const prior = before.find((l) => l.type === c.type);
    return prior?.lastTransitionTime !== undefined && prior.status === c.status ? { ...c, lastTransitionTime: prior.lastTransitionTime } : c;
  });
}

/** A whole status with live transition times kept (top-level conditions and each listener's, by name). */
function settleStatus(want: Readonly<Record<string, unknown>>, live: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...want, conditions: keepTimes(want['conditions'], live['conditions']) };
  if (Array.isArray(want['listeners'])) {
    const liveListeners = Array.isArray(live['listeners']) ? (live['listeners'] as { name?: string; conditions?: unknown }[]) : [];
    out['listeners'] = (want['listeners'] as { name?: string; conditions?: unknown }[]).map((l) => ({ ...l, conditions: keepTimes(l.conditions, liveListeners.find((x) => x.name === l.name)?.conditions) }));
  }
  if (want['conditions'] === undefined) delete out['conditions'];
  return out;
}

/** Identity of a parentRef with the spec's defaults filled in (group gateway.networking.k8s.io, kind Gateway). */
function parentKey(ref: Record<string, unknown> | undefined, routeNamespace: string): string {
  const r = ref ?? {};
  return JSON.stringify([r['group'] ?? 'gateway.networking.k8s.io', r['kind'] ?? 'Gateway', r['namespace'] ?? routeNamespace, r['name'], r['sectionName'] ?? null, r['port'] ?? null]);
}

/** Status writes and Events of one cluster (see the module comment). */
export class StatusWriter {
  readonly #o: StatusWriterOptions;
  /** Count of every Event this writer created or counted, by namespace/name. */
  readonly #series = new Map<string, number>();
  #tokens: number;
  #refilledAt: number;

  /** Creates the writer; it sends nothing until asked. */
  constructor(options: StatusWriterOptions) {
    this.#o = options;
    this.#tokens = options.eventBurst ?? 25;
    this.#refilledAt = (options.clock ?? Date.now)();
  }

  /** Writes one status if the live object needs it. */
  async write(target: StatusTarget, signal?: AbortSignal): Promise<StatusOutcome> {
    const { resource, namespace, name } = target;
    const path = resourcePath(resource.group, resource.version, resource.plural, namespace === '' ? undefined : namespace, name);
    const key = `${resource.kind}/${namespace}/${name}`;
    const opts = signal !== undefined ? { signal } : {};
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await this.#o.writer.request(resource.kind, undefined, 'GET', path, opts);
      if (got.status === 404) return 'missing';
      if (got.status === 401 || got.status === 403) return this.#forbidden('read', key, got);
      if (got.status !== 200) throw this.#error('get', key, got);
      const live = got.body as LiveObject;
      if (target.generation !== undefined && live.metadata?.generation !== target.generation) return 'stale';
      const liveStatus = (live['status'] ?? {}) as Record<string, unknown>;
      const request = target.mode === 'apply' ? this.#applyRequest(target, live, liveStatus) : this.#parentsRequest(target, live, liveStatus);
      if (request === undefined) return 'unchanged';
      const res = await this.#o.writer.request(resource.kind, 'patch', 'PATCH', `${path}/status`, { ...opts, ...request });
      if (res.status === 200) return 'applied';
      if (res.status === 404) return 'missing';
      if (res.status === 401 || res.status === 403) return this.#forbidden('write the status of', key, res);
      if (res.status !== 409) throw this.#error('write the status of', key, res);
      // Changed since it was read (another controller wrote): read again and merge again.
    }
    this.#o.log.warn('status kept changing while Lintas wrote it; the next sync tries again', { cluster: this.#o.cluster, object: key });
    return 'conflict';
  }

  /** The server-side apply of a whole status, or undefined when the live one already holds it. */
  #applyRequest(target: StatusTarget, live: LiveObject, liveStatus: Record<string, unknown>): { body: unknown; contentType: string; query: Record<string, string> } | undefined {
    const status = settleStatus(target.status, liveStatus);
    if (difference(liveStatus, status) === undefined && sameLength(liveStatus, status)) return undefined;
    const { resource } = target;
    const metadata = { name: target.name, ...(target.namespace !== '' ? { namespace: target.namespace } : {}), resourceVersion: live.metadata?.resourceVersion };
    return { body: { apiVersion: apiVersionOf(resource.group, resource.version), kind: resource.kind, metadata, status }, contentType: 'application/apply-patch+yaml', query: { fieldManager: LINTAS_FIELD_MANAGER, force: 'true' } };
  }

  /** The merge patch of `status.parents` with Lintas's entries replaced, or undefined when the live list already holds them. */
  #parentsRequest(target: StatusTarget, live: LiveObject, liveStatus: Record<string, unknown>): { body: unknown; contentType: string; query: Record<string, string> } | undefined {
    const mine = target.controllerName;
    const liveParents = Array.isArray(liveStatus['parents']) ? (liveStatus['parents'] as Parent[]) : [];
    const ours = liveParents.filter((p) => p.controllerName === mine);
    const others = liveParents.filter((p) => p.controllerName !== mine);
    const want = ((target.status['parents'] ?? []) as Parent[]).map((p) => {
      const before = ours.find((o) => parentKey(o.parentRef, target.namespace) === parentKey(p.parentRef, target.namespace));
      return { ...p, conditions: keepTimes(p.conditions, before?.conditions) as Condition[] };
    });
    const unchanged = ours.length === want.length && want.every((p) => {
      const before = ours.find((o) => parentKey(o.parentRef, target.namespace) === parentKey(p.parentRef, target.namespace));
      return before !== undefined && difference(before, p) === undefined && (before.conditions?.length ?? 0) === (p.conditions?.length ?? 0);
    });
    if (unchanged) return undefined;
    // The CRD allows 32 parents: another controller's entries come first, they were there before.
    const parents = [...others, ...want].slice(0, 32);
    return { body: { metadata: { resourceVersion: live.metadata?.resourceVersion }, status: { parents } }, contentType: 'application/merge-patch+json', query: { fieldManager: LINTAS_FIELD_MANAGER } };
  }

  /** Records one Event (see the module comment). */
  async event(e: EventToRecord, signal?: AbortSignal): Promise<EventOutcome> {
    const key = `${e.namespace}/${e.name}`;
    const count = this.#series.get(key);
    if (!this.#takeEventToken()) {
      this.#o.log.warn('too many Events; dropping one', { cluster: this.#o.cluster, reason: e.reason, event: key });
      return 'dropped';
    }
    const opts = signal !== undefined ? { signal } : {};
    const collection = `/api/v1/namespaces/${encodeURIComponent(e.namespace)}/events`;
    if (count !== undefined) {
      const res = await this.#o.writer.request('Event', 'patch', 'PATCH', `${collection}/${encodeURIComponent(e.name)}`, { ...opts, body: { count: count + 1, lastTimestamp: e.time, message: e.message }, contentType: 'application/merge-patch+json' });
      if (res.status === 200) {
        this.#series.set(key, count + 1);
        return 'counted';
      }
      if (res.status !== 404) return this.#eventFailed(e, res);
      // Expired (Events live an hour): record it anew.
    }
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: e.name, namespace: e.namespace },
      involvedObject: { ...e.regarding },
      type: e.type,
      reason: e.reason,
      message: e.message.slice(0, 1024),
      source: { component: 'lintas' },
      reportingComponent: e.component,
      reportingInstance: this.#o.owner,
      firstTimestamp: e.time,
      lastTimestamp: e.time,
      count: 1,
    };
    const res = await this.#o.writer.request('Event', 'create', 'POST', collection, { ...opts, body });
    if (res.status === 201 || res.status === 200) {
      this.#series.set(key, 1);
      return 'created';
    }
    // Recorded before this writer knew of it (a restart, another leader): already said.
    if (res.status === 409) return 'exists';
    return this.#eventFailed(e, res);
  }

  #takeEventToken(): boolean {
    const now = (this.#o.clock ?? Date.now)();
    const burst = this.#o.eventBurst ?? 25;
    const refill = this.#o.eventRefillMs ?? 12_000;
    const earned = Math.floor((now - this.#refilledAt) / refill);
    if (earned > 0) {
      this.#tokens = Math.min(burst, this.#tokens + earned);
      this.#refilledAt = this.#tokens === burst ? now : this.#refilledAt + earned * refill;
    }
    if (this.#tokens <= 0) return false;
    this.#tokens--;
    return true;
  }

  #eventFailed(e: EventToRecord, res: KubeResponse): EventOutcome {
    // Best effort: an Event the cluster refuses (its namespace is missing, RBAC) is logged, never fails the sync.
    this.#o.log.warn('cannot record an Event', { cluster: this.#o.cluster, reason: e.reason, event: `${e.namespace}/${e.name}`, status: res.status, message: String(res.body?.['message'] ?? '') });
    return 'failed';
  }

  #forbidden(what: string, key: string, res: KubeResponse): StatusOutcome {
    this.#o.log.warn(`not allowed to ${what} ${key}`, { cluster: this.#o.cluster, status: res.status, message: String(res.body?.['message'] ?? '') });
    return 'forbidden';
  }

  #error(what: string, key: string, res: KubeResponse): KubeApiError {
    const reason = typeof res.body?.['reason'] === 'string' ? res.body['reason'] : undefined;
    const message = typeof res.body?.['message'] === 'string' ? res.body['message'] : '';
    return new KubeApiError(res.status, reason, `${what} ${key} in ${this.#o.cluster}: ${String(res.status)} ${message}`.trim());
  }
}

/** True when every list of `want` (top level) has the live list's length: a listener or condition Lintas dropped must go. */
function sameLength(live: Record<string, unknown>, want: Record<string, unknown>): boolean {
  return Object.entries(want).every(([k, v]) => !Array.isArray(v) || (Array.isArray(live[k]) ? (live[k] as unknown[]).length === v.length : v.length === 0));
}
