/**
 * What the failover runner derives from its state machines, as pure functions:
 * the ownership the gateway routes by, the status the admin API serves, the
 * alerts that are active, and the audit drafts a step's records become.
 *
 * The gateway's epoch is one per TrafficPolicy (the ownership domain) and starts
 * at 1; a policy may run several machines (one per `from` cluster), so the domain
 * epoch is 1 + the sum of their epochs: it increases by exactly one on every
 * ownership move of any of them and never decreases.
 * @module
 */
import { failoverSources, type FailoverPolicy } from '../../api/index.ts';
import type { AuditDraft } from '../../store/index.ts';
import type { OwnershipState } from '../gateway/index.ts';
import { blockingChecks, describeVerdict } from './guardrails.ts';
import { nextDeadline } from './reducer.ts';
import { trafficPolicyKey } from './runner-health.ts';
import { failoverSettings } from './settings.ts';
import { FAILOVER_PHASES, type AlertName, type AuditRecord, type FailoverPhase, type FailoverState, type GuardrailEvidence, type Proposal } from './types.ts';

/** One state machine as the views see it. */
export interface MachineView {
  readonly policy: FailoverPolicy;
  readonly primary: string;
  readonly state: FailoverState;
}

/** `ns/name` of a FailoverPolicy. */
export const policyKeyOf = (policy: FailoverPolicy): string => `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;

/** The store key of one machine: `failover/<ns>/<name>/<from>`. */
export const machineKey = (policy: FailoverPolicy, primary: string): string => `failover/${policyKeyOf(policy)}/${primary}`;

/** True when `value` has the shape of a stored FailoverState for `primary`. */
export function isStoredState(value: unknown, primary: string): value is FailoverState {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<FailoverState>;
  return (FAILOVER_PHASES as readonly unknown[]).includes(s.phase) && s.primary === primary && typeof s.owner === 'string'
    && Number.isSafeInteger(s.epoch) && Number.isSafeInteger(s.revision) && typeof s.observations === 'object' && s.observations !== null;
}

/** The policy `ns/name` and owner of a machine key, or undefined for other keys. */
export function parseMachineKey(key: string): { policyKey: string; primary: string } | undefined {
  const parts = key.split('/');
  return parts.length === 4 && parts[0] === 'failover' ? { policyKey: `${parts[1]}/${parts[2]}`, primary: parts[3] as string } : undefined;
}

/** The ownership of one domain from the states of its machines (any order). */
export function domainOwnership(states: readonly FailoverState[]): OwnershipState {
  const moved = states
    .filter((s) => s.owner !== s.primary)
    .map((s) => ({ from: s.primary, to: s.owner }))
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  return { epoch: 1 + states.reduce((sum, s) => sum + s.epoch, 0), moved };
}

/** Owners whose machine is out of Normal without a move (the access log's `degraded` phase), sorted. */
export function degradedOwners(states: readonly FailoverState[]): string[] {
  return states.filter((s) => s.phase !== 'Normal' && s.owner === s.primary).map((s) => s.primary).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The ownership of every TrafficPolicy governed by a machine, by TrafficPolicy `ns/name` (keys sorted),
 * with the degraded owners when there are any (what the gateway routes and logs by; audit evidence
 * keeps {@link domainOwnership}, which only moves change).
 */
export function ownershipByTrafficPolicy(machines: readonly MachineView[]): Record<string, OwnershipState> {
  const byTp = new Map<string, FailoverState[]>();
  for (const m of machines) {
    const key = trafficPolicyKey(m.policy);
    byTp.set(key, [...(byTp.get(key) ?? []), m.state]);
  }
  return Object.fromEntries(
    [...byTp.keys()].sort().map((key) => {
      const states = byTp.get(key) ?? [];
      const degraded = degradedOwners(states);
      return [key, { ...domainOwnership(states), ...(degraded.length > 0 ? { degraded } : {}) }];
    }),
  );
}

/** A failing guardrail check with the destination and owner it concerns. */
export type BlockingGuardrail = GuardrailEvidence & { readonly primary: string; readonly cluster: string };

/** A proposal with the approvals it needs under the current policy. */
export type PendingProposal = Proposal & { readonly primary: string; readonly approvalsRequired: number };

/** The status of one machine. */
export interface MachineStatus {
  readonly primary: string;
  readonly phase: FailoverPhase;
  readonly owner: string;
  readonly epoch: number;
  readonly revision: number;
  readonly phaseSince: string;
  /** When time alone changes the state next (dwell, stability window, drain deadline). */
  readonly nextDeadline?: string;
  readonly state: FailoverState;
}

/** The status of one FailoverPolicy: what `GET /api/v1/failover` and `lintas failover status` show. */
export interface PolicyStatus {
  readonly namespace: string;
  readonly name: string;
  /** `ns/name` of the FailoverPolicy (the audit target). */
  readonly policy: string;
  /** `ns/name` of the TrafficPolicy whose ownership this governs. */
  readonly trafficPolicy: string;
  readonly mode: string;
  readonly failbackMode: string;
  /** The phase of the single machine, or of the first machine that is not Normal. */
  readonly state: FailoverPhase;
  /** The domain epoch the gateway stamps on mutations (X-Lintas-Owner-Epoch). */
  readonly epoch: number;
  /** Owner cluster (`from`) → the cluster that owns its keys now. */
  readonly owner: Readonly<Record<string, string>>;
  readonly moved: OwnershipState['moved'];
  readonly pending: readonly PendingProposal[];
  readonly blocking: readonly BlockingGuardrail[];
  readonly machines: readonly MachineStatus[];
  /** While a drain waits for them: the data planes (clusters) not yet serving the new ownership epoch. */
  readonly awaitingDataPlanes?: readonly string[];
}

const isPending = (s: FailoverState): s is FailoverState & { phase: 'FailoverPending' | 'FailbackPending' } => s.phase === 'FailoverPending' || s.phase === 'FailbackPending';

/** The status of one policy from its machines (in `from` order). */
export function policyStatus(policy: FailoverPolicy, machines: readonly MachineView[]): PolicyStatus {
  const settings = failoverSettings(policy);
  const own = domainOwnership(machines.map((m) => m.state));
  const pending: PendingProposal[] = [];
  const blocking: BlockingGuardrail[] = [];
  for (const { primary, state } of machines) {
    if (!isPending(state)) continue;
    const { proposal } = state;
    pending.push({ ...proposal, primary, approvalsRequired: proposal.direction === 'Failover' ? settings.failoverApprovals : settings.failbackApprovals });
    const verdict = state.guardrails;
    if (verdict !== undefined && !verdict.pass) for (const check of blockingChecks(verdict)) blocking.push({ ...check, primary, cluster: verdict.cluster });
  }
  const summary = machines.length === 1 ? machines[0]?.state.phase : machines.find((m) => m.state.phase !== 'Normal')?.state.phase;
  return {
    namespace: policy.metadata.namespace ?? 'default',
    name: policy.metadata.name,
    policy: policyKeyOf(policy),
    trafficPolicy: trafficPolicyKey(policy),
    mode: policy.spec.mode,
    failbackMode: policy.spec.failback.mode,
    state: summary ?? 'Normal',
    epoch: own.epoch,
    owner: Object.fromEntries(machines.map((m) => [m.primary, m.state.owner])),
    moved: own.moved,
    pending,
    blocking,
    machines: machines.map(({ primary, state }) => {
      const deadline = nextDeadline(state, policy);
      return {
        primary,
        phase: state.phase,
        owner: state.owner,
        epoch: state.epoch,
        revision: state.revision,
        phaseSince: state.phaseSince,
        ...(deadline === undefined ? {} : { nextDeadline: deadline }),
        state,
      };
    }),
  };
}

/** An alert that holds now (level-triggered, so it is right after a restart too). */
export interface ActiveAlert {
  readonly alert: AlertName;
  readonly severity: 'warning' | 'critical';
  /** `ns/name` of the FailoverPolicy. */
  readonly policy: string;
  readonly primary: string;
  readonly cluster: string;
  readonly message: string;
}

/** The alerts one machine's state raises now (seed 000 §24.3: pending approval, blocking guardrail, unhealthy owner). */
export function activeAlerts(m: MachineView): ActiveAlert[] {
  const { state: s, primary } = m;
  const policy = policyKeyOf(m.policy);
  const alerts: ActiveAlert[] = [];
  const add = (alert: AlertName, severity: ActiveAlert['severity'], cluster: string, message: string): void => {
    alerts.push({ alert, severity, policy, primary, cluster, message });
  };
  if (isPending(s)) {
    const settings = failoverSettings(m.policy);
    const { proposal } = s;
    const needed = proposal.direction === 'Failover' ? settings.failoverApprovals : settings.failbackApprovals;
    if (proposal.approvals.length < needed) {
      add('FailoverPendingApproval', 'warning', proposal.target, `${proposal.direction.toLowerCase()} of ${primary}'s domain to ${proposal.target} has ${proposal.approvals.length}/${needed} approval(s); proposed by ${proposal.proposer} at ${proposal.at}: ${proposal.reason}`);
    }
    if (s.guardrails !== undefined && !s.guardrails.pass) add('GuardrailBlocking', 'warning', s.guardrails.cluster, describeVerdict(s.guardrails));
  }
  if (s.phase === 'Degraded' && s.escalated) add('OwnerUnhealthy', 'critical', primary, `${primary} is not regionally ready and mode Manual waits for an operator to propose a failover`);
  if ((s.phase === 'FailedOver' || s.phase === 'FailbackPending') && s.observations[s.owner]?.regionalReady === false) {
    add('OwnerUnhealthy', 'critical', s.owner, `${s.owner} owns ${primary}'s domain since the failover (epoch ${s.epoch}) and is not regionally ready`);
  }
  return alerts;
}

