/**
 * An informer over one resource of one API server: list, then watch from the list's
 * resourceVersion with bookmarks; a 410 Gone (the version was compacted away) relists and
 * reconciles; any other failure backs off (exponential, jittered) and reopens the watch from the
 * version it reached.
 *
 * Unsynced is not empty: a failure never clears the objects. They stay the last known state until
 * a later list replaces them, and `status()` says the informer is down since when.
 * @module
 */
import { apiVersionOf, resourcePath, type WatchedResource } from './resources.ts';
import { isGone, KubeApiError, type KubeTransport, type KubeWatchEvent } from './transport.ts';

/** An object as the informer holds it (apiVersion and kind always set: list items lack them). */
export type KubeObject = Record<string, unknown> & { readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string } };

/** What an informer reports about itself. */
export interface InformerStatus {
  /** At least one list succeeded: the objects are the cluster's (possibly old) state. */
  readonly synced: boolean;
  /** The latest list succeeded and the watch is open (or being reopened after a clean end). */
  readonly up: boolean;
  /** Epoch ms of the latest successful list, event, bookmark or watch start. */
  readonly lastConfirmedAt?: number;
  /** Lists after the first (a 410 Gone, or a resource that stopped being served). */
  readonly relists: number;
  /** The version read (undefined until known); none served: the cluster lacks the resource (read as empty). */
  readonly version?: string;
  readonly lastError?: string;
}

/** Timing and hooks of an informer. */
export interface InformerOptions {
  readonly transport: KubeTransport;
  readonly resource: WatchedResource;
  /** Called after the objects changed (list, or an event that changed them). */
  readonly onChange: () => void;
  /** Called after the status changed or was confirmed (events, bookmarks, watch starts, failures). */
  readonly onStatus: () => void;
  /** ADDED/MODIFIED seen on a watch: seconds from the object's last write (managedFields, 1 s resolution) to now. */
  readonly onEventLag?: (seconds: number) => void;
  readonly clock?: () => number;
  /** Jitter source in [0, 1) (tests pin it). */
  readonly random?: () => number;
  /** First back-off after a failure (default 500 ms), doubled up to `maxBackoffMs` (default 30 s). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Server-side watch timeout (default 25 s: under client-node's 30 s inactivity limit, so a quiet watch without bookmarks ends cleanly and is reopened from its version instead of failing). */
  readonly watchTimeoutSeconds?: number;
  /** Items per list page (default 500). */
  readonly pageSize?: number;
}

/** The key an object is held under: `namespace/name` (or `name`). */
export function objectKey(object: { metadata: { name: string; namespace?: string } }): string {
  return object.metadata.namespace === undefined ? object.metadata.name : `${object.metadata.namespace}/${object.metadata.name}`;
}

/** `item` with its apiVersion and kind set, or undefined when it has no name (nothing to key it by). */
function typed(item: Record<string, unknown>, apiVersion: string, kind: string): KubeObject | undefined {
  const meta = item['metadata'] as { name?: unknown } | undefined;
  return typeof meta?.name === 'string' ? ({ ...item, apiVersion, kind } as unknown as KubeObject) : undefined;
}

/** A cluster that does not serve a version of the resource answers 404 to its collection. */
const notServed = (error: unknown): boolean => error instanceof KubeApiError && error.status === 404;

/** Newest write time in `metadata.managedFields` (or the creation time), epoch ms. */
function lastWriteOf(object: Record<string, unknown>): number | undefined {
  const meta = object['metadata'] as { managedFields?: { time?: string }[]; creationTimestamp?: string } | undefined;
  const times = [...(meta?.managedFields ?? []).map((f) => f.time), meta?.creationTimestamp].filter((t): t is string => typeof t === 'string').map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  return times.length === 0 ? undefined : Math.max(...times);
}

/** One resource's informer. */
export class Informer {
  readonly #o: InformerOptions;
  readonly #clock: () => number;
  #objects = new Map<string, KubeObject>();
  #version: string | undefined;
  #resourceVersion: string | undefined;
  #synced = false;
  #up = false;
  #lastConfirmedAt: number | undefined;
  #relists = 0;
  #lists = 0;
  #lastError: string | undefined;
  #stopping = new AbortController();
  #running: Promise<void> | undefined;

