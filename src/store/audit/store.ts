/**
 * The durable store's contract (`LintasStore`) and what its two backends (SQLite, PostgreSQL) share:
 * input validation, the row encoding of records and states, and the audit list query.
 * @module
 */
import { auditId, type AuditDraft, type AuditRecord, type ChainHead, type ChainVerification, type ChainVerifier, JSON_FIELDS, normalizeTime } from './chain.ts';
import { canonicalJson } from './canonical-json.ts';
import { StoreError } from './errors.ts';
import type { Lease, LeaseResult, WriteOptions } from './lease.ts';

/** Filters for `list`; all given filters must hold. Results are in seq order. */
export interface AuditQuery {
  /** Only records after this seq (exclusive), for paging: pass the last seq seen. */
  readonly sinceSeq?: number;
  /** Only records at or after this time (any ISO time). */
  readonly sinceTime?: string;
  /** Only records at or before this time (any ISO time). */
  readonly untilTime?: string;
  /** Only records whose target is exactly this. */
  readonly target?: string;
  /** Only records by this actor (exactly). */
  readonly actor?: string;
  /** Only records of this action (exactly, e.g. `failover.approve`). */
  readonly action?: string;
  /** At most this many records (the first ones in seq order). */
  readonly limit?: number;
}

/** A stored state value and its revision (1 after the first write, +1 per write). */
export interface StoredState {
  readonly revision: number;
  readonly state: unknown;
}

/** A state with its key, as listed by `listStates`. */
export interface StateEntry extends StoredState {
  readonly key: string;
}

/**
 * The outcome of a compare-and-set. When refused, `current` is what is stored now
 * (`{ revision: 0, state: undefined }` when the key is absent) and nothing was written.
 */
export type CasResult =
  | { readonly ok: true; readonly revision: number; readonly records: AuditRecord[] }
  | { readonly ok: false; readonly current: StoredState };

/** Options both backends accept. */
export interface StoreOptions {
  /** The clock used for drafts without a time (default: the system clock). */
  readonly clock?: () => Date;
  /** How long a writer waits for another writer's lock before failing with STORE_WRITE_FAILED (default 10000 ms). */
  readonly lockTimeoutMs?: number;
}

/** The default of `StoreOptions.lockTimeoutMs`. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/**
 * The durable store: an append-only, hash-chained audit trail plus versioned state (the failover state
 * machines) written by compare-and-set together with its audit records, and leader leases whose fencing
 * tokens those writes may carry. Every method is safe to call from several store instances, in one or
 * several processes, on the same database.
 */
export interface LintasStore {
  /** Which backend this is. */
  readonly backend: 'sqlite' | 'postgres';
  /** Where the data lives (a file path, or a URL without its password), for logs. */
  readonly location: string;
  /**
   * Appends records atomically (all or none), after every record already stored; resolves once durable.
   * With `options.fence`, refuses (STORE_FENCED, nothing stored) unless the fence's token is still current
   * (an empty batch writes nothing and is not checked).
   */
  append(drafts: readonly AuditDraft[], options?: WriteOptions): Promise<AuditRecord[]>;
  /** Records matching `query`, in seq order. */
  list(query?: AuditQuery): Promise<AuditRecord[]>;
  /** The record with this id. */
  get(id: string): Promise<AuditRecord | undefined>;
  /** Re-walks the stored chain from genesis and checks it ends at the stored head. */
  verify(): Promise<ChainVerification>;
  /** The state under `key`, if any. */
  loadState(key: string): Promise<StoredState | undefined>;
  /**
   * Writes `state` under `key` if its revision is still `expectedRevision` (0 = absent), appending `drafts`
   * in the same transaction: both are stored, or neither is. With `options.fence`, refuses (STORE_FENCED,
   * nothing stored) unless the fence's token is still current, checked before the revision.
   */
  compareAndSet(key: string, expectedRevision: number, state: unknown, drafts?: readonly AuditDraft[], options?: WriteOptions): Promise<CasResult>;
  /** Every stored state, sorted by key. */
  listStates(): Promise<StateEntry[]>;
  /**
   * Takes lease `name` for `holder` for `ttlMs` (by the database's clock) if nobody holds it (absent,
   * expired or released), with the next fencing token. A live lease is refused even to its own holder.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseResult>;
  /** Extends a live lease by `ttlMs` from now (database clock) if `holder` still holds it with `token`; an expired one is refused. */
  renewLease(name: string, holder: string, token: number, ttlMs: number): Promise<LeaseResult>;
  /** Ends a live lease at once if `holder` holds it with `token` (true), so another holder may acquire it without waiting; the token stays. */
  releaseLease(name: string, holder: string, token: number): Promise<boolean>;
  /** The lease `name` as stored, if it was ever acquired. */
  readLease(name: string): Promise<Lease | undefined>;
  /** Closes the database (idempotent); later calls fail with STORE_CLOSED. */
  close(): Promise<void>;
}

/** The system clock, the default of `StoreOptions.clock`. */
export const systemClock = (): Date => new Date();

/** An audit record as a table row (JSON fields as canonical JSON text, absent fields as null). */
export interface RecordRow {
  readonly seq: number | string | bigint;
  readonly id: string;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly reason: string | null;
  readonly change_request: string | null;
  readonly before_json: string | null;
  readonly after_json: string | null;
  readonly evidence_json: string | null;
  readonly prev_hash: string;
  readonly hash: string;
}

/** The columns of a record row, in insert order. */
export const RECORD_COLUMNS = [
  'seq',
  'id',
  'time',
  'actor',
  'action',
  'target',
  'reason',
  'change_request',
  'before_json',
  'after_json',
  'evidence_json',
  'prev_hash',
  'hash',
] as const;

