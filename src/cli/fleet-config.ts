/**
 * Resolving and loading the fleet a command works on.
 * @module
 */
import { join, resolve } from 'node:path';
import { createFleetLoader, LAST_GOOD_FILE, loadFleet, SourceError, type LoadResult } from '../sources/index.ts';
import { hasErrors } from '../validation/index.ts';
import { CliError, EXIT, type CliIO } from './io.ts';

/** `--config`, else `$LINTAS_CONFIG`, else `./fleet`. */
export function resolveConfigDir(flag: string | undefined, io: CliIO): string {
  return resolve(io.cwd, flag ?? io.env['LINTAS_CONFIG'] ?? 'fleet');
}

/** Loads a fleet, turning an unusable root into a usage error (exit 2). */
export async function loadConfig(dir: string): Promise<LoadResult> {
  try {
    return await loadFleet(dir);
  } catch (error) {
    if (error instanceof SourceError) throw new CliError(`error: ${error.message} (set --config or $LINTAS_CONFIG)`, EXIT.usage);
    throw error;
  }
}

/**
 * The last good fleet of `dir` that `serve` (or `up`) persisted in `stateDir`, checked like a
 * live tree; undefined when there is none, it belongs to another directory, or it is invalid now.
 */
export async function lastGoodConfig(dir: string, stateDir: string): Promise<(LoadResult & { restored: { savedAt: string } }) | undefined> {
  const restored = await createFleetLoader({ lastGoodPath: join(stateDir, LAST_GOOD_FILE) }).restore(dir);
  if ('reason' in restored || restored.restored === undefined || hasErrors(restored.issues)) return undefined;
  return { ...restored, restored: restored.restored };
}
