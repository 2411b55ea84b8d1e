/**
 * Synthetic fleet generator for the config-load benchmark.
 *
 * Writes a fleet in the same layout as examples/capstone:
 *
 *   <dir>/fleet/clusters.yaml          one lintas.dev/v1alpha1 Cluster per cluster
 *   <dir>/fleet/clusterset.yaml        one ClusterSet naming every cluster
 *   <dir>/clusters/c-NNN/namespaces.yaml       10 Namespaces (ns-0 .. ns-9)
 *   <dir>/clusters/c-NNN/services.yaml         servicesPerCluster Services
 *   <dir>/clusters/c-NNN/endpointslices.yaml   one EndpointSlice per Service
 *   <dir>/clusters/c-NNN/serviceexports.yaml   one ServiceExport per Service
 *
 * Output is deterministic (no Math.random) so that runs are comparable, and
 * is written with plain string templates, not a YAML library, so generating
 * the full 50 x 1,000 fleet takes well under the time it takes to load it.
 *
 * Address plan for cluster i (0 <= i < 256), all inside 10.i.0.0/16, so no
 * range overlaps another cluster's or another range of the same cluster:
 *   pods      10.i.0.0/17    (10.i.0.0   - 10.i.127.255)
 *   services  10.i.128.0/18  (10.i.128.0 - 10.i.191.255)
 *   nodes     10.i.192.0/20  (10.i.192.0 - 10.i.207.255)
 * The ClusterSetIP range 100.64.0.0/12 is outside 10.0.0.0/8.
 *
 * Usage: node --import tsx bench/config-load/generate.ts OUTDIR [--clusters 50] [--services 1000] [--force]
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export interface GenerateOptions {
  clusters: number;
  servicesPerCluster: number;
}

export interface GenerateResult {
  files: number;
  objects: number;
  bytes: number;
}

/** Namespaces per cluster; Services are spread round-robin over them. */
export const NAMESPACES_PER_CLUSTER = 10;
/** Endpoints in every EndpointSlice. */
export const ENDPOINTS_PER_SLICE = 3;
/** 10.i.0.0/16 per cluster: the second octet caps the cluster count. */
export const MAX_CLUSTERS = 256;
/**
 * Pod IPs are 10.i.0.0/17 (32,768 addresses) and each Service takes 3 plus an
 * offset of 10; Service IPs are 10.i.128.0/18 (16,384). 10,000 keeps both inside.
 */
export const MAX_SERVICES_PER_CLUSTER = 10_000;

/** Real regions with three of their zone suffixes (ap-northeast-1b is not offered to new accounts). */
const REGIONS: readonly { name: string; zones: readonly [string, string, string] }[] = [
  { name: 'us-east-1', zones: ['a', 'b', 'c'] },
  { name: 'us-west-2', zones: ['a', 'b', 'c'] },
  { name: 'eu-west-1', zones: ['a', 'b', 'c'] },
  { name: 'eu-central-1', zones: ['a', 'b', 'c'] },
  { name: 'ap-southeast-1', zones: ['a', 'b', 'c'] },
  { name: 'ap-southeast-3', zones: ['a', 'b', 'c'] },
  { name: 'ap-northeast-1', zones: ['a', 'c', 'd'] },
  { name: 'sa-east-1', zones: ['a', 'b', 'c'] },
];

/** The region (and its zones) of cluster i. */
export function regionOf(i: number): { name: string; zones: readonly string[] } {
  return REGIONS[i % REGIONS.length] as (typeof REGIONS)[number];
}

/** Alphabet Kubernetes uses for generated name suffixes (no vowels, no 0/1/3). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function clusterName(i: number): string {
  return `c-${String(i).padStart(3, '0')}`;
}

export function clusterCIDRs(i: number): { pod: string; service: string; node: string } {
  return { pod: `10.${i}.0.0/17`, service: `10.${i}.128.0/18`, node: `10.${i}.192.0/20` };
}

/** Dotted IPv4 for host offset `n` inside 10.i.0.0/16. */
export function ip(i: number, n: number): string {
  return `10.${i}.${n >>> 8}.${n & 255}`;
}

