/**
 * Test harness (like controller-runtime's envtest): one etcd and three real kube-apiservers on
 * loopback, each cluster under its own `--etcd-prefix`, with generated certificates, a static token
 * file (an admin in system:masters), service-account signing keys and RBAC. No kubelet, scheduler
 * or controller-manager: tests write EndpointSlices as the endpoints controller would.
 *
 * The binaries come from test/kube/build-binaries.sh (cached outside the repo); every key here is a
 * THROWAWAY TEST FIXTURE in a temp dir, removed by `stop()`.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { accessSync, constants, createWriteStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { parseAllDocuments, stringify } from 'yaml';
import { freePort } from '../gateway-fleet.ts';
import { opensslMissing, signedBy, testCa, type TestCert } from '../tls-certs.ts';
import { waitFor } from '../wait.ts';

/** The pinned release (the build script's default). */
export const KUBE_VERSION = process.env.LINTAS_KUBE_VERSION ?? 'v1.37.2';

/** Where build-binaries.sh caches the binaries of {@link KUBE_VERSION}. */
export const KUBE_BIN_DIR = join(process.env.LINTAS_KUBE_CACHE ?? join(homedir(), '.cache', 'lintas', 'kube'), KUBE_VERSION);

/** The upstream CRDs the tests install (test data, never copied into the repo): `../shared/crds` beside the repo. */
export const SHARED_CRDS_DIR = process.env.LINTAS_SHARED_CRDS ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'crds');

/** The three clusters of the test fleet, named like the seeds' (context = cluster name). */
export const TEST_CLUSTERS = [
  { name: 'jkt-prod-1', prefix: '/registry-jkt', serviceCidr: '10.96.0.0/16' },
  { name: 'sgp-prod-1', prefix: '/registry-sgp', serviceCidr: '10.97.0.0/16' },
  { name: 'tyo-prod-1', prefix: '/registry-tyo', serviceCidr: '10.98.0.0/16' },
] as const;

/** Why the Kubernetes tests cannot run here (a skip reason), or undefined when they can. */
export function kubeBinariesMissing(): string | undefined {
  for (const bin of ['kube-apiserver', 'etcd']) {
    try {
      accessSync(join(KUBE_BIN_DIR, bin), constants.X_OK);
    } catch {
      return `${bin} ${KUBE_VERSION} is not built (looked in ${KUBE_BIN_DIR}); run test/kube/build-binaries.sh (.ci/run does)`;
    }
  }
  return opensslMissing();
}

/** One running kube-apiserver. */
export interface TestApiServer {
  readonly name: string;
  /** `https://127.0.0.1:<port>` (the port is kept across restarts). */
  readonly server: string;
  readonly port: number;
  /** Whether the process is running. */
  running(): boolean;
  /**
   * Kills the process (SIGKILL: an outage, not a shutdown; a graceful kube-apiserver shutdown keeps
   * its watches open for seconds); its data stays in etcd.
   */
  stop(): Promise<void>;
  /** Starts it again on the same port and prefix, and waits for /readyz. */
  start(): Promise<void>;
}

/** Options of {@link startKubeFleet}. */
export interface KubeFleetOptions {
  /** Extra kube-apiserver flags for every cluster, e.g. `--watch-cache=false`. */
  readonly apiserverArgs?: readonly string[];
  /** Extra static tokens: `token,user,uid,"group1,group2"` lines of the token file. */
  readonly extraTokens?: readonly string[];
}

/** A running test fleet. */
export interface TestKubeFleet {
  /** A kubeconfig with one context per cluster, named after it, each with the admin token. */
  readonly kubeconfigPath: string;
  readonly kubeconfig: string;
  /** The CA that signed every serving certificate (PEM). */
  readonly ca: string;
  /** A token of user `admin` in `system:masters`. */
  readonly adminToken: string;
  readonly apiservers: ReadonlyMap<string, TestApiServer>;
  /** The shared etcd: its client URL, current revision and a compaction (to force 410 Gone). */
  readonly etcd: { readonly url: string; revision(): Promise<number>; compact(revision: number): Promise<void> };
  /** Sends an authenticated request to a cluster's API server as the admin; returns status and JSON body. */
  request(cluster: string, method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: unknown }>;
  /** Stops every process and deletes the temp dir. */
  stop(): Promise<void>;
}

