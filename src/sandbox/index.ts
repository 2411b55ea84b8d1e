/**
 * The local fleet of `lintas up`: built-in demo apps, the fleet plan, generated EndpointSlices and the process supervisor.
 * @module
 */
export * from './apps/index.ts';
export { planFleet, type FleetPlan, type PlanProblem, type ReplicaPlan } from './plan.ts';
export { generateSlices, overlaySlices, GENERATED_ORIGIN } from './overlay.ts';
export { createSupervisor, type ChildCommand, type ReplicaState, type ReplicaStatus, type Supervisor, type SupervisorOptions } from './supervisor.ts';
export { CLUSTER_FAULTS, faultActions, faultRoutes, type ClusterFault, type FaultActionsOptions, type FaultAuditDetail, type FaultAuditEntry, type FaultReplicaChange, type FaultResult, type FaultsView, type GatewayChange } from './faults/fault-actions.ts';
export { gatewayFaults, type GatewayFaults, type GatewayFaultsOptions } from './faults/gateway-faults.ts';
export { startBlackhole, type Blackhole } from './faults/blackhole.ts';
export { startGatewayProcesses, type GatewayProcesses, type GatewayProcessesOptions } from './gateway-processes.ts';
export * from './kube/index.ts';
