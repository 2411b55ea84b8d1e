/**
 * Test helper of the GSLB end-to-end tests: a three-cluster fleet on its own loopback ranges
 * (c1 = 127.181.1/24 in r1, c2 = 127.181.2/24 in r2, c3 = 127.181.3/24 in r3), each with a
 * Gateway `edge/edge` at 127.181.N.1 whose four listeners carry one public hostname each
 * (rr, weighted, failover, geo .example.com), one DNSPolicy per listener (one strategy each),
 * a real backend per cluster (`/healthz` 200, `/db` 200 unless that cluster's database is
 * "down"), and a HealthContract on the backend Service whose dependency is `/db`. Runs the
 * control plane in-process as `lintas serve --auth-file … --no-embedded-gateways` does, and one
 * `lintas gateway` role per cluster fed by its config stream, so a test can take one cluster's
 * gateway down the way `lintas up`'s fault does and drain through the admin API.
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startGatewayRole, type GatewayRole } from '../src/dataplanes/index.ts';
import { startServeRuntime, type ServeRuntime } from '../src/runtime/index.ts';
import { createAuthenticator, createLogger } from '../src/observability/index.ts';
import { openStore, type LintasStore } from '../src/store/index.ts';
import { clusterObject, freePort, gatewayClassObject, gatewayObject, httpRoute, manifests, namespaceObject, serviceObjects, writeFiles } from './gateway-fleet.ts';

/** The fleet's clusters: name, region, and N of 127.181.N.0/24. */
export const GSLB_CLUSTERS = [
  ['c1', 'r1', 1],
  ['c2', 'r2', 2],
  ['c3', 'r3', 3],
] as const;
/** The Gateway address of cluster cN. */
export const gatewayAddress = (n: number): string => `127.181.${String(n)}.1`;
/** The operator token of the in-process serve. */
export const GSLB_OPERATOR = 'gslb-e2e-operator-0123456789abcdef';

const HOSTS = ['rr', 'weighted', 'failover', 'geo'] as const;

/** The DNSPolicy of each listener: strategy and TTL. */
function policies(): object[] {
  const zone = { name: 'example.com', nameServers: [{ name: 'ns1.example.com', addresses: ['127.0.0.1'] }], soa: { negativeTTL: '2s' } };
  const healthCheck = { interval: '200ms', timeout: '150ms', failureThreshold: 2, successThreshold: 1 };
  const spec = (listener: string, ttlSeconds: number, strategy: object): object => ({
    apiVersion: 'lintas.dev/v1alpha1',
    kind: 'DNSPolicy',
    metadata: { name: listener, namespace: 'edge' },
    spec: { targetRefs: [{ kind: 'Gateway', name: 'edge', sectionName: listener }], zones: [zone], ttlSeconds, strategy, healthCheck },
  });
  return [
    // TTL 0: every query reaches the authoritative servers (the split-brain drill counts whose view each answer is).
    spec('rr', 0, { type: 'RoundRobin' }),
    spec('weighted', 0, { type: 'Weighted', weights: { c1: 3, c2: 1, c3: 0 } }),
    spec('failover', 1, { type: 'Failover', failover: { primary: 'c2', then: ['r3', 'r1'] } }),
    // 127.0.0.0/24 is what unbound sends for a client on 127.0.0.1.
    spec('geo', 1, { type: 'Geo', geo: { defaultRegion: 'r1', subnets: [{ cidr: '10.1.0.0/16', region: 'r1' }, { cidr: '10.2.0.0/16', region: 'r2' }, { cidr: '127.0.0.0/24', region: 'r3' }] } }),
  ];
}

