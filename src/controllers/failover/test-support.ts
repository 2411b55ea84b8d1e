/**
 * Test helpers for the failover reducer: a policy builder (through the real
 * schema), timed events, a fold over `step`, and canonical states in every
 * phase reached by driving the reducer (so every fixture state is reachable).
 * @module
 */
import { FailoverPolicy, LINTAS_V1ALPHA1, type FailoverMode } from '../../api/index.ts';
import { initialFailoverState, step } from './reducer.ts';
import type { FailoverEffect, FailoverEvent, FailoverPhase, FailoverState, HealthObservation, StepResult } from './types.ts';

/** The owner that fails over. */
export const PRIMARY = 'sgp-prod-1';
/** The preferred destination. */
export const JKT = 'jkt-prod-1';
/** The second destination. */
export const TYO = 'tyo-prod-1';
const T0_MS = Date.parse('2026-05-01T12:00:00.000Z');

/** RFC 3339 time `seconds` after the fixtures' epoch. */
export const t = (seconds: number): string => new Date(T0_MS + seconds * 1000).toISOString();

/** Knobs of {@link makePolicy}; everything else is the issue's example policy. */
export interface PolicyOptions {
  readonly mode?: FailoverMode;
  readonly failbackMode?: FailoverMode;
  readonly required?: number;
  readonly distinct?: boolean;
  readonly to?: readonly string[];
  readonly unhealthyFor?: string;
  readonly stableFor?: string;
}

/** A FailoverPolicy for sgp-prod-1 → [jkt-prod-1, tyo-prod-1], parsed by the real schema (defaults applied). */
export function makePolicy(o: PolicyOptions = {}): FailoverPolicy {
  const mode = o.mode ?? 'Guarded';
  const failbackMode = o.failbackMode ?? 'Manual';
  const usesApprovals = mode !== 'Automatic' || failbackMode !== 'Automatic';
  return FailoverPolicy.parse({
    apiVersion: LINTAS_V1ALPHA1,
    kind: 'FailoverPolicy',
    metadata: { name: 'case-writes', namespace: 'cases' },
    spec: {
      targetRef: { kind: 'TrafficPolicy', name: 'cases' },
      mode,
      from: PRIMARY,
      to: o.to ?? [JKT, TYO],
      detection: { unhealthyFor: o.unhealthyFor ?? '30s' },
      guardrails: { secondaryRegionalReady: true, dependenciesReady: true, minHeadroomFraction: 0.3, maxReplicationLagSeconds: 5 },
      ...(usesApprovals ? { approvals: { required: o.required ?? 1, distinctFromProposer: o.distinct ?? true } } : {}),
      failback: { mode: failbackMode, stableFor: o.stableFor ?? '10m' },
    },
  });
}

/** An event and the time (seconds) it is applied at. */
export interface Timed {
  readonly at: number;
  readonly event: FailoverEvent;
}

function health(cluster: string, at: number, fields: Omit<HealthObservation, 'cluster' | 'at'>): Timed {
  return { at, event: { type: 'Health', observation: { cluster, at: t(at), ...fields } } };
}

/** A cluster that passes every guardrail. */
export const ready = (cluster: string, at: number): Timed =>
  health(cluster, at, { regionalReady: true, failoverReady: true, dependenciesReady: true, headroomFraction: 0.5, replicationLagSeconds: 1 });
/** A cluster that is not regionally ready. */
export const down = (cluster: string, at: number): Timed =>
  health(cluster, at, { regionalReady: false, failoverReady: false, dependenciesReady: false, headroomFraction: 0.5, replicationLagSeconds: 1 });
/** A ready cluster whose replication lag (10 s) blocks the 5 s guardrail. */
export const lagging = (cluster: string, at: number): Timed =>
  health(cluster, at, { regionalReady: true, failoverReady: false, dependenciesReady: true, headroomFraction: 0.5, replicationLagSeconds: 10 });
/** A timer tick. */
export const tick = (at: number): Timed => ({ at, event: { type: 'Tick' } });
/** The runner's drain report. */
export const drained = (cluster: string, epoch: number, at: number): Timed => ({ at, event: { type: 'DrainComplete', cluster, epoch } });

type CommandType = 'Propose' | 'Approve' | 'Reject' | 'Execute' | 'Abort' | 'Failback';
/** An operator command by `actor` with a reason. */
export function command(type: CommandType, actor: string, at: number, extra: { target?: string; changeRequest?: string } = {}): Timed {
  const base = { actor, reason: `${actor} says ${type.toLowerCase()}`, ...(extra.changeRequest === undefined ? {} : { changeRequest: extra.changeRequest }) };
  const event: FailoverEvent = type === 'Propose' ? { type, ...base, ...(extra.target === undefined ? {} : { target: extra.target }) } : { type, ...base };
  return { at, event };
}