/** What a step's audit records become in the store, with the owner/epoch before each and the domain's ownership diff on moves. */
export function auditDrafts(input: {
  readonly policy: FailoverPolicy;
  readonly before: FailoverState;
  readonly records: readonly AuditRecord[];
  readonly ownershipBefore: OwnershipState;
  readonly ownershipAfter: OwnershipState;
}): AuditDraft[] {
  const { policy, records } = input;
  let owner = input.before.owner;
  let epoch = input.before.epoch;
  return records.map((r) => {
    const evidence = {
      primary: r.primary,
      ...(r.command === undefined ? {} : { command: r.command }),
      ...(r.target === undefined ? {} : { proposalTarget: r.target }),
      ...(r.refusal === undefined ? {} : { refusal: r.refusal }),
      ...(r.guardrails === undefined ? {} : { guardrails: r.guardrails }),
      ...(r.health === undefined ? {} : { health: r.health }),
      ...(r.action === 'MoveOwnership'
        ? { ownership: { trafficPolicy: trafficPolicyKey(policy), before: input.ownershipBefore, after: input.ownershipAfter } }
        : {}),
    };
    const draft: AuditDraft = {
      time: r.at,
      actor: r.actor,
      action: r.action,
      target: policyKeyOf(policy),
      reason: r.reason,
      ...(r.changeRequest === undefined ? {} : { changeRequest: r.changeRequest }),
      before: { phase: r.phaseBefore, owner, epoch },
      after: { phase: r.phaseAfter, owner: r.owner, epoch: r.epoch },
      evidence,
    };
    owner = r.owner;
    epoch = r.epoch;
    return draft;
  });
}

/** Every `from` of a policy, in the order written. */
export const sourcesOf = (policy: FailoverPolicy): readonly string[] => failoverSources(policy.spec);
