/**
 * The contract between the HTTP gateway proxy and the upstream layer
 * (endpoint choice by locality priority, active health checks, outlier
 * detection, retry budget). Runtime state lives behind {@link UpstreamSet};
 * it survives config swaps so health is not reset by an unrelated edit.
 * @module
 */
import type { EndpointObservation, EndpointState, LocalityIR, UpstreamIR, UpstreamObservation } from '../../../ir/index.ts';

export type { EndpointObservation, EndpointState, UpstreamObservation };

/** One endpoint as the proxy sees it. `key` is `address:port` (unique per upstream). */
export interface EndpointRef {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly cluster: string;
  readonly region?: string;
  readonly zone?: string;
  readonly version?: string;
}

/** Where the request entered, and what the proxy wants to avoid on a retry. */
export interface PickContext {
  readonly entryCluster: string;
  readonly entryRegion?: string;
  readonly entryZone?: string;
  /** Endpoint keys already tried for this request (retries go elsewhere when possible). */
  readonly exclude?: ReadonlySet<string>;
  /** Prefer an endpoint outside these clusters (retry after local connect failures). */
  readonly avoidClusters?: ReadonlySet<string>;
  /** The traffic policy's cross-cluster choice (undefined = LocalPreferred). */
  readonly locality?: LocalityIR;
  /** `ns/name` of that policy (plan cache key). */
  readonly policyKey?: string;
  /** Owner-mode pick: only this cluster's healthy endpoints, never panic, never elsewhere. */
  readonly ownerCluster?: string;
  /**
   * Read-your-writes: this cluster's healthy endpoints when it has one (and is not in `avoidClusters`),
   * else the pick as without it. Ignored when `ownerCluster` is set.
   */
  readonly preferCluster?: string;
  /** Session affinity: the same key picks the same endpoint while it stays healthy (rendezvous hashing). */
  readonly affinityKey?: string;
}

/**
 * How one proxied attempt ended, for passive outlier detection and least-request.
 * `{}` is a success without a status (a TCP connection that closed cleanly).
 */
export interface AttemptOutcome {
  /** Upstream response status, when one arrived. */
  readonly status?: number;
  /** Transport failure: `connect` (refused/unreachable/connect timeout), `reset` (before or after the response started), `timeout`. */
  readonly error?: 'connect' | 'reset' | 'timeout';
  /**
   * The attempt says nothing about the backend (the gateway abandoned it because the client went
   * away, or the request was refused while being built): outlier state is left exactly as it was.
   */
  readonly uncharged?: true;
}

/** Health of one endpoint, for metrics, `route explain` and logs. */
export interface EndpointHealth extends EndpointRef {
  /** Level under the pick context: locality priority (0 same zone, 1 same cluster, 2 same region, 3 elsewhere), or the policy's level; -1 = gets no traffic. */
  readonly priority: number;
  readonly ready: boolean;
  /** Active health check verdict (`true` when no check is configured). */
  readonly healthy: boolean;
  readonly ejected: boolean;
  readonly activeRequests: number;
  /** Came back and waits for a passing health check before it takes traffic. */
  readonly awaitingHealthCheck?: true;
  /** Share of its full weight while it ramps up under slow start, in (0, 1). */
  readonly slowStartWeight?: number;
}

/** Load-balancing view of one upstream for one entry locality. */
export interface UpstreamExplain {
  readonly upstream: string;
  /** Share of traffic each priority gets right now (Envoy spill with overprovisioning 1.4), index = priority. */
  readonly priorityLoad: readonly number[];
  readonly panic: boolean;
  readonly endpoints: readonly EndpointHealth[];
  /** Clusters of the levels when the policy's levels are clusters (FailoverPriority, Weighted, CapacityAware, Owner). */
  readonly levelClusters?: readonly string[];
  /** Clusters excluded from this upstream, with why. */
  readonly excludedClusters?: readonly { readonly cluster: string; readonly reason: string }[];
}

/** A health transition, for logs and metrics. */
export interface HealthEvent {
  readonly upstream: string;
  readonly endpoint: EndpointRef;
  readonly kind: 'healthy' | 'unhealthy' | 'ejected' | 'unejected';
  readonly reason: string;
}

/** Runtime upstream state for every upstream of the current config. */
export interface UpstreamSet {
  /** Installs a new set of upstreams; keeps health/ejection state of endpoints still present. */
  update(upstreams: readonly UpstreamIR[]): void;
  /** Chooses an endpoint, or `undefined` when the upstream has no usable endpoint (→ 503 `UH`). */
  pick(upstream: string, ctx: PickContext): EndpointRef | undefined;
  /** Marks an attempt as started (least-request accounting). */
  onAttemptStart(upstream: string, endpoint: EndpointRef): void;
  /** Reports how an attempt ended (outlier detection). */
  onAttemptEnd(upstream: string, endpoint: EndpointRef, outcome: AttemptOutcome): void;
  /** Retry budget: true when one more retry may be started now (20 % of active requests, min 3). Call `releaseRetry` when it ends. */
  tryAcquireRetry(): boolean;
  /** Returns a retry slot taken with `tryAcquireRetry`. */
  releaseRetry(): void;
  /** Jittered back-off before retry number `attempt` (1-based), within [25, 250] ms unless `baseMs` says more. */
  backoffMs(attempt: number, baseMs?: number): number;
  /** Current view for `route explain` and `/api/v1/upstreams`. */
  explain(upstream: string, ctx: PickContext): UpstreamExplain | undefined;
  /** Every endpoint's state now and the attempts counted per destination cluster (see {@link UpstreamObservation}). */
  observe(): UpstreamObservation;
  /** Subscribes to health transitions; returns an unsubscribe function. */
  onHealthEvent(listener: (event: HealthEvent) => void): () => void;
  /** Stops health checkers and timers. */
  close(): void;
}