/** Deterministic 5-char suffix, like the ones generateName produces. */
function suffix(seed: number, len = 5): string {
  // xorshift32 seeded from the inputs: cheap and reproducible.
  let x = Math.imul(seed | 0, 0x9e3779b1) >>> 0 || 1;
  let out = '';
  for (let k = 0; k < len; k++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += SUFFIX_ALPHABET[x % SUFFIX_ALPHABET.length];
  }
  return out;
}

function serviceName(j: number): string {
  return `svc-${String(j).padStart(4, '0')}`;
}

function hasTwoPorts(j: number): boolean {
  return j % 3 === 0;
}

/** The lintas.dev Cluster inventory record of cluster i. */
export function clusterDoc(i: number): string {
  const name = clusterName(i);
  const region = regionOf(i);
  const c = clusterCIDRs(i);
  return `apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata:
  name: ${name}
  labels:
    topology.kubernetes.io/region: ${region.name}
    lintas.dev/environment: production
spec:
  region: ${region.name}
  zones: [${region.zones.map((z) => region.name + z).join(', ')}]
  environment: production
  network: network-${name}
  podCIDRs: [${c.pod}]
  serviceCIDRs: [${c.service}]
  nodeCIDRs: [${c.node}]
  trustDomain: ${name}.bench.example.com
  owner: platform-networking
  capacity: ${100 - (i % 5) * 10}
`;
}

/** The ClusterSet `bench` holding clusters 0..n-1. */
export function clusterSetDoc(clusters: number): string {
  const names: string[] = [];
  for (let i = 0; i < clusters; i++) names.push(`    - ${clusterName(i)}\n`);
  return `apiVersion: lintas.dev/v1alpha1
kind: ClusterSet
metadata:
  name: bench
spec:
  clusters:
${names.join('')}  clusterSetIPRange: 100.64.0.0/12
  dnsZone: clusterset.local
  dnsTTLSeconds: 5
`;
}

function namespaceDoc(n: number): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ns-${n}
  labels:
    kubernetes.io/metadata.name: ns-${n}
    lintas.dev/owner: team-${n}
`;
}

function serviceDoc(i: number, j: number): string {
  const name = serviceName(j);
  const ns = `ns-${j % NAMESPACES_PER_CLUSTER}`;
  const clusterIP = ip(i, 128 * 256 + 10 + j);
  const grpc = hasTwoPorts(j)
    ? `
    - name: grpc
      port: 9090
      protocol: TCP
      targetPort: 9090`
    : '';
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/part-of: bench
spec:
  type: ClusterIP
  clusterIP: ${clusterIP}
  clusterIPs: [${clusterIP}]
  selector:
    app: ${name}
  ports:
    - name: http
      port: 8080
      protocol: TCP
      targetPort: 8080${grpc}
`;
}

function endpointSliceDoc(i: number, j: number): string {
  const name = serviceName(j);
  const ns = `ns-${j % NAMESPACES_PER_CLUSTER}`;
  const cluster = clusterName(i);
  const seed = i * 100_003 + j;
  const region = regionOf(i);
  const rs = suffix(seed * 7 + 1, 10);
  let endpoints = '';
  for (let k = 0; k < ENDPOINTS_PER_SLICE; k++) {
    const z = region.zones[k % region.zones.length] as string;
    endpoints += `  - addresses: [${ip(i, 10 + j * ENDPOINTS_PER_SLICE + k)}]
    conditions: { ready: true, serving: true, terminating: false }
    nodeName: ${cluster}-node-${z}${j % 16}
    zone: ${region.name}${z}
    targetRef:
      kind: Pod
      name: ${name}-${rs}-${suffix(seed * 7 + 2 + k)}
      namespace: ${ns}
`;
  }
  const grpc = hasTwoPorts(j)
    ? `
  - name: grpc
    port: 9090
    protocol: TCP`
    : '';
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-${suffix(seed * 7)}
  namespace: ${ns}
  labels:
    kubernetes.io/service-name: ${name}
    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
addressType: IPv4
endpoints:
${endpoints}ports:
  - name: http
    port: 8080
    protocol: TCP${grpc}
`;
}

function serviceExportDoc(i: number, j: number): string {
  // Even clusters use v1alpha1, odd ones v1beta1: both versions must load.
  const version = i % 2 === 0 ? 'v1alpha1' : 'v1beta1';
  return `apiVersion: multicluster.x-k8s.io/${version}
kind: ServiceExport
metadata:
  name: ${serviceName(j)}
  namespace: ns-${j % NAMESPACES_PER_CLUSTER}
`;
}

function checkCount(what: string, n: number, min: number, max: number): void {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${what} must be an integer in [${min}, ${max}], got ${n}`);
  }
}

