/**
 * The embedded backend: one SQLite file `<dir>/lintas.db` (Node's built-in `node:sqlite`, so no
 * native addon is built at install) in WAL mode with `synchronous=FULL`, so a commit has reached
 * the disk before append/compareAndSet resolve and an acknowledged record survives `kill -9` (and
 * power loss). Writers take the database write lock up front (`BEGIN IMMEDIATE`), which serializes
 * them across store instances and processes; a writer waits up to `lockTimeoutMs` for the lock (a
 * synchronous wait: the driver blocks the event loop meanwhile).
 * @module
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { type AuditDraft, type AuditRecord, type ChainHead, type ChainVerification, createChainVerifier, GENESIS_HASH, sealRecords } from './chain.ts';
import { asStoreError, StoreError, type StoreErrorCode } from './errors.ts';
import { checkFence, checkLeaseName, checkLeaseRequest, checkToken, type Lease, type LeaseResult, type WriteOptions } from './lease.ts';
import { SQLITE_LEASE_SCHEMA, SqliteLeases } from './sqlite-lease.ts';
import {
  type AuditQuery,
  type CasResult,
  checkCas,
  DEFAULT_LOCK_TIMEOUT_MS,
  checkKey,
  decodeRecord,
  decodeState,
  encodeRecord,
  isAuditId,
  type LintasStore,
  listClause,
  RECORD_COLUMNS,
  type RecordRow,
  type StateEntry,
  type StoreOptions,
  type StoredState,
  systemClock,
  checkHead,
  VERIFY_PAGE,
  verifyRows,
} from './store.ts';

/** Options of the SQLite backend. */
export interface SqliteStoreOptions extends StoreOptions {
  /** The data directory (created if missing); the database is `<dir>/lintas.db`. */
  readonly dir: string;
}

/** The file name of the database inside the data directory. */
export const SQLITE_FILE = 'lintas.db';

/** The schema version this code writes (2 added `lintas_leases`); a database with a newer one is refused. */
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lintas_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) STRICT;
INSERT OR IGNORE INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
CREATE TABLE IF NOT EXISTS audit_records (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  reason TEXT,
  change_request TEXT,
  before_json TEXT,
  after_json TEXT,
  evidence_json TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_records_target ON audit_records (target, seq);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TABLE IF NOT EXISTS lintas_state (
  key TEXT PRIMARY KEY,
  revision INTEGER NOT NULL CHECK (revision > 0),
  state_json TEXT NOT NULL
) STRICT;
${SQLITE_LEASE_SCHEMA}`;

/** SQLite's primary result codes for a file that is not (or no longer) a database. */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/** Maps a driver error: an unreadable file is STORE_CORRUPT whatever the operation was. */
function sqliteError(code: StoreErrorCode, what: string, error: unknown): StoreError {
  // node:sqlite reports SQLite's (possibly extended) result code in `errcode`; the low byte is the primary code.
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  const primary = typeof errcode === 'number' ? errcode & 0xff : undefined;
  if (primary === SQLITE_NOTADB || primary === SQLITE_CORRUPT) return asStoreError('STORE_CORRUPT', what, error);
  return asStoreError(code, what, error);
}

/** How a transaction takes its locks: IMMEDIATE holds the write lock from the start; DEFERRED reads one snapshot. */
type TransactionMode = 'IMMEDIATE' | 'DEFERRED';

/** Runs `fn` between BEGIN and COMMIT; any throw (of `fn` or of the commit) rolls back and is rethrown (node:sqlite has no transaction helper). */
function inTransaction<T>(db: DatabaseSync, mode: TransactionMode, fn: () => T): T {
  db.exec(`BEGIN ${mode}`);
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    // SQLite may already have rolled back by itself (e.g. on SQLITE_FULL); a second ROLLBACK would throw and hide the cause.
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** A typed view of a prepared statement's rows (node:sqlite returns untyped null-prototype objects). */
function rowOf<R>(statement: StatementSync, ...params: SQLInputValue[]): R | undefined {
  return statement.get(...params) as R | undefined;
}

/** All rows of a prepared statement, typed. */
function rowsOf<R>(statement: StatementSync, ...params: SQLInputValue[]): R[] {
  return statement.all(...params) as R[];
}

/** Opens (creating and migrating if needed) the SQLite store in `options.dir`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<LintasStore> {
  const file = path.resolve(options.dir, SQLITE_FILE);
  let db: DatabaseSync;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    db = new DatabaseSync(file, { timeout: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS });
  } catch (error) {
    throw sqliteError('STORE_OPEN_FAILED', `cannot open ${file}`, error);
  }
  try {
    // Two processes opening a new file at once: the switch to WAL takes an exclusive lock that
    // SQLite's busy timeout does not wait for, so "database is locked" is retried until the timeout.
    const deadline = Date.now() + (options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    let mode: string | undefined;
    for (;;) {
      try {
        mode = rowOf<{ journal_mode: string }>(db.prepare('PRAGMA journal_mode = WAL'))?.journal_mode;
        break;
      } catch (error) {
        if (!/database is locked/.test((error as Error).message) || Date.now() > deadline) throw error;
        await sleep(20);
      }
    }
    if (mode !== 'wal') throw new StoreError('STORE_OPEN_FAILED', `cannot switch ${file} to WAL mode (got ${String(mode)})`);
    // FULL: a WAL commit is fsynced before it returns; NORMAL would survive kill -9 but not power loss.
    db.exec('PRAGMA synchronous = FULL');
    inTransaction(db, 'IMMEDIATE', () => {
      db.exec(SCHEMA);
      const row = rowOf<{ value: string }>(db.prepare(`SELECT value FROM lintas_meta WHERE key = 'schema_version'`));
      const version = row === undefined ? 0 : Number(row.value);
      if (version > SCHEMA_VERSION) throw new StoreError('STORE_OPEN_FAILED', `${file} has schema version ${version}; this lintas supports up to ${SCHEMA_VERSION}`);
      if (version < SCHEMA_VERSION) db.prepare(`INSERT OR REPLACE INTO lintas_meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    });
  } catch (error) {
    db.close();
    throw sqliteError('STORE_OPEN_FAILED', `cannot open ${file}`, error);
  }
  return new SqliteStore(db, file, options.clock ?? systemClock);
}

