/**
 * Resolving and loading the fleet a command works on.
 * @module
 */
import { resolve } from 'node:path';
import { loadFleet, SourceError, type LoadResult } from '../sources/index.ts';
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
