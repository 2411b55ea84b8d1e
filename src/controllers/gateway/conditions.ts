/**
 * Gateway API condition types and reasons Lintas sets (GatewayClass, Gateway,
 * Listener, route parent), and the builder that stamps observedGeneration and
 * lastTransitionTime.
 * @module
 */
import type { Condition } from '../../api/index.ts';

/** Condition types of GatewayClass, Gateway, Listener and route parent status. */
export const ConditionType = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  Conflicted: 'Conflicted',
  PartiallyInvalid: 'PartiallyInvalid',
} as const;

/** GatewayClass reasons. */
export const GatewayClassReason = { Accepted: 'Accepted' } as const;

/** Gateway reasons. */
export const GatewayReason = {
  Accepted: 'Accepted',
  ListenersNotValid: 'ListenersNotValid',
  UnsupportedAddress: 'UnsupportedAddress',
  Programmed: 'Programmed',
  Invalid: 'Invalid',
  AddressNotAssigned: 'AddressNotAssigned',
  AddressNotUsable: 'AddressNotUsable',
} as const;

/** Listener reasons. */
export const ListenerReason = {
  Accepted: 'Accepted',
  PortUnavailable: 'PortUnavailable',
  UnsupportedProtocol: 'UnsupportedProtocol',
  Programmed: 'Programmed',
  Invalid: 'Invalid',
  ResolvedRefs: 'ResolvedRefs',
  InvalidRouteKinds: 'InvalidRouteKinds',
  InvalidCertificateRef: 'InvalidCertificateRef',
  RefNotPermitted: 'RefNotPermitted',
  NoConflicts: 'NoConflicts',
  HostnameConflict: 'HostnameConflict',
  ProtocolConflict: 'ProtocolConflict',
} as const;

/** Route parent `Accepted` reasons. */
export const RouteAcceptedReason = {
  Accepted: 'Accepted',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  NoMatchingParent: 'NoMatchingParent',
  UnsupportedValue: 'UnsupportedValue',
  IncompatibleFilters: 'IncompatibleFilters',
} as const;
/** Why a rule cannot be implemented as written (the rule then answers 500). */
export type RuleProblemReason = typeof RouteAcceptedReason.UnsupportedValue | typeof RouteAcceptedReason.IncompatibleFilters;

/** Route parent `ResolvedRefs` reasons. */
export const RouteResolvedRefsReason = {
  ResolvedRefs: 'ResolvedRefs',
  BackendNotFound: 'BackendNotFound',
  InvalidKind: 'InvalidKind',
  RefNotPermitted: 'RefNotPermitted',
  UnsupportedProtocol: 'UnsupportedProtocol',
} as const;
/** Why a backendRef does not resolve. */
export type BackendRefReason = Exclude<(typeof RouteResolvedRefsReason)[keyof typeof RouteResolvedRefsReason], 'ResolvedRefs'>;

/** BackendTLSPolicy (per ancestor) `Accepted` and `ResolvedRefs` reasons (GEP-713 policy reasons and the BackendTLSPolicy ones). */
export const BackendTLSPolicyReason = {
  Accepted: 'Accepted',
  Conflicted: 'Conflicted',
  Invalid: 'Invalid',
  TargetNotFound: 'TargetNotFound',
  NoValidCACertificate: 'NoValidCACertificate',
  ResolvedRefs: 'ResolvedRefs',
  InvalidCACertificateRef: 'InvalidCACertificateRef',
  InvalidKind: 'InvalidKind',
} as const;
/** One BackendTLSPolicy reason. */
export type BackendTLSPolicyReason = (typeof BackendTLSPolicyReason)[keyof typeof BackendTLSPolicyReason];

/** A condition before lastTransitionTime is decided. */
export type DraftCondition = Omit<Condition, 'lastTransitionTime'>;

/** One draft condition; observedGeneration is omitted rather than invented when the manifest has none. */
export function draft(type: string, status: Condition['status'], reason: string, message: string, generation: number | undefined): DraftCondition {
  return generation === undefined ? { type, status, reason, message } : { type, status, reason, message, observedGeneration: generation };
}

/**
 * Stamps lastTransitionTime: kept from the previous condition of the same type when its
 * status did not change (Kubernetes semantics), else `now`.
 */
export function settle(drafts: readonly DraftCondition[], previous: readonly Condition[] | undefined, now: string): Condition[] {
  return drafts.map((d) => {
    const before = previous?.find((p) => p.type === d.type);
    return { ...d, lastTransitionTime: before !== undefined && before.status === d.status ? before.lastTransitionTime : now };
  });
}
