/**
 * Governed failover as one pure reducer: `step(state, event, policy, now) → { state, effects }`
 * (seed 000 §11.3 "failover is a state machine, not a DNS switch"; §20; seed 001 §14.1).
 *
 * One state machine per ownership domain and owner: a FailoverPolicy whose `from`
 * lists several clusters runs one machine per listed cluster (its `primary`).
 *
 * ```text
 *                         primary not regionally ready
 *            +--------+ --------------------------------> +----------+
 *   +------> | Normal |                                   | Degraded | ------------- Abort -------------+
 *   |        +--------+ <-------------------------------- +----------+                                  |
 *   |          |  ^  ^    ready again before the dwell         |   Manual: alert OwnerUnhealthy once     |
 *   |          |  |  |    (hysteresis: nothing proposed)       |   the dwell has elapsed, then wait      |
 *   |  Propose |  |  |                                         |                                         |
 *   | (planned)|  |  |                                         | dwell elapsed: Lintas proposes          |
 *   |          |  |  |                                         v (Automatic, Guarded); or Propose        v
 *   |          |  |  |                               +-----------------+    Reject / Abort        +---------+
 *   |          +--|--|-----------------------------> | FailoverPending | -----------------------> | Aborted |
 *   |             |  +------------------------------ |                 | <----------------------- |         |
 *   |             |    Lintas's own proposal and the +-----------------+         Propose          +---------+
 *   |             |    primary ready for unhealthyFor        |                                         |
 *   |             |    (withdrawn)                           | approvals >= required (0 in Automatic)  |
 *   |             |                                          | and every guardrail green:              |
 *   |             |                                          v epoch+1, MoveOwnership, DrainMutations  |
 *   |             |                                   +-------------+                                  |
 *   |             |                                   | FailingOver |                                  |
 *   |             |                                   +-------------+                                  |
 *   |             |                                          | DrainComplete(epoch) or drain deadline  |
 *   |             |                                          v                                         |
 *   |             |    new owner unhealthy: alert     +------------+                                   |
 *   |             |    only (no cascading failover)   | FailedOver | <---------------+                 |
 *   |             |                                   +------------+                 |                 |
 *   |             |                                          | primary ready for     | Reject / Abort, |
 *   |             |                                          | failback.stableFor:   | or the primary  |
 *   |             |                                          | Lintas proposes       | not ready again |
 *   |             |                                          | (failback Automatic,  |                 |
 *   |             |                                          | Guarded) or Failback  |                 |
 *   |             |                                          v                       |                 |
 *   |             |                                 +-----------------+              |                 |
 *   |             |                                 | FailbackPending | -------------+                 |
 *   |             |                                 +-----------------+                                |
 *   |             |                                          | approvals >= required and guardrails    |
 *   |             |                                          v green on the primary: epoch+1           |
 *   |             |                                   +-------------+                                  |
 *   +-------------|-- DrainComplete or deadline ----- | FailingBack |                                  |
 *                 |                                   +-------------+                                  |
 *                 |                                                                                    |
 *                 +------------------------------------------------------------------------------------+
 *                   Aborted -> Normal: the primary ready for detection.unhealthyFor
 * ```
 *
 * Modes (seed 000 §20.2), for failover (`mode`) and failback (`failback.mode`) alike:
 * - Automatic: Lintas proposes when the dwell (stability window) ends and moves ownership as soon as
 *   every guardrail is green; an unapproved Lintas proposal may pick any destination that is green.
 * - Guarded: Lintas proposes; `approvals.required` subjects approve (never the proposer when
 *   `distinctFromProposer`); the approval completing the quorum executes if the guardrails are green,
 *   otherwise the first health evaluation or tick that finds them green does.
 * - Manual: Lintas only alerts; an operator proposes, and approvals work as in Guarded.
 * Aborted is an operator's standing "no": Lintas proposes nothing on its own until the primary has
 * been ready for `detection.unhealthyFor` (then Normal), though an operator may propose again.
 *
 * Rules that hold everywhere:
 * - Time only matters through `now`; a Tick changes nothing that a later event would not. After
 *   every event the automatic rules run to a fixed point, so one step may chain transitions
 *   (Degraded → FailoverPending → FailingOver in Automatic mode), each with its own Audit effect.
 * - The epoch (fencing token) increases by exactly one on entering FailingOver and FailingBack and
 *   never otherwise; ownership (`owner`) changes at the same moment, not at the end of the drain.
 * - Operator commands that make no sense in a phase return a `rejection` (and a `Refuse` audit
 *   record); stale DrainComplete reports are rejected without audit. Health of clusters outside
 *   the domain and out-of-order evaluations are ignored.
 * - Compare-and-set: the runner reads (state, revision), calls `step`, and writes the new state only
 *   if the stored revision is still the one it read (the epoch is part of that state, so two
 *   replicas can never both move ownership to the same epoch). On a conflict it reloads and
 *   re-applies the event: `step` is pure, so that is safe, and a command that lost the race is then
 *   judged against the winner's state. Effects run only after the write succeeded; MoveOwnership is
 *   idempotent per epoch and data planes refuse mutations stamped with an older epoch.
 * @module
 */
