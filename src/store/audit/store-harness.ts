/**
 * What a backend's test file supplies to the shared store suites: a fresh database per test and raw SQL
 * access to it (for tampering), plus small assertion helpers the suites share.
 * @module
 */
import assert from 'node:assert/strict';
import type { LintasStore, StoreOptions } from './store.ts';

/** One empty database of the backend under test. */
export interface FreshDatabase {
  /** Opens a store instance on it (several may be open at once). */
  open(options?: StoreOptions): Promise<LintasStore>;
  /** Runs SQL directly, bypassing the store (an attacker or a broken tool). */
  rawExec(sql: string): Promise<void>;
  /** Removes the append-only triggers, so rawExec can rewrite audit rows. */
  dropGuards(): Promise<void>;
  /** Holds the database's write lock from another connection until the returned release is called. */
  holdWriteLock(): Promise<() => Promise<void>>;
  /** Arguments that tell testdata/store-worker.ts where this database is: backend and location. */
  readonly workerArgs: readonly [string, string];
  /** Closes the stores opened through `open` and deletes the database's files if any. */
  cleanup(): Promise<void>;
}

/** What a backend's test file supplies. */
export interface StoreHarness {
  fresh(): Promise<FreshDatabase>;
}

/** Runs `fn` with a fresh database and always cleans it up. */
export async function withFresh(harness: StoreHarness, fn: (db: FreshDatabase) => Promise<void>): Promise<void> {
  const db = await harness.fresh();
  try {
    await fn(db);
  } finally {
    await db.cleanup();
  }
}

/** Asserts that a promise rejects with a StoreError of `code`. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { code?: unknown }).code, code, (error as Error).message);
    return true;
  });
}

