/**
 * Picks the backend the way `lintas serve` is configured: `--store postgres://…` selects PostgreSQL,
 * otherwise the embedded SQLite file in `--data-dir`.
 * @module
 */
import { StoreError } from './errors.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { LintasStore, StoreOptions } from './store.ts';

/** Where the store lives: a PostgreSQL URL when given, else the data directory. */
export interface OpenStoreOptions extends StoreOptions {
  /** The data directory of the embedded store (the CLI's default is `./.lintas`). */
  readonly dataDir: string;
  /** A `postgres://` or `postgresql://` URL; when set, `dataDir` is not used for the store. */
  readonly url?: string;
}

/** Opens the PostgreSQL store when `url` is set, else the SQLite store in `dataDir`. */
export function openStore(options: OpenStoreOptions): Promise<LintasStore> {
  const { dataDir, url, ...rest } = options;
  if (url === undefined || url === '') return openSqliteStore({ ...rest, dir: dataDir });
  if (!/^postgres(ql)?:\/\//.test(url)) {
    return Promise.reject(new StoreError('STORE_OPEN_FAILED', `unsupported store URL (expected postgres://…): ${url.replace(/\/\/[^@/]*@/, '//***@')}`));
  }
  return openPostgresStore({ ...rest, url });
}
