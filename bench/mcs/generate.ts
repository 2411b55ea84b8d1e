/**
 * Synthetic fleet generator for the MCS benchmark.
 *
 * Same layout as bench/config-load (and examples/capstone), but with a
 * configurable number of endpoints per EndpointSlice (10 by default, the issue's
 * 20 × 1,000 × 10 fleet) and every `headlessEvery`-th Service headless
 * (`clusterIP: None`), so DNS answers the ready endpoints' IPs for it:
 *
 *   <dir>/fleet/clusters.yaml                  one Cluster per cluster
 *   <dir>/fleet/clusterset.yaml                one ClusterSet naming every cluster
 *   <dir>/clusters/c-NNN/namespaces.yaml       ns-0 .. ns-9
 *   <dir>/clusters/c-NNN/services.yaml         svc-0000 ..  (every Service in every cluster)
 *   <dir>/clusters/c-NNN/endpointslices.yaml   one slice per Service, all endpoints ready
 *   <dir>/clusters/c-NNN/serviceexports.yaml   one ServiceExport per Service
 *
 * Every cluster exports every Service, so each ServiceImport has one constituent
 * per cluster and (clusters × endpoints) imported endpoints.
 *
 * Address plan for cluster i, inside 10.i.0.0/16 (so at most 256 clusters):
 *   pods 10.i.0.0/17, Services 10.i.128.0/18, nodes 10.i.192.0/20.
 * Endpoint k of Service j is pod IP offset 10 + j × endpoints + k, so
 * services × endpoints must stay under 32,000.
 *
 * Every endpoint's conditions are written on one line,
 * `conditions: { ready: true, serving: true, terminating: false }`, right after
 * its `- addresses: [IP]` line, so the flip benchmark can find and rewrite it.
 *
 * Deterministic and written with string templates (no YAML library).
 *
 * Usage: node --import tsx bench/mcs/generate.ts OUTDIR [--clusters 20] [--services 1000] [--endpoints 10] [--headless-every 10]
 * @module
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { clusterDoc, clusterName, clusterSetDoc, ip, regionOf } from '../config-load/generate.ts';

export { clusterName };

/** Options of {@link generateMcsFleet}. */
export interface McsFleetOptions {
  readonly clusters: number;
  readonly servicesPerCluster: number;
  readonly endpointsPerSlice: number;
  /** Every n-th Service (j % n === 0) is headless; 0 makes none headless. */
  readonly headlessEvery: number;
}

/** What {@link generateMcsFleet} wrote. */
export interface McsFleetSummary {
  readonly files: number;
  readonly objects: number;
  readonly bytes: number;
  readonly endpoints: number;
  readonly headlessServices: number;
}

export const NAMESPACES_PER_CLUSTER = 10;
const MAX_POD_OFFSET = 32_000;

export function serviceName(j: number): string {
  return `svc-${String(j).padStart(4, '0')}`;
}

export function namespaceOf(j: number): string {
  return `ns-${j % NAMESPACES_PER_CLUSTER}`;
}

export function isHeadless(j: number, headlessEvery: number): boolean {
  return headlessEvery > 0 && j % headlessEvery === 0;
}

/** The pod IP of endpoint k of Service j in cluster i. */
export function endpointIP(i: number, j: number, k: number, endpointsPerSlice: number): string {
  return ip(i, 10 + j * endpointsPerSlice + k);
}

function namespaceDoc(n: number): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ns-${n}
`;
}

function serviceDoc(i: number, j: number, headless: boolean): string {
  const clusterIP = headless ? 'None' : ip(i, 128 * 256 + 10 + j);
  return `apiVersion: v1
kind: Service
metadata:
  name: ${serviceName(j)}
  namespace: ${namespaceOf(j)}
  labels:
    app.kubernetes.io/name: ${serviceName(j)}
spec:
  type: ClusterIP
  clusterIP: ${clusterIP}
  clusterIPs: [${clusterIP}]
  ipFamilies: [IPv4]
  selector:
    app: ${serviceName(j)}
  ports:
    - name: http
      port: 8080
      protocol: TCP
      targetPort: 8080
