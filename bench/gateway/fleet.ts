/**
 * The fleet the gateway bench serves with `lintas serve`, and the route layout
 * that the nginx peer mirrors (nginx.ts). Pure: {@link gatewayFleetFiles}
 * returns file contents; {@link writeGatewayFleet} is the one writer.
 *
 * One cluster `bench-1` (region r1) holding a GatewayClass for Lintas, a
 * Gateway `bench/bench-gw` bound to 127.0.0.1 with one HTTP listener, the
 * Service `bench/origin` (port 80 → the origin's port) with its EndpointSlice,
 * and the HTTPRoutes:
 *
 * - one route: `bench/route-0`, PathPrefix `/` → origin:80; load on `/`;
 * - N > 1 routes: `bench/route-NN` with PathPrefix `/svc-NN` (all the same
 *   length), every one → origin:80; load on `/svc-<last>/bench`.
 *
 * Why the last route: Lintas sorts the rules of a virtual host by Gateway API
 * precedence and takes the first match (src/controllers/gateway/precedence.ts).
 * Equal-length prefixes with no method, header or query matches and no
 * creationTimestamp tie down to `{namespace}/{name}` alphabetically, so
 * `route-<last>` is the last rule: a request for it is tested against every
 * other rule first, the worst case of a first-match scan. nginx's static
 * prefix locations are a search tree, so any location costs it about the same.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Namespace of everything the bench serves. */
export const BENCH_NAMESPACE = 'bench';
/** The one cluster. */
export const BENCH_CLUSTER = 'bench-1';
/** The Gateway, as `namespace/name`. */
export const BENCH_GATEWAY = `${BENCH_NAMESPACE}/bench-gw`;
/** The controllerName Lintas programs Gateways for. */
export const LINTAS_CONTROLLER = 'lintas.dev/gateway-controller';
/** Most origin endpoints: 127.77.0.1 … 127.77.0.254, one loopback address each. */
export const MAX_ENDPOINTS = 254;
/** Most routes (two-digit names up to 100, three digits beyond). */
export const MAX_ROUTES = 1000;
/** The ownership key header and value wrk sends with `--owner-policy`. */
export const OWNER_KEY_HEADER = 'X-Case-Id';
export const OWNER_KEY = 'BENCH-1';

