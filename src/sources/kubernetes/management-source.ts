/**
 * The fleet-scoped `lintas.dev` objects (Cluster, ClusterSet, the policies) read as custom resources
 * from a designated management cluster (`serve --management-context`), combined with the fleet
 * directory's into one snapshot: the same FleetStore, the same translators.
 *
 * Every object goes through the directory's checks: `decodeDocument` (schema, placement) per object,
 * then `checkFleet` (references, duplicates, CIDR overlaps, the policies' rules) over the combined
 * fleet. Errors never reach the translators:
 * - a malformed CR is refused with an issue naming the management cluster, its namespace, name and
 *   field; the last good version of that object (if any) keeps serving;
 * - a set of CRs that fails the fleet checks together with the directory is refused as a whole, and
 *   the last set that passed keeps serving (or none).
 *
 * **Precedence.** The directory (Git) wins: a CR with the kind, namespace and name of a directory
 * object is left out, with a warning naming both, so a stray `kubectl apply` cannot override a
 * reviewed config. Delete one of the two to silence it.
 * @module
 */
import { KINDS, type FleetSnapshot, type Issue, type Sourced } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import { checkFleet, decodeDocument, formatIssue } from '../../validation/index.ts';
import { compareSourced } from '../directory/load-fleet.ts';
import { Informer, type InformerStatus, type KubeObject } from './informer.ts';
import type { WatchedResource } from './resources.ts';
import type { KubeTransport } from './transport.ts';

/** The `lintas.dev` kinds a management cluster serves as CRDs: the fleet-scoped ones (deploy/crds). */
export const MANAGEMENT_RESOURCES: readonly WatchedResource[] = KINDS.filter((k) => k.group === 'lintas.dev' && k.scope === 'Fleet').map((k) => ({ kind: k.kind, group: k.group, versions: k.versions, plural: k.plural, namespaced: k.namespaced }));

/** Where an object of the management cluster says it came from (the `file` of its Origin and of its issues). */
export function managementOrigin(context: string, plural: string, object: { metadata: { name: string; namespace?: string } }): string {
  const { namespace, name } = object.metadata;
  return `management:${context}/${plural}/${namespace === undefined ? '' : `${namespace}/`}${name}`;
}

const identity = (s: Sourced): string => `${s.object.kind}/${s.object.metadata.namespace ?? ''}/${s.object.metadata.name}`;

/** The management source's state, for status pages and tests. */
export interface ManagementStatus {
  readonly context: string;
  readonly server: string;
  /** Every kind listed at least once. */
  readonly synced: boolean;
  /** Objects refused now (their last good version, if any, still serves), formatted as `file:LINE: Kind ns/name: .field: message`. */
  readonly refused: readonly string[];
  /** CRs left out because the directory defines the same object. */
  readonly shadowed: readonly string[];
  readonly resources: Readonly<Record<string, InformerStatus>>;
}

/** Options of {@link ManagementSource}. */
export interface ManagementSourceOptions {
  /** The kubeconfig context (or `in-cluster`) of the management cluster, for origins and messages. */
  readonly context: string;
  readonly transport: KubeTransport;
  readonly log: Logger;
  readonly clock?: () => number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Watches the management cluster's `lintas.dev` CRs and lays them over the directory's fleet objects (a runtime SnapshotOverlay). */
export class ManagementSource {
  readonly #o: ManagementSourceOptions;
  readonly #informers: readonly { resource: WatchedResource; informer: Informer }[];
  /** Per object: the resourceVersion decoded last, and its last good decode. */
  #decoded = new Map<string, { rv: string | undefined; good?: Sourced; issues: readonly Issue[] }>();
  /** The current objects (each its last good version); a new array on every change. */
  #objects: readonly Sourced[] = [];
  /** The last combination that passed the fleet checks, with what it was combined with. */
  #lastGood: readonly Sourced[] = [];
  #cache: { base: FleetSnapshot; objects: readonly Sourced[]; result: FleetSnapshot['fleetObjects'] } | undefined;
  #baseline: { base: FleetSnapshot; errors: ReadonlySet<string> } | undefined;
  #shadowed: readonly string[] = [];
  #setRefusal: readonly string[] = [];
  readonly #logged = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #pending: NodeJS.Immediate | undefined;
  readonly #listedWaiters: (() => void)[] = [];

