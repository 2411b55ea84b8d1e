/**
 * The MCS runner: the thin, impure shell around `translateMcs`. It subscribes to
 * the fleet store, translates every update with the real clock, persists the
 * state that keeps results stable across restarts (first-seen times, ClusterSetIP
 * allocations, condition times) and hands each result to its consumers.
 *
 * Endpoint TTL plugs in here: a source that stops refreshing a cluster removes
 * that cluster's snapshot from the store, and the next translation withdraws it.
 * @module
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../observability/index.ts';
import type { FleetStore } from '../../store/index.ts';
import { translateMcs } from './translate.ts';
import { EMPTY_MCS_STATE, type McsResult, type McsState } from './types.ts';

/** Options of {@link runMcs}. */
export interface McsRunnerOptions {
  readonly store: FleetStore;
  readonly log: Logger;
  /** Where the state is persisted (JSON); undefined keeps it in memory only. */
  readonly statePath?: string;
  readonly clock?: () => Date;
  readonly onResult: (result: McsResult, version: number) => void;
  readonly signal?: AbortSignal;
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

/** Runs until `signal` aborts. A failing translation is logged and skipped; the last result stays in force. */
export async function runMcs(options: McsRunnerOptions): Promise<void> {
  const clock = options.clock ?? (() => new Date());
  let state = loadMcsState(options.statePath, options.log);
  for await (const update of options.store.subscribe(options.signal)) {
    if (update.version === 0) continue; // nothing loaded yet: an unsynced source is not an empty fleet
    try {
      const result = translateMcs({ snapshot: update.snapshot, now: clock().toISOString(), state });
      state = result.state;
      if (options.statePath) saveMcsState(options.statePath, state);
      options.onResult(result, update.version);
    } catch (error) {
      options.log.error('MCS translation failed; keeping the previous result', { version: update.version, error: (error as Error).stack ?? String(error) });
    }
  }
}
