/**
 * The server's data shapes the console reads, imported type-only from the server's source so
 * the two cannot drift (nothing here reaches the bundle: every import is erased).
 * @module
 */
export type { ClusterView, ConsoleSnapshot, FleetView, LayerState, RegionView, ServiceRow, ServicesPage, TrafficEdge, TrafficView, WhoAmI } from '../../../src/runtime/console-contract.ts';
export type { PolicyStatus } from '../../../src/controllers/index.ts';
export type { FailoverPhase } from '../../../src/controllers/failover/types.ts';
export type { AuditRecord, ChainVerification } from '../../../src/store/index.ts';
export type { RouteExplanation } from '../../../src/dataplanes/gateway/explain.ts';