  /** Creates a stopped source. */
  constructor(options: ManagementSourceOptions) {
    this.#o = options;
    this.#informers = MANAGEMENT_RESOURCES.map((resource) => ({
      resource,
      informer: new Informer({
        transport: options.transport,
        resource,
        ...(options.clock !== undefined ? { clock: options.clock } : {}),
        ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
        ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
        onChange: () => this.#schedule(),
        onStatus: () => this.#checkListed(),
      }),
    }));
  }

  /** Starts every informer. */
  start(): void {
    for (const { informer } of this.#informers) informer.start();
  }

  /** Stops the informers; the objects known stay. */
  async stop(): Promise<void> {
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    await Promise.all(this.#informers.map(({ informer }) => informer.stop()));
  }

  /** Resolves once every kind was listed or failed to be (an unreachable management cluster must not hold the start). */
  listed(): Promise<void> {
    return new Promise((resolve) => {
      this.#listedWaiters.push(resolve);
      this.#checkListed();
    });
  }

  #checkListed(): void {
    if (this.#listedWaiters.length === 0 || this.#pending !== undefined) return;
    if (!this.#informers.every(({ informer }) => informer.status().synced || informer.status().lastError !== undefined)) return;
    for (const resolve of this.#listedWaiters.splice(0)) resolve();
  }

  /** Calls `listener` when the management cluster's objects changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The fleet with the management cluster's objects added (the directory's win on a clash); refused sets fall back to the last good one. */
  apply(snapshot: FleetSnapshot): FleetSnapshot {
    // Decided once per (directory snapshot, CR set): the kube overlays' republications reuse it.
    if (this.#cache?.base !== snapshot || this.#cache.objects !== this.#objects) this.#cache = { base: snapshot, objects: this.#objects, result: this.#combine(snapshot) };
    return this.#cache.result === snapshot.fleetObjects ? snapshot : { fleetObjects: this.#cache.result, clusters: snapshot.clusters };
  }

  /** The source's state. */
  status(): ManagementStatus {
    const resources = Object.fromEntries(this.#informers.map(({ resource, informer }) => [resource.plural, informer.status()]));
    const refused = [...this.#decoded.values()].flatMap((d) => d.issues.map(formatIssue));
    return { context: this.#o.context, server: this.#o.transport.server, synced: Object.values(resources).every((s) => s.synced), refused: [...refused, ...this.#setRefusal].sort(), shadowed: this.#shadowed, resources };
  }

  /** Directory objects plus `candidate` minus what the directory shadows, and the fleet-check errors that brings. */
  #tryCombine(snapshot: FleetSnapshot, candidate: readonly Sourced[], shadowed: string[]): { objects: Sourced[]; errors: Issue[] } {
    const inDirectory = new Map(snapshot.fleetObjects.map((s) => [identity(s), s]));
    const added: Sourced[] = [];
    for (const s of candidate) {
      const clash = inDirectory.get(identity(s));
      if (clash === undefined) added.push(s);
      else shadowed.push(`${s.origin.file}: ${identity(s)} is also in the fleet directory (${clash.origin.file}); the directory's copy wins`);
    }
    const combined = [...snapshot.fleetObjects, ...added].sort(compareSourced);
    if (added.length === 0) return { objects: combined, errors: [] };
    // Only errors the additions brought count: the directory's own load was checked with its folders already.
    const clusterObjects = [...snapshot.clusters.values()].flatMap((c) => c.objects);
    const errorsOf = (objects: readonly Sourced[]): Issue[] => checkFleet([...objects, ...clusterObjects], [], (s) => s.origin.line).filter((i) => i.severity === 'error');
    if (this.#baseline?.base !== snapshot) this.#baseline = { base: snapshot, errors: new Set(errorsOf(snapshot.fleetObjects).map(formatIssue)) };
    const baseline = this.#baseline.errors;
    return { objects: combined, errors: errorsOf(combined).filter((i) => !baseline.has(formatIssue(i))) };
  }

  #combine(snapshot: FleetSnapshot): readonly Sourced[] {
    const shadowed: string[] = [];
    const now = this.#tryCombine(snapshot, this.#objects, shadowed);
    this.#shadowed = shadowed.sort();
    for (const line of this.#shadowed) this.#logOnce('warn', line, 'a lintas.dev object is defined both in the fleet directory and in the management cluster; the directory wins', { conflict: line });
    if (now.errors.length === 0) {
      this.#setRefusal = [];
      this.#lastGood = this.#objects;
      return now.objects.length === snapshot.fleetObjects.length ? snapshot.fleetObjects : now.objects;
    }
    this.#setRefusal = now.errors.map(formatIssue);
    const fallback = this.#tryCombine(snapshot, this.#lastGood, []);
    this.#logOnce('error', this.#setRefusal.join('\n'), 'the management cluster\'s lintas.dev objects fail the fleet checks; the last good set keeps serving', { context: this.#o.context, issues: this.#setRefusal, servingLastGood: fallback.errors.length === 0 });
    return fallback.errors.length === 0 ? fallback.objects : snapshot.fleetObjects;
  }

  #logOnce(level: 'warn' | 'error', key: string, message: string, fields: Record<string, unknown>): void {
    if (this.#logged.has(key)) return;
    this.#logged.add(key);
    this.#o.log[level](message, fields);
  }

  #schedule(): void {
    if (this.#pending !== undefined) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      this.#decodeAll();
      for (const listener of this.#listeners) listener();
      this.#checkListed();
    });
  }

  /** Decodes what changed; a refused object keeps its last good version. */
  #decodeAll(): void {
    const next = new Map<string, { rv: string | undefined; good?: Sourced; issues: readonly Issue[] }>();
    for (const { resource, informer } of this.#informers) {
      for (const [key, object] of informer.objects()) {
        const id = `${resource.plural}/${key}`;
        const rv = object.metadata.resourceVersion;
        const before = this.#decoded.get(id);
        if (before !== undefined && before.rv === rv) {
          next.set(id, before);
          continue;
        }
        const file = managementOrigin(this.#o.context, resource.plural, object);
        const result = decodeDocument({ file, line: 1, value: withoutServerFields(object), lineOf: () => 1 });
        const errors = result.issues.filter((i) => i.severity === 'error');
        if (result.object !== undefined && errors.length === 0) {
          next.set(id, { rv, good: result.object, issues: [] });
          continue;
        }
        this.#o.log.error(before?.good !== undefined ? 'lintas.dev object refused; its last good version keeps serving' : 'lintas.dev object refused; Lintas ignores it', { context: this.#o.context, issues: errors.map(formatIssue) });
        next.set(id, { rv, ...(before?.good !== undefined ? { good: before.good } : {}), issues: errors });
      }
    }
    this.#decoded = next;
    this.#objects = [...next.values()].flatMap((d) => (d.good !== undefined ? [d.good] : [])).sort(compareSourced);
  }
}

/** Drops what the API server adds that no check or translator reads (and that changes on every write). */
function withoutServerFields(object: KubeObject): Record<string, unknown> {
  const { managedFields: _managed, ...metadata } = object.metadata as Record<string, unknown>;
  const { status: _status, ...rest } = object as Record<string, unknown>;
  return { ...rest, metadata };
}
