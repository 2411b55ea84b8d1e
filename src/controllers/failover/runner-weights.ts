/**
 * Weight overrides (`lintas weights set NS/NAME CLUSTER=W…`): while one is set, the TrafficPolicy's
 * targets route as Weighted with the operator's weights (drained, excluded and unhealthy clusters
 * still get nothing; weight 0 = no traffic), and clearing it restores the configured mode. Like
 * drains, each change is one compare-and-set on `weights/<ns>/<name>` together with its audit
 * record (before/after weights and the per-cluster diff), so it survives restarts and is shared by
 * every replica on the same store. Owner-mode policies refuse overrides: their mutations go only
 * to the owner of their key, and weights would spread them over clusters.
 * @module
 */
import { ClusterWeights, type TrafficPolicy } from '../../api/index.ts';
import { compareStrings } from '../../lib/index.ts';
import type { AuditDraft, AuditRecord as StoredAuditRecord, LintasStore, StateEntry } from '../../store/index.ts';
import { createStateBook } from './runner-book.ts';
import { FailoverRunnerError } from './runner-errors.ts';

/** Relative weight per cluster (non-negative integers, at least one above 0), keys sorted. */
export type ClusterWeightMap = Readonly<Record<string, number>>;

/** An override in force on one TrafficPolicy. */
export interface WeightOverride {
  readonly weights: ClusterWeightMap;
  readonly actor: string;
  readonly reason: string;
  readonly changeRequest?: string;
  readonly at: string;
}

/** What `weights/<ns>/<name>` holds: the override (null once cleared) and who made the last change. */
export interface WeightState {
  readonly override: WeightOverride | null;
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly changeRequest?: string;
}

/** Who sets or clears an override, and why. */
export interface WeightRequest {
  readonly actor: string;
  readonly reason: string;
  readonly changeRequest?: string;
}

/** The answer to a set or clear: the policy's override now (absent after a clear), every override, and the audit record. */
export interface WeightChange {
  readonly policy: string;
  readonly override?: WeightOverride;
  readonly overrides: Readonly<Record<string, WeightOverride>>;
  readonly record: StoredAuditRecord;
}

/** The weight overrides of every TrafficPolicy, kept in step with the store. */
export interface WeightBook {
  /** Overrides in force by TrafficPolicy `ns/name`, keys sorted. */
  overrides(): Record<string, WeightOverride>;
  /** Sets (`weights` given) or clears (undefined) the override of `ns/name`. */
  set(namespace: string, name: string, weights: unknown, by: WeightRequest): Promise<WeightChange>;
  /** Takes newer override states from a listing of the store. */
  adopt(entries: readonly StateEntry[]): void;
  idle(): Promise<void>;
}

/** The audit target of a TrafficPolicy's overrides (kind-prefixed like `cluster/NAME`). */
export const weightTarget = (policy: string): string => `trafficpolicy/${policy}`;

function isWeightState(value: unknown): value is WeightState {
  if (typeof value !== 'object' || value === null || !('override' in value)) return false;
  const o = (value as WeightState).override;
  return o === null || (typeof o === 'object' && typeof o.weights === 'object' && o.weights !== null);
}

