/**
 * The building blocks the reducer and the command handlers share: the step
 * context, entering a phase with its audit record, proposals, guardrail
 * evaluation of a proposal, and moving ownership with a new epoch.
 * @module
 */
import { formatDuration } from '../../lib/index.ts';
import { describeVerdict, evaluateGuardrails } from './guardrails.ts';
import type { FailoverSettings } from './settings.ts';
import {
  SYSTEM_ACTOR,
  type AuditRecord,
  type Direction,
  type FailoverCommon,
  type FailoverEffect,
  type FailoverPhaseData,
  type FailoverState,
  type GuardrailVerdict,
  type HealthObservation,
  type Proposal,
} from './types.ts';

/** Everything one step reads, plus the effects it collects (local to the step, so `step` stays pure). */
export interface StepContext {
  readonly settings: FailoverSettings;
  readonly now: string;
  readonly nowMs: number;
  readonly effects: FailoverEffect[];
  /** The health evaluation this step processes, quoted in Detect/Recover/Withdraw records. */
  readonly trigger?: HealthObservation;
  /** The subject whose command authorised an ownership move in this step (last approver, executor, proposer). */
  readonly executor?: { readonly actor: string; readonly reason: string; readonly changeRequest?: string };
}

/** A state in one of the two phases that hold a proposal waiting for approvals and guardrails. */
export type PendingState = FailoverState & { readonly phase: 'FailoverPending' | 'FailbackPending' };

/** What a caller says about an audit record; the rest (time, phases, owner, epoch) comes from the transition. */
export type AuditInput = Pick<AuditRecord, 'actor' | 'action' | 'reason'> & Partial<Pick<AuditRecord, 'target' | 'changeRequest' | 'guardrails' | 'health'>> & {
  readonly command?: AuditRecord['command'];
  readonly refusal?: AuditRecord['refusal'];
};

/** Reports an impossible value; the compiler proves every switch that calls it exhaustive. */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(value)}`);
}

/** RFC 3339 of a millisecond time. */
export const isoAt = (ms: number): string => new Date(ms).toISOString();

/** Milliseconds of an RFC 3339 time (NaN when unreadable). */
export const msOf = (time: string): number => Date.parse(time);

/** A duration for messages, e.g. "30s", "10m". */
export const human = (ms: number): string => formatDuration(Math.max(0, Math.round(ms)));

/** The phase-independent part of a state: what survives every transition. */
export function commonOf(s: FailoverState): FailoverCommon {
  const { primary, owner, epoch, revision, phaseSince, primaryHealth, observations, guardrails } = s;
  return {
    primary,
    owner,
    epoch,
    revision,
    phaseSince,
    observations,
    ...(primaryHealth === undefined ? {} : { primaryHealth }),
    ...(guardrails === undefined ? {} : { guardrails }),
  };
}

/** Appends an audit record for a step from `before` to `after`. */
export function audit(ctx: StepContext, before: FailoverState, after: FailoverState, input: AuditInput): void {
  const record: AuditRecord = {
    at: ctx.now,
    actor: input.actor,
    action: input.action,
    phaseBefore: before.phase,
    phaseAfter: after.phase,
    primary: after.primary,
    owner: after.owner,
    epoch: after.epoch,
    ...(input.command === undefined ? {} : { command: input.command }),
    ...(input.target === undefined ? {} : { target: input.target }),
    reason: input.reason,
    ...(input.changeRequest === undefined ? {} : { changeRequest: input.changeRequest }),
    ...(input.refusal === undefined ? {} : { refusal: input.refusal }),
    ...(input.guardrails === undefined ? {} : { guardrails: input.guardrails }),
    ...(input.health === undefined ? {} : { health: input.health }),
  };
  ctx.effects.push({ type: 'Audit', record });
}

/** Changes of the common part that a transition may make. */
export interface CommonChanges {
  readonly owner?: string;
  readonly epoch?: number;
  readonly guardrails?: GuardrailVerdict;
  /** Forget the last guardrail evidence (a new proposal starts a new evaluation history). */
  readonly clearGuardrails?: boolean;
}

/** Enters a phase: new phase data, `phaseSince = now`, revision + 1, and its audit record. */
export function enter(ctx: StepContext, s: FailoverState, data: FailoverPhaseData, changes: CommonChanges, input: AuditInput): FailoverState {
  const { guardrails: _old, ...common } = commonOf(s);
  const guardrails = changes.guardrails ?? (changes.clearGuardrails ? undefined : s.guardrails);
  const next = {
    ...common,
    owner: changes.owner ?? s.owner,
    epoch: changes.epoch ?? s.epoch,
    revision: s.revision + 1,
    phaseSince: ctx.now,
    ...(guardrails === undefined ? {} : { guardrails }),
    ...data,
  } as FailoverState;
  audit(ctx, s, next, input);
  return next;
}

/** An accepted change inside the same phase (an approval, an escalation): revision + 1 and its audit record. */
export function bump<S extends FailoverState>(ctx: StepContext, s: S, patch: Partial<S>, input: AuditInput): S {
  const next = { ...s, ...patch, revision: s.revision + 1 };
  audit(ctx, s, next, input);
  return next;
}

/** Approvals a proposal in `direction` needs under the current policy. */
export function requiredApprovals(ctx: StepContext, direction: Direction): number {
  return direction === 'Failover' ? ctx.settings.failoverApprovals : ctx.settings.failbackApprovals;
}

/** True when a proposal has as many approvals as its direction needs. */
export function isAuthorized(ctx: StepContext, proposal: Proposal): boolean {
  return proposal.approvals.length >= requiredApprovals(ctx, proposal.direction);
}

/** The guardrail verdict for moving ownership to `cluster`. */
export function verdictFor(ctx: StepContext, s: FailoverState, cluster: string): GuardrailVerdict {
  return evaluateGuardrails(cluster, s.observations[cluster], ctx.settings.guardrails, ctx.now);
}

/** The first destination whose guardrails pass, in `to` order; else the first destination with its (blocking) verdict. */
export function chooseTarget(ctx: StepContext, s: FailoverState): { readonly target: string; readonly verdict: GuardrailVerdict } {
  let fallback: { readonly target: string; readonly verdict: GuardrailVerdict } | undefined;
  for (const target of ctx.settings.targets) {
    const verdict = verdictFor(ctx, s, target);
    if (verdict.pass) return { target, verdict };
    fallback ??= { target, verdict };
  }
  if (fallback === undefined) throw new TypeError('FailoverPolicy has no destinations (.spec.to); validate the policy first');
  return fallback;
}

/**
 * The destination and verdict of a pending proposal. An unapproved Lintas proposal in Automatic mode
 * may switch to another destination whose guardrails pass; a proposal anyone approved or made keeps its target.
 */
export function evaluateProposal(ctx: StepContext, s: PendingState): { readonly target: string; readonly verdict: GuardrailVerdict } {
  const { proposal } = s;
  if (proposal.direction === 'Failover' && proposal.proposer === SYSTEM_ACTOR && proposal.approvals.length === 0 && requiredApprovals(ctx, 'Failover') === 0) {
    return chooseTarget(ctx, s);
  }
  return { target: proposal.target, verdict: verdictFor(ctx, s, proposal.target) };
}

/** Enters FailoverPending or FailbackPending with a fresh proposal, alerting when approvals are needed. */
export function openProposal(ctx: StepContext, s: FailoverState, proposal: Proposal, input: AuditInput): FailoverState {
  const phase = proposal.direction === 'Failover' ? 'FailoverPending' : 'FailbackPending';
  const next = enter(ctx, s, { phase, proposal }, { clearGuardrails: true }, input);
  const needed = requiredApprovals(ctx, proposal.direction);
  if (needed > 0) {
    ctx.effects.push({
      type: 'Alert',
      alert: 'FailoverPendingApproval',
      severity: 'warning',
      cluster: proposal.target,
      message: `${proposal.direction.toLowerCase()} of ${s.primary}'s domain to ${proposal.target} awaits ${needed} approval(s); proposed by ${proposal.proposer}: ${proposal.reason}`,
    });
  }
  return next;
}

