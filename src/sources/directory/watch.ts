/**
 * Watches a fleet directory and republishes it to the store on change.
 *
 * Level-triggered: any change reloads the whole tree (debounced), so a burst of
 * writes from `git checkout` costs one load. A load with errors is never
 * published: the store keeps serving the last good fleet and the errors are
 * logged and kept in `status()` (and `lintas validate` shows them too).
 * @module
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Issue } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { FleetStore } from '../../store/index.ts';
import { formatIssue, hasErrors } from '../../validation/index.ts';
import { createFleetLoader, type LoadResult } from './load-fleet.ts';
import type { ReadTreeOptions } from './read-tree.ts';

/** Options of {@link watchFleet}. */
export interface WatchOptions extends ReadTreeOptions {
  readonly store: FleetStore;
  readonly log: Logger;
  /** Quiet period after the last change before reloading. */
  readonly debounceMs?: number;
  /** Fallback poll period when the OS watcher fails (e.g. inotify limits). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** Called after every load attempt, published or not. */
  readonly onLoad?: (event: LoadEvent) => void;
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
  /** Epoch ms when the load finished: the tree was confirmed then. */
  readonly loadedAt: number;
}

/** What the watcher knows right now. */
export interface WatchStatus {
  readonly lastGoodVersion: number;
  /** Issues of the most recent load (empty when it was clean). */
  readonly lastIssues: readonly Issue[];
  readonly loads: number;
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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<LoadEvent | undefined> | undefined;
  let again = false;
  let closed = false;
  let firstChangeAt: number | undefined;

  const pollMs = options.pollMs ?? 2000;
  const loader = createFleetLoader(options);
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  const startPolling = (): void => {
    if (!closed) poller ??= setInterval(schedule, pollMs);
  };
  // Node 20's recursive fs.watch on Linux keeps watching the inodes it found at start:
  // an editor that saves by rename, or a re-created root, escapes it. So the watcher
  // is re-armed after every load, and polling stands in while it cannot be armed.
  const arm = (): void => {
    watcher?.close();
    watcher = undefined;
    if (closed) return;
    try {
      watcher = watch(root, { recursive: true }, schedule);
      watcher.on('error', (error) => {
        log.warn('file watcher failed; polling until it can be re-armed', { error: error.message });
        watcher?.close();
        watcher = undefined;
        startPolling();
      });
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
      }
      const event: LoadEvent = { result, published: !invalid, version: store.version, loadedAt: Date.now(), ...(changedAt !== undefined ? { changedAt } : {}) };
      arm();
      options.onLoad?.(event);
      return event;
    } catch (error) {
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

  await reload();
  const close = (): void => {
    closed = true;
    clearTimeout(timer);
    clearInterval(poller);
    watcher?.close();
  };
  options.signal?.addEventListener('abort', close, { once: true });
  return { status: () => ({ lastGoodVersion: store.version, lastIssues, loads }), reload, close };
}
