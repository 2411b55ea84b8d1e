/**
 * The MCS runner: the thin, impure shell around `translateMcs`. It subscribes to
 * the fleet store, translates every update with the real clock, persists the
 * state that keeps results stable across restarts (first-seen times, ClusterSetIP
 * allocations, condition times) and hands each result to its consumers.
 *
 * Endpoint TTL plugs in here: refreshing sources report per-cluster freshness to
 * the store (`heartbeat`), the translator withdraws clusters past the TTL, and this
 * runner re-translates when the next one expires.
 *
 * Per change the work is the changed Services only: the translation is incremental (it keeps the
 * translator's cache), and the state is written only when it changed (the translator hands back the
 * very same state object when nothing in it did, as for an endpoint change). Updates the store publishes while a
 * translation runs are coalesced (the subscription hands on only the latest); a burst of cluster
 * watches is folded into one update by the Kubernetes source.
 * @module
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FleetSnapshot } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { FleetStore, FleetUpdate } from '../../store/index.ts';
import { translateMcs, translateMcsIncremental, type McsCache } from './translate.ts';
import { EMPTY_MCS_STATE, type McsResult, type McsState } from './types.ts';

/** Options of {@link runMcs}. */
export interface McsRunnerOptions {
  readonly store: FleetStore;
  readonly log: Logger;
  /** Where the state is persisted (JSON); undefined keeps it in memory only. */
  readonly statePath?: string;
  readonly clock?: () => Date;
  /** Called with every result, the store version and the snapshot it was computed from. */
  readonly onResult: (result: McsResult, version: number, snapshot: FleetSnapshot) => void;
  readonly signal?: AbortSignal;
  /** False: translate the whole fleet from scratch every time (the benchmark's reference; default true). */
  readonly incremental?: boolean;
}

/** Reads persisted state; a missing or unreadable file starts fresh (and says so). */
export function loadMcsState(path: string | undefined, log: Logger): McsState {
  if (!path) return EMPTY_MCS_STATE;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<McsState>;
    return { ...EMPTY_MCS_STATE, ...parsed, firstSeen: parsed.firstSeen ?? {}, allocations: parsed.allocations ?? {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('cannot read MCS state; starting fresh', { path, error: (error as Error).message });
    return EMPTY_MCS_STATE;
  }
}

/** Writes state atomically (temp file + rename), so a crash never leaves half a file. */
export function saveMcsState(path: string, state: McsState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Runs until `signal` aborts. A failing translation is logged and skipped; the last
 * result stays in force. Besides every store update it re-translates when the next
 * source cluster reaches its endpoint TTL (`nextExpiry`) and when a heartbeat brings a
 * withdrawn cluster back or changes a cluster's sync state.
 */
export async function runMcs(options: McsRunnerOptions): Promise<void> {
  const clock = options.clock ?? (() => new Date());
  let state = loadMcsState(options.statePath, options.log);
  let cache: McsCache | undefined;
  let latest: FleetUpdate | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stale = new Set<string>();

  const translate = (reason: string): void => {
    if (latest === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    const now = clock();
    try {
      const input = { snapshot: latest.snapshot, now: now.toISOString(), state, freshness: options.store.freshness() };
      const translation = options.incremental === false ? { result: translateMcs(input), cache: undefined } : translateMcsIncremental(input, cache);
      const { result } = translation;
      cache = translation.cache;
      if (options.statePath && result.state !== state) saveMcsState(options.statePath, result.state);
      state = result.state;
      const nowStale = new Set(result.sources.filter((s) => s.stale).map((s) => s.cluster));
      for (const cluster of nowStale) if (!stale.has(cluster)) options.log.warn('source cluster not refreshed within the endpoint TTL; its endpoints are withdrawn', { cluster });
      stale = nowStale;
      if (result.nextExpiry !== undefined && !options.signal?.aborted) {
        // +1 ms: at exactly observedAt + TTL the source is already stale, never a tick early.
        const wait = Math.max(0, Date.parse(result.nextExpiry) - now.getTime() + 1);
        timer = setTimeout(() => translate('endpoint TTL'), Math.min(wait, 2 ** 31 - 1));
        timer.unref();
      }
      options.onResult(result, latest.version, latest.snapshot);
    } catch (error) {
      options.log.error('MCS translation failed; keeping the previous result', { version: latest.version, reason, error: (error as Error).stack ?? String(error) });
    }
  };

  const unsubscribe = options.store.onHeartbeat((cluster, previous) => {
    const current = options.store.freshness()[cluster];
    // A fresh heartbeat only matters when it revives a withdrawn cluster or flips sync state;
    // otherwise the pending expiry timer is early at worst and re-arms itself.
    if (stale.has(cluster) || previous === undefined || previous.synced !== current?.synced) translate('heartbeat');
  });
  options.signal?.addEventListener('abort', () => clearTimeout(timer), { once: true });
  try {
    for await (const update of options.store.subscribe(options.signal)) {
      if (update.version === 0) continue; // nothing loaded yet: an unsynced source is not an empty fleet
      latest = update;
      translate('update');
    }
  } finally {
    unsubscribe();
    clearTimeout(timer);
  }
}
