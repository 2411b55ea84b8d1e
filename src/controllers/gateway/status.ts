/**
 * Gateway, listener and route parent status, computed from the same decisions that
 * program the IR so the two cannot drift apart.
 * @module
 */
import type { Condition, Gateway } from '../../api/index.ts';
import type { ParentVerdict } from './attach.ts';
import {
  ConditionType,
  GatewayReason,
  ListenerReason,
  RouteAcceptedReason,
  RouteResolvedRefsReason,
  draft,
  settle,
  type DraftCondition,
} from './conditions.ts';
import type { GatewayState, ListenerState } from './listeners.ts';
import type { RouteTranslation } from './rules.ts';
import type { GatewayStatus, ListenerStatus, RouteParentStatus } from './types.ts';

function listenerValid(l: ListenerState): boolean {
  return l.rejected === undefined && l.conflict === undefined;
}

function listenerConditions(l: ListenerState, generation: number | undefined): DraftCondition[] {
  const { Accepted, Programmed, Conflicted } = ConditionType;
  return [
    l.rejected === undefined
      ? draft(Accepted, 'True', ListenerReason.Accepted, 'Listener is accepted.', generation)
      : draft(Accepted, 'False', l.rejected.reason, l.rejected.message, generation),
    l.programmed
      ? draft(Programmed, 'True', ListenerReason.Programmed, 'Listener is programmed.', generation)
      : draft(Programmed, 'False', ListenerReason.Invalid, `Listener is not programmed: ${l.notProgrammed ?? 'invalid'}.`, generation),
    resolvedRefs(l, generation),
    l.conflict === undefined
      ? draft(Conflicted, 'False', ListenerReason.NoConflicts, 'No conflicts.', generation)
      : draft(Conflicted, 'True', l.conflict.reason, l.conflict.message, generation),
  ];
}

/** Listener ResolvedRefs: route kinds first, then certificate refs (every problem in the message). */
function resolvedRefs(l: ListenerState, generation: number | undefined): DraftCondition {
  const { ResolvedRefs } = ConditionType;
  const messages: string[] = [];
  if (l.invalidKinds.length > 0) messages.push(`Route kinds ${l.invalidKinds.join(', ')} are not supported; supported: HTTPRoute, GRPCRoute.`);
  for (const p of l.certificateProblems) messages.push(`${p.message}.`);
  if (messages.length === 0) return draft(ResolvedRefs, 'True', ListenerReason.ResolvedRefs, 'All references are resolved.', generation);
  const reason = l.invalidKinds.length > 0 ? ListenerReason.InvalidRouteKinds : (l.certificateProblems[0]?.reason ?? ListenerReason.InvalidCertificateRef);
  return draft(ResolvedRefs, 'False', reason, messages.join(' '), generation);
}

function gatewayConditions(state: GatewayState, generation: number | undefined): DraftCondition[] {
  const { Accepted, Programmed } = ConditionType;
  const valid = state.listeners.filter(listenerValid).length;
  const total = state.listeners.length;
  let accepted: DraftCondition;
  if (state.unsupportedAddresses.length > 0) {
    accepted = draft(Accepted, 'False', GatewayReason.UnsupportedAddress, `Addresses ${state.unsupportedAddresses.join(', ')} are not supported; Lintas binds IPAddress addresses.`, generation);
  } else if (valid === 0) {
    accepted = draft(Accepted, 'False', GatewayReason.ListenersNotValid, 'No listener is valid.', generation);
  } else if (valid < total) {
    accepted = draft(Accepted, 'True', GatewayReason.ListenersNotValid, `${total - valid} of ${total} listeners are not valid.`, generation);
  } else {
    accepted = draft(Accepted, 'True', GatewayReason.Accepted, 'Gateway is accepted.', generation);
  }
  const programmedCount = state.listeners.filter((l) => l.programmed).length;
  let programmed: DraftCondition;
  if (accepted.status === 'False') programmed = draft(Programmed, 'False', GatewayReason.Invalid, 'Gateway is not accepted.', generation);
  else if (state.addresses.length === 0) programmed = draft(Programmed, 'False', GatewayReason.AddressNotAssigned, 'No IPAddress in spec.addresses: Lintas binds the addresses a Gateway lists.', generation);
  else if (programmedCount === 0) programmed = draft(Programmed, 'False', GatewayReason.Invalid, 'No listener is programmed.', generation);
  else programmed = draft(Programmed, 'True', GatewayReason.Programmed, `Serving ${state.addresses.join(', ')} in cluster ${state.cluster.locality.name}.`, generation);
  return [accepted, programmed];
}

