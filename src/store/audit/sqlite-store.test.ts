import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { openStore } from './open-store.ts';
import { openSqliteStore, SQLITE_FILE } from './sqlite-store.ts';
import { type FreshDatabase, rejectsWithCode, type StoreHarness } from './store-harness.ts';
import { describeStoreSuite } from './store-suite.ts';
import type { LintasStore } from './store.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'lintas-store-'));
}

/** Runs SQL on the database file through a connection of its own. */
function rawExec(dir: string, sql: string): void {
  const db = new DatabaseSync(path.join(dir, SQLITE_FILE), { timeout: 5000 });
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

const sqliteHarness: StoreHarness = {
  async fresh(): Promise<FreshDatabase> {
    const dir = await tempDir();
    const opened: LintasStore[] = [];
    return {
      async open(options) {
        const store = await openSqliteStore({ ...options, dir });
        opened.push(store);
        return store;
      },
      rawExec: async (sql) => rawExec(dir, sql),
      dropGuards: async () => rawExec(dir, 'DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete;'),
      async holdWriteLock() {
        const db = new DatabaseSync(path.join(dir, SQLITE_FILE));
        db.exec('BEGIN IMMEDIATE');
        return async () => {
          db.exec('ROLLBACK');
          db.close();
        };
      },
      workerArgs: ['sqlite', dir],
      async cleanup() {
        for (const store of opened) await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

describeStoreSuite('sqlite', sqliteHarness);

describe('sqlite: files', () => {
  it('keeps the database in <dir>/lintas.db in WAL mode, creating the directory', async () => {
    const dir = await tempDir();
    try {
      const nested = path.join(dir, 'a', 'b');
      const store = await openSqliteStore({ dir: nested });
      await store.append([{ actor: 'a', action: 'b', target: 'c' }]);
      assert.equal(store.backend, 'sqlite');
      assert.equal(store.location, path.join(nested, SQLITE_FILE));
      await store.close();
      const db = new DatabaseSync(path.join(nested, SQLITE_FILE), { readOnly: true });
      try {
        assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
        assert.equal(db.prepare('SELECT count(*) AS n FROM audit_records').get()?.n, 1);
      } finally {
        db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with STORE_CORRUPT on a file that is not a database, STORE_OPEN_FAILED on an unusable directory', async () => {
    const dir = await tempDir();
    try {
      await writeFile(path.join(dir, SQLITE_FILE), 'this is not a database, just some text '.repeat(200));
      await rejectsWithCode(openSqliteStore({ dir }), 'STORE_CORRUPT');
      await writeFile(path.join(dir, 'file'), 'x');
      await rejectsWithCode(openSqliteStore({ dir: path.join(dir, 'file') }), 'STORE_OPEN_FAILED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database written by a newer schema version', async () => {
    const dir = await tempDir();
    try {
      await (await openSqliteStore({ dir })).close();
      rawExec(dir, `UPDATE lintas_meta SET value = '99' WHERE key = 'schema_version'`);
      await rejectsWithCode(openSqliteStore({ dir }), 'STORE_OPEN_FAILED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('openStore picks SQLite without a URL and refuses URLs that are not postgres://', async () => {
    const dir = await tempDir();
    try {
      const store = await openStore({ dataDir: dir });
      assert.equal(store.backend, 'sqlite');
      await store.close();
      await rejectsWithCode(openStore({ dataDir: dir, url: 'mysql://root:secret@db/x' }), 'STORE_OPEN_FAILED');
      await openStore({ dataDir: dir, url: 'mysql://root:secret@db/x' }).catch((error: Error) => assert.ok(!error.message.includes('secret')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