/** The SQLite implementation of LintasStore (synchronous driver behind the async contract). */
class SqliteStore implements LintasStore {
  readonly backend = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #clock: () => Date;
  readonly #insert: StatementSync;
  readonly #readHead: StatementSync;
  readonly #writeHead: StatementSync;
  readonly #readState: StatementSync;
  readonly #writeState: StatementSync;
  readonly #leases: SqliteLeases;
  #closed = false;

  constructor(
    db: DatabaseSync,
    readonly location: string,
    clock: () => Date,
  ) {
    this.#db = db;
    this.#clock = clock;
    this.#insert = db.prepare(`INSERT INTO audit_records (${RECORD_COLUMNS.join(', ')}) VALUES (${RECORD_COLUMNS.map(() => '?').join(', ')})`);
    this.#readHead = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1');
    this.#writeHead = db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1');
    this.#readState = db.prepare('SELECT revision, state_json FROM lintas_state WHERE key = ?');
    this.#writeState = db.prepare(
      'INSERT INTO lintas_state (key, revision, state_json) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, state_json = excluded.state_json',
    );
    this.#leases = new SqliteLeases(db);
  }

  async append(drafts: readonly AuditDraft[], options?: WriteOptions): Promise<AuditRecord[]> {
    this.#open();
    checkFence(options);
    if (Array.isArray(drafts) && drafts.length === 0) return [];
    return this.#write('append', () => {
      this.#leases.check(options?.fence);
      return this.#appendLocked(drafts);
    });
  }

  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    this.#open();
    const { sql, params } = listClause(query, () => '?');
    const rows = this.#read('list', () => rowsOf<RecordRow>(this.#db.prepare(`SELECT * FROM audit_records${sql}`), ...params));
    return rows.map(decodeRecord);
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    this.#open();
    if (!isAuditId(id)) return undefined;
    const row = this.#read('get', () => rowOf<RecordRow>(this.#db.prepare('SELECT * FROM audit_records WHERE id = ?'), id));
    return row === undefined ? undefined : decodeRecord(row);
  }

  async verify(): Promise<ChainVerification> {
    this.#open();
    const page = this.#db.prepare('SELECT * FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?');
    // One read transaction: the head and every page come from the same snapshot, so concurrent appends cannot look like tampering.
    return this.#read('verify', () =>
      inTransaction(this.#db, 'DEFERRED', (): ChainVerification => {
        const head = this.#headLocked();
        const verifier = createChainVerifier();
        let after = 0;
        for (;;) {
          const rows = rowsOf<RecordRow>(page, after, VERIFY_PAGE);
          const failure = verifyRows(verifier, rows);
          if (failure !== undefined) return failure;
          if (rows.length < VERIFY_PAGE) break;
          after = Number(rows[rows.length - 1]?.seq);
        }
        return checkHead(verifier.head(), head, verifier.result());
      }),
    );
  }

  async loadState(key: string): Promise<StoredState | undefined> {
    this.#open();
    checkKey(key);
    const row = this.#read('loadState', () => rowOf<{ revision: number; state_json: string }>(this.#readState, key));
    return row === undefined ? undefined : { revision: row.revision, state: decodeState(key, row.state_json) };
  }

  async compareAndSet(key: string, expectedRevision: number, state: unknown, drafts: readonly AuditDraft[] = [], options?: WriteOptions): Promise<CasResult> {
    this.#open();
    const stateJson = checkCas(key, expectedRevision, state);
    checkFence(options);
    return this.#write('compareAndSet', (): CasResult => {
      this.#leases.check(options?.fence);
      const row = rowOf<{ revision: number; state_json: string }>(this.#readState, key);
      const revision = row?.revision ?? 0;
      if (revision !== expectedRevision) {
        return { ok: false, current: row === undefined ? { revision: 0, state: undefined } : { revision, state: decodeState(key, row.state_json) } };
      }
      const records = this.#appendLocked(drafts);
      this.#writeState.run(key, revision + 1, stateJson);
      return { ok: true, revision: revision + 1, records };
    });
  }

  async listStates(): Promise<StateEntry[]> {
    this.#open();
    const rows = this.#read('listStates', () =>
      rowsOf<{ key: string; revision: number; state_json: string }>(this.#db.prepare('SELECT key, revision, state_json FROM lintas_state ORDER BY key')),
    );
    return rows.map((row) => ({ key: row.key, revision: row.revision, state: decodeState(row.key, row.state_json) }));
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseResult> {
    this.#open();
    checkLeaseRequest(name, holder, ttlMs);
    return this.#write('acquireLease', () => this.#leases.acquire(name, holder, ttlMs));
  }

  async renewLease(name: string, holder: string, token: number, ttlMs: number): Promise<LeaseResult> {
    this.#open();
    checkLeaseRequest(name, holder, ttlMs);
    checkToken(name, token);
    return this.#write('renewLease', () => this.#leases.renew(name, holder, token, ttlMs));
  }

  async releaseLease(name: string, holder: string, token: number): Promise<boolean> {
    this.#open();
    checkLeaseRequest(name, holder);
    checkToken(name, token);
    return this.#write('releaseLease', () => this.#leases.release(name, holder, token));
  }

  async readLease(name: string): Promise<Lease | undefined> {
    this.#open();
    checkLeaseName(name);
    return this.#read('readLease', () => this.#leases.read(name));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  /** Appends inside an open write transaction. */
  #appendLocked(drafts: readonly AuditDraft[]): AuditRecord[] {
    const records = sealRecords(drafts, this.#headLocked(), this.#clock);
    for (const record of records) this.#insert.run(...encodeRecord(record));
    const last = records[records.length - 1];
    if (last !== undefined) this.#writeHead.run(last.seq, last.hash);
    return records;
  }

  #headLocked(): ChainHead {
    const head = rowOf<ChainHead>(this.#readHead);
    if (head === undefined) throw new StoreError('STORE_CORRUPT', `${this.location}: the audit head row is missing`);
    return head;
  }

  /** Runs `fn` in a write transaction that holds the lock from the start (BEGIN IMMEDIATE); any throw rolls it back. */
  #write<T>(what: string, fn: () => T): T {
    try {
      return inTransaction(this.#db, 'IMMEDIATE', fn);
    } catch (error) {
      throw sqliteError('STORE_WRITE_FAILED', `${what} on ${this.location} failed`, error);
    }
  }

  #read<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw sqliteError('STORE_READ_FAILED', `${what} on ${this.location} failed`, error);
    }
  }

  #open(): void {
    if (this.#closed) throw new StoreError('STORE_CLOSED', `the store at ${this.location} is closed`);
  }
}

