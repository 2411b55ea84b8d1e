/**
 * A control plane for the gateway-role tests: the config stream's routes on an admin server,
 * fed from a WatchableMap of per-cluster slices of the clusters `jkt` and `sgp` (restartable
 * on the same port), with one gateway token per cluster.
 */
import { publishClusterConfigs } from '../src/controllers/index.ts';
import type { ClusterConfig, DataPlaneAck, GatewayIR } from '../src/ir/index.ts';
import { configStreamRoutes, createAuthenticator, silentLogger, startAdminServer, type AdminServer } from '../src/observability/index.ts';
import { WatchableMap } from '../src/store/index.ts';
import { waitFor } from './wait.ts';

/** Bearer tokens: each cluster's gateway, and an admin. */
export const TOKENS = { jkt: 'gateway-jkt-token-0123456789', sgp: 'gateway-sgp-token-0123456789', admin: 'admin-token-0123456789abcdef' };
/** The control plane's authenticator of {@link TOKENS}. */
export const auth = createAuthenticator({
  tokens: [
    { token: TOKENS.jkt, subject: 'gw-jkt', roles: ['gateway:jkt'] },
    { token: TOKENS.sgp, subject: 'gw-sgp', roles: ['gateway:sgp'] },
    { token: TOKENS.admin, subject: 'root', roles: ['admin'] },
  ],
});

/** A control plane: the maps and an admin server serving the stream (restartable on the same port). */
export class ControlPlane {
  configs = new WatchableMap<string, ClusterConfig>();
  acks = new WatchableMap<string, DataPlaneAck>();
  server: AdminServer | undefined;
  port = 0;
  /** Whether this replica holds the leader lease (only the leader feeds gateways). */
  leading = true;
  async start(): Promise<void> {
    const notServing = (): string | undefined => (this.leading ? undefined : 'this control-plane replica is not the leader');
    this.server = await startAdminServer({ host: '127.0.0.1', port: this.port, log: silentLogger, auth, notReady: () => undefined, rawRoutes: configStreamRoutes({ configs: this.configs, acks: this.acks, log: silentLogger, heartbeatMs: 200, notServing }) });
    this.port = Number(new URL(this.server.url).port);
  }
  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
  get url(): string {
    return `http://127.0.0.1:${String(this.port)}`;
  }
  publish(ir: GatewayIR): void {
    publishClusterConfigs(this.configs, ir, ['jkt', 'sgp'], new Date().toISOString());
  }
  /** Waits until `cluster`'s gateway ACKed its current version. */
  synced(cluster: string): Promise<DataPlaneAck> {
    return waitFor(`${cluster} ACK of its current version`, () => {
      const ack = this.acks.get(cluster);
      return ack?.acked !== undefined && ack.acked.version === this.configs.get(cluster)?.version ? ack : undefined;
    });
  }
}
