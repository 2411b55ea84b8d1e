/**
 * One member cluster's write-back, per service and watch-driven (issue 16, write-back at 1,000
 * Services per cluster).
 *
 * - **Per-service diff.** A new MCS result is cut into units (one per imported Service, one per own
 *   ServiceExport; controllers/mcs/writeback-units.ts) and compared with the previous one: only the
 *   units whose inputs changed are queued. Nothing is listed per result.
 * - **Live state from watches.** Lintas's own objects (derived Services, ServiceImports, imported
 *   slices) come from informers filtered by the owner label; a write's answer is used until the watch
 *   catches up with it. ServiceExports come from an informer of their own (the source's snapshot
 *   drops their status, so compared with it every drift repair rewrote every export's status). The
 *   writer (sources/kubernetes/writer.ts) sends nothing when the live object holds what Lintas wants.
 * - **Concurrency.** Up to `concurrency` units are written at once (one unit's writes in order:
 *   derived Service, ServiceImport and its status, slices, then its garbage); the cluster's token
 *   bucket bounds the rate. A unit changed while being written is written again after.
 * - **Drift repair** (every `resyncMs`): every desired unit is re-checked in memory at low priority
 *   (behind any change, at most two at a time) and objects of Lintas's that no unit wants are deleted.
 * @module
 */
import { OWNED_RESOURCES, OWNER_LABEL, SERVICE_EXPORT_RESOURCE, type DesiredWrite } from '../api/index.ts';
import { diffUnits, unitDerivedWrite, unitExportWrite, unitImportWrites, unitObjectKeys, unitOfWritten, unitSliceWrites, type WriteUnit } from '../controllers/index.ts';
import type { Logger } from '../observability/index.ts';
import { Informer, isLintasOwned, KubeApiError, withLabelSelector, writeKey, type ClusterWriter, type KubeTransport, type KubeWriteMetrics, type LiveObject, type WriteOutcome } from '../sources/index.ts';

/** What a cluster's write-back did since it was last idle: writes per outcome, deleted objects. */
export type SyncSummary = Partial<Record<WriteOutcome | 'deleted' | 'forbidden', number>>;

/** Options of {@link ClusterWriteback}. */
export interface ClusterWritebackOptions {
  readonly cluster: string;
  readonly writer: ClusterWriter;
  /** Lists and watches of the cluster (the owner label selector is added here). */
  readonly transport: KubeTransport;
  readonly owner: string;
  readonly log: Logger;
  readonly metrics?: KubeWriteMetrics;
  /** Units written at once (default 16). */
  readonly concurrency?: number;
  /** Drift repair period (default 30 s). */
  readonly resyncMs?: number;
  /** Called each time the queue drains after work (the summary of that work). */
  readonly onIdle?: (summary: SyncSummary) => void;
  readonly clock?: () => number;
}

/** The derived Service's allocated ClusterIPs (none for a headless one). */
function clusterIPs(live: LiveObject | undefined): string[] {
  const spec = (live?.['spec'] ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
  const ips = spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : []);
  return ips.filter((ip) => ip !== '' && ip !== 'None');
}

/** True when `a` is at least as new as `b` (resourceVersions are etcd revisions; when either is not one, the watch's copy wins). */
function atLeastAsNew(a: LiveObject, b: LiveObject): boolean {
  const [ra, rb] = [a.metadata?.resourceVersion, b.metadata?.resourceVersion];
  if (ra === undefined || rb === undefined || !/^\d+$/.test(ra) || !/^\d+$/.test(rb)) return true;
  return BigInt(ra) >= BigInt(rb);
}

const RETRY_MS = { first: 200, max: 30_000 } as const;
/** How long a write's answer may stand in for the watch's copy (the watch delivers within milliseconds when up). */
const RECENT_MS = 30_000;
const VERIFY_CONCURRENCY = 2;
/** Longest run of in-memory work before the write-back yields to the event loop. */
const TURN_MS = 5;