/** The fold of `events` over `step`: the final state, every step's result, and all effects in order. */
export interface Run {
  readonly state: FailoverState;
  readonly results: readonly StepResult[];
  readonly effects: readonly FailoverEffect[];
}

/** Applies `events` in order, each at its own time. */
export function run(policy: FailoverPolicy, state: FailoverState, events: readonly Timed[]): Run {
  const results: StepResult[] = [];
  let s = state;
  for (const e of events) {
    const r = step(s, e.event, policy, t(e.at));
    results.push(r);
    s = r.state;
  }
  return { state: s, results, effects: results.flatMap((r) => r.effects) };
}

/** Effects as short strings for tables: `Audit:<action>`, `Alert:<name>`, or the effect type. */
export function summarize(effects: readonly FailoverEffect[]): string[] {
  return effects.map((e) => (e.type === 'Audit' ? `Audit:${e.record.action}` : e.type === 'Alert' ? `Alert:${e.alert}` : e.type));
}

/** A one-line description of a timed event for test names. */
export function describeTimed(e: Timed): string {
  const ev = e.event;
  switch (ev.type) {
    case 'Health': {
      const o = ev.observation;
      const state = !o.regionalReady ? 'down' : (o.replicationLagSeconds ?? 0) > 5 ? 'lagging' : 'ready';
      return `Health ${o.cluster} ${state} @${e.at}s`;
    }
    case 'Tick':
      return `Tick @${e.at}s`;
    case 'DrainComplete':
      return `DrainComplete ${ev.cluster}#${ev.epoch} @${e.at}s`;
    default:
      return `${ev.type} by ${ev.actor}${ev.type === 'Propose' && ev.target ? ` to ${ev.target}` : ''} @${e.at}s`;
  }
}

/**
 * The events that bring a fresh domain to `phase` under a policy of `mode` (failback Manual), and the
 * time of the last one. All clusters are healthy at 0 s, sgp-prod-1 fails at 1 s. In Automatic mode the
 * destinations lag at first, so that FailoverPending (blocked) exists; jkt-prod-1 catches up at 32 s.
 */
export function pathTo(phase: FailoverPhase, mode: FailoverMode): { readonly events: readonly Timed[]; readonly now: number } {
  const auto = mode === 'Automatic';
  const normal = [ready(PRIMARY, 0), auto ? lagging(JKT, 0) : ready(JKT, 0), auto ? lagging(TYO, 0) : ready(TYO, 0)];
  const degraded = [...normal, down(PRIMARY, 1)];
  const pending = [...degraded, mode === 'Manual' ? command('Propose', 'bob', 31) : tick(31)];
  const failingOver = [...pending, auto ? ready(JKT, 32) : command('Approve', 'alice', 32)];
  const failedOver = [...failingOver, drained(PRIMARY, 1, 33)];
  const failbackPending = [...failedOver, ready(PRIMARY, 40), ready(PRIMARY, 640), command('Failback', 'bob', 640)];
  const failingBack = [...failbackPending, command('Approve', 'alice', 641)];
  const aborted = [...pending, command(auto ? 'Abort' : 'Reject', 'alice', 32)];
  const paths: Record<FailoverPhase, readonly Timed[]> = {
    Normal: normal,
    Degraded: degraded,
    FailoverPending: pending,
    FailingOver: failingOver,
    FailedOver: failedOver,
    FailbackPending: failbackPending,
    FailingBack: failingBack,
    Aborted: aborted,
  };
  const events = paths[phase];
  return { events, now: events[events.length - 1]?.at ?? 0 };
}

/** A state in `phase` under `policy` (of `mode`), reached through the reducer; throws if the path misbehaves. */
export function reach(phase: FailoverPhase, mode: FailoverMode, policy: FailoverPolicy): { readonly state: FailoverState; readonly now: number } {
  const { events, now } = pathTo(phase, mode);
  const r = run(policy, initialFailoverState(PRIMARY, t(0)), events);
  const refused = r.results.find((x) => x.rejection !== undefined);
  if (refused?.rejection) throw new Error(`path to ${phase} (${mode}) was refused: ${refused.rejection.message}`);
  if (r.state.phase !== phase) throw new Error(`path to ${phase} (${mode}) ended in ${r.state.phase}`);
  return { state: r.state, now };
}
