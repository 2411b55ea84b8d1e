/**
 * Test helper: the Gateway API conformance suite's manifests, read as test data
 * from `LINTAS_CONFORMANCE_DIR` (default `../shared/conformance/gateway-api` next
 * to the repository; never copied into it), turned into a one-cluster fleet and
 * served by `lintas serve`:
 * - `{GATEWAY_CLASS_NAME}` becomes `lintas` (plus its GatewayClass);
 * - every Gateway gets a loopback `spec.addresses` entry, and listener ports are
 *   mapped to free ports (80 and 443 need root and would collide between tests);
 * - every Service gets an EndpointSlice pointing at its own conformance echo
 *   (targetPort 3000 → the echo's HTTP port, 3001 → h2c, 8443 → HTTPS when the
 *   test gives the echo a certificate); Deployments and ConfigMaps are dropped.
 * Tests add their own objects (Secrets made at run time, ReferenceGrants).
 * When the manifests are absent, {@link conformanceMissing} says why, and the
 * tests skip with that reason.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startConformanceEcho, type ConformanceEcho } from './conformance-echo.ts';
import { clusterObject, freePort, gatewayClassObject, manifests, startServe, writeFiles, type Serve } from './gateway-fleet.ts';

/** Where the suite's manifests are read from. */
export const CONFORMANCE_DIR = process.env.LINTAS_CONFORMANCE_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'conformance', 'gateway-api');

/** The suite's infrastructure namespace. */
export const INFRA_NS = 'gateway-conformance-infra';

/** Why the conformance tests cannot run here (a skip reason), or undefined when they can. */
export function conformanceMissing(): string | undefined {
  if (existsSync(join(CONFORMANCE_DIR, 'base', 'manifests.yaml'))) return undefined;
  return `the Gateway API conformance manifests are not at ${CONFORMANCE_DIR} (set LINTAS_CONFORMANCE_DIR to a copy of the suite's conformance/tests folder with base/manifests.yaml)`;
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; spec?: Record<string, unknown>; [k: string]: unknown };

