/**
 * The data of governed failover: the state of one ownership domain's state
 * machine, the events that drive it, and the effects it asks the runner to carry
 * out. Plain serialisable data (RFC 3339 strings for times) so the runner can
 * persist a state, audit an effect and resume after a restart.
 * @module
 */

/** Every phase, in the order of the happy path (Aborted last). */
export const FAILOVER_PHASES = ['Normal', 'Degraded', 'FailoverPending', 'FailingOver', 'FailedOver', 'FailbackPending', 'FailingBack', 'Aborted'] as const;
/** A phase of the failover state machine. */
export type FailoverPhase = (typeof FAILOVER_PHASES)[number];

/**
 * The actor of transitions Lintas makes on its own. The `system:` prefix is reserved (as in Kubernetes),
 * so no API subject can impersonate it or be mistaken for it by `distinctFromProposer`.
 */
export const SYSTEM_ACTOR = 'system:lintas';

/** One health evaluation of one cluster for the governed service (the health contract's layers). */
export interface HealthObservation {
  readonly cluster: string;
  /** Regional readiness: should the region receive user traffic (ready fraction and dependencies). */
  readonly regionalReady: boolean;
  /** Failover readiness as the health contract judged it (evidence only; the policy's own thresholds decide). */
  readonly failoverReady?: boolean;
  readonly dependenciesReady?: boolean;
  /** Business readiness: the contract's synthetic transaction completes (absent when no contract runs one). */
  readonly businessReady?: boolean;
  /** Spare capacity, 0..1. */
  readonly headroomFraction?: number;
  readonly replicationLagSeconds?: number;
  /** RFC 3339: when the evaluation was made. */
  readonly at: string;
}

/** How long the primary has been continuously ready or not ready: the basis of dwell and hysteresis. */
export interface HealthStreak {
  readonly ready: boolean;
  /** RFC 3339: the observation time of the first evaluation of this streak. */
  readonly since: string;
}

/** Failover moves ownership away from the primary; failback returns it. */
export type Direction = 'Failover' | 'Failback';

/** One approval of a pending proposal. */
export interface Approval {
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly changeRequest?: string;
}

/** A proposed ownership move, waiting for approvals and guardrails. */
export interface Proposal {
  readonly direction: Direction;
  /** An API subject, or {@link SYSTEM_ACTOR} when the dwell or stability window proposed it. */
  readonly proposer: string;
  readonly at: string;
  /** The cluster that would own the domain afterwards. */
  readonly target: string;
  readonly reason: string;
  readonly changeRequest?: string;
  /** In the order given; never two by the same subject. */
  readonly approvals: readonly Approval[];
}

/** Mutations still in flight to the previous owner, waited for until `deadline`. */
export interface Drain {
  readonly cluster: string;
  readonly epoch: number;
  readonly deadline: string;
}

/** Who stopped a failover and why. */
export interface AbortRecord {
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly changeRequest?: string;
}

/** One guardrail check. */
export type GuardrailCheck = 'observationFresh' | 'secondaryRegionalReady' | 'dependenciesReady' | 'businessReady' | 'minHeadroomFraction' | 'maxReplicationLagSeconds';

/** Evidence of one guardrail check: what was observed, against which threshold, and the verdict. */
export interface GuardrailEvidence {
  readonly check: GuardrailCheck;
  /** Null when the destination did not report the value. */
  readonly observed: boolean | number | null;
  readonly threshold: boolean | number;
  readonly pass: boolean;
  readonly message: string;
}

/** All guardrail checks of one destination at one time. */
export interface GuardrailVerdict {
  /** The destination cluster checked. */
  readonly cluster: string;
  readonly evaluatedAt: string;
  /** When the observation used was made; absent when there was none. */
  readonly observedAt?: string;
  /** True when every check passed. */
  readonly pass: boolean;
  readonly checks: readonly GuardrailEvidence[];
}

/** What every phase carries: the domain, its owner and fencing epoch, and the latest health. */
export interface FailoverCommon {
  /** The cluster that owns the domain in normal operation (one entry of the policy's `from`). */
  readonly primary: string;
  /** The cluster that owns the domain now; mutations go only there. */
  readonly owner: string;
  /** Fencing token: increases by one on FailingOver and on FailingBack, never decreases. */
  readonly epoch: number;
  /** Increases on every accepted command and transition (not on health bookkeeping); the runner's CAS key. */
  readonly revision: number;
  /** RFC 3339: when the current phase was entered. */
  readonly phaseSince: string;
  /** Undefined until the primary's first health evaluation. */
  readonly primaryHealth?: HealthStreak;
  /** The latest evaluation of each cluster of the domain (primary and destinations), by cluster name. */
  readonly observations: Readonly<Record<string, HealthObservation>>;
  /** The last guardrail evaluation, kept as evidence for status and audit. */
  readonly guardrails?: GuardrailVerdict;
}

/** The data only some phases have, discriminated on `phase`. */
export type FailoverPhaseData =
  | { readonly phase: 'Normal' }
  /** `escalated`: the dwell elapsed in Manual mode and the operators were alerted. */
  | { readonly phase: 'Degraded'; readonly escalated: boolean }
  | { readonly phase: 'FailoverPending'; readonly proposal: Proposal }
  | { readonly phase: 'FailingOver'; readonly proposal: Proposal; readonly drain: Drain }
  | { readonly phase: 'FailedOver' }
  | { readonly phase: 'FailbackPending'; readonly proposal: Proposal }
  | { readonly phase: 'FailingBack'; readonly proposal: Proposal; readonly drain: Drain }
  | { readonly phase: 'Aborted'; readonly aborted: AbortRecord };

