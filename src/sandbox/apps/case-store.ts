/**
 * The in-memory state of one `case-api` replica: cases, the newest fencing
 * epoch seen per domain, and the answers remembered per `Idempotency-Key`.
 * Mutations are synchronous, so a check and the write it guards can never
 * interleave with another request.
 * @module
 */
import { z } from 'zod';
import {
  canTransition,
  caseNumber,
  type CaseRecord,
  nextCaseNumber,
  regionPrefix,
  supersedes,
  type CaseState,
} from './case-model.ts';

/** Most idempotency answers remembered; the oldest are forgotten first. */
export const MAX_IDEMPOTENCY_ENTRIES = 50_000;

/** A remembered answer to a mutation. */
export const IdempotencyEntry = z.object({
  key: z.string(),
  /** `METHOD path` of the first request: the same key on another route is a client error. */
  fingerprint: z.string(),
  status: z.number().int(),
  json: z.unknown(),
});
/** A remembered answer to a mutation. */
export type IdempotencyEntry = z.infer<typeof IdempotencyEntry>;

/** The newest epoch seen in one fencing domain, and the owner that carried it. */
export const EpochMark = z.object({ epoch: z.number().int().min(0), owner: z.string().optional() });
/** The newest epoch seen in one fencing domain. */
export type EpochMark = z.infer<typeof EpochMark>;

/** Who performs a write. */
export interface WriteContext {
  readonly cluster: string;
  readonly replica: number;
  readonly domain: string;
  readonly epoch: number;
  readonly owner?: string;
  readonly now: string;
}

/** Outcome of a create or transition. */
export type MutationOutcome =
  | { readonly ok: true; readonly status: 200 | 201; readonly record: CaseRecord }
  | { readonly ok: false; readonly status: 400 | 404 | 409; readonly json: Readonly<Record<string, unknown>> };

/** One replica's case state. */
export interface CaseStore {
  get(id: string): CaseRecord | undefined;
  /** Every case, sorted by id. */
  list(): CaseRecord[];
  size(): number;
  /** The newest epoch of `domain` (0 when none seen). */
  newestEpoch(domain: string): number;
  /** Every domain's newest epoch, sorted by domain. */
  epochs(): Record<string, EpochMark>;
  /** Raises a domain's newest epoch (never lowers it). */
  noteEpoch(domain: string, mark: EpochMark): void;
  /** Creates a case; an id is generated when `id` is undefined. */
  create(id: string | undefined, title: string, data: Record<string, unknown>, ctx: WriteContext): MutationOutcome;
  /** Moves a case to `to` when that is its next lifecycle step. */
  transition(id: string, to: CaseState, ctx: WriteContext): MutationOutcome;
  /** Applies a replicated record; true when it superseded what was stored. */
  applyReplicated(record: CaseRecord): boolean;
  idempotency(key: string): IdempotencyEntry | undefined;
  /** Remembers an answer; true when the key was new. */
  remember(entry: IdempotencyEntry): boolean;
  idempotencyEntries(): IdempotencyEntry[];
}

/** Creates an empty store for a replica of `cluster`. */
export function createCaseStore(cluster: string): CaseStore {
  const cases = new Map<string, CaseRecord>();
  const marks = new Map<string, EpochMark>();
  const answers = new Map<string, IdempotencyEntry>();
  const prefix = regionPrefix(cluster);
  let highest = 0;

  const put = (record: CaseRecord): void => {
    cases.set(record.id, record);
    const n = caseNumber(record.id, prefix);
    if (n !== undefined && n > highest) highest = n;
  };

  const write = (base: Omit<CaseRecord, 'version' | 'domain' | 'epoch' | 'owner' | 'updatedAt' | 'updatedBy' | 'history'> & { history: CaseRecord['history'] }, version: number, ctx: WriteContext): CaseRecord => {
    const record: CaseRecord = {
      ...base,
      version,
      domain: ctx.domain,
      epoch: ctx.epoch,
      ...(ctx.owner === undefined ? {} : { owner: ctx.owner }),
      updatedAt: ctx.now,
      updatedBy: { cluster: ctx.cluster, replica: ctx.replica },
      history: [...base.history, { state: base.state, version, at: ctx.now, cluster: ctx.cluster, replica: ctx.replica, epoch: ctx.epoch }],
    };
    put(record);
    return record;
  };

  return {
    get: (id) => cases.get(id),
    list: () => [...cases.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    size: () => cases.size,
    newestEpoch: (domain) => marks.get(domain)?.epoch ?? 0,
    epochs: () => Object.fromEntries([...marks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    noteEpoch: (domain, mark) => {
      const known = marks.get(domain);
      if (known === undefined || mark.epoch > known.epoch || (mark.epoch === known.epoch && known.owner === undefined && mark.owner !== undefined)) {
        marks.set(domain, mark.owner === undefined ? { epoch: mark.epoch } : { epoch: mark.epoch, owner: mark.owner });
      }
    },
    create: (id, title, data, ctx) => {
      const caseId = id ?? `${prefix}-${String(nextCaseNumber(highest, ctx.replica))}`;
      if (cases.has(caseId)) return { ok: false, status: 409, json: { error: 'already_exists', id: caseId } };
      const record = write(
        { id: caseId, title, state: 'OPEN', ownerCluster: ctx.cluster, createdAt: ctx.now, data, history: [] },
        1,
        ctx,
      );
      return { ok: true, status: 201, record };
    },
    transition: (id, to, ctx) => {
      const current = cases.get(id);
      if (current === undefined) return { ok: false, status: 404, json: { error: 'not_found', id } };
      if (!canTransition(current.state, to)) {
        return { ok: false, status: 409, json: { error: 'illegal_transition', id, from: current.state, to } };
      }
      return { ok: true, status: 200, record: write({ ...current, state: to }, current.version + 1, ctx) };
    },
    applyReplicated: (record) => {
      const current = cases.get(record.id);
      if (current !== undefined && !supersedes(record, current)) return false;
      put(record);
      return true;
    },
    idempotency: (key) => answers.get(key),
    remember: (entry) => {
      if (answers.has(entry.key)) return false;
      answers.set(entry.key, entry);
      if (answers.size > MAX_IDEMPOTENCY_ENTRIES) {
        const oldest = answers.keys().next();
        if (oldest.done !== true) answers.delete(oldest.value);
      }
      return true;
    },
    idempotencyEntries: () => [...answers.values()],
  };
}
