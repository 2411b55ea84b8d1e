/**
 * The audit record and its hash chain: each record carries the hash of the previous one, so editing,
 * removing or reordering a stored record is detectable by re-walking the chain (`lintas audit verify`).
 * Pure: the clock is passed in.
 * @module
 */
import { canonicalJson, sha256hex } from './canonical-json.ts';
import { StoreError } from './errors.ts';

/** What a caller records: who did what to which target, why, and the evidence. */
export interface AuditDraft {
  /** ISO time of the event; the store's clock fills it when absent. Stored normalized (`toISOString`). */
  readonly time?: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly reason?: string;
  readonly changeRequest?: string;
  /** State before the change (route or weight diff); any JSON value. */
  readonly before?: unknown;
  /** State after the change; any JSON value. */
  readonly after?: unknown;
  /** Guardrail values, health layers, traffic counters; any JSON value. */
  readonly evidence?: unknown;
}

/** A stored, hash-chained audit record. */
export interface AuditRecord {
  /** Position in the chain, 1-based and gapless. */
  readonly seq: number;
  /** Stable id derived from seq, e.g. `a-000042`. */
  readonly id: string;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly reason?: string;
  readonly changeRequest?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly evidence?: unknown;
  /** Hash of the previous record (GENESIS_HASH for seq 1). */
  readonly prevHash: string;
  /** sha256hex(prevHash + '\n' + canonicalJson(record without hash)). */
  readonly hash: string;
}

/** The end of a chain: the last record's seq and hash (seq 0 and GENESIS_HASH when empty). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** The result of walking a chain. */
export type ChainVerification = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly seq: number; readonly reason: string };

/** The prevHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The head of an empty chain. */
export const GENESIS_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

/** The JSON-valued fields, which are stored as canonical JSON text. */
export const JSON_FIELDS = ['before', 'after', 'evidence'] as const;

/** The stable id of the record at `seq`. */
export function auditId(seq: number): string {
  return `a-${String(seq).padStart(6, '0')}`;
}

/** The hash of a record (every field but `hash` takes part, absent optional fields do not). */
export function hashRecord(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...content } = record;
  return sha256hex(`${record.prevHash}\n${canonicalJson(content)}`);
}

/** Normalizes an ISO time (any Date-parsable string) to `toISOString` form, so times compare as strings. */
export function normalizeTime(time: string, what = 'time'): string {
  const ms = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(ms)) throw new StoreError('STORE_INVALID_INPUT', `${what} is not an ISO time: ${JSON.stringify(time)}`);
  return new Date(ms).toISOString();
}

/**
 * Turns drafts into the records that follow `head`: validates them, assigns seq and id, normalizes
 * time and JSON values (so what is returned equals what is read back) and chains the hashes.
 */
export function sealRecords(drafts: readonly AuditDraft[], head: ChainHead, now: () => Date): AuditRecord[] {
  if (!Array.isArray(drafts)) throw new StoreError('STORE_INVALID_INPUT', 'drafts must be an array');
  const records: AuditRecord[] = [];
  let prev = head;
  let clock: string | undefined;
  drafts.forEach((draft, index) => {
    const where = `draft ${index}`;
    if (draft === null || typeof draft !== 'object') throw new StoreError('STORE_INVALID_INPUT', `${where} is not an object`);
    for (const field of ['actor', 'action', 'target'] as const) {
      if (typeof draft[field] !== 'string' || draft[field] === '') throw new StoreError('STORE_INVALID_INPUT', `${where}: ${field} must be a non-empty string`);
    }
    for (const field of ['reason', 'changeRequest'] as const) {
      if (draft[field] !== undefined && typeof draft[field] !== 'string') throw new StoreError('STORE_INVALID_INPUT', `${where}: ${field} must be a string`);
    }
    const time = draft.time !== undefined ? normalizeTime(draft.time, `${where}: time`) : (clock ??= now().toISOString());
    const seq = prev.seq + 1;
    const content: Record<string, unknown> = { seq, id: auditId(seq), time, actor: draft.actor, action: draft.action, target: draft.target };
    if (draft.reason !== undefined) content.reason = draft.reason;
    if (draft.changeRequest !== undefined) content.changeRequest = draft.changeRequest;
    for (const field of JSON_FIELDS) {
      const value = normalizeJson(draft[field], `${where}: ${field}`);
      if (value !== undefined) content[field] = value;
    }
    content.prevHash = prev.hash;
    const unsealed = content as unknown as Omit<AuditRecord, 'hash'>;
    const record: AuditRecord = { ...unsealed, hash: hashRecord(unsealed) };
    records.push(record);
    prev = record;
  });
  return records;
}

/** A JSON round trip through canonical JSON (undefined stays undefined: the field is absent). */
function normalizeJson(value: unknown, what: string): unknown {
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = canonicalJson(value);
  } catch (error) {
    throw new StoreError('STORE_INVALID_INPUT', `${what}: ${(error as Error).message}`, { cause: error });
  }
  return JSON.parse(text) as unknown;
}

/** An incremental chain walk, for verifying a stored chain page by page without holding it all. */
export interface ChainVerifier {
  /** Checks the next record; returns the failure (and keeps returning it) once one is found. */
  push(record: AuditRecord): ChainVerification | undefined;
  /** The verdict so far. */
  result(): ChainVerification;
  /** The last good record's seq and hash. */
  head(): ChainHead;
}

/** Starts a chain walk after `start` (the genesis head by default). */
export function createChainVerifier(start: ChainHead = GENESIS_HEAD): ChainVerifier {
  let head = start;
  let count = 0;
  let failure: ChainVerification | undefined;
  const fail = (seq: number, reason: string): ChainVerification => (failure = { ok: false, seq, reason });
  return {
    push(record) {
      if (failure !== undefined) return failure;
      const expected = head.seq + 1;
      if (record.seq !== expected) return fail(expected, `expected record ${expected} but found ${record.seq} (a record was removed or reordered)`);
      if (record.id !== auditId(record.seq)) return fail(record.seq, `id ${record.id} does not belong to seq ${record.seq}`);
      if (record.prevHash !== head.hash) return fail(record.seq, 'prevHash does not match the previous record (a record was removed, reordered or rewritten)');
      let actual: string;
      try {
        actual = hashRecord(record);
      } catch (error) {
        return fail(record.seq, `content is not hashable: ${(error as Error).message}`);
      }
      if (actual !== record.hash) return fail(record.seq, 'hash does not match the content (the record was edited)');
      head = { seq: record.seq, hash: record.hash };
      count++;
      return undefined;
    },
    result: () => failure ?? { ok: true, count },
    head: () => head,
  };
}

/** Walks a whole chain from genesis (or from `start`): ok with the count, or the first bad seq and why. */
export function verifyChain(records: readonly AuditRecord[], start: ChainHead = GENESIS_HEAD): ChainVerification {
  const verifier = createChainVerifier(start);
  for (const record of records) {
    if (verifier.push(record) !== undefined) break;
  }
  return verifier.result();
}
