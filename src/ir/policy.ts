/**
 * Traffic policy IR (issue 5): what a `lintas.dev/v1alpha1` TrafficPolicy,
 * its OwnershipMap and the failover state mean to the data plane, resolved
 * by the gateway translator (regions expanded to clusters, capacities read
 * from Cluster objects, mirror targets resolved to upstreams). Plain sorted data.
 * @module
 */
import type { TimeoutsIR } from './gateway.ts';

/** How endpoints are chosen across clusters. */
export type LocalityModeIR = 'LocalOnly' | 'LocalPreferred' | 'FailoverPriority' | 'Weighted' | 'CapacityAware' | 'Owner';

/** A cluster's relative share (Weighted: spec weights; CapacityAware: `Cluster.spec.capacity`). */
export interface ClusterWeightIR {
  readonly cluster: string;
  readonly weight: number;
}

/** Cross-cluster endpoint choice of a policy. */
export interface LocalityIR {
  readonly mode: LocalityModeIR;
  /** FailoverPriority: clusters after the entry cluster, in order (regions already expanded). */
  readonly failoverPriority?: readonly string[];
  /** Weighted / CapacityAware: per-cluster weights, sorted by cluster. Clusters not listed get nothing. */
  readonly weights?: readonly ClusterWeightIR[];
}

/** Where the ownership key of a request is read. */
export type OwnershipKeyIR =
  | { readonly header: string }
  | { readonly query: string }
  /** 1-based path segment: in `/cases/JKT-1`, segment 2 is `JKT-1`. */
  | { readonly pathSegment: number };

/** One OwnershipMap rule: keys with a prefix, or listed keys, belong to a cluster. */
export type OwnershipRuleIR =
  | { readonly prefix: string; readonly cluster: string }
  | { readonly keys: readonly string[]; readonly cluster: string };

/** A key's owner moved by a failover: keys owned by `from` are served by `to` (issue 6). */
export interface OwnershipMoveIR {
  readonly from: string;
  readonly to: string;
}

/** Data ownership: which cluster may take mutations for a key. */
export interface OwnershipIR {
  readonly key: OwnershipKeyIR;
  /** `ns/name` of the OwnershipMap. */
  readonly map: string;
  /** An exact `keys` match wins, then the longest matching prefix (as `ownershipRuleFor` in the API). */
  readonly rules: readonly OwnershipRuleIR[];
  /** Keys no rule matches: rendezvous hashing over these clusters (none → no owner, 503). */
  readonly defaultClusters: readonly string[];
  readonly reads: 'Nearest' | 'Owner';
  /** Read-your-writes (`reads: Nearest` only): a key's reads prefer its owner for `windowMs` after a mutation; at most `maxKeys` keys remembered. */
  readonly readYourWrites?: { readonly windowMs: number; readonly maxKeys: number };
  /** The ownership domain's fencing epoch, sent upstream as `X-Lintas-Owner-Epoch`. */
  readonly epoch: number;
  readonly moved: readonly OwnershipMoveIR[];
  /**
   * Owner clusters whose failover machine is out of its Normal phase without having moved
   * (Degraded, FailoverPending, FailingBack, Aborted…); sorted; absent when none. The access
   * log's `failover_mode` is `degraded` for their keys, `failover` for moved keys.
   */
  readonly degraded?: readonly string[];
}

/** Session affinity key: a header or a cookie. */
export type SessionAffinityIR = { readonly header: string } | { readonly cookie: string };

/** A policy-level mirror (not applied to mutations unless `shadowSafe` or its upstream is declared shadow-safe). */
export interface PolicyMirrorIR {
  /** Key into GatewayIR.upstreams; absent when the mirror target does not resolve (then nothing is mirrored). */
  readonly upstream?: string;
  readonly percent: number;
  readonly shadowSafe: boolean;
}

/** One TrafficPolicy as the data plane applies it. */
export interface TrafficPolicyIR {
  /** `ns/name`. */
  readonly key: string;
  readonly locality: LocalityIR;
  /** Upper-case methods that make a request a mutation. */
  readonly mutationMethods: readonly string[];
  readonly requireIdempotencyKey: boolean;
  readonly ownership?: OwnershipIR;
  readonly sessionAffinity?: SessionAffinityIR;
  /** Retries the policy allows (reads: connect failures and retry codes; mutations: connect failures to the owner). */
  readonly retry?: { readonly attempts: number };
  readonly timeouts?: TimeoutsIR;
  readonly mirror?: PolicyMirrorIR;
}

/** A cluster taken out of an upstream's routing (regional readiness false, drained). */
export interface ExcludedClusterIR {
  readonly cluster: string;
  readonly reason: string;
}
