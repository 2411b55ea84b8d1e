/**
 * The fleet of the config-edit bench (issue 14 item 5): the gateway bench's
 * one-cluster fleet (bench/gateway/fleet.ts: Gateway on 127.0.0.1, Service
 * `bench/origin` → the origin on 127.77.0.1) inside an MCS fleet of three
 * clusters (bench/mcs/generate.ts), about 1,500 objects in all, plus, for the
 * "big" case, one file holding a 10,000-endpoint Service (ten EndpointSlices of
 * 1,000 endpoints, the most one slice may hold) with its ServiceExport.
 *
 * Edits are one-line, in place: an endpoint's `ready: true` ↔ `ready: false` in
 * a generated EndpointSlice file, so every edit changes the published snapshot
 * and runs the whole pipeline (load, MCS and gateway translation).
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { clusterName, clusterSetDoc, ip } from '../config-load/generate.ts';
import { BENCH_CLUSTER, gatewayFleetFiles } from '../gateway/fleet.ts';
import { generateMcsFleet } from '../mcs/generate.ts';

/** MCS clusters beside the gateway's cluster. */
export const EDIT_CLUSTERS = 3;
/** Services per MCS cluster: 3 × (10 namespaces + 163 × 3 objects) + the gateway fleet ≈ 1,500 objects. */
export const DEFAULT_SERVICES = 163;
/** Endpoints of the big file's Service. */
export const BIG_ENDPOINTS = 10_000;
/** ClusterSetIPs on loopback, clear of the gateway bench's 127.77/16 and 127.78/16. */
export const CLUSTERSET_IP_RANGE = '127.88.0.0/16';
/** Endpoints one EndpointSlice may hold (discovery.k8s.io/v1). */
const SLICE_MAX = 1000;
/** The big Service's endpoints start at this host offset in cluster 0's pod range (after the generated ones). */
const BIG_OFFSET = 20_000;

/** The file holding the big Service (the "big" case edits it). */
export const BIG_FILE = `clusters/${clusterName(0)}/big-service.yaml`;
/** The file the "small" case edits: one cluster's generated EndpointSlices. */
export const SMALL_FILE = `clusters/${clusterName(1)}/endpointslices.yaml`;

function bigServiceDocs(endpoints: number): string {
  const docs = [
    `apiVersion: v1
kind: Service
metadata: { name: big, namespace: ns-0 }
spec:
  type: ClusterIP
  ports: [{ name: http, port: 8080, protocol: TCP, targetPort: 8080 }]
`,
    `apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata: { name: big, namespace: ns-0 }
`,
  ];
  for (let s = 0; s * SLICE_MAX < endpoints; s++) {
    let eps = '';
    for (let k = s * SLICE_MAX; k < Math.min(endpoints, (s + 1) * SLICE_MAX); k++) {
      eps += `  - addresses: [${ip(0, BIG_OFFSET + k)}]\n    conditions: { ready: true, serving: true, terminating: false }\n    zone: ap-southeast-1a\n`;
    }
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: big-${String(s).padStart(2, '0')}
  namespace: ns-0
  labels: { kubernetes.io/service-name: big }
addressType: IPv4
endpoints:
${eps}ports: [{ name: http, port: 8080, protocol: TCP }]
`);
  }
  return docs.join('---\n');
}

/** Options of {@link writeEditFleet}. */
export interface EditFleetOptions {
  readonly services: number;
  /** Endpoints in {@link BIG_FILE}; 0 writes no big file. */
  readonly bigEndpoints: number;
  readonly listenerPort: number;
  readonly originPort: number;
}

/** Writes the fleet into the empty or missing `dir`; returns its object count. */
export function writeEditFleet(dir: string, o: EditFleetOptions): number {
  const mcs = generateMcsFleet(dir, { clusters: EDIT_CLUSTERS, servicesPerCluster: o.services, endpointsPerSlice: 10, headlessEvery: 0 });
  let objects = mcs.objects;
  // The gateway fleet's own inventory would replace the MCS one: its Cluster goes beside it, into the one ClusterSet.
  for (const [rel, text] of Object.entries(gatewayFleetFiles({ routes: 1, endpoints: 1, listenerPort: o.listenerPort, originPort: o.originPort }))) {
    if (rel === 'fleet/clusterset.yaml') continue;
    writeFileOf(dir, rel === 'fleet/clusters.yaml' ? 'fleet/bench-cluster.yaml' : rel, text);
    objects += text.split(/^---$/m).length;
  }
  // A loopback clusterSetIPRange: serve binds every ServiceImport's ClusterSetIP (east-west), which 100.64/12 is not on this machine.
  const clusterSet = clusterSetDoc(EDIT_CLUSTERS).replace('  clusterSetIPRange: 100.64.0.0/12', `    - ${BENCH_CLUSTER}\n  clusterSetIPRange: ${CLUSTERSET_IP_RANGE}`);
  writeFileOf(dir, 'fleet/clusterset.yaml', clusterSet);
  if (o.bigEndpoints > 0) {
    const text = bigServiceDocs(o.bigEndpoints);
    writeFileOf(dir, BIG_FILE, text);
    objects += text.split(/^---$/m).length;
  }
  return objects;
}

function writeFileOf(dir: string, rel: string, text: string): void {
  const path = join(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Flips the readiness of one endpoint line of `file` in place (one line, same
 * inode, as an editor that writes in place does): edit 2k sets the k-th
 * `ready: true` line to `ready: false`, edit 2k+1 sets it back, so the file
 * returns to its start after every pair.
 */
export function flipReady(root: string, file: string, n: number): void {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const [from, to, k] = n % 2 === 0 ? ['ready: true', 'ready: false', Math.floor(n / 2)] : ['ready: false', 'ready: true', 0];
  const at = nthIndex(text, from, k);
  if (at < 0) throw new Error(`${file}: no "${from}" line to edit`);
  writeFileSync(path, text.slice(0, at) + to + text.slice(at + from.length));
}

/** Index of the `k`-th occurrence of `needle` (wrapping around the occurrences there are), or -1. */
function nthIndex(text: string, needle: string, k: number): number {
  const all: number[] = [];
  for (let i = text.indexOf(needle); i >= 0 && all.length <= k; i = text.indexOf(needle, i + 1)) all.push(i);
  if (all.length === 0) return -1;
  return all[k % all.length] as number;
}
