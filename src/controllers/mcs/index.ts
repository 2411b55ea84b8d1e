/**
 * The MCS controller (KEP-1645): the pure translator from ServiceExports to
 * ServiceImports, imported EndpointSlices, export status and the DNS IR.
 * @module
 */
export { translateMcs } from './translate.ts';
export { loadMcsState, runMcs, saveMcsState, type McsRunnerOptions } from './runner.ts';
export { EMPTY_MCS_STATE } from './types.ts';
export type { McsClusterResult, McsInput, McsResult, McsState, ServiceExportWithStatus } from './types.ts';
export { CONFLICT_REASONS, ExportConditionType, ExportReason, ImportReason } from './conditions.ts';
export type { ConflictReason, ImportFailureReason, InvalidReason } from './conditions.ts';
export { LINTAS_MANAGER, MAX_ENDPOINTS_PER_SLICE, SOURCE_NETWORK_ANNOTATION, SOURCE_REGION_ANNOTATION } from './endpoints.ts';
export { DEFAULT_DNS_TTL_SECONDS, DEFAULT_DNS_ZONE } from './dns-ir.ts';
export { CLUSTERSET_IP_ANNOTATION, EXPORT_CONFLICT_REASON, derivedServiceName, importKey, planDerivedServices, planImports, type DerivedServiceWrite } from './writeback-plan.ts';
export { diffUnits, exportUnitKey, importUnitKey, planUnits, sameUnit, unitDerivedWrite, unitExportWrite, unitImportWrites, unitObjectKeys, unitOfWritten, unitSliceWrites, type WriteUnit } from './writeback-units.ts';
