/**
 * The gateway controller (Gateway API): the pure translator from Gateways, HTTPRoutes,
 * ReferenceGrants, Services and the MCS result to the Gateway IR and status.
 * @module
 */
export { translateGateway } from './translate.ts';
export { isEastWestListener, sliceGatewayIR, type SliceOptions } from './slice.ts';
export { dataPlaneRow, dataPlaneRows, type DataPlaneRow, type DataPlaneSyncState } from './dataplane-status.ts';
export { notProgrammedBecause, PROGRAMMED_PENDING, withDataPlaneProgrammed } from './programmed.ts';
export { certificatesByCluster, configVersion, nextClusterConfigs, publishClusterConfigs, type ClusterConfigOptions, type ClusterConfigWrites } from './cluster-configs.ts';
export { certificateSource, parseTlsSecret } from './certificates.ts';
export type { CertificateMaterial } from './certificates.ts';
export { DEFAULT_CONTROLLER_NAME } from './types.ts';
export type { BackendTLSPolicyWithStatus, PolicyAncestorStatus } from './backend-tls.ts';
export type {
  GatewayClassWithStatus,
  GatewayInput,
  GatewayResult,
  GatewayStatus,
  GatewayWithStatus,
  GRPCRouteWithStatus,
  HTTPRouteWithStatus,
  ListenerStatus,
  McsView,
  RouteGroupKind,
  RouteParentStatus,
} from './types.ts';
export { BackendTLSPolicyReason, ConditionType, GatewayClassReason, GatewayReason, ListenerReason, RouteAcceptedReason, RouteResolvedRefsReason } from './conditions.ts';
export type { BackendRefReason, RuleProblemReason } from './conditions.ts';
export { DEFAULT_HEALTH_CHECK, DEFAULT_OUTLIER_DETECTION, HealthAnnotation } from './health.ts';
export { DEFAULT_RETRY_ATTEMPTS } from './rules.ts';
export { HTTP2_PRIOR_KNOWLEDGE_ANNOTATION } from './virtual-hosts.ts';
export { VERSION_LABELS } from './upstreams.ts';
export { PolicyReason } from './policies.ts';
export type { OwnershipState, PolicyInputs, TrafficPolicyWithStatus } from './policies.ts';
export { planGatewayStatus, type LiveRoute, type OriginOf, type StatusPlanInput, type StatusWrite, type StatusWriteMode, type WithConditions } from './status-writes.ts';
