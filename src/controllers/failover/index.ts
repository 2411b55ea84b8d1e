/**
 * Governed failover (seed 000 §11.3, §20, §23; seed 001 §14.1): the pure state
 * machine of one ownership domain, its guardrails with evidence, and the data the
 * runner persists, audits and acts on; the runner (`startFailoverController`) drives the machines
 * through the durable store and hands ownership to the gateway.
 * @module
 */
export { initialFailoverState, nextDeadline, step } from './reducer.ts';
export { blockingChecks, describeVerdict, evaluateGuardrails, sameOutcome } from './guardrails.ts';
export { DRAIN_TIMEOUT_MS, MAX_OBSERVATION_AGE_MS, failoverSettings } from './settings.ts';
export type { FailoverSettings, GuardrailSettings } from './settings.ts';
export { startFailoverController } from './runner.ts';
export type { AlertsView, CommandOutcome, FailoverRunner, FailoverRunnerOptions, FiredAlert } from './runner.ts';
export { FailoverRunnerError } from './runner-errors.ts';
export type { FailoverRunnerErrorCode } from './runner-errors.ts';
export type { DrainRequest, DrainState } from './runner-drain.ts';
export { checkWeights, weightTarget } from './runner-weights.ts';
export type { ClusterWeightMap, WeightChange, WeightOverride, WeightRequest, WeightState } from './runner-weights.ts';
export { observationsFor, targetedServices, trafficPolicyKey } from './runner-health.ts';
export { activeAlerts, domainOwnership, ownershipByTrafficPolicy, policyStatus } from './runner-view.ts';
export type { ActiveAlert, BlockingGuardrail, MachineStatus, PendingProposal, PolicyStatus } from './runner-view.ts';
export { evidenceBundle } from './evidence.ts';
export type { EvidenceBundle, TimelineEntry } from './evidence.ts';
export { COMMAND_TYPES, EVENT_TYPES, FAILOVER_PHASES, SYSTEM_ACTOR } from './types.ts';
export type {
  AbortRecord,
  AlertName,
  Approval,
  AuditAction,
  AuditRecord,
  CommandBase,
  Direction,
  Drain,
  FailoverCommon,
  FailoverEffect,
  FailoverEvent,
  FailoverPhase,
  FailoverPhaseData,
  FailoverState,
  GuardrailCheck,
  GuardrailEvidence,
  GuardrailVerdict,
  HealthObservation,
  HealthStreak,
  OperatorCommand,
  Proposal,
  Rejection,
  RejectionCode,
  StepResult,
} from './types.ts';
export { failoverEvent, failoverEventName, failoverEvents, FailoverEventReason, transitionReason, type FailoverKubeEvent } from './kube-events.ts';
