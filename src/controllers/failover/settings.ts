/**
 * A FailoverPolicy reduced to what the reducer decides with: durations in
 * milliseconds, the approvals each direction needs, and the guardrail thresholds.
 * @module
 */
import { parseGatewayDuration } from '../../lib/index.ts';
import { DEFAULT_REQUIRED_APPROVALS, type FailoverMode, type FailoverPolicy } from '../../api/index.ts';

/** How long in-flight mutations to the previous owner may take before ownership is declared moved anyway. */
export const DRAIN_TIMEOUT_MS = 30_000;
/** A destination's health evaluation older than this does not count as evidence (fail closed when probes stop). */
export const MAX_OBSERVATION_AGE_MS = 60_000;

/** The guardrail thresholds of a policy. */
export interface GuardrailSettings {
  readonly secondaryRegionalReady: boolean;
  readonly dependenciesReady: boolean;
  readonly minHeadroomFraction?: number;
  readonly maxReplicationLagSeconds?: number;
  readonly maxObservationAgeMs: number;
}

/** Everything the reducer reads from a policy. */
export interface FailoverSettings {
  readonly mode: FailoverMode;
  readonly failbackMode: FailoverMode;
  readonly unhealthyForMs: number;
  readonly stableForMs: number;
  /** Destinations in order of preference. */
  readonly targets: readonly string[];
  /** Approvals needed before ownership moves: 0 in Automatic mode, `approvals.required` otherwise. */
  readonly failoverApprovals: number;
  readonly failbackApprovals: number;
  readonly distinctFromProposer: boolean;
  readonly guardrails: GuardrailSettings;
  readonly drainTimeoutMs: number;
}

function durationMs(value: string, field: string): number {
  const ms = parseGatewayDuration(value);
  // The schema accepted the policy, so this only fires on an unvalidated object: a programming error.
  if (ms === undefined) throw new TypeError(`FailoverPolicy ${field} is not a Gateway API duration: "${value}" (validate the policy first)`);
  return ms;
}

/** The settings of a validated (schema-parsed) policy. */
export function failoverSettings(policy: FailoverPolicy): FailoverSettings {
  const { spec } = policy;
  const required = spec.approvals?.required ?? DEFAULT_REQUIRED_APPROVALS;
  const approvalsFor = (mode: FailoverMode): number => (mode === 'Automatic' ? 0 : required);
  return {
    mode: spec.mode,
    failbackMode: spec.failback.mode,
    unhealthyForMs: durationMs(spec.detection.unhealthyFor, '.spec.detection.unhealthyFor'),
    stableForMs: durationMs(spec.failback.stableFor, '.spec.failback.stableFor'),
    targets: spec.to,
    failoverApprovals: approvalsFor(spec.mode),
    failbackApprovals: approvalsFor(spec.failback.mode),
    distinctFromProposer: spec.approvals?.distinctFromProposer ?? true,
    guardrails: {
      secondaryRegionalReady: spec.guardrails.secondaryRegionalReady,
      dependenciesReady: spec.guardrails.dependenciesReady,
      ...(spec.guardrails.minHeadroomFraction === undefined ? {} : { minHeadroomFraction: spec.guardrails.minHeadroomFraction }),
      ...(spec.guardrails.maxReplicationLagSeconds === undefined ? {} : { maxReplicationLagSeconds: spec.guardrails.maxReplicationLagSeconds }),
      maxObservationAgeMs: MAX_OBSERVATION_AGE_MS,
    },
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
  };
}