/** The status of one Lintas Gateway; `attached` counts accepted routes per listener. */
export function gatewayStatus(state: GatewayState, attached: ReadonlyMap<ListenerState, number>, now: string, previous: Gateway['status'] | undefined): GatewayStatus {
  const generation = state.gateway.metadata.generation;
  const before = previous as GatewayStatus | undefined;
  const listeners: ListenerStatus[] = state.listeners.map((l) => ({
    name: l.listener.name,
    supportedKinds: l.supportedKinds.map((k) => ({ ...k })),
    attachedRoutes: attached.get(l) ?? 0,
    conditions: settle(listenerConditions(l, generation), before?.listeners?.find((p) => p.name === l.listener.name)?.conditions, now),
    ...(l.certificates.length > 0 ? { certificates: l.certificates.map((c) => ({ secret: c.secret, notAfter: c.notAfter, dnsNames: [...c.dnsNames] })) } : {}),
  }));
  return {
    ...(state.addresses.length > 0 ? { addresses: state.addresses.map((value) => ({ type: 'IPAddress', value })) } : {}),
    conditions: settle(gatewayConditions(state, generation), before?.conditions, now),
    listeners,
  };
}

/** True when the route is accepted through this parent (attached, and at least one rule implementable). */
export function routeAccepted(verdict: ParentVerdict, translation: RouteTranslation): boolean {
  const broken = new Set(translation.problems.map((p) => p.ruleIndex)).size;
  // A route without rules is accepted and simply routes nothing.
  return verdict.attached && (translation.ruleCount === 0 || broken < translation.ruleCount);
}

/** The status entry of one parentRef. */
export function routeParentStatus(
  verdict: ParentVerdict,
  translation: RouteTranslation,
  controllerName: string,
  generation: number | undefined,
  now: string,
  previous: readonly Condition[] | undefined,
): RouteParentStatus {
  const { Accepted, ResolvedRefs, PartiallyInvalid } = ConditionType;
  const drafts: DraftCondition[] = [];
  const firstProblem = translation.problems[0]?.problem;
  const brokenRules = [...new Set(translation.problems.map((p) => p.ruleIndex))];
  if (!verdict.attached) {
    drafts.push(draft(Accepted, 'False', verdict.reason, verdict.message, generation));
  } else if (!routeAccepted(verdict, translation)) {
    drafts.push(draft(Accepted, 'False', firstProblem?.reason ?? RouteAcceptedReason.UnsupportedValue, translation.problems.map((p) => p.problem.message).join('; '), generation));
  } else {
    drafts.push(draft(Accepted, 'True', RouteAcceptedReason.Accepted, 'Route is accepted.', generation));
  }
  const ref = translation.refProblems[0];
  drafts.push(
    ref === undefined
      ? draft(ResolvedRefs, 'True', RouteResolvedRefsReason.ResolvedRefs, 'All references are resolved.', generation)
      : draft(ResolvedRefs, 'False', ref.reason, translation.refProblems.map((p) => p.message).join('; '), generation),
  );
  if (verdict.attached && routeAccepted(verdict, translation) && brokenRules.length > 0 && firstProblem !== undefined) {
    const messages = translation.problems.map((p) => p.problem.message).join('; ');
    drafts.push(draft(PartiallyInvalid, 'True', firstProblem.reason, `Fall Back: ${brokenRules.length === 1 ? 'rule' : 'rules'} ${brokenRules.join(', ')} ${brokenRules.length === 1 ? 'answers' : 'answer'} 500: ${messages}`, generation));
  }
  return { parentRef: { ...verdict.parentRef }, controllerName, conditions: settle(drafts, previous, now) };
}