/** Checks operator-given weights (DNS-1123 cluster names, integers 0…1,000,000, at least one above 0) and sorts them; FAILOVER_INVALID otherwise. */
export function checkWeights(value: unknown): ClusterWeightMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FailoverRunnerError('FAILOVER_INVALID', '"weights" must be an object of cluster → weight');
  const parsed = ClusterWeights.safeParse(value);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`).join('; ');
    throw new FailoverRunnerError('FAILOVER_INVALID', `invalid weights: ${why}`);
  }
  const entries = Object.entries(parsed.data).sort(([a], [b]) => compareStrings(a, b));
  if (!entries.some(([, w]) => w > 0)) throw new FailoverRunnerError('FAILOVER_INVALID', 'invalid weights: give at least one cluster a weight above 0 (with every weight 0 the policy would send traffic nowhere; drain clusters instead)');
  return Object.fromEntries(entries);
}

/** Per-cluster `before → after` (null = not listed), sorted by cluster, only the clusters that change. */
function weightDiff(before: ClusterWeightMap | undefined, after: ClusterWeightMap | undefined): { cluster: string; before: number | null; after: number | null }[] {
  const clusters = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort(compareStrings);
  return clusters.map((cluster) => ({ cluster, before: before?.[cluster] ?? null, after: after?.[cluster] ?? null })).filter((d) => d.before !== d.after);
}

/** A weight book over `store`, starting from the listed `entries`; `trafficPolicy` finds a policy of the current fleet; `onChange` runs after every change. */
export function createWeightBook(options: {
  store: LintasStore;
  entries: readonly StateEntry[];
  now: () => Date;
  trafficPolicy: (namespace: string, name: string) => TrafficPolicy | undefined;
  onChange: () => void;
  /** When given, weights naming a cluster the fleet does not have are FAILOVER_NOT_FOUND. */
  clusterExists?: (cluster: string) => boolean;
}): WeightBook {
  const { now } = options;
  const book = createStateBook<WeightState>({ store: options.store, prefix: 'weights/', isState: isWeightState, entries: options.entries, onChange: options.onChange });
  const overrides = (): Record<string, WeightOverride> =>
    Object.fromEntries([...book.states()].flatMap(([k, v]) => (v.override === null ? [] : [[k, v.override] as const])).sort(([a], [b]) => compareStrings(a, b)));

  const change = async (namespace: string, name: string, raw: unknown, by: WeightRequest): Promise<WeightChange> => {
    if (by.actor.startsWith('system:')) throw new FailoverRunnerError('FAILOVER_INVALID', `subjects starting with "system:" are reserved for Lintas itself`);
    const policy = `${namespace}/${name}`;
    const tp = options.trafficPolicy(namespace, name);
    const weights = raw === undefined ? undefined : checkWeights(raw);
    const unknown = Object.keys(weights ?? {}).filter((c) => options.clusterExists?.(c) === false);
    if (unknown.length > 0) throw new FailoverRunnerError('FAILOVER_NOT_FOUND', `no Cluster ${unknown.join(', ')} in the fleet`);
    let override: WeightOverride | null = null;
    const record = await book.commit(policy, (current) => {
      const before = current?.override ?? undefined;
      // A stale override of a policy since removed from the fleet may still be cleared.
      if (tp === undefined && (weights !== undefined || before === undefined)) throw new FailoverRunnerError('FAILOVER_NOT_FOUND', `no TrafficPolicy ${policy}`);
      // Owner mode sends each mutation only to its key's owner (single writer); weights would spread mutations.
      if (weights !== undefined && tp?.spec.locality.mode === 'Owner') {
        throw new FailoverRunnerError('FAILOVER_INVALID', `${policy} is in Owner mode: its mutations go only to the owner of their key, so its weights cannot be overridden (drain a cluster or fail over instead)`);
      }
      if (weights === undefined && before === undefined) throw new FailoverRunnerError('FAILOVER_UNCHANGED', `${policy} has no weight override`);
      if (weights !== undefined && JSON.stringify(before?.weights) === JSON.stringify(weights)) throw new FailoverRunnerError('FAILOVER_UNCHANGED', `${policy} already has these weights`);
      const at = now().toISOString();
      const extra = by.changeRequest === undefined ? {} : { changeRequest: by.changeRequest };
      override = weights === undefined ? null : { weights, actor: by.actor, reason: by.reason, ...extra, at };
      const state: WeightState = { override, by: by.actor, at, reason: by.reason, ...extra };
      const configured = tp?.spec.locality.mode;
      const draft: AuditDraft = {
        time: at,
        actor: by.actor,
        action: weights === undefined ? 'ClearWeightOverride' : 'WeightOverride',
        target: weightTarget(policy),
        reason: by.reason,
        ...extra,
        before: { weights: before?.weights ?? null },
        after: { weights: weights ?? null },
        evidence: {
          trafficPolicy: policy,
          ...(configured === undefined ? {} : { configuredMode: configured }),
          changes: weightDiff(before?.weights, weights),
          routing: weights === undefined
            ? `${policy} routes by its configured mode${configured === undefined ? '' : ` (${configured})`} again`
            : `${policy} routes as Weighted with these weights; drained, excluded and unhealthy clusters still get nothing`,
        },
      };
      return { state, draft };
    });
    const written = override as WeightOverride | null;
    return { policy, ...(written === null ? {} : { override: written }), overrides: overrides(), record };
  };

  return {
    overrides,
    adopt: (entries) => book.adopt(entries),
    set: (namespace, name, weights, by) => change(namespace, name, weights, by),
    idle: () => book.idle(),
  };
}
