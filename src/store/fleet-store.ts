/**
 * The fleet store: one shard per cluster plus one for fleet-scoped objects,
 * versioned, so each cluster's snapshot is replaced whole (level-triggered)
 * and subscribers learn which clusters changed.
 * @module
 */
import { clusterName, type ClusterFreshness, type ClusterName, type ClusterSnapshot, type FleetSnapshot, type Sourced } from '../api/index.ts';
import { WatchableMap } from './watchable-map.ts';

/** The shard key of fleet-scoped objects (cluster names are DNS labels, so it cannot collide). */
export const FLEET_SHARD = '@fleet';

/** A shard: either the fleet-scoped objects or one cluster's snapshot. */
export type Shard = readonly Sourced[];

/** One published state of the fleet. */
export interface FleetUpdate {
  readonly version: number;
  readonly snapshot: FleetSnapshot;
  /** Clusters whose snapshot changed (or vanished) in this update. */
  readonly changedClusters: readonly ClusterName[];
  /** True when the fleet-scoped objects changed. */
  readonly fleetChanged: boolean;
}

/** Versioned store of per-cluster snapshots with subscribe. */
export class FleetStore {
  readonly #shards = new WatchableMap<string, Shard>();
  readonly #freshness = new Map<string, ClusterFreshness>();
  readonly #freshnessListeners = new Set<(cluster: ClusterName, previous: ClusterFreshness | undefined) => void>();

  /** The current version (0 until the first publish). */
  get version(): number {
    return this.#shards.version;
  }

  /** Replaces the whole fleet; clusters absent from `snapshot` are removed. Returns the changed shard keys. */
  publish(snapshot: FleetSnapshot): string[] {
    const set: [string, Shard][] = [[FLEET_SHARD, snapshot.fleetObjects]];
    for (const [name, cluster] of snapshot.clusters) set.push([name, cluster.objects]);
    const keep = new Set(set.map(([key]) => key));
    const remove = [...this.#shards.snapshot().keys()].filter((key) => !keep.has(key));
    return this.#shards.apply({ set, delete: remove });
  }

  /** Replaces one cluster's snapshot (a per-cluster source's write). */
  publishCluster(snapshot: ClusterSnapshot): boolean {
    return this.#shards.set(snapshot.cluster, snapshot.objects);
  }

  /** Drops a cluster (it disconnected or its folder went away). */
  deleteCluster(name: ClusterName): boolean {
    this.#freshness.delete(name);
    return this.#shards.delete(name);
  }

  /**
   * Records that a refreshing source confirmed (or failed to sync) a cluster. Kept out
   * of the versioned shards on purpose: a heartbeat is not a config change and must not
   * re-run translators; listeners decide whether it matters (a stale cluster coming back).
   */
  heartbeat(name: ClusterName, freshness: ClusterFreshness): void {
    const previous = this.#freshness.get(name);
    this.#freshness.set(name, freshness);
    for (const listener of this.#freshnessListeners) listener(name, previous);
  }

  /** Freshness reports by cluster (only clusters whose source refreshes them). */
  freshness(): Readonly<Record<string, ClusterFreshness>> {
    return Object.fromEntries([...this.#freshness].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Calls `listener` on every heartbeat; returns an unsubscribe function. */
  onHeartbeat(listener: (cluster: ClusterName, previous: ClusterFreshness | undefined) => void): () => void {
    this.#freshnessListeners.add(listener);
    return () => this.#freshnessListeners.delete(listener);
  }

  /** The current fleet. */
  current(): FleetSnapshot {
    return toSnapshot(this.#shards.snapshot());
  }

  /** Current state first, then coalesced updates (see WatchableMap.subscribe). */
  async *subscribe(signal?: AbortSignal): AsyncGenerator<FleetUpdate> {
    for await (const update of this.#shards.subscribe(signal)) {
      yield {
        version: update.version,
        snapshot: toSnapshot(update.state),
        changedClusters: update.changed.filter((k) => k !== FLEET_SHARD).sort().map(clusterName),
        fleetChanged: update.changed.includes(FLEET_SHARD),
      };
    }
  }
}

function toSnapshot(state: ReadonlyMap<string, Shard>): FleetSnapshot {
  const clusters = new Map<ClusterName, ClusterSnapshot>();
  for (const key of [...state.keys()].sort()) {
    if (key === FLEET_SHARD) continue;
    clusters.set(clusterName(key), { cluster: clusterName(key), objects: state.get(key) ?? [] });
  }
  return { fleetObjects: state.get(FLEET_SHARD) ?? [], clusters };
}
