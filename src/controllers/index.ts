/**
 * Controllers: pure translators from fleet snapshots to IR and computed objects,
 * each with a thin runner (runners arrive with their data planes).
 * @module
 */
export {
  CONFLICT_REASONS,
  DEFAULT_DNS_TTL_SECONDS,
  DEFAULT_DNS_ZONE,
  EMPTY_MCS_STATE,
  ExportConditionType,
  ExportReason,
  ImportReason,
  LINTAS_MANAGER,
  MAX_ENDPOINTS_PER_SLICE,
  SOURCE_NETWORK_ANNOTATION,
  SOURCE_REGION_ANNOTATION,
  loadMcsState,
  runMcs,
  saveMcsState,
  translateMcs,
} from './mcs/index.ts';
export type {
  ConflictReason,
  ImportFailureReason,
  InvalidReason,
  McsClusterResult,
  McsInput,
  McsRunnerOptions,
  McsResult,
  McsState,
  ServiceExportWithStatus,
} from './mcs/index.ts';
export {
  ConditionType,
  DEFAULT_CONTROLLER_NAME,
  DEFAULT_HEALTH_CHECK,
  DEFAULT_OUTLIER_DETECTION,
  DEFAULT_RETRY_ATTEMPTS,
  GatewayClassReason,
  GatewayReason,
  HealthAnnotation,
  ListenerReason,
  RouteAcceptedReason,
  RouteResolvedRefsReason,
  PolicyReason,
  VERSION_LABELS,
  translateGateway,
  certificateSource,
  parseTlsSecret,
} from './gateway/index.ts';
export type {
  BackendRefReason,
  CertificateMaterial,
  GatewayClassWithStatus,
  GatewayInput,
  GatewayResult,
  GatewayStatus,
  GatewayWithStatus,
  HTTPRouteWithStatus,
  ListenerStatus,
  McsView,
  OwnershipState,
  PolicyInputs,
  RouteGroupKind,
  RouteParentStatus,
  RuleProblemReason,
  TrafficPolicyWithStatus,
} from './gateway/index.ts';
export * from './failover/index.ts';
export * from './health/index.ts';