/** A record as row values in RECORD_COLUMNS order. */
export function encodeRecord(record: AuditRecord): (string | number | null)[] {
  const json = (value: unknown): string | null => (value === undefined ? null : canonicalJson(value));
  return [
    record.seq,
    record.id,
    record.time,
    record.actor,
    record.action,
    record.target,
    record.reason ?? null,
    record.changeRequest ?? null,
    json(record.before),
    json(record.after),
    json(record.evidence),
    record.prevHash,
    record.hash,
  ];
}

/** A row back as a record; a row that cannot be a record is STORE_CORRUPT (verify reports it instead). */
export function decodeRecord(row: RecordRow): AuditRecord {
  const seq = Number(row.seq);
  const fail = (what: string): never => {
    throw new StoreError('STORE_CORRUPT', `audit record at seq ${String(row.seq)}: ${what}`);
  };
  if (!Number.isSafeInteger(seq)) fail('seq is not an integer');
  for (const column of ['id', 'time', 'actor', 'action', 'target', 'prev_hash', 'hash'] as const) {
    if (typeof row[column] !== 'string') fail(`${column} is not text`);
  }
  const record: Record<string, unknown> = { seq, id: row.id, time: row.time, actor: row.actor, action: row.action, target: row.target };
  if (row.reason !== null) record.reason = row.reason;
  if (row.change_request !== null) record.changeRequest = row.change_request;
  for (const field of JSON_FIELDS) {
    const text = row[`${field}_json`];
    if (text === null) continue;
    try {
      record[field] = JSON.parse(text) as unknown;
    } catch {
      fail(`${field} is not JSON`);
    }
  }
  record.prevHash = row.prev_hash;
  record.hash = row.hash;
  return record as unknown as AuditRecord;
}

/**
 * Feeds one page of rows (in seq order) to a chain verifier, as both backends' `verify` walk the
 * table: the failure that ends the walk (an undecodable row or a broken link), else undefined.
 */
export function verifyRows(verifier: ChainVerifier, rows: readonly RecordRow[]): ChainVerification | undefined {
  for (const row of rows) {
    let record: AuditRecord;
    try {
      record = decodeRecord(row);
    } catch (error) {
      return { ok: false, seq: Number(row.seq), reason: (error as Error).message };
    }
    const failure = verifier.push(record);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/** A stored state's JSON text back as a value (STORE_CORRUPT if it is not JSON). */
export function decodeState(key: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StoreError('STORE_CORRUPT', `state ${JSON.stringify(key)} is not JSON`, { cause: error });
  }
}

/** Checks a compare-and-set's arguments and returns the state as canonical JSON text. */
export function checkCas(key: string, expectedRevision: number, state: unknown): string {
  checkKey(key);
  if (!Number.isSafeInteger(expectedRevision) || expectedRevision < 0) {
    throw new StoreError('STORE_INVALID_INPUT', `expectedRevision must be a non-negative integer, got ${String(expectedRevision)}`);
  }
  if (state === undefined) throw new StoreError('STORE_INVALID_INPUT', 'state must be a JSON value, not undefined');
  try {
    return canonicalJson(state);
  } catch (error) {
    throw new StoreError('STORE_INVALID_INPUT', `state: ${(error as Error).message}`, { cause: error });
  }
}

/** Checks a state key. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new StoreError('STORE_INVALID_INPUT', 'state key must be a non-empty string');
}

/** The WHERE/LIMIT part of a list query and its parameters; `param(n)` spells the n-th (1-based) placeholder. */
export function listClause(query: AuditQuery, param: (n: number) => string): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (condition: (p: string) => string, value: string | number): void => {
    params.push(value);
    where.push(condition(param(params.length)));
  };
  if (query.sinceSeq !== undefined) {
    if (!Number.isSafeInteger(query.sinceSeq) || query.sinceSeq < 0) throw new StoreError('STORE_INVALID_INPUT', 'sinceSeq must be a non-negative integer');
    add((p) => `seq > ${p}`, query.sinceSeq);
  }
  if (query.sinceTime !== undefined) add((p) => `time >= ${p}`, normalizeTime(query.sinceTime, 'sinceTime'));
  if (query.untilTime !== undefined) add((p) => `time <= ${p}`, normalizeTime(query.untilTime, 'untilTime'));
  for (const field of ['target', 'actor', 'action'] as const) {
    const value = query[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new StoreError('STORE_INVALID_INPUT', `${field} must be a string`);
    add((p) => `${field} = ${p}`, value);
  }
  let sql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  sql += ' ORDER BY seq';
  if (query.limit !== undefined) {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) throw new StoreError('STORE_INVALID_INPUT', 'limit must be a non-negative integer');
    params.push(query.limit);
    sql += ` LIMIT ${param(params.length)}`;
  }
  return { sql, params };
}

/** Whether `id` has the shape of an audit id (anything else cannot be stored, so get() skips the query). */
export function isAuditId(id: string): boolean {
  return typeof id === 'string' && /^a-\d{6,}$/.test(id) && auditId(Number(id.slice(2))) === id;
}

/** Rows read per page when walking the whole chain. */
export const VERIFY_PAGE = 500;

/** The verdict of a full walk, also requiring the walk to end exactly at the stored head (catches a removed last record). */
export function checkHead(walked: ChainHead, stored: ChainHead, result: ChainVerification): ChainVerification {
  if (!result.ok) return result;
  if (walked.seq === stored.seq && walked.hash === stored.hash) return result;
  const seq = walked.seq === stored.seq ? walked.seq : Math.min(walked.seq, stored.seq) + 1;
  return {
    ok: false,
    seq,
    reason: `the chain ends at record ${walked.seq} but the stored head is record ${stored.seq}${walked.seq === stored.seq ? ' with another hash' : ''} (records were removed or the head was rewritten)`,
  };
}
