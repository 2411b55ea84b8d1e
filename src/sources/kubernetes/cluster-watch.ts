/**
 * One member cluster read through its API server: an informer per watched resource, turned into
 * the same `ClusterSnapshot` the directory source builds (each object decoded and checked by the
 * same schema code), and a freshness report for the endpoint TTL.
 *
 * Freshness: the cluster is confirmed while every informer is synced and up (its watch open);
 * each confirmation is a heartbeat `{ observedAt: now, synced: true }`. Once one fails, the
 * heartbeat keeps the time it was last confirmed and says `synced: false`, and the objects stay the
 * last known ones: an unsynced cluster is not an empty one. Past the ClusterSet's
 * `endpointTTLSeconds` the MCS controller withdraws its endpoints.
 *
 * No echo: what Lintas wrote itself (derived Services, imported EndpointSlices: owned objects, see
 * ownership.ts) is left out, and so are the parts of an object that only change because Lintas or the
 * API server wrote something no translator reads (resourceVersion, managedFields, a ServiceExport's
 * status). A watch event that changes nothing else hands on no new snapshot, so the write-back's own
 * writes do not re-run the fleet's translation.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import type { ClusterFreshness, ClusterName, ClusterSnapshot, Issue, Sourced } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import { decodeDocument, formatIssue } from '../../validation/index.ts';
import { compareSourced } from '../directory/load-fleet.ts';
import { Informer, type InformerStatus, type KubeObject } from './informer.ts';
import type { KubeSourceMetrics } from './metrics.ts';
import { isLintasOwned, type LiveObject } from './ownership.ts';
import { WATCHED_RESOURCES, type WatchedResource } from './resources.ts';
import type { KubeTransport } from './transport.ts';

/** A cluster's watch state, for status pages and tests. */
export interface ClusterWatchStatus {
  readonly cluster: string;
  readonly server: string;
  /** Every informer synced and up. */
  readonly up: boolean;
  /** Every informer listed at least once. */
  readonly synced: boolean;
  /** Epoch ms the whole cluster was last confirmed. */
  readonly lastConfirmedAt?: number;
  readonly relists: number;
  readonly resources: Readonly<Record<string, InformerStatus>>;
}

/** The owner id of what Lintas writes into member clusters unless told otherwise (the write-back's default). */
export const DEFAULT_OWNER = 'lintas';

/** Options of {@link ClusterWatch}. */
export interface ClusterWatchOptions {
  readonly cluster: ClusterName;
  readonly transport: KubeTransport;
  readonly log: Logger;
  /** Every rebuilt snapshot (coalesced: at most one per turn of the event loop). */
  readonly onSnapshot: (snapshot: ClusterSnapshot) => void;
  /** Every freshness report (throttled to one per `heartbeatMs` while nothing flips). */
  readonly onFreshness: (freshness: ClusterFreshness) => void;
  readonly metrics?: KubeSourceMetrics;
  readonly clock?: () => number;
  /** How often a healthy cluster is re-confirmed (default 2 s). */
  readonly heartbeatMs?: number;
  /** Informer timing (tests shorten the back-off). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly resources?: readonly WatchedResource[];
  /** This instance's owner id: objects it owns are its own write-back's, never input (default {@link DEFAULT_OWNER}). */
  readonly owner?: string;
}

/** Where an object read from a cluster says it came from (`file` of its Origin): the cluster's folder, as the directory source would place it. */
export function kubeOrigin(cluster: string, object: KubeObject, plural: string): string {
  const { namespace, name } = object.metadata;
  return `clusters/${cluster}/kube/${plural}/${namespace === undefined ? '' : `${namespace}/`}${name}`;
}

/**
 * Drops what no translator reads and what changes on writes that change nothing else: managedFields
 * and resourceVersion (every write), and a ServiceExport's status (the MCS controller's own output).
 */
function strip(object: KubeObject): Record<string, unknown> {
  const { managedFields: _managed, resourceVersion: _version, ...metadata } = object.metadata as Record<string, unknown>;
  if (object.kind === 'ServiceExport') {
    const { status: _status, ...rest } = object as Record<string, unknown>;
    return { ...rest, metadata };
  }
  // The API server omits an empty list (Go's omitempty): an EndpointSlice with no endpoints comes as null.
  if (object.kind === 'EndpointSlice' && (object as Record<string, unknown>)['endpoints'] == null) return { ...object, metadata, endpoints: [] };
  return { ...object, metadata };
}

