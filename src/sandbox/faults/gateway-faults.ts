/**
 * What cluster faults do to a cluster's own gateway in `lintas up`: `down`
 * stops its listeners (clients are refused, as by a lost region), `partition`
 * stops them and holds the address with a blackhole (clients time out, as
 * behind a partition), `heal`/`up` give the address back to the gateway.
 * @module
 */
import { startBlackhole, type Blackhole } from './blackhole.ts';

/** The gateway side of the cluster faults, for {@link FaultActionsOptions}. */
export interface GatewayFaults {
  setGatewayDown(cluster: string, down: boolean): Promise<void>;
  setGatewayPartitioned(cluster: string, partitioned: boolean): Promise<void>;
  /** Drops every blackhole (on shutdown). */
  close(): Promise<void>;
}

/** Options of {@link gatewayFaults}. */
export interface GatewayFaultsOptions {
  /** Stops (`true`) or starts the cluster's gateway listeners. */
  readonly setClusterDown: (cluster: string, down: boolean) => void;
  /** The cluster's gateway URL (`http://address:port`), when it has one. */
  readonly gatewayUrl: (cluster: string) => string | undefined;
}

/** Builds the gateway fault hooks; blackholes are tracked per cluster so `up`/`heal` always free the address first. */
export function gatewayFaults(options: GatewayFaultsOptions): GatewayFaults {
  const holes = new Map<string, Blackhole>();
  const release = async (cluster: string): Promise<void> => {
    const hole = holes.get(cluster);
    holes.delete(cluster);
    await hole?.close();
  };
  return {
    async setGatewayDown(cluster, down) {
      await release(cluster);
      options.setClusterDown(cluster, down);
    },
    async setGatewayPartitioned(cluster, partitioned) {
      await release(cluster);
      options.setClusterDown(cluster, partitioned);
      if (!partitioned) return;
      const url = options.gatewayUrl(cluster);
      if (url === undefined) return;
      const u = new URL(url);
      holes.set(cluster, await startBlackhole(u.hostname, Number(u.port || 80)));
    },
    async close() {
      await Promise.all([...holes.keys()].map(release));
    },
  };
}
