/**
 * The gateway's upstream layer: endpoint choice by locality priority, active
 * health checks, outlier detection and the retry budget.
 * @module
 */
export type { LbPolicy } from './balancer.ts';
export { DEFAULT_OUTLIER_DETECTION } from './outlier.ts';
export {
  computePriorityLoad,
  localityPriority,
  OVERPROVISIONING_PERCENT,
  PANIC_THRESHOLD_PERCENT,
  type LevelCounts,
  type PriorityLoad,
} from './priority-load.ts';
export { backoffDelayMs, retryBudgetLimit } from './retry-budget.ts';
export type {
  AttemptOutcome,
  EndpointHealth,
  EndpointObservation,
  EndpointRef,
  HealthEvent,
  PickContext,
  UpstreamExplain,
  UpstreamObservation,
  UpstreamSet,
} from './types.ts';
export { endpointKey } from './upstream-state.ts';
export { createUpstreamSet, type UpstreamSetOptions } from './upstream-set.ts';