/**
 * FailoverPending → FailingOver or FailbackPending → FailingBack: the epoch goes up by one, the target
 * becomes owner, and the previous owner's in-flight mutations drain until a bounded deadline.
 */
export function moveOwnership(ctx: StepContext, s: PendingState, target: string, verdict: GuardrailVerdict): FailoverState {
  const epoch = s.epoch + 1;
  const from = s.owner;
  const drain = { cluster: from, epoch, deadline: isoAt(ctx.nowMs + ctx.settings.drainTimeoutMs) };
  const proposal = target === s.proposal.target ? s.proposal : { ...s.proposal, target };
  const phase = proposal.direction === 'Failover' ? 'FailingOver' : 'FailingBack';
  const by = ctx.executor ?? { actor: SYSTEM_ACTOR, reason: `${describeVerdict(verdict)}; ${proposal.approvals.length} approval(s)` };
  const next = enter(ctx, s, { phase, proposal, drain }, { owner: target, epoch, guardrails: verdict }, {
    actor: by.actor,
    action: 'MoveOwnership',
    reason: by.reason,
    target,
    changeRequest: by.changeRequest ?? proposal.changeRequest,
    guardrails: verdict,
  });
  ctx.effects.push({ type: 'MoveOwnership', from, to: target, epoch }, { type: 'DrainMutations', cluster: from, epoch, deadline: drain.deadline });
  return next;
}

/** The state with a new guardrail verdict recorded; audited (and alerted when blocking) only when the outcome changed. */
export function recordVerdict(ctx: StepContext, s: PendingState, verdict: GuardrailVerdict, changed: boolean): FailoverState {
  if (changed) {
    audit(ctx, s, s, { actor: SYSTEM_ACTOR, action: 'EvaluateGuardrails', reason: describeVerdict(verdict), target: verdict.cluster, guardrails: verdict });
    if (!verdict.pass) {
      ctx.effects.push({ type: 'Alert', alert: 'GuardrailBlocking', severity: 'warning', cluster: verdict.cluster, message: describeVerdict(verdict) });
    }
  }
  return { ...s, guardrails: verdict };
}