/** The state of one ownership domain's failover. */
export type FailoverState = FailoverCommon & FailoverPhaseData;

/** What every operator command carries: who, why, and the change request it belongs to. */
export interface CommandBase {
  /** The authenticated subject (the API checks roles; the reducer checks who may approve what). */
  readonly actor: string;
  /** Required: every mutating call states why. */
  readonly reason: string;
  readonly changeRequest?: string;
}

/** An operator command. */
export type OperatorCommand =
  | (CommandBase & { readonly type: 'Propose'; readonly target?: string })
  | (CommandBase & { readonly type: 'Approve' })
  | (CommandBase & { readonly type: 'Reject' })
  | (CommandBase & { readonly type: 'Execute' })
  | (CommandBase & { readonly type: 'Abort' })
  | (CommandBase & { readonly type: 'Failback' });

/** The operator commands, for tables and CLI verbs. */
export const COMMAND_TYPES = ['Propose', 'Approve', 'Reject', 'Execute', 'Abort', 'Failback'] as const satisfies readonly OperatorCommand['type'][];

/** Everything that drives the state machine. */
export type FailoverEvent =
  | { readonly type: 'Health'; readonly observation: HealthObservation }
  | { readonly type: 'Tick' }
  | { readonly type: 'DrainComplete'; readonly cluster: string; readonly epoch: number }
  | OperatorCommand;

/** Every event type, for exhaustive tables. */
export const EVENT_TYPES = ['Health', 'Tick', 'DrainComplete', ...COMMAND_TYPES] as const satisfies readonly FailoverEvent['type'][];

/** What an audit record says happened. */
export type AuditAction =
  | 'Detect'
  | 'Recover'
  | 'Escalate'
  | 'Propose'
  | 'Approve'
  | 'Reject'
  | 'Abort'
  | 'Withdraw'
  | 'EvaluateGuardrails'
  | 'MoveOwnership'
  | 'DrainComplete'
  | 'DrainTimeout'
  | 'Resume'
  | 'Refuse';

/** One audit record as the reducer produces it; the audit store adds id, hash chain and policy identity. */
export interface AuditRecord {
  readonly at: string;
  readonly actor: string;
  readonly action: AuditAction;
  readonly phaseBefore: FailoverPhase;
  readonly phaseAfter: FailoverPhase;
  readonly primary: string;
  /** Owner and epoch after the step. */
  readonly owner: string;
  readonly epoch: number;
  /** The operator command this record is about, if one. */
  readonly command?: OperatorCommand['type'];
  /** The destination of the proposal concerned, if any. */
  readonly target?: string;
  readonly reason: string;
  readonly changeRequest?: string;
  /** Set on `Refuse` records: why the command was refused. */
  readonly refusal?: { readonly code: RejectionCode; readonly message: string };
  readonly guardrails?: GuardrailVerdict;
  /** The health evaluation that caused this record, if one did. */
  readonly health?: HealthObservation;
}

/** Alerts the reducer raises on an edge (the runner keeps them active; see seed 000 §24.3). */
export type AlertName = 'OwnerUnhealthy' | 'FailoverPendingApproval' | 'GuardrailBlocking' | 'DrainTimedOut';

/** What the runner must do after persisting the new state. */
export type FailoverEffect =
  /** Mutations for the domain go to `to` only, stamped `X-Lintas-Owner-Epoch: epoch`; older epochs are refused. */
  | { readonly type: 'MoveOwnership'; readonly from: string; readonly to: string; readonly epoch: number }
  /** Let in-flight mutations to `cluster` finish until `deadline`, then report DrainComplete for `epoch`. */
  | { readonly type: 'DrainMutations'; readonly cluster: string; readonly epoch: number; readonly deadline: string }
  | { readonly type: 'Audit'; readonly record: AuditRecord }
  | { readonly type: 'Alert'; readonly alert: AlertName; readonly severity: 'warning' | 'critical'; readonly cluster: string; readonly message: string }
  /** Deliver a Tick at `at` (replaces any earlier schedule: there is one timer per domain). */
  | { readonly type: 'ScheduleTick'; readonly at: string };

/** Why an event was refused. */
export type RejectionCode =
  | 'InvalidCommand'
  | 'InvalidInPhase'
  | 'UnknownTarget'
  | 'SelfApproval'
  | 'DuplicateApproval'
  | 'NotApproved'
  | 'GuardrailsBlocked'
  | 'NotStable'
  | 'StaleDrain';

/** A refused event: the API answers 409 with `message` (and the evidence when guardrails blocked). */
export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
  readonly guardrails?: GuardrailVerdict;
}

/** The result of one step. */
export interface StepResult {
  readonly state: FailoverState;
  /** In order; Audit records come in the order things happened. */
  readonly effects: readonly FailoverEffect[];
  /** Set when the event was refused; the state then differs from the input only by what time alone changed. */
  readonly rejection?: Rejection;
}