`;
}

function endpointSliceDoc(i: number, j: number, endpointsPerSlice: number): string {
  const name = serviceName(j);
  const cluster = clusterName(i);
  const region = regionOf(i);
  let endpoints = '';
  for (let k = 0; k < endpointsPerSlice; k++) {
    const zone = region.zones[k % region.zones.length] as string;
    endpoints += `  - addresses: [${endpointIP(i, j, k, endpointsPerSlice)}]
    conditions: { ready: true, serving: true, terminating: false }
    nodeName: ${cluster}-node-${zone}${j % 16}
    zone: ${region.name}${zone}
    targetRef:
      kind: Pod
      name: ${name}-${k}
      namespace: ${namespaceOf(j)}
`;
  }
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-abcde
  namespace: ${namespaceOf(j)}
  labels:
    kubernetes.io/service-name: ${name}
    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
addressType: IPv4
endpoints:
${endpoints}ports:
  - name: http
    port: 8080
    protocol: TCP
`;
}

function serviceExportDoc(j: number): string {
  return `apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata:
  name: ${serviceName(j)}
  namespace: ${namespaceOf(j)}
`;
}

function check(what: string, n: number, min: number, max: number): void {
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${what} must be an integer in [${min}, ${max}], got ${n}`);
}

/** Writes the fleet into `dir` (created if missing; must be empty). */
export function generateMcsFleet(dir: string, opts: McsFleetOptions): McsFleetSummary {
  check('clusters', opts.clusters, 1, 256);
  check('endpointsPerSlice', opts.endpointsPerSlice, 1, 1000);
  check('servicesPerCluster', opts.servicesPerCluster, 1, Math.floor(MAX_POD_OFFSET / opts.endpointsPerSlice));
  check('headlessEvery', opts.headlessEvery, 0, 1_000_000);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`generateMcsFleet: ${dir} is not empty`);

  let files = 0;
  let objects = 0;
  let bytes = 0;
  const write = (path: string, docs: readonly string[]): void => {
    const text = docs.join('---\n');
    writeFileSync(path, text);
    files++;
    objects += docs.length;
    bytes += Buffer.byteLength(text);
  };

  mkdirSync(join(dir, 'fleet'), { recursive: true });
  const clusters: string[] = [];
  for (let i = 0; i < opts.clusters; i++) clusters.push(clusterDoc(i));
  write(join(dir, 'fleet', 'clusters.yaml'), clusters);
  write(join(dir, 'fleet', 'clusterset.yaml'), [clusterSetDoc(opts.clusters)]);

  let headlessServices = 0;
  for (let j = 0; j < opts.servicesPerCluster; j++) if (isHeadless(j, opts.headlessEvery)) headlessServices++;

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
      services.push(serviceDoc(i, j, isHeadless(j, opts.headlessEvery)));
      slices.push(endpointSliceDoc(i, j, opts.endpointsPerSlice));
      exports.push(serviceExportDoc(j));
    }
    write(join(cdir, 'services.yaml'), services);
    write(join(cdir, 'endpointslices.yaml'), slices);
    write(join(cdir, 'serviceexports.yaml'), exports);
  }
  return { files, objects, bytes, endpoints: opts.clusters * opts.servicesPerCluster * opts.endpointsPerSlice, headlessServices };
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      clusters: { type: 'string', default: '20' },
      services: { type: 'string', default: '1000' },
      endpoints: { type: 'string', default: '10' },
      'headless-every': { type: 'string', default: '10' },
    },
  });
  const out = positionals[0];
  if (out === undefined || positionals.length !== 1) {
    console.error('usage: node --import tsx bench/mcs/generate.ts OUTDIR [--clusters 20] [--services 1000] [--endpoints 10] [--headless-every 10]');
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const r = generateMcsFleet(out, {
    clusters: Number(values.clusters),
    servicesPerCluster: Number(values.services),
    endpointsPerSlice: Number(values.endpoints),
    headlessEvery: Number(values['headless-every']),
  });
  console.log(`wrote ${r.files} files, ${r.objects} objects, ${r.endpoints} endpoints, ${r.headlessServices} headless Services/cluster, ${(r.bytes / 1048576).toFixed(1)} MiB to ${out} in ${Math.round(performance.now() - started)} ms`);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