/** One cluster's informers and the snapshot built from them. */
export class ClusterWatch {
  readonly #o: ClusterWatchOptions;
  readonly #clock: () => number;
  readonly #informers: readonly { resource: WatchedResource; informer: Informer }[];
  readonly #owner: string;
  /** Decoded objects by `plural/key`, reused while the resourceVersion is unchanged (and while the decoded content is, across versions). */
  readonly #decoded = new Map<string, { rv: string | undefined; sourced?: Sourced | undefined; seen: number }>();
  /** Bumped per rebuild: entries not seen in the latest one are gone from the informers. */
  #generation = 0;
  /** The objects of the last snapshot built, sorted; the same array while nothing changed. */
  #objects: Sourced[] = [];
  /** Whether any snapshot was handed on (the first always is, even an empty one: listed is not unknown). */
  #handedOn = false;
  /** The objects changed since the last snapshot handed on. */
  #unsent = false;
  #pending: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastUp: boolean | undefined;
  #lastConfirmedAt: number | undefined;
  #lastHeartbeatAt = 0;
  #stopped = false;
  /** Whether a snapshot taken once every informer had listed was handed on (see status()). */
  #delivered = false;

  /** Creates a stopped watch of one cluster. */
  constructor(options: ClusterWatchOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#owner = options.owner ?? DEFAULT_OWNER;
    this.#informers = (options.resources ?? WATCHED_RESOURCES).map((resource) => ({
      resource,
      informer: new Informer({
        transport: options.transport,
        resource,
        clock: this.#clock,
        ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
        ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
        onChange: () => this.#schedule(),
        onStatus: () => this.#onStatus(),
        onEventLag: (seconds) => options.metrics?.eventLag.observe({ cluster: options.cluster }, seconds),
      }),
    }));
  }

  /** Starts every informer and the heartbeat timer. */
  start(): void {
    for (const { informer } of this.#informers) informer.start();
    this.#timer = setInterval(() => this.#onStatus(true), this.#o.heartbeatMs ?? 2000);
    this.#timer.unref();
  }

  /** Stops the informers; the last snapshot stays with whoever received it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    await Promise.all(this.#informers.map(({ informer }) => informer.stop()));
  }

  /** The cluster's watch state. */
  status(): ClusterWatchStatus {
    const statuses = this.#informers.map(({ resource, informer }) => [resource.plural, informer.status()] as const);
    // Listed is not yet synced while the snapshot of those lists waits to be handed on: whoever sees
    // `synced` (readiness, the write-back) must find the objects in the fleet snapshot already.
    const handedOn = this.#delivered || this.#pending === undefined;
    return {
      cluster: this.#o.cluster,
      server: this.#o.transport.server,
      up: handedOn && statuses.every(([, s]) => s.synced && s.up),
      synced: handedOn && statuses.every(([, s]) => s.synced),
      ...(this.#lastConfirmedAt !== undefined ? { lastConfirmedAt: this.#lastConfirmedAt } : {}),
      relists: statuses.reduce((n, [, s]) => n + s.relists, 0),
      resources: Object.fromEntries(statuses),
    };
  }

  /** The snapshot of the objects known now (decoded; invalid and Lintas-owned objects are left out, invalid ones logged). */
  snapshot(): ClusterSnapshot {
    this.#rebuild();
    return { cluster: this.#o.cluster, objects: this.#objects };
  }

  /**
   * Brings the decoded objects up to the informers' (`#unsent` says whether any changed). An object
   * whose version changed but whose decoded content did not keeps its previous decoded object, so an
   * unchanged object is the same reference in every snapshot (the MCS translator's caches key on that).
   * A change that only replaces objects patches the sorted array instead of sorting it again.
   */
  #rebuild(): void {
    const generation = ++this.#generation;
    // Objects that entered or left the snapshot (the array is rebuilt), and objects replaced in place.
    let structural = false;
    const replaced: [Sourced, Sourced][] = [];
    let visited = 0;
    for (const { resource, informer } of this.#informers) {
      for (const [key, object] of informer.objects()) {
        visited++;
        const id = `${resource.plural}/${key}`;
        const rv = object.metadata.resourceVersion;
        const entry = this.#decoded.get(id);
        if (entry === undefined) {
          const decoded = { ...this.#decode(object, resource.plural, undefined), seen: generation };
          this.#decoded.set(id, decoded);
          if (decoded.sourced !== undefined) structural = true;
          continue;
        }
        entry.seen = generation;
        if (entry.rv === rv) continue;
        const decoded = this.#decode(object, resource.plural, entry);
        if (decoded.sourced !== entry.sourced) {
          if (decoded.sourced !== undefined && entry.sourced !== undefined) replaced.push([entry.sourced, decoded.sourced]);
          else structural = true;
        }
        entry.rv = decoded.rv;
        entry.sourced = decoded.sourced;
      }
    }
    if (visited !== this.#decoded.size) {
      for (const [id, entry] of this.#decoded) {
        if (entry.seen === generation) continue;
        this.#decoded.delete(id);
        // Only objects that were part of the snapshot matter (owned or refused ones never were).
        if (entry.sourced !== undefined) structural = true;
      }
    }
    if (structural) {
      const objects: Sourced[] = [];
      for (const entry of this.#decoded.values()) if (entry.sourced !== undefined) objects.push(entry.sourced);
      this.#objects = objects.sort(compareSourced);
    } else if (replaced.length > 0) {
      // Same id, same kind, name and origin: the same place in the sorted array.
      const objects = [...this.#objects];
      for (const [before, after] of replaced) objects[objects.indexOf(before)] = after;
      this.#objects = objects;
    } else {
      return;
    }
    this.#unsent = true;
  }

  #decode(object: KubeObject, plural: string, previous: { sourced?: Sourced } | undefined): { rv: string | undefined; sourced?: Sourced } {
    const rv = object.metadata.resourceVersion;
    // Lintas's own write-back (derived Services, imported slices) is output, never input.
    if (isLintasOwned(object as LiveObject, this.#owner)) return { rv };
    const file = kubeOrigin(this.#o.cluster, object, plural);
    const result = decodeDocument({ file, line: 1, value: strip(object), lineOf: () => 1 });
    const errors = result.issues.filter((i: Issue) => i.severity === 'error');
    if (errors.length > 0) this.#o.log.warn('object from the API server refused; Lintas ignores it', { cluster: this.#o.cluster, issues: errors.map(formatIssue) });
    if (result.object === undefined || errors.length > 0) return { rv };
    // A write that changed nothing Lintas reads (a status, a version bump) keeps the previous object.
    if (previous?.sourced !== undefined && isDeepStrictEqual(previous.sourced, result.object)) return { rv, sourced: previous.sourced };
    return { rv, sourced: result.object };
  }

  #schedule(): void {
    if (this.#pending !== undefined || this.#stopped) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      if (this.#stopped) return;
      const listed = this.#informers.every(({ informer }) => informer.status().synced);
      // An event that changed nothing Lintas reads (its own write-back echoing, a status) hands on nothing.
      this.#rebuild();
      if (this.#unsent || !this.#handedOn) {
        this.#handedOn = true;
        this.#unsent = false;
        this.#o.onSnapshot({ cluster: this.#o.cluster, objects: this.#objects });
      }
      if (listed && !this.#delivered) {
        this.#delivered = true;
        this.#onStatus();
      }
    });
  }

  /** Reports freshness when the cluster's state flips, and at most every `heartbeatMs` while it stays up. */
  #onStatus(tick = false): void {
    if (this.#stopped) return;
    const status = this.status();
    const now = this.#clock();
    if (status.up) this.#lastConfirmedAt = now;
    const flipped = this.#lastUp !== status.up;
    const metrics = this.#o.metrics;
    if (metrics !== undefined) {
      metrics.up.set({ cluster: this.#o.cluster }, status.up ? 1 : 0);
      if (this.#lastConfirmedAt !== undefined) metrics.lastSync.set({ cluster: this.#o.cluster }, this.#lastConfirmedAt / 1000);
      for (const [plural, s] of Object.entries(status.resources)) metrics.relists.set({ cluster: this.#o.cluster, resource: plural }, s.relists);
    }
    // Nothing confirmed yet: no report, so nothing can expire (and nothing is known to withdraw).
    if (this.#lastConfirmedAt === undefined) return;
    if (!flipped && !(status.up && (tick || now - this.#lastHeartbeatAt >= (this.#o.heartbeatMs ?? 2000)))) return;
    if (flipped) this.#o.log[status.up ? 'info' : 'warn'](status.up ? 'cluster API server synced' : 'cluster API server unreachable; keeping its last known objects until the endpoint TTL', { cluster: this.#o.cluster, server: this.#o.transport.server, ...(status.up ? {} : { errors: Object.entries(status.resources).filter(([, s]) => s.lastError !== undefined).map(([p, s]) => `${p}: ${s.lastError ?? ''}`) }) });
    this.#lastUp = status.up;
    this.#lastHeartbeatAt = now;
    this.#o.onFreshness({ observedAt: new Date(this.#lastConfirmedAt).toISOString(), synced: status.up });
  }
}