import { applyCommand, applyDrainComplete, type Handled } from './commands.ts';
import { sameOutcome } from './guardrails.ts';
import { failoverSettings, type FailoverSettings } from './settings.ts';
import {
  assertNever,
  bump,
  chooseTarget,
  enter,
  evaluateProposal,
  human,
  isAuthorized,
  isoAt,
  moveOwnership,
  msOf,
  openProposal,
  recordVerdict,
  type PendingState,
  type StepContext,
} from './transitions.ts';
import { SYSTEM_ACTOR, type FailoverEffect, type FailoverEvent, type FailoverState, type HealthObservation, type StepResult } from './types.ts';
import type { FailoverPolicy } from '../../api/index.ts';

/** More automatic transitions than this in one step means a rule cycles: a bug, reported loudly. */
const MAX_CHAIN = 8;

/** The state of a domain Lintas has just started governing: the primary owns it at epoch 0. */
export function initialFailoverState(primary: string, now: string): FailoverState {
  return { phase: 'Normal', primary, owner: primary, epoch: 0, revision: 0, phaseSince: now, observations: {} };
}

/** How long the primary has been continuously ready at `now`; undefined while it is not ready. */
function readyForMs(ctx: StepContext, s: FailoverState): number | undefined {
  return s.primaryHealth?.ready ? ctx.nowMs - msOf(s.primaryHealth.since) : undefined;
}

const fromHealth = (ctx: StepContext): { health?: HealthObservation } => (ctx.trigger === undefined ? {} : { health: ctx.trigger });

