/**
 * The gateway bench's `lintas gateway` cases (issue 15 item 6): the bench process is the
 * control plane (the bench fleet translated as `lintas serve` does, its `bench-1` slice on a
 * config stream, as bench/config-push does), and one `lintas gateway --workers N` process is
 * the data plane under load, its access log in a file. Only the gateway process's CPU is
 * measured; the control plane here only sends a heartbeat every 5 s.
 * @module
 */
import { EMPTY_MCS_STATE, publishClusterConfigs, translateGateway, translateMcs } from '../../src/controllers/index.ts';
import type { ClusterConfig, DataPlaneAck } from '../../src/ir/index.ts';
import { configStreamRoutes, createAuthenticator, generateToken, silentLogger, startAdminServer } from '../../src/observability/index.ts';
import { loadFleet } from '../../src/sources/index.ts';
import { WatchableMap } from '../../src/store/index.ts';
import { BENCH_CLUSTER } from './fleet.ts';
import { lintasArgv, waitForOk, type Server } from './servers.ts';
import { waitFor, type Supervisor } from '../lib/procs.ts';

const START_TIMEOUT_MS = 30_000;

/** How the gateway process is started. */
export interface GatewayLaunch {
  readonly root: string;
  readonly entry: 'dist' | 'src';
  readonly fleet: string;
  readonly accessLog: string;
  /** The Gateway listener's port (written into the fleet). */
  readonly listenerPort: number;
  readonly path: string;
  readonly workers: number;
}

/** A running gateway process and its control plane (closed by `close`, after the supervisor stops the process). */
export interface GatewayProcess extends Server {
  close(): Promise<void>;
}

/** Serves the fleet's `bench-1` slice on a config stream and starts `lintas gateway --workers N` on it. */
export async function startLintasGateway(sv: Supervisor, o: GatewayLaunch): Promise<GatewayProcess> {
  const { snapshot, issues } = await loadFleet(o.fleet);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new Error(`the bench fleet has errors: ${errors.map((i) => i.message).join('; ')}`);
  const now = new Date().toISOString();
  const mcs = translateMcs({ snapshot, now, state: EMPTY_MCS_STATE });
  const { ir } = translateGateway({ snapshot, mcs, now, eastWest: false });
  const configs = new WatchableMap<string, ClusterConfig>();
  const acks = new WatchableMap<string, DataPlaneAck>();
  publishClusterConfigs(configs, ir, [BENCH_CLUSTER], now);
  const token = generateToken();
  const admin = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    notReady: () => undefined,
    auth: createAuthenticator({ tokens: [{ token, subject: 'gw-bench', roles: [`gateway:${BENCH_CLUSTER}` as const] }] }),
    rawRoutes: configStreamRoutes({ configs, acks, log: silentLogger }),
  });
  const args = ['gateway', '--cluster', BENCH_CLUSTER, '--control-plane', admin.url, '--token', token, '--access-log', o.accessLog, '--workers', String(o.workers), '--log-level', 'warn'];
  const proc = sv.launch(`lintas gateway (${String(o.workers)} worker${o.workers === 1 ? '' : 's'})`, process.execPath, lintasArgv(o.root, o.entry, args), o.root);
  try {
    await waitFor('the gateway to ACK its config', START_TIMEOUT_MS, () => (acks.get(BENCH_CLUSTER)?.acked?.version === configs.get(BENCH_CLUSTER)?.version ? true : undefined), proc, () => `\n${JSON.stringify(acks.get(BENCH_CLUSTER) ?? null)}`);
    const url = `http://127.0.0.1:${String(o.listenerPort)}${o.path}`;
    await waitForOk(`the gateway's listener to route ${url} to the origin (200 "ok\\n")`, url, proc, START_TIMEOUT_MS);
  } catch (error) {
    await sv.stop(proc);
    await admin.close();
    throw error;
  }
  return { name: 'lintas', port: o.listenerPort, proc, close: () => admin.close() };
}
