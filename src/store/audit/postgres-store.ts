/**
 * The shared backend: the same logical schema on PostgreSQL (pg), so several `lintas serve` replicas share
 * one audit chain and one set of failover states. Every write transaction first locks the single
 * `audit_head` row (`SELECT … FOR UPDATE`), which serializes appends and compare-and-sets across
 * connections and processes: the chain stays linear and two replicas never both win a CAS. A commit is
 * acknowledged by the server only once its WAL is flushed (default `synchronous_commit = on`).
 * @module
 */
import pg from 'pg';
import { type AuditDraft, type AuditRecord, type ChainHead, type ChainVerification, createChainVerifier, GENESIS_HASH, sealRecords } from './chain.ts';
import { asStoreError, StoreError } from './errors.ts';
import { checkFence, checkLeaseName, checkLeaseRequest, checkToken, type Lease, type LeaseResult, type WriteOptions } from './lease.ts';
import { acquirePostgresLease, checkPostgresFence, POSTGRES_LEASE_SCHEMA, readPostgresLease, releasePostgresLease, renewPostgresLease } from './postgres-lease.ts';
import {
  type AuditQuery,
  type CasResult,
  checkCas,
  DEFAULT_LOCK_TIMEOUT_MS,
  checkHead,
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
  VERIFY_PAGE,
  verifyRows,
} from './store.ts';

/** Options of the PostgreSQL backend. */
export interface PostgresStoreOptions extends StoreOptions {
  /** A libpq-style URL, e.g. `postgres://lintas@db:5432/lintas`. */
  readonly url: string;
  /** Connections kept by this instance (default 4). */
  readonly poolSize?: number;
  /** How long to wait for a connection (default 10000 ms). */
  readonly connectTimeoutMs?: number;
}

/** The schema version this code writes (2 added `lintas_leases`); a database with a newer one is refused. */
const SCHEMA_VERSION = 2;

/** Key of the advisory lock that serializes migrations when several replicas start at once. */
const MIGRATION_LOCK = 0x6c696e746173; // "lintas"

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lintas_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_head (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}') ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_records (
  seq bigint PRIMARY KEY,
  id text NOT NULL UNIQUE,
  time text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  reason text,
  change_request text,
  before_json text,
  after_json text,
  evidence_json text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_target ON audit_records (target, seq);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time);
CREATE OR REPLACE FUNCTION lintas_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_records_append_only' AND tgrelid = 'audit_records'::regclass) THEN
    CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_records
      FOR EACH STATEMENT EXECUTE FUNCTION lintas_audit_append_only();
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS lintas_state (key text PRIMARY KEY, revision bigint NOT NULL CHECK (revision > 0), state_json text NOT NULL);
${POSTGRES_LEASE_SCHEMA}`;

/** The URL without its password, for logs and messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparsable URL)';
  }
}

/** Opens (creating and migrating if needed) the store in the PostgreSQL database at `options.url`. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<LintasStore> {
  const location = redact(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  // An idle connection that dies (server restart) is dropped by the pool; the next call reconnects or fails with a code.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(SCHEMA);
      const row = await client.query<{ value: string }>(`SELECT value FROM lintas_meta WHERE key = 'schema_version'`);
      const version = Number(row.rows[0]?.value ?? 0);
      if (version > SCHEMA_VERSION) throw new StoreError('STORE_OPEN_FAILED', `${location} has schema version ${version}; this lintas supports up to ${SCHEMA_VERSION}`);
      if (version < SCHEMA_VERSION) {
        await client.query(`INSERT INTO lintas_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [String(SCHEMA_VERSION)]);
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      client.release(true);
      throw error;
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw asStoreError('STORE_OPEN_FAILED', `cannot open ${location}`, error);
  }
  const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS));
  // Per write: wait for the head lock at most lockTimeoutMs, and acknowledge only flushed commits even if
  // the server or database defaults to synchronous_commit = off.
  const beginWrite = `BEGIN; SET LOCAL synchronous_commit TO on; SET LOCAL lock_timeout TO ${lockTimeoutMs}`;
  return new PostgresStore(pool, location, options.clock ?? systemClock, beginWrite);
}

