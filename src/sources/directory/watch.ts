/**
 * Watches a fleet directory and republishes it to the store on change.
 *
 * Level-triggered: any change reloads the whole tree (debounced), so a burst of
 * writes from `git checkout` costs one load. A load with errors is never
 * published: the store keeps serving the last good fleet and the errors are
 * logged and kept in `status()` (and `lintas validate` shows them too).
 *
 * Loads run on a worker thread (load-worker.ts), so the thread that serves
 * traffic never parses. With `lastGoodPath`, every good load is persisted, and
 * when the tree is invalid (or unreadable) at start the persisted last good
 * tree is published instead, so a restart with one bad file is not an outage.
 * @module
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Issue } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { FleetStore } from '../../store/index.ts';
import { formatIssue, hasErrors } from '../../validation/index.ts';
import { createFleetLoader, type LoaderOptions, type LoadResult } from './load-fleet.ts';
import { createWorkerFleetLoader } from './load-worker.ts';

/** Options of {@link watchFleet}. */
export interface WatchOptions extends LoaderOptions {
  readonly store: FleetStore;
  readonly log: Logger;
  /** Quiet period after the last change before reloading. */
  readonly debounceMs?: number;
  /** Fallback poll period when the OS watcher fails (e.g. inotify limits). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** Called after every load attempt, published or not (and after a start from the persisted last good tree). */
  readonly onLoad?: (event: LoadEvent) => void;
  /** Load on the calling thread instead of a worker (tools that load once and exit). */
  readonly inProcess?: boolean;
}

/** The outcome of one reload. */
export interface LoadEvent {
  readonly result: LoadResult;
  /** True when the fleet was published (no errors); false when the last good fleet was kept. */
  readonly published: boolean;
  /** Store version after the load. */
  readonly version: number;
  /** Epoch ms of the first file event that led to this load (undefined for the initial load): propagation lag starts here. */
  readonly changedAt?: number;
  /** Epoch ms when the load finished: the tree was confirmed then (for a restored tree: when it was persisted). */
  readonly loadedAt: number;
  /** True when this event published the persisted last good tree, because the directory was invalid at start. */
  readonly restored?: boolean;
}

/** What the watcher knows right now. */
export interface WatchStatus {
  readonly lastGoodVersion: number;
  /** Issues of the most recent load (empty when it was clean). */
  readonly lastIssues: readonly Issue[];
  readonly loads: number;
  /** Epoch ms when the config being served was loaded without errors (undefined before the first good load). */
  readonly lastSuccessAt?: number;
  /** RFC 3339 time of the persisted tree being served, while the directory has not loaded cleanly since the start. */
  readonly restoredFrom?: string;
}

/** A running watcher. */
export interface FleetWatcher {
  status(): WatchStatus;
  /** Forces a reload now (also used by tests). */
  reload(): Promise<LoadEvent | undefined>;
  close(): void;
}

