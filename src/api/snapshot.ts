/**
 * The shapes that flow from sources into the store: objects with their origin,
 * grouped per cluster, plus the located issues found while reading them.
 * @module
 */
import type { AnyObject, FleetObject } from './kinds.ts';
import type { ClusterName } from './meta.ts';

/** Where an object came from: a file relative to the fleet root, and the line its document starts on. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** A decoded object with its origin and, for cluster-scoped kinds, its cluster. */
export interface Sourced<T extends AnyObject = FleetObject> {
  readonly object: T;
  readonly origin: Origin;
  readonly cluster?: ClusterName;
}

/** Every object of one cluster (its folder), sorted by kind, namespace and name. */
export interface ClusterSnapshot {
  readonly cluster: ClusterName;
  readonly objects: readonly Sourced[];
}

/** The whole fleet: fleet-scoped objects (Cluster, ClusterSet) and one snapshot per cluster folder. */
export interface FleetSnapshot {
  readonly fleetObjects: readonly Sourced[];
  readonly clusters: ReadonlyMap<ClusterName, ClusterSnapshot>;
}

/**
 * How fresh a cluster's snapshot is, for sources that refresh clusters (an agent
 * push, a live API watch). Kept beside the snapshot, not in it: a heartbeat must not
 * look like a config change. Sources that hold the truth themselves (the directory
 * source) report none, and their clusters never expire.
 */
export interface ClusterFreshness {
  /** RFC 3339: when the source last confirmed this cluster's objects. */
  readonly observedAt: string;
  /** False while the source fails to sync: its objects are the last known, not an empty cluster. */
  readonly synced: boolean;
}

/** How bad an issue is: errors make a fleet invalid, warnings do not. */
export type Severity = 'error' | 'warning';

/** One located problem: `file:line: Kind ns/name: .field: message`. */
export interface Issue {
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** A jq-style path such as `.spec.ports[0].port`. */
  readonly field?: string;
  readonly message: string;
}
