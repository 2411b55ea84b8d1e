/**
 * Operator commands (propose, approve, reject, execute, abort, failback) and the
 * runner's DrainComplete report. A command that makes no sense in the current
 * phase is refused with a reason and an audit record — never ignored silently.
 * @module
 */
import { describeVerdict, sameOutcome } from './guardrails.ts';
import {
  assertNever,
  audit,
  bump,
  chooseTarget,
  enter,
  evaluateProposal,
  human,
  isAuthorized,
  moveOwnership,
  msOf,
  openProposal,
  recordVerdict,
  requiredApprovals,
  type PendingState,
  type StepContext,
} from './transitions.ts';
import { SYSTEM_ACTOR, type FailoverEvent, type FailoverState, type GuardrailVerdict, type OperatorCommand, type Rejection, type RejectionCode } from './types.ts';

/** A handler's answer: the next state and, when refused, why. */
export interface Handled {
  readonly state: FailoverState;
  readonly rejection?: Rejection;
}

/** Subjects with this prefix are Lintas itself; no API caller may use one. */
const RESERVED_ACTOR_PREFIX = 'system:';

function refuse(ctx: StepContext, s: FailoverState, cmd: OperatorCommand, code: RejectionCode, message: string, guardrails?: GuardrailVerdict): Handled {
  audit(ctx, s, s, {
    actor: cmd.actor,
    action: 'Refuse',
    command: cmd.type,
    reason: cmd.reason,
    refusal: { code, message },
    ...(cmd.changeRequest === undefined ? {} : { changeRequest: cmd.changeRequest }),
    ...(guardrails === undefined ? {} : { guardrails }),
  });
  return { state: s, rejection: { code, message, ...(guardrails === undefined ? {} : { guardrails }) } };
}

/** Why `cmd` has no meaning in phase `s.phase`, in words an operator can act on. */
function phaseProblem(s: FailoverState, cmd: OperatorCommand): string {
  switch (s.phase) {
    case 'Normal':
      return `${s.primary} owns the domain and no failover is in progress`;
    case 'Degraded':
      return `${s.primary} is unhealthy but no failover has been proposed`;
    case 'FailoverPending':
    case 'FailbackPending':
      return `a ${s.proposal.direction.toLowerCase()} to ${s.proposal.target} proposed by ${s.proposal.proposer} at ${s.proposal.at} is pending; approve, reject or abort it`;
    case 'FailingOver':
      return `ownership already moved to ${s.owner} at epoch ${s.epoch} and cannot be undone mid-drain; wait for FailedOver, then fail back`;
    case 'FailingBack':
      return `ownership is already returning to ${s.owner} at epoch ${s.epoch}; wait for the drain to finish`;
    case 'FailedOver':
      return cmd.type === 'Propose'
        ? `the domain already failed over to ${s.owner} at epoch ${s.epoch}; use failback to return it to ${s.primary}`
        : `the failover to ${s.owner} is complete (epoch ${s.epoch}); use failback to return it to ${s.primary}`;
    case 'Aborted':
      return `the failover was aborted by ${s.aborted.by} at ${s.aborted.at}; propose again to restart it`;
    default:
      return assertNever(s, 'phase');
  }
}

const invalid = (ctx: StepContext, s: FailoverState, cmd: OperatorCommand): Handled =>
  refuse(ctx, s, cmd, 'InvalidInPhase', `cannot ${cmd.type.toLowerCase()} in phase ${s.phase}: ${phaseProblem(s, cmd)}`);

const isPending = (s: FailoverState): s is PendingState => s.phase === 'FailoverPending' || s.phase === 'FailbackPending';

