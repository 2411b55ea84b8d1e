/**
 * Test helper for the TrafficPolicy / HealthContract end-to-end tests (issue 5): a
 * three-cluster fleet (jkt-prod-1, sgp-prod-1, tyo-prod-1 on 127.41/16, 127.42/16,
 * 127.43/16) written from a small model, real backends that answer with their cluster
 * and whose probe paths (`/healthz`, `/dependencies/...`) can be switched to fail, and
 * counting helpers (where did N requests land; a binomial 5σ bound).
 * @module
 */
import http from 'node:http';
import { join } from 'node:path';
import { manifests, writeFiles } from './gateway-fleet.ts';

/** The clusters of the fleet: name, region, podCIDR, Cluster.spec.capacity. */
export const CLUSTERS = [
  { name: 'jkt-prod-1', region: 'ap-southeast-3', cidr: '127.41.0.0/16', prefix: '127.41', capacity: 40 },
  { name: 'sgp-prod-1', region: 'ap-southeast-1', cidr: '127.42.0.0/16', prefix: '127.42', capacity: 80 },
  { name: 'tyo-prod-1', region: 'ap-northeast-1', cidr: '127.43.0.0/16', prefix: '127.43', capacity: undefined },
] as const;
/** A cluster name of {@link CLUSTERS}. */
export type ClusterName = (typeof CLUSTERS)[number]['name'];
/** The entry cluster: the Gateway lives here. */
export const ENTRY: ClusterName = 'jkt-prod-1';
/** The Gateway's address (inside the entry cluster's podCIDR). */
export const GATEWAY_IP = '127.41.255.1';
/** The namespace of every service. */
export const NS = 'cases';
/** Paths a backend answers as probes (never counted as traffic); 200 until switched. */
export const PROBE_PATHS = ['/healthz', '/dependencies/db', '/dependencies/cache'] as const;
/** One of {@link PROBE_PATHS}. */
export type ProbePath = (typeof PROBE_PATHS)[number];

/** One traffic request a backend received. */
export interface Hit {
  readonly method: string;
  readonly path: string;
  readonly caseId?: string;
}

/** A running backend. */
export interface Backend {
  readonly cluster: ClusterName;
  readonly address: string;
  readonly port: number;
  /** Traffic requests (probes left out), in arrival order. */
  readonly hits: Hit[];
  /** Answers `path` with `status` from now on. */
  setStatus(path: ProbePath, status: number): void;
  /** How many probes of `path` were answered with `status` (any status when absent). */
  probes(path: ProbePath, status?: number): number;
  close(): Promise<void>;
}