/** Writes the fleet under `root` with the Gateways on `gwPort` and the backends on `backendPort`. */
export function writeGslbFleet(root: string, gwPort: number, backendPort: number): void {
  const files: Record<string, string> = {
    'fleet/inventory.yaml': manifests(
      ...GSLB_CLUSTERS.map(([name, region, n]) => clusterObject(name, region, `${region}a`, `127.181.${String(n)}.0/24`)),
      { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'gslb' }, spec: { clusters: GSLB_CLUSTERS.map(([c]) => c) } },
      {
        apiVersion: 'lintas.dev/v1alpha1',
        kind: 'HealthContract',
        metadata: { name: 'web', namespace: 'web' },
        spec: { targetRef: { kind: 'Service', name: 'web' }, regional: { minReadyFraction: 0.5, dependencies: [{ name: 'db', http: { path: '/db' } }] } },
      },
    ),
    'fleet/dns.yaml': manifests(...policies()),
  };
  for (const [name, , n] of GSLB_CLUSTERS) {
    files[`clusters/${name}/edge.yaml`] = manifests(
      gatewayClassObject(),
      namespaceObject('edge'),
      namespaceObject('web'),
      gatewayObject('edge', 'edge', gatewayAddress(n), HOSTS.map((h) => ({ name: h, protocol: 'HTTP', port: gwPort, hostname: `${h}.example.com`, allowedRoutes: { namespaces: { from: 'All' } } }))),
      httpRoute('web', 'web', { parentRefs: [{ name: 'edge', namespace: 'edge' }], hostnames: HOSTS.map((h) => `${h}.example.com`), rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] }),
      ...serviceObjects('web', 'web', [{ address: `127.181.${String(n)}.10`, port: backendPort }]),
    );
  }
  writeFiles(root, files);
}

/** The backends: one per cluster; `dbDown` makes a cluster's `/db` answer 503. */
export interface GslbBackends {
  readonly port: number;
  readonly dbDown: Set<string>;
  close(): Promise<void>;
}

/** Starts one backend per cluster on 127.181.N.10, all on one port. */
export async function startGslbBackends(): Promise<GslbBackends> {
  const dbDown = new Set<string>();
  const servers: http.Server[] = [];
  let port = 0;
  for (const [name, , n] of GSLB_CLUSTERS) {
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/db' && dbDown.has(name) ? 503 : 200;
      res.end(name);
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, `127.181.${String(n)}.10`, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    port,
    dbDown,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}

/** The in-process control plane, one in-process `lintas gateway` role per cluster, and what they are wired to. */
export interface GslbServe {
  readonly runtime: ServeRuntime;
  readonly store: LintasStore;
  readonly gwPort: number;
  /** Takes a cluster's gateway down (its role stops: the address refuses) or brings a new one up, as `lintas up`'s fault does. */
  setGatewayDown(cluster: string, down: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Writes the fleet under `root` and runs the control plane on it (audit store in `root`), with a gateway role per cluster. */
export async function startGslbServe(root: string, backends: GslbBackends, errors: string[]): Promise<GslbServe> {
  const gwPort = await freePort(gatewayAddress(1));
  const fleet = join(root, 'fleet-dir');
  writeGslbFleet(fleet, gwPort, backends.port);
  const stateDir = join(root, '.lintas');
  const store = await openStore({ dataDir: root });
  const log = createLogger({ level: 'error', write: (t) => void errors.push(t) });
  const tokens = Object.fromEntries(GSLB_CLUSTERS.map(([cluster]) => [cluster, `gslb-e2e-gateway-${cluster}-0123456789abcdef`]));
  const runtime = await startServeRuntime({
    fleetDir: fleet,
    stateDir,
    dns: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    adminAllowedHosts: [],
    debounceMs: 25,
    accessLogPath: join(root, 'access.log'),
    writeAccessLog: () => undefined,
    log,
    store,
    // The clusters' gateways are roles of their own (below), so one can be taken down alone.
    embeddedGateways: 'none',
    auth: createAuthenticator({
      tokens: [
        { token: GSLB_OPERATOR, subject: 'olivia', roles: ['operator', 'viewer'] },
        ...Object.entries(tokens).map(([cluster, token]) => ({ token, subject: `gateway-${cluster}`, roles: [`gateway:${cluster}` as const] })),
      ],
    }),
  });
  const roles = new Map<string, GatewayRole>();
  const startRole = async (cluster: string): Promise<void> => {
    const token = tokens[cluster];
    if (token === undefined) return;
    roles.set(cluster, await startGatewayRole({ cluster, controlPlaneUrls: [runtime.adminUrl], token, log, accessLogPath: join(root, `access-${cluster}.log`), backoff: { initialMs: 20, maxMs: 200 } }));
  };
  for (const [cluster] of GSLB_CLUSTERS) await startRole(cluster);
  return {
    runtime,
    store,
    gwPort,
    async setGatewayDown(cluster, down) {
      const role = roles.get(cluster);
      roles.delete(cluster);
      await role?.close();
      if (!down) await startRole(cluster);
    },
    close: async () => {
      for (const role of roles.values()) await role.close();
      await runtime.stop();
      await store.close();
    },
  };
}
