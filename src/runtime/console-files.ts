/**
 * Where the built web console lives: `dist/console/` of the package, found from this module's
 * own location by walking up to the nearest `package.json`, so it works from `src/` (tsx) and
 * from the `dist/lintas.js` bundle alike.
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticApp, type PrefixHandler } from '../observability/index.ts';

/** The path prefix the console is served under. */
export const CONSOLE_UI_PREFIX = '/ui';
/** What `/ui` answers (503) while the console is not built. */
export const CONSOLE_NOT_BUILT = 'the web console is not built: run npm run build:console (npm install does it)';

/** The package root above `from` (the first directory up with a package.json), or undefined. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The built console's directory: `<package root>/dist/console`. */
export function consoleDir(): string {
  return join(packageRoot() ?? process.cwd(), 'dist', 'console');
}

/** The `/ui` handler serving `dir` (default {@link consoleDir}). */
export function consoleFiles(dir: string = consoleDir()): Record<string, PrefixHandler> {
  return { [CONSOLE_UI_PREFIX]: staticApp({ root: dir, prefix: CONSOLE_UI_PREFIX, missingHint: CONSOLE_NOT_BUILT }) };
}