/** Records a health evaluation of a domain cluster: latest observation, the primary's streak, the owner-unhealthy edge. */
function observe(ctx: StepContext, s: FailoverState, obs: HealthObservation): FailoverState {
  if (obs.cluster !== s.primary && !ctx.settings.targets.includes(obs.cluster)) return s;
  const atMs = msOf(obs.at);
  const previous = s.observations[obs.cluster];
  if (Number.isNaN(atMs) || (previous !== undefined && msOf(previous.at) > atMs)) return s;
  const observations = Object.fromEntries(
    Object.entries({ ...s.observations, [obs.cluster]: obs }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  let primaryHealth = s.primaryHealth;
  if (obs.cluster === s.primary && primaryHealth?.ready !== obs.regionalReady) {
    // A streak starts at its first observation, never in the future of the step.
    primaryHealth = { ready: obs.regionalReady, since: atMs > ctx.nowMs ? ctx.now : obs.at };
  }
  if (s.phase === 'FailedOver' && obs.cluster === s.owner && !obs.regionalReady && previous?.regionalReady !== false) {
    ctx.effects.push({
      type: 'Alert',
      alert: 'OwnerUnhealthy',
      severity: 'critical',
      cluster: s.owner,
      message: `${s.owner} owns ${s.primary}'s domain since the failover (epoch ${s.epoch}) and is not regionally ready; Lintas does not cascade to another region on its own`,
    });
  }
  return { ...s, observations, ...(primaryHealth === undefined ? {} : { primaryHealth }) };
}

/** FailoverPending / FailbackPending: withdraw when the reason is gone, move ownership when authorised and green. */
function advancePending(ctx: StepContext, s: PendingState): FailoverState | undefined {
  const { proposal } = s;
  const { unhealthyForMs } = ctx.settings;
  if (proposal.direction === 'Failover') {
    const ready = readyForMs(ctx, s);
    if (proposal.proposer === SYSTEM_ACTOR && ready !== undefined && ready >= unhealthyForMs) {
      const reason = `${s.primary} has been regionally ready for ${human(ready)}; Lintas withdraws its failover proposal`;
      return enter(ctx, s, { phase: 'Normal' }, {}, { actor: SYSTEM_ACTOR, action: 'Withdraw', reason, target: proposal.target, ...fromHealth(ctx) });
    }
  } else if (s.primaryHealth?.ready !== true) {
    const reason = `${s.primary} is not regionally ready any more; the failback is withdrawn and ${s.owner} keeps the domain`;
    return enter(ctx, s, { phase: 'FailedOver' }, {}, { actor: SYSTEM_ACTOR, action: 'Withdraw', reason, target: proposal.target, ...fromHealth(ctx) });
  }
  if (!isAuthorized(ctx, proposal)) return undefined;
  const { target, verdict } = evaluateProposal(ctx, s);
  return verdict.pass ? moveOwnership(ctx, s, target, verdict) : undefined;
}

/** The automatic transition of `s` at `now`, if any (dwell, hysteresis, stability, drain deadline, withdrawal). */
function automatic(ctx: StepContext, s: FailoverState): FailoverState | undefined {
  const { settings } = ctx;
  switch (s.phase) {
    case 'Normal': {
      if (s.primaryHealth?.ready !== false) return undefined;
      const reason = `${s.primary} is not regionally ready; a failover is proposed if it stays so for ${human(settings.unhealthyForMs)}`;
      return enter(ctx, s, { phase: 'Degraded', escalated: false }, {}, { actor: SYSTEM_ACTOR, action: 'Detect', reason, ...fromHealth(ctx) });
    }
    case 'Degraded': {
      const health = s.primaryHealth;
      if (health === undefined || health.ready) {
        const reason = `${s.primary} is regionally ready again before the ${human(settings.unhealthyForMs)} dwell elapsed; no failover is proposed`;
        return enter(ctx, s, { phase: 'Normal' }, {}, { actor: SYSTEM_ACTOR, action: 'Recover', reason, ...fromHealth(ctx) });
      }
      const unhealthyMs = ctx.nowMs - msOf(health.since);
      if (unhealthyMs < settings.unhealthyForMs) return undefined;
      const reason = `${s.primary} has not been regionally ready for ${human(unhealthyMs)} (detection.unhealthyFor ${human(settings.unhealthyForMs)})`;
      if (settings.mode === 'Manual') {
        if (s.escalated) return undefined;
        const next = bump(ctx, s, { escalated: true }, { actor: SYSTEM_ACTOR, action: 'Escalate', reason: `${reason}; mode Manual: an operator must propose a failover` });
        ctx.effects.push({ type: 'Alert', alert: 'OwnerUnhealthy', severity: 'critical', cluster: s.primary, message: `${reason}; mode Manual: an operator must propose a failover` });
        return next;
      }
      const { target } = chooseTarget(ctx, s);
      const proposal = { direction: 'Failover' as const, proposer: SYSTEM_ACTOR, at: ctx.now, target, reason, approvals: [] };
      return openProposal(ctx, s, proposal, { actor: SYSTEM_ACTOR, action: 'Propose', reason, target });
    }
    case 'FailoverPending':
    case 'FailbackPending':
      return advancePending(ctx, s);
    case 'FailingOver':
    case 'FailingBack': {
      if (ctx.nowMs < msOf(s.drain.deadline)) return undefined;
      const reason = `in-flight mutations to ${s.drain.cluster} did not all finish by ${s.drain.deadline}; ${s.owner} owns the domain at epoch ${s.epoch} regardless and mutations stamped with an older epoch are refused`;
      const next = enter(ctx, s, { phase: s.phase === 'FailingOver' ? 'FailedOver' : 'Normal' }, {}, { actor: SYSTEM_ACTOR, action: 'DrainTimeout', reason, target: s.owner });
      ctx.effects.push({ type: 'Alert', alert: 'DrainTimedOut', severity: 'warning', cluster: s.drain.cluster, message: reason });
      return next;
    }
    case 'FailedOver': {
      const ready = readyForMs(ctx, s);
      if (settings.failbackMode === 'Manual' || ready === undefined || ready < settings.stableForMs) return undefined;
      const reason = `${s.primary} has been regionally ready for ${human(ready)} (failback.stableFor ${human(settings.stableForMs)})`;
      const proposal = { direction: 'Failback' as const, proposer: SYSTEM_ACTOR, at: ctx.now, target: s.primary, reason, approvals: [] };
      return openProposal(ctx, s, proposal, { actor: SYSTEM_ACTOR, action: 'Propose', reason, target: s.primary });
    }
    case 'Aborted': {
      const ready = readyForMs(ctx, s);
      if (ready === undefined || ready < settings.unhealthyForMs) return undefined;
      const reason = `${s.primary} has been regionally ready for ${human(ready)}; the aborted failover is closed`;
      return enter(ctx, s, { phase: 'Normal' }, {}, { actor: SYSTEM_ACTOR, action: 'Resume', reason, ...fromHealth(ctx) });
    }
    default:
      return assertNever(s, 'phase');
  }
}

function settle(ctx: StepContext, state: FailoverState): FailoverState {
  let s = state;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = automatic(ctx, s);
    if (next === undefined) return s;
    s = next;
  }
  throw new Error(`failover: more than ${MAX_CHAIN} automatic transitions in one step (now in ${s.phase}); a rule cycles`);
}

/** Keeps the guardrail evidence of a pending proposal current, auditing and alerting when the outcome changes. */
function refreshVerdict(ctx: StepContext, s: FailoverState): FailoverState {
  if (s.phase !== 'FailoverPending' && s.phase !== 'FailbackPending') return s;
  const { verdict } = evaluateProposal(ctx, s);
  return recordVerdict(ctx, s, verdict, !sameOutcome(s.guardrails, verdict));
}

function deadlineOf(s: FailoverState, settings: FailoverSettings): string | undefined {
  const after = (since: string, ms: number): string => isoAt(msOf(since) + ms);
  const health = s.primaryHealth;
  switch (s.phase) {
    case 'Normal':
    case 'FailbackPending':
      return undefined;
    case 'Degraded':
      return s.escalated || health === undefined || health.ready ? undefined : after(health.since, settings.unhealthyForMs);
    case 'FailoverPending':
      return s.proposal.proposer === SYSTEM_ACTOR && health?.ready ? after(health.since, settings.unhealthyForMs) : undefined;
    case 'FailingOver':
    case 'FailingBack':
      return s.drain.deadline;
    case 'FailedOver':
      return settings.failbackMode !== 'Manual' && health?.ready ? after(health.since, settings.stableForMs) : undefined;
    case 'Aborted':
      return health?.ready ? after(health.since, settings.unhealthyForMs) : undefined;
    default:
      return assertNever(s, 'phase');
  }
}

/**
 * When the state next changes by time alone (dwell, stability window, drain deadline), or undefined.
 * The runner arms its one timer from this after a restart; `step` emits ScheduleTick when it changes.
 */
export function nextDeadline(state: FailoverState, policy: FailoverPolicy): string | undefined {
  return deadlineOf(state, failoverSettings(policy));
}

/** Applies one event at `now` (RFC 3339) under `policy`; pure: same inputs, same result. */
export function step(state: FailoverState, event: FailoverEvent, policy: FailoverPolicy, now: string): StepResult {
  const nowMs = msOf(now);
  if (Number.isNaN(nowMs)) throw new RangeError(`failover step: now must be an RFC 3339 time, got "${now}"`);
  const effects: FailoverEffect[] = [];
  const base: StepContext = { settings: failoverSettings(policy), now, nowMs, effects };
  let ctx = base;
  let handled: Handled;
  switch (event.type) {
    case 'Health':
      ctx = { ...base, trigger: event.observation };
      handled = { state: observe(ctx, state, event.observation) };
      break;
    case 'Tick':
      handled = { state };
      break;
    case 'DrainComplete':
      handled = applyDrainComplete(ctx, state, event);
      break;
    case 'Propose':
    case 'Approve':
    case 'Reject':
    case 'Execute':
    case 'Abort':
    case 'Failback':
      ctx = { ...base, executor: { actor: event.actor, reason: event.reason, ...(event.changeRequest === undefined ? {} : { changeRequest: event.changeRequest }) } };
      handled = applyCommand(ctx, state, event);
      break;
    default:
      return assertNever(event, 'event');
  }
  // A refused command authorises nothing: later automatic moves in this step are Lintas's own.
  let s = settle(handled.rejection === undefined ? ctx : base, handled.state);
  s = refreshVerdict(base, s);
  const next = deadlineOf(s, base.settings);
  if (next !== undefined && next !== deadlineOf(state, base.settings) && msOf(next) > nowMs) effects.push({ type: 'ScheduleTick', at: next });
  return { state: s, effects, ...(handled.rejection === undefined ? {} : { rejection: handled.rejection }) };
}