/** A process the harness started, with its log file. */
interface Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly log: string;
}

const live = new Set<ChildProcess>();
// A crashed test must not leave API servers behind: kill what is still running on exit.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function startProc(bin: string, args: readonly string[], log: string): Proc {
  const out = createWriteStream(log, { flags: 'a' });
  const child = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  live.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => live.delete(child));
  return { child, exited, log };
}

/** Stops a process: SIGTERM with a grace period, or SIGKILL at once (`graceMs` 0). */
async function stopProc(proc: Proc | undefined, graceMs = 10_000): Promise<void> {
  if (proc === undefined || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(killer);
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until `probe` answers, failing early (with the log's tail) if `proc` exits. */
async function waitReady(what: string, proc: Proc, probe: () => Promise<boolean>): Promise<void> {
  await waitFor(
    what,
    async () => {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${what}: the process exited (${String(proc.child.exitCode ?? proc.child.signalCode)}); log ${proc.log}:\n${logTail(proc.log)}`);
      return (await probe()) ? true : undefined;
    },
    90_000,
  );
}

/** Starts etcd and the three API servers; rejects (after cleaning up) if any of them does not get ready. */
export async function startKubeFleet(options: KubeFleetOptions = {}): Promise<TestKubeFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'lintas-kube-'));
  const procs: Proc[] = [];
  const servers = new Map<string, TestApiServer>();
  let etcd: Proc | undefined;
  const stopAll = async (): Promise<void> => {
    for (const server of servers.values()) await server.stop();
    await stopProc(etcd);
    await Promise.all(procs.map(stopProc));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // etcd: one member on loopback; fsync off, it is throwaway.
    const [clientPort, peerPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
    const etcdUrl = `http://127.0.0.1:${String(clientPort)}`;
    const peerUrl = `http://127.0.0.1:${String(peerPort)}`;
    etcd = startProc(join(KUBE_BIN_DIR, 'etcd'), ['--name=lintas-test', `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`, `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=lintas-test=${peerUrl}`, '--unsafe-no-fsync', '--log-level=warn'], join(dir, 'etcd.log'));
    const etcdProc = etcd;
    await waitReady('etcd /health', etcdProc, async () => ((await fetch(`${etcdUrl}/health`).then((r) => r.json())) as { health?: string }).health === 'true');

    // Certificates and credentials shared by the three API servers.
    const ca = testCa('lintas test kube CA');
    const serving: TestCert = signedBy(ca, ['localhost', 'kubernetes', 'kubernetes.default.svc'], { ips: ['127.0.0.1'], cn: 'kube-apiserver' });
    await writeFile(join(dir, 'ca.pem'), ca.cert);
    await writeFile(join(dir, 'serving.pem'), serving.cert);
    await writeFile(join(dir, 'serving-key.pem'), serving.key, { mode: 0o600 });
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(dir, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const adminToken = randomBytes(24).toString('hex');
    await writeFile(join(dir, 'tokens.csv'), [`${adminToken},admin,admin-uid,"system:masters"`, ...(options.extraTokens ?? [])].join('\n') + '\n', { mode: 0o600 });
    const dispatcher = new Agent({ connect: { ca: ca.cert } });
    const request = async (port: number, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`https://127.0.0.1:${String(port)}${path}`, {
        method,
        dispatcher,
        headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (e.g. /readyz's "ok")
      }
      return { status: res.status, body: parsed };
    };

    for (const cluster of TEST_CLUSTERS) {
      const port = await freePort('127.0.0.1');
      const short = cluster.name.split('-')[0] ?? cluster.name;
      const args = [
        `--etcd-servers=${etcdUrl}`,
        `--etcd-prefix=${cluster.prefix}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${String(port)}`,
        `--tls-cert-file=${join(dir, 'serving.pem')}`,
        `--tls-private-key-file=${join(dir, 'serving-key.pem')}`,
        `--client-ca-file=${join(dir, 'ca.pem')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=https://${short}.lintas.test`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        `--service-cluster-ip-range=${cluster.serviceCidr}`,
        // No controller-manager: nothing would keep the `kubernetes` Service's endpoints, and 127.0.0.1 is refused there anyway.
        '--endpoint-reconciler-type=none',
        `--cert-dir=${join(dir, `certs-${short}`)}`,
        ...(options.apiserverArgs ?? []),
      ];
      let proc: Proc | undefined;
      const start = async (): Promise<void> => {
        proc = startProc(join(KUBE_BIN_DIR, 'kube-apiserver'), args, join(dir, `${short}-apiserver.log`));
        procs.push(proc);
        await waitReady(`${cluster.name} kube-apiserver /readyz`, proc, async () => (await request(port, 'GET', '/readyz')).status === 200);
      };
      servers.set(cluster.name, {
        name: cluster.name,
        server: `https://127.0.0.1:${String(port)}`,
        port,
        running: () => proc !== undefined && proc.child.exitCode === null && proc.child.signalCode === null,
        stop: () => stopProc(proc, 0),
        start,
      });
    }
    // Started together: each takes seconds, mostly waiting on its own post-start hooks.
    await Promise.all([...servers.values()].map((s) => s.start()));

    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [...servers.values()].map((s) => ({ name: s.name, cluster: { server: s.server, 'certificate-authority-data': Buffer.from(ca.cert).toString('base64') } })),
      users: [{ name: 'admin', user: { token: adminToken } }],
      contexts: [...servers.values()].map((s) => ({ name: s.name, context: { cluster: s.name, user: 'admin' } })),
      'current-context': TEST_CLUSTERS[0].name,
    });
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });

    const etcdCall = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`etcd ${path}: ${String(res.status)} ${JSON.stringify(json)}`);
      return json;
    };
    return {
      kubeconfigPath,
      kubeconfig,
      ca: ca.cert,
      adminToken,
      apiservers: servers,
      etcd: {
        url: etcdUrl,
        // Through etcd's JSON gateway (keys are base64): a range read answers with the store's revision.
        revision: async () => Number(((await etcdCall('/v3/kv/range', { key: Buffer.from('/').toString('base64') })).header as { revision: string }).revision),
        compact: async (revision) => void (await etcdCall('/v3/kv/compaction', { revision: String(revision), physical: true })),
      },
      request: (cluster, method, path, body, contentType) => {
        const server = servers.get(cluster);
        if (server === undefined) throw new Error(`no test cluster ${cluster}`);
        return request(server.port, method, path, body, contentType);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The CRD manifests the tests install: the upstream MCS ones and the Gateway API standard channel
 * under {@link SHARED_CRDS_DIR} (test data beside the checkout). Where that folder is absent (a
 * clone on its own), the MCS CRDs are Lintas's own from deploy/crds (the deploy tests compare them
 * with upstream field by field) and the Gateway API kinds are simply not served, which the
 * Kubernetes source reads as empty.
 */
export function sharedCrdFiles(): string[] {
  const mcs = join(SHARED_CRDS_DIR, 'mcs-api');
  const gateway = join(SHARED_CRDS_DIR, 'gateway-api', 'standard');
  const list = (d: string): string[] => readdirSync(d).filter((f) => /^[a-z].*\.ya?ml$/.test(f) && f.includes('_') && !f.includes('_vap_')).sort().map((f) => join(d, f));
  if (existsSync(mcs)) return [...list(mcs), ...(existsSync(gateway) ? list(gateway) : [])];
  const own = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'crds');
  return list(own).filter((f) => f.includes('multicluster.x-k8s.io'));
}

/** Installs every shared CRD into `cluster` by server-side apply and waits until each is Established. */
export async function installSharedCrds(fleet: TestKubeFleet, cluster: string): Promise<string[]> {
  const names: string[] = [];
  for (const file of sharedCrdFiles()) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (crd?.kind !== 'CustomResourceDefinition' || crd.metadata?.name === undefined) continue;
      const name = crd.metadata.name;
      const applied = await fleet.request(cluster, 'PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=lintas-test&force=true`, crd, 'application/apply-patch+yaml');
      if (applied.status >= 300) throw new Error(`applying CRD ${name} from ${file} to ${cluster}: ${String(applied.status)} ${JSON.stringify(applied.body)}`);
      names.push(name);
    }
  }
  for (const name of names) {
    await waitFor(`CRD ${name} Established in ${cluster}`, async () => {
      const { body } = await fleet.request(cluster, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const conditions = (body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  return names;
}
