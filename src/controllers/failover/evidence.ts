/**
 * The evidence bundle of `lintas audit export` (issue 6): for a regulator, the
 * timeline of one target's audit records with the approvals, the guardrail
 * evidence, the refusals and the route/ownership diffs pulled out, plus the chain
 * verification and the records themselves (hashes included). Pure.
 * @module
 */
import type { AuditRecord as StoredAuditRecord, ChainVerification } from '../../store/index.ts';
import type { PolicyStatus } from './runner-view.ts';

/** One line of the timeline. */
export interface TimelineEntry {
  readonly id: string;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly reason?: string;
  readonly changeRequest?: string;
  /** `Before → After` for failover records. */
  readonly phase?: string;
  readonly owner?: string;
  readonly epoch?: number;
}

/** Everything `lintas audit export` writes. */
export interface EvidenceBundle {
  readonly kind: 'LintasEvidenceBundle';
  readonly version: 1;
  readonly generatedAt: string;
  /** The audit target exported (`ns/name` of a FailoverPolicy, `cluster/NAME`, `trafficpolicy/NS/NAME`), or every target. */
  readonly target?: string;
  /** The whole chain re-walked when the bundle was made. */
  readonly chain: ChainVerification;
  /** The policy's status now, when the target is a governed policy. */
  readonly status?: PolicyStatus;
  readonly timeline: readonly TimelineEntry[];
  /** Proposals, approvals, rejections, aborts and withdrawals. */
  readonly approvals: readonly (TimelineEntry & { readonly proposalTarget?: string })[];
  /** Records that carry a guardrail verdict, with the verdict (check, observed value, threshold, pass). */
  readonly guardrails: readonly (TimelineEntry & { readonly verdict: unknown })[];
  /** Ownership moves, drains and weight overrides: the routing before and after. */
  readonly routeChanges: readonly (TimelineEntry & { readonly before: unknown; readonly after: unknown })[];
  readonly refusals: readonly (TimelineEntry & { readonly refusal: unknown })[];
  readonly records: readonly StoredAuditRecord[];
}

const DECISIONS = new Set(['Propose', 'Approve', 'Reject', 'Abort', 'Withdraw']);
/** Records whose before/after is a routing change of their own (drained clusters, weight overrides). */
const ROUTE_ACTIONS = new Set(['Drain', 'Undrain', 'WeightOverride', 'ClearWeightOverride']);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function entry(r: StoredAuditRecord): TimelineEntry {
  const before = field(r.before, 'phase');
  const after = field(r.after, 'phase');
  const owner = field(r.after, 'owner');
  const epoch = field(r.after, 'epoch');
  return {
    id: r.id,
    time: r.time,
    actor: r.actor,
    action: r.action,
    target: r.target,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    ...(r.changeRequest === undefined ? {} : { changeRequest: r.changeRequest }),
    ...(typeof before === 'string' && typeof after === 'string' ? { phase: `${before} → ${after}` } : {}),
    ...(typeof owner === 'string' ? { owner } : {}),
    ...(typeof epoch === 'number' ? { epoch } : {}),
  };
}

/** Builds the bundle from the target's records (in seq order). */
export function evidenceBundle(input: {
  readonly generatedAt: string;
  readonly target?: string;
  readonly records: readonly StoredAuditRecord[];
  readonly chain: ChainVerification;
  readonly status?: PolicyStatus;
}): EvidenceBundle {
  const { records } = input;
  return {
    kind: 'LintasEvidenceBundle',
    version: 1,
    generatedAt: input.generatedAt,
    ...(input.target === undefined ? {} : { target: input.target }),
    chain: input.chain,
    ...(input.status === undefined ? {} : { status: input.status }),
    timeline: records.map(entry),
    approvals: records.filter((r) => DECISIONS.has(r.action)).map((r) => {
      const proposalTarget = field(r.evidence, 'proposalTarget');
      return { ...entry(r), ...(typeof proposalTarget === 'string' ? { proposalTarget } : {}) };
    }),
    guardrails: records.flatMap((r) => {
      const verdict = field(r.evidence, 'guardrails');
      return verdict === undefined ? [] : [{ ...entry(r), verdict }];
    }),
    routeChanges: records.flatMap((r) => {
      const ownership = field(r.evidence, 'ownership');
      if (ownership !== undefined) return [{ ...entry(r), before: field(ownership, 'before'), after: field(ownership, 'after') }];
      return ROUTE_ACTIONS.has(r.action) ? [{ ...entry(r), before: r.before, after: r.after }] : [];
    }),
    refusals: records.flatMap((r) => {
      const refusal = field(r.evidence, 'refusal');
      return refusal === undefined ? [] : [{ ...entry(r), refusal }];
    }),
    records,
  };
}