/** One cluster's write-back (see the module comment). */
export class ClusterWriteback {
  readonly #o: ClusterWritebackOptions;
  readonly #clock: () => number;
  readonly #informers = new Map<string, Informer>();
  /** Every ServiceExport of the cluster, status included (a cluster that serves none fails its list: plans do not wait for it). */
  readonly #exportInformer: Informer;
  readonly #stopping = new AbortController();
  #desired = new Map<string, WriteUnit>();
  /** ServiceExports by `ns/name` as the latest result's snapshot holds them (no status, no resourceVersion). */
  #exports: ReadonlyMap<string, LiveObject> = new Map();
  /** Objects each unit wrote (by object key): what it deletes once it no longer wants them. */
  readonly #written = new Map<string, Set<string>>();
  /** Write answers newer than the watch's copy, by object key. */
  readonly #recent = new Map<string, { live: LiveObject; at: number }>();
  /** Objects of Lintas's that the sweep found no unit wanting, by unit. */
  readonly #orphans = new Map<string, Set<string>>();
  readonly #queue = new Set<string>();
  readonly #verify = new Set<string>();
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();
  readonly #retries = new Map<string, { failures: number; timer?: NodeJS.Timeout }>();
  #verifying = 0;
  #pending: { units: readonly WriteUnit[]; exports: ReadonlyMap<string, LiveObject> } | undefined;
  #swept = false;
  #paused = false;
  #worked = false;
  #summary: SyncSummary = {};
  #resync: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  #idleWaiters: (() => void)[] = [];
  #turnStart = 0;

