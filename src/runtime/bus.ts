/**
 * The watchable maps the components of a runtime talk through (issue 15): each has one writer,
 * and readers subscribe (current state first, then coalesced updates). No component calls a setter
 * of another or receives a callback from it; what one decides, the others read here.
 * @module
 */
import type { FleetSnapshot } from '../api/index.ts';
import type { ClusterWeightMap, HealthReport, McsResult, OwnershipState } from '../controllers/index.ts';
import type { ClusterConfig, DataPlaneAck, DataPlaneServing, PublicDnsIR, RemoteDataPlaneReport } from '../ir/index.ts';
import { FleetStore, WatchableMap, type LeaderRole } from '../store/index.ts';

/** One MCS translation and the fleet snapshot it was computed from (`version`: the FleetStore version). */
export interface McsPublished {
  readonly version: number;
  readonly result: McsResult;
  readonly snapshot: FleetSnapshot;
}

/** What the failover runner decided: ownership by TrafficPolicy `ns/name`, drained clusters, weight overrides. */
export interface FailoverPublished {
  readonly ownership: Readonly<Record<string, OwnershipState>>;
  readonly drained: readonly string[];
  readonly weights: Readonly<Record<string, ClusterWeightMap>>;
}

/** The maps of one runtime. */
export interface Bus {
  /** Fleet snapshots as routed (the directory source plus any overlay, e.g. `lintas up`'s generated slices); writer: source. */
  readonly fleet: FleetStore;
  /** Key `latest`; writer: mcs. */
  readonly mcs: WatchableMap<'latest', McsPublished>;
  /** Key `latest`; writer: failover. */
  readonly failover: WatchableMap<'latest', FailoverPublished>;
  /** Key `latest` (absent until the first round ends); writer: health. */
  readonly health: WatchableMap<'latest', HealthReport>;
  /** Key `latest`: the public (GSLB) zones the DNS server answers; writer: gslb. */
  readonly publicDns: WatchableMap<'latest', PublicDnsIR>;
  /** Clusters whose embedded gateway is down (sandbox fault: `lintas fault cluster X down`); writer: the sandbox faults. */
  readonly clusterDown: WatchableMap<string, true>;
  /** Each cluster's data plane: the config version it acknowledged (or refused) and the ownership it serves; writer: the gateways. */
  readonly dataplanes: WatchableMap<string, DataPlaneServing>;
  /** Each cluster's desired gateway config (a versioned slice of the fleet IR) for `lintas gateway` processes; writer: the gateway translation. */
  readonly gatewayConfigs: WatchableMap<string, ClusterConfig>;
  /** Each `lintas gateway` process's last report (counters, upstream view), stamped with when it arrived; writer: the stream's report route. */
  readonly reports: WatchableMap<string, RemoteDataPlaneReport>;
  /** The config stream's ACK/NACK record per cluster; writer: the stream routes of the admin server. */
  readonly streamAcks: WatchableMap<string, DataPlaneAck>;
  /** This replica's role under the control-plane lease (leadership.ts); writer: the leader component. */
  readonly leader: WatchableMap<string, LeaderRole>;
}

/** A fresh, empty bus. */
export function createBus(): Bus {
  return {
    fleet: new FleetStore(),
    mcs: new WatchableMap(),
    failover: new WatchableMap(),
    health: new WatchableMap(),
    publicDns: new WatchableMap(),
    clusterDown: new WatchableMap(),
    dataplanes: new WatchableMap(),
    reports: new WatchableMap(),
    leader: new WatchableMap(),
    gatewayConfigs: new WatchableMap(),
    streamAcks: new WatchableMap(),
  };
}

/**
 * Runs `fn` on every update of `map` until `signal` aborts (the current state first). `fn` errors
 * are logged by the caller's `onError`, never end the loop: one bad update must not stop a component.
 */
export function follow<K, V>(map: WatchableMap<K, V>, signal: AbortSignal, fn: (state: ReadonlyMap<K, V>) => void, onError: (error: unknown) => void): Promise<void> {
  return (async () => {
    for await (const update of map.subscribe(signal)) {
      try {
        fn(update.state);
      } catch (error) {
        onError(error);
      }
    }
  })();
}