/** What the generated fleet holds and where it points. */
export interface GatewayFleetOptions {
  /** HTTPRoutes (1 = a single catch-all `/`). */
  readonly routes: number;
  /** Origin endpoints in the EndpointSlice (127.77.0.1 upward). */
  readonly endpoints: number;
  /** The Gateway listener's port (on 127.0.0.1). */
  readonly listenerPort: number;
  /** The port every origin address listens on. */
  readonly originPort: number;
  /** Add an Owner-mode TrafficPolicy on the origin Service (reads: Owner, so every request resolves its owner). */
  readonly ownerPolicy?: boolean;
  /** Make the listener HTTPS with this certificate (PEM), stored as a kubernetes.io/tls Secret in the cluster folder. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

function checkCount(what: string, n: number, min: number, max: number): void {
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${what} must be an integer in [${min}, ${max}], got ${n}`);
}

/** Origin endpoint address k (0-based): 127.77.0.(k+1). */
export function originAddress(k: number): string {
  checkCount('endpoint index', k, 0, MAX_ENDPOINTS - 1);
  return `127.77.0.${k + 1}`;
}

/** The first `n` origin addresses. */
export function originAddresses(n: number): string[] {
  checkCount('endpoints', n, 1, MAX_ENDPOINTS);
  return Array.from({ length: n }, (_, k) => originAddress(k));
}

/** Name of route r (0-based) out of `routes`, zero-padded so names sort like numbers. */
export function routeName(r: number, routes: number): string {
  return `route-${String(r).padStart(String(Math.max(routes - 1, 0)).length, '0')}`;
}

/** The PathPrefix of every route, in route order: `/` alone, or `/svc-NN` (equal lengths). */
export function routePrefixes(routes: number): string[] {
  checkCount('routes', routes, 1, MAX_ROUTES);
  if (routes === 1) return ['/'];
  const width = String(routes - 1).length;
  return Array.from({ length: routes }, (_, r) => `/svc-${String(r).padStart(width, '0')}`);
}

/** The path wrk requests: matched by the route of lowest precedence (see the module doc). */
export function targetPath(routes: number): string {
  const prefixes = routePrefixes(routes);
  return routes === 1 ? '/' : `${prefixes[prefixes.length - 1] as string}/bench`;
}

/** A path no route matches (404 from both proxies); undefined when `/` catches everything. */
export function unmatchedPath(routes: number): string | undefined {
  return routes === 1 ? undefined : '/nothing-here';
}

/** The fleet-scoped inventory: Cluster bench-1 and a ClusterSet holding it. */
function fleetDocs(): Record<string, string> {
  return {
    'fleet/clusters.yaml': `apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata:
  name: ${BENCH_CLUSTER}
  labels:
    topology.kubernetes.io/region: r1
spec:
  region: r1
  zones: [r1a]
  environment: bench
  # The origin's loopback addresses (127.77.0.0/24) are this cluster's pods.
  podCIDRs: [127.77.0.0/16]
  serviceCIDRs: [127.78.0.0/16]
  capacity: 100
`,
    'fleet/clusterset.yaml': `apiVersion: lintas.dev/v1alpha1
kind: ClusterSet
metadata:
  name: bench
spec:
  clusters:
    - ${BENCH_CLUSTER}
`,
  };
}

function gatewayDocs(listenerPort: number, https: boolean): string {
  const [ns, name] = BENCH_GATEWAY.split('/') as [string, string];
  const listener = https
    ? `    - name: https
      protocol: HTTPS
      port: ${listenerPort}
      tls: { mode: Terminate, certificateRefs: [{ name: bench-tls }] }
`
    : `    - name: http
      protocol: HTTP
      port: ${listenerPort}
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: lintas
spec:
  controllerName: ${LINTAS_CONTROLLER}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  gatewayClassName: lintas
  addresses:
    - type: IPAddress
      value: 127.0.0.1
  listeners:
${listener}`;
}

function secretDoc(tls: { cert: string; key: string }): string {
  const [ns] = BENCH_GATEWAY.split('/') as [string, string];
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return `apiVersion: v1
kind: Secret
metadata: { name: bench-tls, namespace: ${ns} }
type: kubernetes.io/tls
data:
  tls.crt: ${b64(tls.cert)}
  tls.key: ${b64(tls.key)}
`;
}

function serviceDocs(endpoints: number, originPort: number): string {
  const eps = originAddresses(endpoints)
    .map((a, k) => `  - addresses: [${a}]\n    conditions: { ready: true, serving: true, terminating: false }\n    zone: r1a\n    targetRef: { kind: Pod, name: origin-${k}, namespace: ${BENCH_NAMESPACE} }\n`)
    .join('');
  return `apiVersion: v1
kind: Service
metadata:
  name: origin
  namespace: ${BENCH_NAMESPACE}
spec:
  type: ClusterIP
  clusterIP: 127.78.0.10
  clusterIPs: [127.78.0.10]
  selector:
    app: origin
  ports:
    - name: http
      port: 80
      protocol: TCP
      targetPort: ${originPort}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: origin-bench
  namespace: ${BENCH_NAMESPACE}
  labels:
    kubernetes.io/service-name: origin
    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
addressType: IPv4
endpoints:
${eps}ports:
  - name: http
    port: ${originPort}
    protocol: TCP
`;
}

function routeDocs(routes: number): string {
  const [gwNs, gwName] = BENCH_GATEWAY.split('/') as [string, string];
  return routePrefixes(routes)
    .map(
      (prefix, r) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${routeName(r, routes)}
  namespace: ${BENCH_NAMESPACE}
spec:
  parentRefs:
    - name: ${gwName}
      namespace: ${gwNs}
  rules:
    - matches:
        - path: { type: PathPrefix, value: ${prefix} }
      backendRefs:
        - name: origin
          port: 80
`,
    )
    .join('---\n');
}

function ownerPolicyDocs(): string {
  return `apiVersion: lintas.dev/v1alpha1
kind: OwnershipMap
metadata: { name: owners, namespace: ${BENCH_NAMESPACE} }
spec:
  rules: [{ prefix: BENCH-, cluster: ${BENCH_CLUSTER} }]
---
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: owner, namespace: ${BENCH_NAMESPACE} }
spec:
  targetRefs: [{ group: '', kind: Service, name: origin }]
  locality: { mode: Owner }
  ownership:
    key: { header: ${OWNER_KEY_HEADER} }
    mapRef: { kind: OwnershipMap, name: owners }
    reads: Owner
`;
}

/** Every file of the fleet, by path relative to the fleet root (sorted). */
export function gatewayFleetFiles(o: GatewayFleetOptions): Record<string, string> {
  checkCount('routes', o.routes, 1, MAX_ROUTES);
  checkCount('endpoints', o.endpoints, 1, MAX_ENDPOINTS);
  checkCount('listener port', o.listenerPort, 1, 65535);
  checkCount('origin port', o.originPort, 1, 65535);
  const c = `clusters/${BENCH_CLUSTER}`;
  const files: Record<string, string> = {
    [`${c}/gateway.yaml`]: gatewayDocs(o.listenerPort, o.tls !== undefined),
    ...(o.tls !== undefined ? { [`${c}/tls-secret.yaml`]: secretDoc(o.tls) } : {}),
    [`${c}/httproutes.yaml`]: routeDocs(o.routes),
    [`${c}/namespaces.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${BENCH_NAMESPACE}\n  labels:\n    kubernetes.io/metadata.name: ${BENCH_NAMESPACE}\n`,
    [`${c}/origin.yaml`]: serviceDocs(o.endpoints, o.originPort),
    ...fleetDocs(),
    ...(o.ownerPolicy === true ? { 'fleet/policies.yaml': ownerPolicyDocs() } : {}),
  };
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Writes the fleet under `dir` (created); returns the files written, relative to `dir`. */
export function writeGatewayFleet(dir: string, o: GatewayFleetOptions): string[] {
  const files = gatewayFleetFiles(o);
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return Object.keys(files);
}