  /** Creates a stopped informer. */
  constructor(options: InformerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** The objects by key: the latest list plus the events since (kept as they are while down). */
  objects(): ReadonlyMap<string, KubeObject> {
    return this.#objects;
  }

  /** The informer's sync state. */
  status(): InformerStatus {
    return {
      synced: this.#synced,
      up: this.#up,
      relists: this.#relists,
      ...(this.#lastConfirmedAt !== undefined ? { lastConfirmedAt: this.#lastConfirmedAt } : {}),
      ...(this.#version !== undefined ? { version: this.#version } : {}),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  /** Starts the list/watch loop (returns at once). */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops the loop and closes the watch. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const signal = this.#stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#list(signal);
        if (this.#version === undefined) {
          // No version served: the cluster lacks the CRD. Read as empty; look again after the longest back-off.
          await this.#wait(this.#o.maxBackoffMs ?? 30_000, signal);
          this.#resourceVersion = undefined;
          continue;
        }
        await this.#watch(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (isGone(error)) {
          // The watch's version was compacted away: relist at once (not a failure of the server).
          this.#resourceVersion = undefined;
          continue;
        }
        // As client-go's reflector: a failed watch is reopened from the version it reached, so no event
        // is lost and nothing is re-read; if that version is gone by then, the 410 above relists.
        // A 404 means the resource itself went away (its CRD was removed): relist to find the version served.
        if (notServed(error)) this.#resourceVersion = undefined;
        this.#up = false;
        this.#lastError = (error as Error).message;
        this.#o.onStatus();
        failures++;
        const base = Math.min((this.#o.initialBackoffMs ?? 500) * 2 ** (failures - 1), this.#o.maxBackoffMs ?? 30_000);
        await this.#wait(base / 2 + (base / 2) * (this.#o.random ?? Math.random)(), signal);
      }
    }
    this.#up = false;
  }

  #wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  /** Lists every page of the preferred served version and replaces the objects with the result. */
  async #list(signal: AbortSignal): Promise<void> {
    const { group, versions, plural, kind } = this.#o.resource;
    for (const version of this.#version === undefined ? versions : [this.#version, ...versions.filter((v) => v !== this.#version)]) {
      const next = new Map<string, KubeObject>();
      let resourceVersion: string | undefined;
      let token: string | undefined;
      try {
        do {
          const page = await this.#o.transport.list(resourcePath(group, version, plural), { limit: String(this.#o.pageSize ?? 500), ...(token !== undefined ? { continue: token } : {}) }, signal);
          for (const item of page.items ?? []) {
            const object = typed(item, apiVersionOf(group, version), kind);
            if (object !== undefined) next.set(objectKey(object), object);
          }
          resourceVersion = page.metadata?.resourceVersion;
          token = page.metadata?.continue || undefined;
        } while (token !== undefined);
      } catch (error) {
        if (notServed(error)) continue;
        throw error;
      }
      this.#commitList(next, version, resourceVersion);
      return;
    }
    this.#commitList(new Map(), undefined, undefined);
  }

  #commitList(objects: Map<string, KubeObject>, version: string | undefined, resourceVersion: string | undefined): void {
    if (this.#lists++ > 0) this.#relists++;
    this.#objects = objects;
    this.#version = version;
    this.#resourceVersion = resourceVersion;
    this.#synced = true;
    this.#up = true;
    this.#lastError = undefined;
    this.#lastConfirmedAt = this.#clock();
    this.#o.onChange();
    this.#o.onStatus();
  }

  /** Watches from the current resourceVersion until the server ends the watch (resolves) or it fails (throws). */
  async #watch(signal: AbortSignal): Promise<void> {
    const { group, plural } = this.#o.resource;
    const version = this.#version ?? '';
    let failure: unknown;
    const watchStopped = new AbortController();
    const stop = (): void => watchStopped.abort();
    signal.addEventListener('abort', stop, { once: true });
    const onEvent = (event: KubeWatchEvent): void => {
      if (failure !== undefined) return;
      try {
        this.#apply(event);
      } catch (error) {
        failure = error;
        watchStopped.abort();
      }
    };
    try {
      const timeout = String(this.#o.watchTimeoutSeconds ?? 25);
      const open = await this.#o.transport.watch(resourcePath(group, version, plural), { resourceVersion: this.#resourceVersion ?? '', allowWatchBookmarks: 'true', timeoutSeconds: timeout }, onEvent, watchStopped.signal);
      this.#confirm();
      try {
        await open.ended;
      } catch (error) {
        // An ERROR event closes the stream on purpose: report the event, not the abort it caused.
        throw failure ?? error;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      watchStopped.abort();
    }
    if (failure !== undefined) throw failure;
  }

  #confirm(): void {
    this.#up = true;
    this.#lastConfirmedAt = this.#clock();
    this.#o.onStatus();
  }

  #apply(event: KubeWatchEvent): void {
    const { group, kind } = this.#o.resource;
    const object = event.object;
    if (event.type === 'ERROR') {
      const status = typeof object['code'] === 'number' ? object['code'] : 0;
      throw new KubeApiError(status, typeof object['reason'] === 'string' ? object['reason'] : undefined, `watch ${this.#o.transport.server}: ${typeof object['message'] === 'string' ? object['message'] : 'error event'}`);
    }
    const meta = object['metadata'] as { resourceVersion?: string } | undefined;
    if (meta?.resourceVersion !== undefined) this.#resourceVersion = meta.resourceVersion;
    if (event.type === 'BOOKMARK') return this.#confirm();
    const current = typed(object, apiVersionOf(group, this.#version ?? ''), kind);
    if (current === undefined) return;
    const key = objectKey(current);
    if (event.type === 'DELETED') this.#objects.delete(key);
    else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      this.#objects.set(key, current);
      const written = lastWriteOf(object);
      if (written !== undefined) this.#o.onEventLag?.(Math.max(0, (this.#clock() - written) / 1000));
    } else return;
    this.#confirm();
    this.#o.onChange();
  }
}