function propose(ctx: StepContext, s: FailoverState, cmd: OperatorCommand & { type: 'Propose' }): Handled {
  if (s.phase !== 'Normal' && s.phase !== 'Degraded' && s.phase !== 'Aborted') return invalid(ctx, s, cmd);
  if (cmd.target !== undefined && !ctx.settings.targets.includes(cmd.target)) {
    return refuse(ctx, s, cmd, 'UnknownTarget', `"${cmd.target}" is not a destination of this policy; .spec.to lists ${ctx.settings.targets.join(', ')}`);
  }
  const target = cmd.target ?? chooseTarget(ctx, s).target;
  const proposal = { direction: 'Failover' as const, proposer: cmd.actor, at: ctx.now, target, reason: cmd.reason, approvals: [], ...optionalCr(cmd) };
  return { state: openProposal(ctx, s, proposal, { actor: cmd.actor, action: 'Propose', command: cmd.type, reason: cmd.reason, target, ...optionalCr(cmd) }) };
}

function approve(ctx: StepContext, s: FailoverState, cmd: OperatorCommand & { type: 'Approve' }): Handled {
  if (!isPending(s)) return invalid(ctx, s, cmd);
  const { proposal } = s;
  if (ctx.settings.distinctFromProposer && cmd.actor === proposal.proposer) {
    return refuse(ctx, s, cmd, 'SelfApproval', `${cmd.actor} proposed this ${proposal.direction.toLowerCase()} and cannot approve it (approvals.distinctFromProposer)`);
  }
  const earlier = proposal.approvals.find((a) => a.by === cmd.actor);
  if (earlier !== undefined) return refuse(ctx, s, cmd, 'DuplicateApproval', `${cmd.actor} already approved this proposal at ${earlier.at}`);
  const approvals = [...proposal.approvals, { by: cmd.actor, at: ctx.now, reason: cmd.reason, ...optionalCr(cmd) }];
  const next = bump(ctx, s, { proposal: { ...proposal, approvals } }, {
    actor: cmd.actor,
    action: 'Approve',
    command: cmd.type,
    reason: cmd.reason,
    target: proposal.target,
    ...optionalCr(cmd),
  });
  return { state: next };
}

function reject(ctx: StepContext, s: FailoverState, cmd: OperatorCommand & { type: 'Reject' | 'Abort' }): Handled {
  const input = { actor: cmd.actor, action: cmd.type, command: cmd.type, reason: cmd.reason, ...optionalCr(cmd) };
  const record = { by: cmd.actor, at: ctx.now, reason: cmd.reason, ...optionalCr(cmd) };
  switch (s.phase) {
    case 'FailoverPending':
      return { state: enter(ctx, s, { phase: 'Aborted', aborted: record }, {}, { ...input, target: s.proposal.target }) };
    case 'FailbackPending':
      // Withdrawing a failback leaves the failover in place: the domain simply stays with its current owner.
      return { state: enter(ctx, s, { phase: 'FailedOver' }, {}, { ...input, target: s.proposal.target }) };
    case 'Degraded':
      // Aborting before a proposal exists is an operator's standing "no": Lintas will not propose on its own.
      return cmd.type === 'Abort' ? { state: enter(ctx, s, { phase: 'Aborted', aborted: record }, {}, input) } : invalid(ctx, s, cmd);
    case 'Normal':
    case 'FailingOver':
    case 'FailedOver':
    case 'FailingBack':
    case 'Aborted':
      return invalid(ctx, s, cmd);
    default:
      return assertNever(s, 'phase');
  }
}

function execute(ctx: StepContext, s: FailoverState, cmd: OperatorCommand & { type: 'Execute' }): Handled {
  if (!isPending(s)) return invalid(ctx, s, cmd);
  const needed = requiredApprovals(ctx, s.proposal.direction);
  if (!isAuthorized(ctx, s.proposal)) {
    return refuse(ctx, s, cmd, 'NotApproved', `needs ${needed} approval(s), has ${s.proposal.approvals.length}`);
  }
  const { target, verdict } = evaluateProposal(ctx, s);
  if (!verdict.pass) {
    const recorded = recordVerdict(ctx, s, verdict, !sameOutcome(s.guardrails, verdict));
    return refuse(ctx, recorded, cmd, 'GuardrailsBlocked', describeVerdict(verdict), verdict);
  }
  return { state: moveOwnership({ ...ctx, executor: { actor: cmd.actor, reason: cmd.reason, ...optionalCr(cmd) } }, s, target, verdict) };
}