/** Reads one manifest file of the suite (relative to {@link CONFORMANCE_DIR}) as objects, with the class name filled in. */
export function readConformance(file: string): Obj[] {
  const text = readFileSync(join(CONFORMANCE_DIR, file), 'utf8').replaceAll('{GATEWAY_CLASS_NAME}', 'lintas');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

/** Options of {@link startConformanceFleet}. */
export interface ConformanceFleetOptions {
  /** The first two octets of the loopback range the fleet lives in, e.g. `127.120`. */
  readonly net: string;
  /** Suite manifest files to load besides the base. */
  readonly tests: readonly string[];
  /** Objects to add to the cluster (Secrets, grants, routes). */
  readonly extra?: readonly object[];
  /** Fleet-scoped objects to add (TrafficPolicies). */
  readonly fleetExtra?: readonly object[];
  /** Certificates of echoes that serve HTTPS, by `ns/service`. */
  readonly echoTls?: Readonly<Record<string, { readonly cert: string; readonly key: string }>>;
  /** Rewrites each loaded object before it is written (return undefined to drop it). */
  readonly edit?: (o: Obj) => Obj | undefined;
}

/** A running conformance fleet. */
export interface ConformanceFleet {
  readonly root: string;
  readonly fleetDir: string;
  readonly serve: Serve;
  /** The address and (mapped) port of a Gateway's listener port, e.g. `gateway('same-namespace', 80)`. */
  gateway(name: string, port: number, namespace?: string): { readonly address: string; readonly port: number; readonly url: string };
  /** The echo of Service ns/name. */
  echo(service: string, namespace?: string): ConformanceEcho;
  /** Writes an extra file into the cluster folder, Gateways placed as at the start (serve reloads it). */
  write(name: string, objects: readonly object[]): Promise<void>;
  stop(): Promise<void>;
}

const KEEP = new Set(['Namespace', 'Service', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'Secret', 'BackendTLSPolicy']);

/** `Type=Status/Reason` of each condition of a route's first parent, as the admin API reports them. */
export async function routeConditions(fleet: ConformanceFleet | undefined, name: string): Promise<string[]> {
  type View = { httpRoutes: { route: { metadata: { name: string }; status: { parents: { conditions: { type: string; status: string; reason: string }[] }[] } } }[] };
  const api = (await (await fetch(`${fleet?.serve.admin ?? ''}/api/v1/gateway`)).json()) as View;
  const route = api.httpRoutes.find((r) => r.route.metadata.name === name);
  return (route?.route.status.parents[0]?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
}

/** Runs a real client (curl, openssl s_client) with stdin closed (s_client waits on it) and a 10 s bound. */
export function runCommand(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('latin1')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('latin1')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

/** Loads base + `tests`, starts the echoes and `lintas serve` in `root`. */
export async function startConformanceFleet(root: string, options: ConformanceFleetOptions): Promise<ConformanceFleet> {
  const fleetDir = join(root, 'fleet');
  const objects = [...readConformance('base/manifests.yaml'), ...options.tests.flatMap((t) => readConformance(t))]
    .filter((o) => KEEP.has(o.kind))
    .map((o) => (options.edit ? options.edit(o) : o))
    .filter((o): o is Obj => o !== undefined);
  const gateways = new Map<string, string>();
  const portMap = new Map<number, number>();
  // Every Gateway (the suite's and the test's own) gets its loopback address and mapped ports, the same on every write.
  const place = async (list: readonly object[]): Promise<object[]> => {
    const out: object[] = [];
    for (const raw of list) {
      const o = structuredClone(raw) as Obj;
      if (o.kind === 'Gateway') {
        const id = `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
        const address = gateways.get(id) ?? `${options.net}.1.${String(gateways.size + 1)}`;
        gateways.set(id, address);
        const spec = o.spec as { addresses?: unknown; listeners: { port: number }[] };
        spec.addresses = [{ type: 'IPAddress', value: address }];
        for (const l of spec.listeners) {
          if (!portMap.has(l.port)) portMap.set(l.port, await freePort(`${options.net}.1.1`));
          l.port = portMap.get(l.port) as number;
        }
      }
      out.push(o);
    }
    return out;
  };
  const placed = await place(objects);
  const extra = await place(options.extra ?? []);
  const echoes = new Map<string, ConformanceEcho>();
  const slices: object[] = [];
  let s = 0;
  for (const o of placed as Obj[]) {
    if (o.kind !== 'Service') continue;
    const ns = o.metadata.namespace ?? 'default';
    const key = `${ns}/${o.metadata.name}`;
    s += 1;
    const tls = options.echoTls?.[key];
    const echo = await startConformanceEcho(`${options.net}.2.${String(s)}`, ns, o.metadata.name, tls ? { tls } : {});
    echoes.set(key, echo);
    const ports = ((o.spec as { ports?: { name?: string; protocol?: string; targetPort?: number }[] }).ports ?? []).flatMap((p) => {
      const port = p.targetPort === 3000 ? echo.httpPort : p.targetPort === 3001 ? echo.h2cPort : p.targetPort === 8443 && echo.httpsPort > 0 ? echo.httpsPort : 0;
      return port === 0 || (p.protocol ?? 'TCP') !== 'TCP' ? [] : [{ ...(p.name !== undefined ? { name: p.name } : {}), protocol: 'TCP', port }];
    });
    if (ports.length === 0) continue;
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${o.metadata.name}-conformance`, namespace: ns, labels: { 'kubernetes.io/service-name': o.metadata.name } },
      addressType: 'IPv4',
      ports,
      endpoints: [{ addresses: [echo.address] }],
    });
  }
  const cluster = (name: string, list: readonly object[]): void => writeFiles(fleetDir, { [`clusters/a/${name}`]: manifests(...list) });
  const write = async (name: string, list: readonly object[]): Promise<void> => cluster(name, await place(list));
  writeFiles(fleetDir, { 'fleet.yaml': manifests(clusterObject('a', 'r1', 'r1a', `${options.net}.0.0/16`), ...(options.fleetExtra ?? [])) });
  cluster('base.yaml', [gatewayClassObject(), ...placed, ...slices]);
  if (extra.length > 0) cluster('extra.yaml', extra);
  let serve: Serve;
  try {
    serve = await startServe(root, fleetDir);
  } catch (error) {
    await Promise.all([...echoes.values()].map((e) => e.close()));
    throw error;
  }
  return {
    root,
    fleetDir,
    serve,
    gateway(name, port, namespace = INFRA_NS) {
      const address = gateways.get(`${namespace}/${name}`);
      const mapped = portMap.get(port);
      if (address === undefined || mapped === undefined) throw new Error(`no Gateway ${namespace}/${name} with port ${String(port)} in the fleet`);
      return { address, port: mapped, url: `http://${address}:${String(mapped)}` };
    },
    echo(service, namespace = INFRA_NS) {
      const e = echoes.get(`${namespace}/${service}`);
      if (e === undefined) throw new Error(`no Service ${namespace}/${service} in the fleet`);
      return e;
    },
    write,
    async stop() {
      try {
        await serve.stop();
      } finally {
        await Promise.all([...echoes.values()].map((e) => e.close()));
      }
    },
  };
}
