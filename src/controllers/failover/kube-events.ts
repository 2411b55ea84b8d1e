/**
 * Kubernetes Events for failover transitions (issue 16 item 2): which Event each phase change of a
 * failover state machine becomes, and in which member clusters' API servers. Pure: read from the
 * audit records the runner already writes for every transition (so nothing is missed between two
 * looks, and a fast Pending → FailingOver → FailedOver gives three Events); the status writer does the I/O.
 *
 * An Event regards the FailoverPolicy (`lintas.dev/v1alpha1`, in its namespace): that is the object
 * whose phase changed and the one `lintas failover status` names. It is recorded in every affected
 * cluster, so that `kubectl --context <cluster> get events -n <ns>` in either cluster shows it: the
 * primary (the `from` cluster of the machine), the owner before and after, and the proposal's target.
 *
 * The Event name is derived from the policy, primary, reason and epoch: the same transition recorded
 * again (by a restarted or a new leader) is the same Event, and a repetition (proposed, rejected and
 * proposed again at one epoch) is one series whose count grows, as client-go's correlator does.
 * @module
 */
import { createHash } from 'node:crypto';
import type { AuditRecord } from '../../store/index.ts';
import { FAILOVER_PHASES, type FailoverPhase } from './types.ts';

/** Event reasons of failover transitions. */
export const FailoverEventReason = {
  Degraded: 'FailoverDegraded',
  Recovered: 'FailoverRecovered',
  Proposed: 'FailoverProposed',
  Withdrawn: 'FailoverWithdrawn',
  Started: 'FailoverStarted',
  FailedOver: 'FailedOver',
  FailbackProposed: 'FailbackProposed',
  FailbackStarted: 'FailbackStarted',
  FailbackCompleted: 'FailbackCompleted',
  Aborted: 'FailoverAborted',
} as const;
/** One failover Event reason. */
export type FailoverEventReason = (typeof FailoverEventReason)[keyof typeof FailoverEventReason];

/** One Event to record: a core/v1 Event regarding FailoverPolicy `namespace/policy`, in each of `clusters`. */
export interface FailoverKubeEvent {
  /** Sorted, distinct. */
  readonly clusters: readonly string[];
  readonly namespace: string;
  readonly policy: string;
  /** Deterministic (see the module comment), a valid Event name. */
  readonly name: string;
  readonly type: 'Normal' | 'Warning';
  readonly reason: FailoverEventReason;
  readonly message: string;
  /** RFC 3339: when the transition happened (the audit record's time). */
  readonly time: string;
  /** The audit record it comes from. */
  readonly seq: number;
}

interface PhaseSide {
  readonly phase?: unknown;
  readonly owner?: unknown;
  readonly epoch?: unknown;
}

const isPhase = (v: unknown): v is FailoverPhase => (FAILOVER_PHASES as readonly unknown[]).includes(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The reason of a phase change, or undefined for one that is not worth an Event. */
export function transitionReason(before: FailoverPhase, after: FailoverPhase): FailoverEventReason | undefined {
  if (before === after) return undefined;
  switch (after) {
    case 'Degraded':
      return FailoverEventReason.Degraded;
    case 'FailoverPending':
      return FailoverEventReason.Proposed;
    case 'FailingOver':
      return FailoverEventReason.Started;
    case 'FailedOver':
      return before === 'FailbackPending' || before === 'FailingBack' ? undefined : FailoverEventReason.FailedOver;
    case 'FailbackPending':
      return FailoverEventReason.FailbackProposed;
    case 'FailingBack':
      return FailoverEventReason.FailbackStarted;
    case 'Aborted':
      return FailoverEventReason.Aborted;
    case 'Normal':
      if (before === 'FailingBack') return FailoverEventReason.FailbackCompleted;
      if (before === 'FailoverPending') return FailoverEventReason.Withdrawn;
      return FailoverEventReason.Recovered;
  }
}

const WARNING: ReadonlySet<FailoverEventReason> = new Set([FailoverEventReason.Degraded, FailoverEventReason.Proposed, FailoverEventReason.Started, FailoverEventReason.FailedOver, FailoverEventReason.Aborted]);

/** The Event name: `<policy>.<digest>` within the 253 characters of a DNS subdomain. */
export function failoverEventName(policy: string, primary: string, reason: string, epoch: number): string {
  const digest = createHash('sha256').update(`${policy}\0${primary}\0${reason}\0${String(epoch)}`).digest('hex').slice(0, 16);
  return `${policy.slice(0, 200)}.${digest}`;
}

/** The Event of one audit record, or undefined when it is not a failover phase change. */
export function failoverEvent(record: AuditRecord): FailoverKubeEvent | undefined {
  const before = (record.before ?? {}) as PhaseSide;
  const after = (record.after ?? {}) as PhaseSide;
  if (!isPhase(before.phase) || !isPhase(after.phase)) return undefined;
  const reason = transitionReason(before.phase, after.phase);
  if (reason === undefined) return undefined;
  const slash = record.target.indexOf('/');
  if (slash <= 0 || slash === record.target.length - 1) return undefined;
  const namespace = record.target.slice(0, slash);
  const policy = record.target.slice(slash + 1);
  const evidence = (record.evidence ?? {}) as { primary?: unknown; proposalTarget?: unknown };
  const primary = str(evidence.primary) ?? str(before.owner);
  if (primary === undefined) return undefined;
  const clusters = [...new Set([primary, str(before.owner), str(after.owner), str(evidence.proposalTarget)].filter((c): c is string => c !== undefined))].sort();
  const epoch = typeof after.epoch === 'number' ? after.epoch : 0;
  const owner = str(after.owner) ?? primary;
  const target = str(evidence.proposalTarget);
  const message = `${before.phase} → ${after.phase} for primary ${primary}: owner ${owner}, epoch ${String(epoch)}${target !== undefined ? `, target ${target}` : ''} (${record.actor}: ${record.reason ?? record.action})`;
  return { clusters, namespace, policy, name: failoverEventName(policy, primary, reason, epoch), type: WARNING.has(reason) ? 'Warning' : 'Normal', reason, message: message.slice(0, 1024), time: record.time, seq: record.seq };
}

/** The Events of audit records, in record order (records that are not phase changes are skipped). */
export function failoverEvents(records: readonly AuditRecord[]): FailoverKubeEvent[] {
  return records.map(failoverEvent).filter((e): e is FailoverKubeEvent => e !== undefined);
}
