/**
 * Cluster drains (`lintas drain cluster NAME`): a cluster taken out of all routing
 * (weights to 0; the gateway lets in-flight requests finish) as an audited change,
 * one compare-and-set per change on `drain/<cluster>` together with its record.
 * @module
 */
import type { AuditDraft, AuditRecord as StoredAuditRecord, LintasStore, StateEntry } from '../../store/index.ts';
import { createStateBook } from './runner-book.ts';
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

function isDrainState(value: unknown): value is DrainState {
  return typeof value === 'object' && value !== null && typeof (value as DrainState).drained === 'boolean';
}

/**
 * A drain book over `store`, starting from the listed `entries`; `onChange` runs after every change.
 * With `clusterExists`, draining a cluster the fleet does not have is FAILOVER_NOT_FOUND (nothing is
 * written or audited); undraining one stays possible while it is drained (a cluster since removed).
 */
export function createDrainBook(options: { store: LintasStore; entries: readonly StateEntry[]; now: () => Date; onChange: () => void; clusterExists?: (cluster: string) => boolean }): DrainBook {
  const { now } = options;
  const book = createStateBook<DrainState>({ store: options.store, prefix: 'drain/', isState: isDrainState, entries: options.entries, onChange: options.onChange });
  const drained = (): string[] => [...book.states()].filter(([, v]) => v.drained).map(([k]) => k).sort();

  return {
    drained,
    adopt: (entries) => book.adopt(entries),
    async set(cluster, want, by) {
      if (by.actor.startsWith('system:')) throw new FailoverRunnerError('FAILOVER_INVALID', `subjects starting with "system:" are reserved for Lintas itself`);
      const record = await book.commit(cluster, (current) => {
        if (options.clusterExists?.(cluster) === false && !(current?.drained === true && !want)) {
          throw new FailoverRunnerError('FAILOVER_NOT_FOUND', `no Cluster ${cluster} in the fleet`);
        }
        if ((current?.drained ?? false) === want) {
          throw new FailoverRunnerError('FAILOVER_UNCHANGED', `${cluster} is ${want ? 'already drained' : 'not drained'}`);
        }
        const at = now().toISOString();
        const before = drained();
        const after = want ? [...before, cluster].sort() : before.filter((c) => c !== cluster);
        const cr = by.changeRequest === undefined ? {} : { changeRequest: by.changeRequest };
        const state: DrainState = { drained: want, by: by.actor, at, reason: by.reason, ...cr };
        const draft: AuditDraft = {
          time: at,
          actor: by.actor,
          action: want ? 'Drain' : 'Undrain',
          target: `cluster/${cluster}`,
          reason: by.reason,
          ...cr,
          before: { drained: before },
          after: { drained: after },
          evidence: { cluster, routing: want ? `${cluster} gets weight 0 in every route; in-flight requests finish` : `${cluster} is routed to again` },
        };
        return { state, draft };
      });
      return { drained: drained(), record };
    },
    idle: () => book.idle(),
  };
}