/** Rows per INSERT statement (13 parameters each, well under PostgreSQL's 65535-parameter limit). */
const INSERT_CHUNK = 1000;

/** The PostgreSQL implementation of LintasStore. */
class PostgresStore implements LintasStore {
  readonly backend = 'postgres';
  readonly #pool: pg.Pool;
  readonly #clock: () => Date;
  readonly #beginWrite: string;
  #closed = false;

  constructor(
    pool: pg.Pool,
    readonly location: string,
    clock: () => Date,
    beginWrite: string,
  ) {
    this.#pool = pool;
    this.#clock = clock;
    this.#beginWrite = beginWrite;
  }

  async append(drafts: readonly AuditDraft[], options?: WriteOptions): Promise<AuditRecord[]> {
    this.#open();
    checkFence(options);
    if (Array.isArray(drafts) && drafts.length === 0) return [];
    return this.#transaction('append', 'write', async (client) => {
      const head = await readHead(client, ' FOR UPDATE');
      await checkPostgresFence(client, options?.fence);
      return this.#appendLocked(client, drafts, head);
    });
  }

  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    this.#open();
    const { sql, params } = listClause(query, (n) => `$${n}`);
    const result = await this.#read('list', () => this.#pool.query<RecordRow>(`SELECT * FROM audit_records${sql}`, params));
    return result.rows.map(decodeRecord);
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    this.#open();
    if (!isAuditId(id)) return undefined;
    const result = await this.#read('get', () => this.#pool.query<RecordRow>('SELECT * FROM audit_records WHERE id = $1', [id]));
    const row = result.rows[0];
    return row === undefined ? undefined : decodeRecord(row);
  }

  async verify(): Promise<ChainVerification> {
    this.#open();
    // One REPEATABLE READ snapshot: the head and every page agree, so concurrent appends cannot look like tampering.
    return this.#transaction('verify', 'snapshot', async (client): Promise<ChainVerification> => {
      const head = await readHead(client, '');
      const verifier = createChainVerifier();
      let after = 0;
      for (;;) {
        const { rows } = await client.query<RecordRow>('SELECT * FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2', [after, VERIFY_PAGE]);
        const failure = verifyRows(verifier, rows);
        if (failure !== undefined) return failure;
        if (rows.length < VERIFY_PAGE) break;
        after = Number(rows[rows.length - 1]?.seq);
      }
      return checkHead(verifier.head(), head, verifier.result());
    });
  }

  async loadState(key: string): Promise<StoredState | undefined> {
    this.#open();
    checkKey(key);
    const result = await this.#read('loadState', () =>
      this.#pool.query<{ revision: string; state_json: string }>('SELECT revision, state_json FROM lintas_state WHERE key = $1', [key]),
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { revision: Number(row.revision), state: decodeState(key, row.state_json) };
  }

  async compareAndSet(key: string, expectedRevision: number, state: unknown, drafts: readonly AuditDraft[] = [], options?: WriteOptions): Promise<CasResult> {
    this.#open();
    const stateJson = checkCas(key, expectedRevision, state);
    checkFence(options);
    return this.#transaction('compareAndSet', 'write', async (client): Promise<CasResult> => {
      // The head lock comes first in every write, so all writers queue on one row and never deadlock
      // (lease calls lock only their lease row, and take no head lock).
      const head = await readHead(client, ' FOR UPDATE');
      await checkPostgresFence(client, options?.fence);
      const result = await client.query<{ revision: string; state_json: string }>('SELECT revision, state_json FROM lintas_state WHERE key = $1', [key]);
      const row = result.rows[0];
      const revision = row === undefined ? 0 : Number(row.revision);
      if (revision !== expectedRevision) {
        return { ok: false, current: row === undefined ? { revision: 0, state: undefined } : { revision, state: decodeState(key, row.state_json) } };
      }
      const records = await this.#appendLocked(client, drafts, head);
      await client.query(
        'INSERT INTO lintas_state (key, revision, state_json) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, state_json = excluded.state_json',
        [key, revision + 1, stateJson],
      );
      return { ok: true, revision: revision + 1, records };
    });
  }

  async listStates(): Promise<StateEntry[]> {
    this.#open();
    const result = await this.#read('listStates', () =>
      this.#pool.query<{ key: string; revision: string; state_json: string }>('SELECT key, revision, state_json FROM lintas_state ORDER BY key COLLATE "C"'),
    );
    return result.rows.map((row) => ({ key: row.key, revision: Number(row.revision), state: decodeState(row.key, row.state_json) }));
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseResult> {
    this.#open();
    checkLeaseRequest(name, holder, ttlMs);
    return this.#transaction('acquireLease', 'write', (client) => acquirePostgresLease(client, name, holder, ttlMs));
  }

  async renewLease(name: string, holder: string, token: number, ttlMs: number): Promise<LeaseResult> {
    this.#open();
    checkLeaseRequest(name, holder, ttlMs);
    checkToken(name, token);
    return this.#transaction('renewLease', 'write', (client) => renewPostgresLease(client, name, holder, token, ttlMs));
  }

  async releaseLease(name: string, holder: string, token: number): Promise<boolean> {
    this.#open();
    checkLeaseRequest(name, holder);
    checkToken(name, token);
    return this.#transaction('releaseLease', 'write', (client) => releasePostgresLease(client, name, holder, token));
  }

  async readLease(name: string): Promise<Lease | undefined> {
    this.#open();
    checkLeaseName(name);
    return this.#read('readLease', () => readPostgresLease(this.#pool, name));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  /** Appends inside an open transaction, locking the head first unless the caller already holds it. */
  async #appendLocked(client: pg.PoolClient, drafts: readonly AuditDraft[], locked?: ChainHead): Promise<AuditRecord[]> {
    const head = locked ?? (await readHead(client, ' FOR UPDATE'));
    const records = sealRecords(drafts, head, this.#clock);
    for (let start = 0; start < records.length; start += INSERT_CHUNK) {
      const chunk = records.slice(start, start + INSERT_CHUNK);
      const values: (string | number | null)[] = [];
      const tuples = chunk.map((record) => {
        const row = encodeRecord(record);
        const placeholders = row.map((_, i) => `$${values.length + i + 1}`);
        values.push(...row);
        return `(${placeholders.join(', ')})`;
      });
      await client.query(`INSERT INTO audit_records (${RECORD_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    }
    const last = records[records.length - 1];
    if (last !== undefined) await client.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
    return records;
  }

  /** Runs `fn` in a transaction (a write, or a read-only snapshot) on one connection; any throw rolls it back and surfaces as a StoreError. */
  async #transaction<T>(what: string, kind: 'write' | 'snapshot', fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const code = kind === 'write' ? 'STORE_WRITE_FAILED' : 'STORE_READ_FAILED';
    const begin = kind === 'write' ? this.#beginWrite : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw asStoreError(code, `${what} on ${this.location} failed`, error);
    }
    let broken = false;
    // pg emits 'error' on a checked-out client whose connection dies (the pool listens only to idle
    // ones); unheard, that would crash the process. The pending query rejects with the same error.
    const onError = (): void => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw asStoreError(code, `${what} on ${this.location} failed`, error);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async #read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw asStoreError('STORE_READ_FAILED', `${what} on ${this.location} failed`, error);
    }
  }

  #open(): void {
    if (this.#closed) throw new StoreError('STORE_CLOSED', `the store at ${this.location} is closed`);
  }
}

async function readHead(client: pg.PoolClient, lock: string): Promise<ChainHead> {
  const result = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
  const row = result.rows[0];
  if (row === undefined) throw new StoreError('STORE_CORRUPT', 'the audit head row is missing');
  return { seq: Number(row.seq), hash: row.hash };
}
