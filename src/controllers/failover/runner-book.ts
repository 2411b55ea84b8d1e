/**
 * A keyed book of operator decisions kept in the store (cluster drains, weight
 * overrides): one state per key under a prefix, each change one
 * compare-and-set together with its audit record, serialized within this
 * process and re-planned against the winner's state when another replica
 * wrote first. The callers decide what a change means; the book only makes it
 * durable and consistent.
 * @module
 */
import type { AuditDraft, AuditRecord as StoredAuditRecord, LintasStore, StateEntry } from '../../store/index.ts';
import { FailoverRunnerError } from './runner-errors.ts';

const MAX_CAS_ATTEMPTS = 5;

/** One change: the new state and the audit record written with it. */
export interface BookChange<S> {
  readonly state: S;
  readonly draft: AuditDraft;
}

/** Options of {@link createStateBook}. */
export interface StateBookOptions<S> {
  readonly store: LintasStore;
  /** Store key prefix, e.g. `drain/`. */
  readonly prefix: string;
  readonly isState: (value: unknown) => value is S;
  /** A listing of the store to start from. */
  readonly entries: readonly StateEntry[];
  /** Runs after every change (own or adopted). */
  readonly onChange: () => void;
}

/** The book. */
export interface StateBook<S> {
  /** Key (without prefix) → state, as last seen. */
  states(): ReadonlyMap<string, S>;
  /** Takes newer states from a listing of the store; `notify` = call onChange when anything changed. */
  adopt(entries: readonly StateEntry[], notify?: boolean): void;
  /**
   * Writes the change `plan` makes of the key's current state (undefined when never set), after the
   * changes queued before it. `plan` may throw to refuse; on a conflict it runs again against the newer state.
   */
  commit(key: string, plan: (current: S | undefined) => BookChange<S>): Promise<StoredAuditRecord>;
  idle(): Promise<void>;
}

/** Creates a book over `options.store`, adopting `options.entries` without notifying. */
export function createStateBook<S>(options: StateBookOptions<S>): StateBook<S> {
  const { store, prefix, isState, onChange } = options;
  const book = new Map<string, { revision: number; state: S }>();
  let queue: Promise<unknown> = Promise.resolve();

  const adopt = (entries: readonly StateEntry[], notify = true): void => {
    let changed = false;
    for (const e of entries) {
      if (!e.key.startsWith(prefix) || !isState(e.state)) continue;
      const key = e.key.slice(prefix.length);
      if ((book.get(key)?.revision ?? 0) >= e.revision) continue;
      book.set(key, { revision: e.revision, state: e.state });
      changed = true;
    }
    if (changed && notify) onChange();
  };
  adopt(options.entries, false);

  const write = async (key: string, plan: (current: S | undefined) => BookChange<S>): Promise<StoredAuditRecord> => {
    for (let attempt = 1; ; attempt++) {
      const current = book.get(key);
      const { state, draft } = plan(current?.state);
      const cas = await store.compareAndSet(`${prefix}${key}`, current?.revision ?? 0, state, [draft]);
      if (cas.ok) {
        book.set(key, { revision: cas.revision, state });
        onChange();
        const record = cas.records[0];
        if (record === undefined) throw new Error(`${prefix}${key}: the store returned no record`);
        return record;
      }
      if (isState(cas.current.state)) book.set(key, { revision: cas.current.revision, state: cas.current.state });
      if (attempt >= MAX_CAS_ATTEMPTS) throw new FailoverRunnerError('FAILOVER_CONFLICT', `${prefix}${key} kept changing (${String(MAX_CAS_ATTEMPTS)} attempts); try again`);
    }
  };

  return {
    states: () => new Map([...book].map(([k, v]) => [k, v.state])),
    adopt,
    commit(key, plan) {
      const run = queue.then(() => write(key, plan));
      queue = run.catch(() => undefined);
      return run;
    },
    idle: async () => {
      await queue;
    },
  };
}