function failback(ctx: StepContext, s: FailoverState, cmd: OperatorCommand & { type: 'Failback' }): Handled {
  if (s.phase !== 'FailedOver') return invalid(ctx, s, cmd);
  const health = s.primaryHealth;
  const need = human(ctx.settings.stableForMs);
  if (health === undefined || !health.ready) {
    return refuse(ctx, s, cmd, 'NotStable', `${s.primary} is not regionally ready; failback needs it ready for ${need} (failback.stableFor)`);
  }
  const stableMs = ctx.nowMs - msOf(health.since);
  if (stableMs < ctx.settings.stableForMs) {
    return refuse(ctx, s, cmd, 'NotStable', `${s.primary} has been ready for ${human(stableMs)}; failback needs ${need} (failback.stableFor)`);
  }
  const proposal = { direction: 'Failback' as const, proposer: cmd.actor, at: ctx.now, target: s.primary, reason: cmd.reason, approvals: [], ...optionalCr(cmd) };
  return { state: openProposal(ctx, s, proposal, { actor: cmd.actor, action: 'Propose', command: cmd.type, reason: cmd.reason, target: s.primary, ...optionalCr(cmd) }) };
}

function optionalCr(cmd: { readonly changeRequest?: string }): { changeRequest?: string } {
  return cmd.changeRequest === undefined ? {} : { changeRequest: cmd.changeRequest };
}

/** Applies an operator command; the executor of any ownership move this step makes is the command's actor. */
export function applyCommand(ctx: StepContext, s: FailoverState, cmd: OperatorCommand): Handled {
  if (cmd.actor.trim() === '') return refuse(ctx, s, cmd, 'InvalidCommand', 'a command needs an actor (the authenticated subject)');
  if (cmd.actor.startsWith(RESERVED_ACTOR_PREFIX)) return refuse(ctx, s, cmd, 'InvalidCommand', `subjects starting with "${RESERVED_ACTOR_PREFIX}" are reserved for Lintas itself`);
  if (cmd.reason.trim() === '') return refuse(ctx, s, cmd, 'InvalidCommand', 'a command needs a reason');
  switch (cmd.type) {
    case 'Propose':
      return propose(ctx, s, cmd);
    case 'Approve':
      return approve(ctx, s, cmd);
    case 'Reject':
    case 'Abort':
      return reject(ctx, s, cmd);
    case 'Execute':
      return execute(ctx, s, cmd);
    case 'Failback':
      return failback(ctx, s, cmd);
    default:
      return assertNever(cmd, 'command');
  }
}

/** The runner's report that the previous owner's in-flight mutations finished; stale reports are refused. */
export function applyDrainComplete(ctx: StepContext, s: FailoverState, event: FailoverEvent & { type: 'DrainComplete' }): Handled {
  if (s.phase !== 'FailingOver' && s.phase !== 'FailingBack') {
    return { state: s, rejection: { code: 'StaleDrain', message: `no drain in progress in phase ${s.phase} (report for ${event.cluster} at epoch ${event.epoch})` } };
  }
  if (event.cluster !== s.drain.cluster || event.epoch !== s.drain.epoch) {
    return { state: s, rejection: { code: 'StaleDrain', message: `the drain in progress is ${s.drain.cluster} at epoch ${s.drain.epoch}, not ${event.cluster} at epoch ${event.epoch}` } };
  }
  const phase = s.phase === 'FailingOver' ? 'FailedOver' : 'Normal';
  const state = enter(ctx, s, { phase }, {}, {
    actor: SYSTEM_ACTOR,
    action: 'DrainComplete',
    reason: `in-flight mutations to ${s.drain.cluster} finished; ${s.owner} owns the domain at epoch ${s.epoch}`,
    target: s.owner,
  });
  return { state };
}