/**
 * Writes a synthetic fleet into `dir` (created if missing; must be empty).
 * Returns how many files, objects and bytes were written.
 */
export function generateFleet(dir: string, opts: GenerateOptions): GenerateResult {
  checkCount('clusters', opts.clusters, 1, MAX_CLUSTERS);
  checkCount('servicesPerCluster', opts.servicesPerCluster, 0, MAX_SERVICES_PER_CLUSTER);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`generateFleet: ${dir} is not empty`);
  }

  let files = 0;
  let objects = 0;
  let bytes = 0;
  const write = (path: string, docs: string[]): void => {
    const text = docs.join('---\n');
    writeFileSync(path, text);
    files++;
    objects += docs.length;
    bytes += Buffer.byteLength(text);
  };

  const fleetDir = join(dir, 'fleet');
  mkdirSync(fleetDir, { recursive: true });
  const clusterDocs: string[] = [];
  for (let i = 0; i < opts.clusters; i++) clusterDocs.push(clusterDoc(i));
  write(join(fleetDir, 'clusters.yaml'), clusterDocs);
  write(join(fleetDir, 'clusterset.yaml'), [clusterSetDoc(opts.clusters)]);

  for (let i = 0; i < opts.clusters; i++) {
    const cdir = join(dir, 'clusters', clusterName(i));
    mkdirSync(cdir, { recursive: true });

    const namespaces: string[] = [];
    for (let n = 0; n < NAMESPACES_PER_CLUSTER; n++) namespaces.push(namespaceDoc(n));
    write(join(cdir, 'namespaces.yaml'), namespaces);

    const services: string[] = [];
    const slices: string[] = [];
    const exports: string[] = [];
    for (let j = 0; j < opts.servicesPerCluster; j++) {
      services.push(serviceDoc(i, j));
      slices.push(endpointSliceDoc(i, j));
      exports.push(serviceExportDoc(i, j));
    }
    write(join(cdir, 'services.yaml'), services);
    write(join(cdir, 'endpointslices.yaml'), slices);
    write(join(cdir, 'serviceexports.yaml'), exports);
  }

  return { files, objects, bytes };
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      clusters: { type: 'string', default: '50' },
      services: { type: 'string', default: '1000' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const usage =
    'usage: node --import tsx bench/config-load/generate.ts OUTDIR [--clusters 50] [--services 1000] [--force]\n' +
    '  --force  delete OUTDIR first if it exists';
  if (values.help) {
    console.log(usage);
    return;
  }
  const out = positionals[0];
  if (out === undefined || positionals.length !== 1) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  if (values.force) rmSync(out, { recursive: true, force: true });
  const opts = { clusters: Number(values.clusters), servicesPerCluster: Number(values.services) };
  const start = performance.now();
  const r = generateFleet(out, opts);
  const ms = performance.now() - start;
  console.log(
    `wrote ${r.files} files, ${r.objects} objects, ${(r.bytes / 1024 / 1024).toFixed(1)} MiB ` +
      `(${opts.clusters} clusters x ${opts.servicesPerCluster} services) to ${out} in ${ms.toFixed(0)} ms`,
  );
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
