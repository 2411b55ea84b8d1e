/**
 * Typed condition types and reasons of ServiceExport and ServiceImport
 * (KEP-1645, mcs-api v1beta1), the builders that turn a verdict into
 * conditions, and the lastTransitionTime bookkeeping.
 * @module
 */
import type { Condition } from '../../api/index.ts';

/** ServiceExport condition types. */
export const ExportConditionType = { Valid: 'Valid', Ready: 'Ready', Conflict: 'Conflict' } as const;

/** Reasons of the ServiceExport `Conflict=True` condition, in the order Lintas reports them. */
export const CONFLICT_REASONS = [
  'PortConflict',
  'TypeConflict',
  'SessionAffinityConflict',
  'SessionAffinityConfigConflict',
  'LabelsConflict',
  'AnnotationsConflict',
  'InternalTrafficPolicyConflict',
  'TrafficDistributionConflict',
  'IPFamilyConflict',
] as const;
/** One KEP conflict reason. */
export type ConflictReason = (typeof CONFLICT_REASONS)[number];

/** Why an export is `Valid=False`. */
export type InvalidReason = 'NoService' | 'InvalidServiceType';

/** Every ServiceExport reason Lintas sets. */
export const ExportReason = {
  Valid: 'Valid',
  NoService: 'NoService',
  InvalidServiceType: 'InvalidServiceType',
  // Lintas pushes imports to every cluster itself, so the KEP's push-model reason applies.
  Exported: 'Exported',
  Pending: 'Pending',
  NoConflicts: 'NoConflicts',
} as const;

/** ServiceImport `Ready` reasons: the KEP's three plus two for ClusterSetIP allocation failures. */
export const ImportReason = {
  Ready: 'Ready',
  Pending: 'Pending',
  IPFamilyNotSupported: 'IPFamilyNotSupported',
  NoClusterSetIPRange: 'NoClusterSetIPRange',
  ClusterSetIPRangeExhausted: 'ClusterSetIPRangeExhausted',
} as const;
/** Why a ServiceImport is `Ready=False`. */
export type ImportFailureReason = Exclude<(typeof ImportReason)[keyof typeof ImportReason], 'Ready'>;

/** A conflict found while merging: its KEP reason and a KEP-style sentence. */
export interface ConflictFinding {
  readonly reason: ConflictReason;
  readonly message: string;
}

/** A condition before lastTransitionTime is decided. */
export type DraftCondition = Omit<Condition, 'lastTransitionTime'>;

/** What the translator decided about one export. */
export type ExportVerdict =
  | { readonly valid: false; readonly reason: InvalidReason; readonly message: string }
  | { readonly valid: true; readonly conflicts: readonly ConflictFinding[]; readonly clusterCount: number };

function draft(type: string, status: Condition['status'], reason: string, message: string, generation: number | undefined): DraftCondition {
  // observedGeneration is omitted rather than invented when the manifest has no generation.
  return generation === undefined ? { type, status, reason, message } : { type, status, reason, message, observedGeneration: generation };
}

/** The Valid, Ready and Conflict conditions of one export, in that order. */
export function exportConditions(verdict: ExportVerdict, generation: number | undefined): DraftCondition[] {
  if (!verdict.valid) {
    return [
      draft(ExportConditionType.Valid, 'False', verdict.reason, verdict.message, generation),
      draft(ExportConditionType.Ready, 'False', ExportReason.Pending, 'ServiceExport is not valid, so nothing is exported.', generation),
      draft(ExportConditionType.Conflict, 'False', ExportReason.NoConflicts, 'ServiceExport is not valid, so it takes no part in conflict resolution.', generation),
    ];
  }
  const clusters = verdict.clusterCount === 1 ? '1 cluster' : `${verdict.clusterCount} clusters`;
  const conflict =
    verdict.conflicts.length === 0
      ? draft(ExportConditionType.Conflict, 'False', ExportReason.NoConflicts, 'ServiceExport has no conflicts.', generation)
      : draft(
          ExportConditionType.Conflict,
          'True',
          // The KEP allows several reasons "combined using commas".
          verdict.conflicts.map((c) => c.reason).join(','),
          verdict.conflicts.map((c) => c.message).join(' '),
          generation,
        );
  return [
    draft(ExportConditionType.Valid, 'True', ExportReason.Valid, 'ServiceExport is valid.', generation),
    draft(ExportConditionType.Ready, 'True', ExportReason.Exported, `Service is exported to the ClusterSet from ${clusters}.`, generation),
    conflict,
  ];
}

/** The `Ready` condition of a ServiceImport: True/Ready, or False with the failure's reason. */
export function importReadyCondition(failure: { readonly reason: ImportFailureReason; readonly message: string } | undefined): DraftCondition {
  return failure === undefined
    ? { type: 'Ready', status: 'True', reason: ImportReason.Ready, message: 'ServiceImport is ready.' }
    : { type: 'Ready', status: 'False', reason: failure.reason, message: failure.message };
}

/**
 * Stamps lastTransitionTime: the previous one when a condition of the same type kept its
 * status (as meta.SetStatusCondition does, so a reworded message is not a transition), else `now`.
 */
export function settleConditions(next: readonly DraftCondition[], previous: readonly Condition[] | undefined, now: string): Condition[] {
  return next.map((condition) => {
    const before = previous?.find((p) => p.type === condition.type);
    const lastTransitionTime = before !== undefined && before.status === condition.status ? before.lastTransitionTime : now;
    return { ...condition, lastTransitionTime };
  });
}