  /** Creates the cluster's write-back; it watches nothing until {@link start}. */
  constructor(options: ClusterWritebackOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    const transport = withLabelSelector(options.transport, `${OWNER_LABEL}=${options.owner}`);
    for (const r of OWNED_RESOURCES) {
      this.#informers.set(
        r.kind,
        new Informer({
          transport,
          resource: { kind: r.kind, group: r.group, versions: [r.version], plural: r.plural, namespaced: true },
          clock: this.#clock,
          onChange: () => this.#onWatch(),
          onStatus: () => undefined,
        }),
      );
    }
    const exports = SERVICE_EXPORT_RESOURCE;
    this.#exportInformer = new Informer({
      transport: options.transport,
      resource: { kind: exports.kind, group: exports.group, versions: ['v1beta1', 'v1alpha1'], plural: exports.plural, namespaced: true },
      clock: this.#clock,
      onChange: () => this.#onWatch(),
      onStatus: () => this.#onWatch(),
    });
  }

  /** Starts the owned-object informers and the drift repair timer. */
  start(): void {
    for (const informer of this.#informers.values()) informer.start();
    this.#exportInformer.start();
    this.#resync = setInterval(() => this.resync(), this.#o.resyncMs ?? 30_000);
    this.#resync.unref();
  }

  /** Stops: no new write starts; the writes in flight are aborted. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    clearInterval(this.#resync);
    for (const r of this.#retries.values()) clearTimeout(r.timer);
    await Promise.all([...this.#informers.values(), this.#exportInformer].map((i) => i.stop()));
  }

  /** Whether every owned-object informer has listed once, and the export informer has listed or failed to (before that, plans wait). */
  synced(): boolean {
    const exports = this.#exportInformer.status();
    return (exports.synced || exports.lastError !== undefined) && [...this.#informers.values()].every((i) => i.status().synced);
  }

  /** The last failure of a unit's write, until a later write of it succeeded. */
  lastError(): string | undefined {
    return this.#lastError;
  }

  /** Resolves when nothing is queued, running or waiting for a retry (tests). */
  idle(): Promise<void> {
    return this.#isIdle() ? Promise.resolve() : new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Takes a new MCS result of this cluster (its units) and the live ServiceExports of the snapshot
   * it was computed from; queues the units that changed or went away.
   */
  plan(units: readonly WriteUnit[], exports: ReadonlyMap<string, LiveObject>): void {
    if (!this.synced() || this.#paused) {
      this.#pending = { units, exports };
      return;
    }
    this.#pending = undefined;
    this.#exports = exports;
    const { changed, removed } = diffUnits(this.#desired, units);
    this.#desired = new Map(units.map((u) => [u.key, u]));
    this.#worked = true;
    for (const key of [...changed, ...removed]) this.#enqueue(key);
    if (!this.#swept) this.#sweep();
    // Answers the watch has caught up with are not needed; one it never caught up with is of an object deleted since.
    const now = this.#clock();
    for (const [key, r] of this.#recent) {
      const watched = this.#watched(key);
      if (watched !== undefined ? atLeastAsNew(watched, r.live) : now - r.at > RECENT_MS) this.#recent.delete(key);
    }
    this.#pump();
  }

  /** Drift repair: re-checks every desired unit at low priority and deletes what no unit wants. */
  resync(): void {
    if (this.#paused || !this.synced() || this.#stopping.signal.aborted) return;
    this.#worked = true;
    this.#sweep();
    for (const key of this.#desired.keys()) if (!this.#queue.has(key)) this.#verify.add(key);
    this.#pump();
  }

  /** Stops starting writes (this replica lost the lease); the next plan after {@link resume} re-checks everything. */
  pause(): void {
    this.#paused = true;
  }

  /**
   * Writes again (this replica holds the lease): another replica may have written meanwhile, so every
   * unit is re-checked against the live state, at low priority (changes go first), as a resync does.
   */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.resync();
  }

  #onWatch(): void {
    if (this.#pending !== undefined && this.synced()) this.plan(this.#pending.units, this.#pending.exports);
  }

  /** Lintas's objects that no desired unit keeps: their units delete them. */
  #sweep(): void {
    this.#swept = true;
    for (const [kind, informer] of this.#informers) {
      for (const live of informer.objects().values()) {
        const meta = live.metadata as NonNullable<LiveObject['metadata']>;
        if (!isLintasOwned(live, this.#o.owner)) continue;
        const key = writeKey(kind, meta.namespace ?? '', meta.name ?? '');
        const unitKey = unitOfWritten(kind, meta.namespace ?? '', meta.name ?? '', meta.labels) ?? `orphan/${key}`;
        const unit = this.#desired.get(unitKey);
        if (unit !== undefined && unitObjectKeys(unit).includes(key)) continue;
        let orphans = this.#orphans.get(unitKey);
        if (orphans === undefined) this.#orphans.set(unitKey, (orphans = new Set()));
        orphans.add(key);
        this.#enqueue(unitKey);
      }
    }
  }

  #enqueue(key: string): void {
    if (this.#running.has(key)) this.#again.add(key);
    else this.#queue.add(key);
    this.#verify.delete(key);
  }

  #pump(): void {
    const limit = this.#o.concurrency ?? 16;
    while (!this.#paused && !this.#stopping.signal.aborted && this.#running.size < limit) {
      let key = this.#queue.values().next().value;
      let verify = false;
      if (key === undefined && this.#verifying < VERIFY_CONCURRENCY) {
        key = this.#verify.values().next().value;
        verify = key !== undefined;
      }
      if (key === undefined) break;
      this.#queue.delete(key);
      this.#verify.delete(key);
      if (this.#running.has(key)) {
        this.#again.add(key);
        continue;
      }
      this.#running.add(key);
      if (verify) this.#verifying++;
      void this.#run(key).finally(() => {
        this.#running.delete(key);
        if (verify) this.#verifying--;
        if (this.#again.delete(key)) this.#queue.add(key);
        this.#pump();
      });
    }
    this.#checkIdle();
  }

  #isIdle(): boolean {
    return this.#queue.size === 0 && this.#verify.size === 0 && this.#running.size === 0 && [...this.#retries.values()].every((r) => r.timer === undefined);
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    if (this.#worked && !this.#paused) {
      this.#worked = false;
      const summary = this.#summary;
      this.#summary = {};
      this.#o.metrics?.syncs.inc({ cluster: this.#o.cluster });
      this.#o.onIdle?.(summary);
    }
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async #run(key: string): Promise<void> {
    try {
      // A unit that needs no request completes in microtasks: after a few ms of those, yield, or a
      // re-check of thousands of units (a resync, a restart) would hold the event loop, and with it DNS
      // and the watches. Yielding for every unit would cost a turn of a busy loop each.
      if (performance.now() - this.#turnStart > TURN_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.#turnStart = performance.now();
      }
      await this.#process(key);
      const retry = this.#retries.get(key);
      if (retry !== undefined) this.#retries.delete(key);
    } catch (error) {
      if (this.#stopping.signal.aborted) return;
      const retry = this.#retries.get(key) ?? { failures: 0 };
      retry.failures++;
      const delay = Math.min(RETRY_MS.first * 2 ** (retry.failures - 1), RETRY_MS.max);
      this.#lastError = `${key}: ${(error as Error).message}`;
      this.#o.log.warn('kube write-back failed; retrying', { cluster: this.#o.cluster, unit: key, error: (error as Error).message, inMs: delay });
      retry.timer = setTimeout(() => {
        retry.timer = undefined;
        this.#enqueue(key);
        this.#pump();
      }, delay);
      this.#retries.set(key, retry);
      return;
    }
    if (![...this.#retries.values()].some((r) => r.timer !== undefined)) this.#lastError = undefined;
  }

  #count(outcome: WriteOutcome | 'deleted' | 'forbidden', n = 1): void {
    this.#summary[outcome] = (this.#summary[outcome] ?? 0) + n;
  }

  /** Writes one unit: its desired objects in order, then deletes what it wrote before and no longer wants. */
  async #process(key: string): Promise<void> {
    const unit = this.#desired.get(key);
    const keep = new Set<string>();
    if (unit !== undefined) {
      const derived = unitDerivedWrite(unit);
      let ips: string[] = [];
      if (derived !== undefined) ips = clusterIPs((await this.#write(key, derived, keep)).live);
      for (const write of unitImportWrites(unit, ips)) await this.#write(key, write, keep);
      for (const write of unitSliceWrites(unit)) await this.#write(key, write, keep);
      const status = unitExportWrite(unit);
      if (status !== undefined) await this.#write(key, status, keep);
    }
    const garbage = new Map<string, LiveObject>();
    const written = this.#written.get(key);
    for (const objectKey of [...(written ?? []), ...(this.#orphans.get(key) ?? [])]) {
      if (keep.has(objectKey)) continue;
      written?.delete(objectKey);
      const live = this.#live(objectKey);
      if (live !== undefined && isLintasOwned(live, this.#o.owner)) garbage.set(objectKey, live);
    }
    this.#orphans.delete(key);
    if (garbage.size > 0) {
      const deleted = await this.#o.writer.collect(garbage, keep, this.#stopping.signal);
      for (const objectKey of garbage.keys()) this.#recent.delete(objectKey);
      if (deleted > 0) this.#count('deleted', deleted);
    }
    if (written?.size === 0) this.#written.delete(key);
  }

  /** The watch's copy of an object; a ServiceExport's is the export informer's once it has the result's generation, else the snapshot's (no status: written again rather than judged on a stale copy). */
  #watched(objectKey: string, generation?: number): LiveObject | undefined {
    const [kind = '', namespace = '', name = ''] = objectKey.split('/');
    if (kind !== 'ServiceExport') return this.#informers.get(kind)?.objects().get(`${namespace}/${name}`) as LiveObject | undefined;
    const watched = this.#exportInformer.objects().get(`${namespace}/${name}`) as LiveObject | undefined;
    const snapshot = this.#exports.get(`${namespace}/${name}`);
    if (watched === undefined) return snapshot;
    const want = generation ?? snapshot?.metadata?.generation;
    return want === undefined || watched.metadata?.generation === want ? watched : snapshot;
  }

  /** The live object of a key: the watch's copy, or a newer write answer. */
  #live(objectKey: string, generation?: number): LiveObject | undefined {
    const watched = this.#watched(objectKey, generation);
    const recent = this.#recent.get(objectKey);
    if (recent === undefined) return watched;
    if (watched !== undefined && atLeastAsNew(watched, recent.live)) {
      this.#recent.delete(objectKey);
      return watched;
    }
    return recent.live;
  }

  /**
   * One desired write; the writer compares with the live copy and sends nothing when it already
   * holds it. A refusal by RBAC (401/403) is that object's outcome (`forbidden`, counted and logged
   * by the writer): it will not pass on a retry, and must not hold back the unit's other objects.
   */
  async #write(unitKey: string, desired: DesiredWrite, keep: Set<string>): Promise<{ outcome: WriteOutcome | 'forbidden'; live?: LiveObject }> {
    const objectKey = writeKey(desired.resource.kind, desired.namespace, desired.name);
    if (desired.write === 'object') keep.add(objectKey);
    const live = this.#live(objectKey, desired.generation);
    const mine = live !== undefined && desired.owned && isLintasOwned(live, this.#o.owner);
    const owned = new Map<string, LiveObject>(mine ? [[objectKey, live]] : []);
    let result: { outcome: WriteOutcome | 'forbidden'; live?: LiveObject };
    try {
      result = await this.#o.writer.write(desired, owned, this.#stopping.signal, {
        ...(live !== undefined && !desired.owned ? { known: live } : {}),
        // The informer listed every object with Lintas's owner label: none under this key means none of Lintas's.
        absent: desired.owned && desired.write === 'object' && live === undefined,
      });
    } catch (error) {
      if (!(error instanceof KubeApiError && (error.status === 401 || error.status === 403))) throw error;
      result = { outcome: 'forbidden' };
    }
    this.#count(result.outcome);
    if (result.live !== undefined) this.#recent.set(objectKey, { live: result.live, at: this.#clock() });
    if (desired.owned && desired.write === 'object' && (result.outcome === 'created' || result.outcome === 'applied' || result.outcome === 'unchanged')) {
      let written = this.#written.get(unitKey);
      if (written === undefined) this.#written.set(unitKey, (written = new Set()));
      written.add(objectKey);
    }
    return result;
  }
}