/** Loads `root` once, publishes it if valid, then keeps watching until closed or aborted. */
export async function watchFleet(root: string, options: WatchOptions): Promise<FleetWatcher> {
  const { store, log } = options;
  const debounceMs = options.debounceMs ?? 200;
  let lastIssues: readonly Issue[] = [];
  let loads = 0;
  let lastSuccessAt: number | undefined;
  let restoredFrom: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<LoadEvent | undefined> | undefined;
  let again = false;
  let closed = false;
  let firstChangeAt: number | undefined;

  const pollMs = options.pollMs ?? 2000;
  const loaderOptions: LoaderOptions = { ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}), ...(options.lastGoodPath !== undefined ? { lastGoodPath: options.lastGoodPath } : {}) };
  const loader = options.inProcess
    ? createFleetLoader(loaderOptions)
    : createWorkerFleetLoader({ ...loaderOptions, onFallback: (why) => log.warn('cannot start the fleet loader worker; loading on the main thread', { error: why }) });
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  const startPolling = (): void => {
    if (!closed) poller ??= setInterval(schedule, pollMs);
  };
  // Node's recursive fs.watch on Linux watches the inodes it found when armed: an editor
  // that saves by rename, or a re-created root, escapes it. So the watcher is re-armed
  // after a load that found another inode at some path (readTree's identity), and polling
  // stands in while it cannot be armed. Arming walks the whole tree synchronously on this
  // thread, so it is not redone after an edit in place (issue 14 item 5: ~3 ms per edit).
  let armedOn: string | undefined;
  const arm = (identity?: string): void => {
    if (watcher !== undefined && identity !== undefined && identity === armedOn) return;
    watcher?.close();
    watcher = undefined;
    armedOn = undefined;
    if (closed) return;
    try {
      watcher = watch(root, { recursive: true }, schedule);
      watcher.on('error', (error) => {
        log.warn('file watcher failed; polling until it can be re-armed', { error: error.message });
        watcher?.close();
        watcher = undefined;
        startPolling();
      });
      armedOn = identity;
      log.debug('file watcher armed', { root });
      clearInterval(poller);
      poller = undefined;
    } catch (error) {
      log.warn('file watcher unavailable; polling instead', { error: (error as Error).message });
      startPolling();
    }
  };

  const load = async (): Promise<LoadEvent | undefined> => {
    const changedAt = firstChangeAt;
    firstChangeAt = undefined;
    try {
      const result = await loader.load(root);
      loads++;
      lastIssues = result.issues;
      const invalid = hasErrors(result.issues);
      if (invalid) {
        const errors = result.issues.filter((i) => i.severity === 'error');
        log.error('fleet has errors; keeping the last good config', { errors: errors.length, version: store.version });
        for (const issue of errors.slice(0, 50)) log.error(formatIssue(issue));
      } else {
        const changed = store.publish(result.snapshot);
        log.info(changed.length ? 'fleet published' : 'fleet unchanged', { version: store.version, clusters: result.snapshot.clusters.size, objects: result.stats.objects, changed });
        if (result.lastGoodError !== undefined) log.warn(result.lastGoodError);
      }
      const event: LoadEvent = { result, published: !invalid, version: store.version, loadedAt: Date.now(), ...(changedAt !== undefined ? { changedAt } : {}) };
      if (!invalid) {
        lastSuccessAt = event.loadedAt;
        restoredFrom = undefined;
      }
      arm(result.treeIdentity);
      options.onLoad?.(event);
      return event;
    } catch (error) {
      if (closed) return undefined; // closing cancels the load in flight: nothing to report
      // The root vanished or became unreadable: keep serving, say why, and poll until it is back.
      loads++;
      const message = (error as Error).message;
      lastIssues = [{ severity: 'error', file: root, line: 0, message }];
      log.error('cannot load fleet; keeping the last good config', { error: message });
      watcher?.close();
      watcher = undefined;
      startPolling();
      return undefined;
    }
  };

  // Serialises loads: a change during a load schedules exactly one more.
  const reload = async (): Promise<LoadEvent | undefined> => {
    if (running) {
      again = true;
      return running;
    }
    running = load();
    const event = await running;
    running = undefined;
    if (again && !closed) {
      again = false;
      return reload();
    }
    return event;
  };

  const schedule = (): void => {
    if (closed) return;
    firstChangeAt ??= Date.now();
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  };

  // Nothing to serve yet and the tree is invalid or unreadable: start from the persisted last good tree.
  const restore = async (): Promise<void> => {
    let restored;
    try {
      restored = await loader.restore(root);
    } catch (error) {
      log.error('cannot read the persisted last good fleet', { error: (error as Error).message });
      return;
    }
    if ('reason' in restored) {
      log.error('no last good fleet to start from; serving nothing until the directory loads without errors', { detail: restored.detail });
      return;
    }
    // A good load of the directory published meanwhile (an edit during the restore): it wins.
    if (store.version !== 0 || closed) return;
    const savedAt = restored.restored?.savedAt ?? '';
    if (hasErrors(restored.issues)) {
      log.error('the persisted last good fleet is invalid for this version of Lintas; serving nothing until the directory loads without errors', { savedAt, errors: restored.issues.filter((i) => i.severity === 'error').length });
      return;
    }
    store.publish(restored.snapshot);
    restoredFrom = savedAt;
    lastSuccessAt = Date.parse(savedAt);
    log.warn('serving the last good fleet persisted before the restart; fix the errors above and it reloads', { savedAt, version: store.version, objects: restored.stats.objects });
    options.onLoad?.({ result: restored, published: true, version: store.version, loadedAt: lastSuccessAt, restored: true });
  };

  await reload();
  if (store.version === 0 && hasErrors(lastIssues) && options.lastGoodPath !== undefined && !closed) await restore();
  const close = (): void => {
    closed = true;
    clearTimeout(timer);
    clearInterval(poller);
    watcher?.close();
    loader.close();
  };
  options.signal?.addEventListener('abort', close, { once: true });
  return {
    status: () => ({ lastGoodVersion: store.version, lastIssues, loads, ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}), ...(restoredFrom !== undefined ? { restoredFrom } : {}) }),
    reload,
    close,
  };
}