/** Starts a backend on `address:port` that answers `{cluster, address}` as JSON. */
export async function startBackend(cluster: ClusterName, address: string, port: number): Promise<Backend> {
  const hits: Hit[] = [];
  const status = new Map<string, number>();
  const answered: { path: string; status: number }[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if ((PROBE_PATHS as readonly string[]).includes(path)) {
        const code = status.get(path) ?? 200;
        answered.push({ path, status: code });
        res.writeHead(code, { 'content-type': 'text/plain' });
        res.end(code === 200 ? 'ok' : 'down');
        return;
      }
      const caseId = req.headers['x-case-id'];
      hits.push({ method: req.method ?? '', path, ...(typeof caseId === 'string' ? { caseId } : {}) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ cluster, address }));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  let closed: Promise<void> | undefined;
  return {
    cluster,
    address,
    port,
    hits,
    setStatus: (path, code) => void status.set(path, code),
    probes: (path, code) => answered.filter((a) => a.path === path && (code === undefined || a.status === code)).length,
    close: () =>
      (closed ??= new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}

/** One service of the model: its endpoints (backend addresses) per cluster; a cluster without any has no Service there. */
export interface ServiceModel {
  readonly name: string;
  readonly endpoints: Readonly<Partial<Record<ClusterName, readonly string[]>>>;
}

/** What {@link writeFleet} writes. */
export interface FleetModel {
  readonly gatewayPort: number;
  readonly backendPort: number;
  readonly services: readonly ServiceModel[];
  /** Fleet-scoped policy objects (TrafficPolicy, OwnershipMap, HealthContract). */
  readonly policies: readonly object[];
  /** Extra HTTPRoutes in the entry cluster (besides one per service on host `<name>.test`). */
  readonly routes?: readonly object[];
  /** An HTTPS listener on the Gateway too (routes attach to both), with its kubernetes.io/tls Secret manifest. */
  readonly https?: { readonly port: number; readonly secret: { readonly metadata: { readonly name: string } } };
}

/** Writes (or rewrites) the fleet of `model` under `root`; serve reloads on change. */
export function writeFleet(root: string, model: FleetModel): void {
  const clusters = CLUSTERS.map((c) => ({
    apiVersion: 'lintas.dev/v1alpha1',
    kind: 'Cluster',
    metadata: { name: c.name },
    spec: { region: c.region, podCIDRs: [c.cidr], ...(c.capacity !== undefined ? { capacity: c.capacity } : {}) },
  }));
  const clusterSet = { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'policy-e2e' }, spec: { clusters: CLUSTERS.map((c) => c.name), clusterSetIPRange: '127.44.0.0/24' } };
  const files: Record<string, string> = { 'fleet.yaml': manifests(...clusters, clusterSet), 'policies.yaml': manifests(...model.policies) };
  for (const c of CLUSTERS) {
    const objects: object[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }];
    for (const s of model.services) {
      const addresses = s.endpoints[c.name];
      if (addresses === undefined) continue;
      objects.push(
        { apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: NS }, spec: { ports: [{ name: 'http', port: 8080, targetPort: model.backendPort }] } },
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: `${s.name}-1`, namespace: NS, labels: { 'kubernetes.io/service-name': s.name } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: model.backendPort }],
          endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
        },
        { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: s.name, namespace: NS } },
      );
    }
    files[join('clusters', c.name, 'apps.yaml')] = manifests(...objects);
  }
  const routes = model.services.map((s) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: s.name, namespace: NS },
    spec: { parentRefs: [{ name: 'edge' }], hostnames: [`${s.name}.test`], rules: [{ backendRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: s.name, port: 8080 }] }] },
  }));
  files[join('clusters', ENTRY, 'gateway.yaml')] = manifests(
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'lintas' }, spec: { controllerName: 'lintas.dev/gateway-controller' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: NS },
      spec: {
        gatewayClassName: 'lintas',
        addresses: [{ type: 'IPAddress', value: GATEWAY_IP }],
        listeners: [
          { name: 'http', protocol: 'HTTP', port: model.gatewayPort },
          ...(model.https !== undefined ? [{ name: 'https', protocol: 'HTTPS', port: model.https.port, tls: { mode: 'Terminate', certificateRefs: [{ name: model.https.secret.metadata.name }] } }] : []),
        ],
      },
    },
    ...(model.https !== undefined ? [model.https.secret] : []),
    ...routes,
    ...(model.routes ?? []),
  );
  writeFiles(root, files);
}

/** A TrafficPolicy on the ServiceImports `targets` (namespace {@link NS}). */
export function trafficPolicy(name: string, targets: readonly string[], spec: object): object {
  return {
    apiVersion: 'lintas.dev/v1alpha1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: NS },
    spec: { targetRefs: targets.map((t) => ({ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: t })), ...spec },
  };
}

/** Fast active health checks (one failed probe marks an endpoint unhealthy, one passing probe heals it). */
export const FAST_HEALTH_CHECK = { path: '/healthz', interval: '100ms', timeout: '100ms', unhealthyThreshold: 1, healthyThreshold: 1 } as const;

/** Where each request landed, by cluster (`status:NNN` for gateway answers without a backend). */
export type Tally = Record<string, number>;

/** Adds one landing to a tally. */
export function count(tally: Tally, key: string): void {
  tally[key] = (tally[key] ?? 0) + 1;
}

/**
 * Asserts-free check of a binomial count: true when `k` of `n` is within 5σ of `n·p`
 * (exact for p = 0 or 1). Five sigma keeps a correct implementation from failing
 * (about 1 in 1.7 million per check) while catching a wrong split at these sizes.
 */
export function withinFiveSigma(k: number, n: number, p: number): boolean {
  if (p <= 0) return k === 0;
  if (p >= 1) return k === n;
  const sigma = Math.sqrt(n * p * (1 - p));
  return Math.abs(k - n * p) <= 5 * sigma + 1;
}
