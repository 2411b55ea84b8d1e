/**
 * Cluster drains (`lintas drain cluster NAME`): a cluster taken out of all routing
 * (weights to 0; the gateway lets in-flight requests finish) as an audited change,
 * one compare-and-set per change on `drain/<cluster>` together with its record.
 * @module
 */
import type { AuditDraft, AuditRecord as StoredAuditRecord, LintasStore, StateEntry } from '../../store/index.ts';
import { FailoverRunnerError } from './runner-errors.ts';

/** What `drain/<cluster>` holds: the current decision and who made it. */
export interface DrainState {
  readonly drained: boolean;
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly changeRequest?: string;
}

/** Who drains or undrains, and why. */
export interface DrainRequest {
  readonly actor: string;
  readonly reason: string;
  readonly changeRequest?: string;
}

/** The drain decisions of every cluster, kept in step with the store. */
export interface DrainBook {
  /** Drained clusters, sorted. */
  drained(): string[];
  set(cluster: string, drained: boolean, by: DrainRequest): Promise<{ drained: readonly string[]; record: StoredAuditRecord }>;
  /** Takes newer drain states from a listing of the store. */
  adopt(entries: readonly StateEntry[]): void;
  idle(): Promise<void>;
}

const PREFIX = 'drain/';
const MAX_CAS_ATTEMPTS = 5;

function isDrainState(value: unknown): value is DrainState {
  return typeof value === 'object' && value !== null && typeof (value as DrainState).drained === 'boolean';
}

/** A drain book over `store`, starting from the listed `entries`; `onChange` runs after every change. */
export function createDrainBook(options: { store: LintasStore; entries: readonly StateEntry[]; now: () => Date; onChange: () => void }): DrainBook {
  const { store, now, onChange } = options;
  const book = new Map<string, { revision: number; state: DrainState }>();
  let queue: Promise<unknown> = Promise.resolve();

  const adopt = (entries: readonly StateEntry[], notify = true): void => {
    let changed = false;
    for (const e of entries) {
      if (!e.key.startsWith(PREFIX) || !isDrainState(e.state)) continue;
      const cluster = e.key.slice(PREFIX.length);
      if ((book.get(cluster)?.revision ?? 0) >= e.revision) continue;
      book.set(cluster, { revision: e.revision, state: e.state });
      changed = true;
    }
    if (changed && notify) onChange();
  };
  adopt(options.entries, false);
  const drained = (): string[] => [...book.entries()].filter(([, v]) => v.state.drained).map(([k]) => k).sort();

  const change = async (cluster: string, want: boolean, by: DrainRequest): Promise<{ drained: readonly string[]; record: StoredAuditRecord }> => {
    if (by.actor.startsWith('system:')) throw new FailoverRunnerError('FAILOVER_INVALID', `subjects starting with "system:" are reserved for Lintas itself`);
    for (let attempt = 1; ; attempt++) {
      const current = book.get(cluster) ?? { revision: 0, state: undefined };
      if ((current.state?.drained ?? false) === want) {
        throw new FailoverRunnerError('FAILOVER_UNCHANGED', `${cluster} is ${want ? 'already drained' : 'not drained'}`);
      }
      const at = now().toISOString();
      const before = drained();
      const after = want ? [...before, cluster].sort() : before.filter((c) => c !== cluster);
      const state: DrainState = { drained: want, by: by.actor, at, reason: by.reason, ...(by.changeRequest === undefined ? {} : { changeRequest: by.changeRequest }) };
      const draft: AuditDraft = {
        time: at,
        actor: by.actor,
        action: want ? 'Drain' : 'Undrain',
        target: `cluster/${cluster}`,
        reason: by.reason,
        ...(by.changeRequest === undefined ? {} : { changeRequest: by.changeRequest }),
        before: { drained: before },
        after: { drained: after },
        evidence: { cluster, routing: want ? `${cluster} gets weight 0 in every route; in-flight requests finish` : `${cluster} is routed to again` },
      };
      const cas = await store.compareAndSet(`${PREFIX}${cluster}`, current.revision, state, [draft]);
      if (cas.ok) {
        book.set(cluster, { revision: cas.revision, state });
        onChange();
        const record = cas.records[0];
        if (record === undefined) throw new Error('drain: the store returned no record');
        return { drained: drained(), record };
      }
      if (isDrainState(cas.current.state)) book.set(cluster, { revision: cas.current.revision, state: cas.current.state });
      if (attempt >= MAX_CAS_ATTEMPTS) throw new FailoverRunnerError('FAILOVER_CONFLICT', `drain/${cluster} kept changing (${MAX_CAS_ATTEMPTS} attempts); try again`);
    }
  };

  return {
    drained,
    adopt,
    set(cluster, want, by) {
      const run = queue.then(() => change(cluster, want, by));
      queue = run.catch(() => undefined);
      return run;
    },
    idle: async () => {
      await queue;
    },
  };
}
