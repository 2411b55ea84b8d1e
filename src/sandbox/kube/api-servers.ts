/**
 * Real API servers on this machine (like controller-runtime's envtest), for `lintas up --kube` and
 * the tests: one etcd and three real kube-apiservers on loopback, each cluster under its own
 * `--etcd-prefix`, with generated certificates, a static token file (an admin in system:masters),
 * service-account signing keys and RBAC. No kubelet, scheduler or controller-manager: the sandbox
 * (and the tests) write EndpointSlices as the endpoints controller would.
 *
 * The binaries come from scripts/kube-binaries.sh (cached outside the repo); every key here is
 * throwaway, made in the data dir and removed by `stop()`.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { accessSync, constants, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, fetch } from 'undici';
import { parseAllDocuments, stringify } from 'yaml';
import { opensslMissing, signedBy, testCa, type TestCert } from './certs.ts';

/** The pinned release (the build script's default). */
export const KUBE_VERSION = process.env.LINTAS_KUBE_VERSION ?? 'v1.37.2';

/** Where build-binaries.sh caches the binaries of {@link KUBE_VERSION}. */
export const KUBE_BIN_DIR = join(process.env.LINTAS_KUBE_CACHE ?? join(homedir(), '.cache', 'lintas', 'kube'), KUBE_VERSION);

/** The three clusters, named like the seeds' (context = cluster name); each has its own service range. */
export const KUBE_CLUSTERS = [
  { name: 'jkt-prod-1', prefix: '/registry-jkt', serviceCidr: '10.96.0.0/16' },
  { name: 'sgp-prod-1', prefix: '/registry-sgp', serviceCidr: '10.97.0.0/16' },
  { name: 'tyo-prod-1', prefix: '/registry-tyo', serviceCidr: '10.98.0.0/16' },
] as const;

/** One API server's cluster: its name (= kubeconfig context), etcd prefix and service range. */
export interface KubeClusterSpec {
  readonly name: string;
  readonly prefix: string;
  readonly serviceCidr: string;
}

/** API servers for `names` (sorted as given): prefix `/registry-<name>`, service ranges 10.96.0.0/16, 10.97.0.0/16, … */
export function kubeClustersFor(names: readonly string[]): KubeClusterSpec[] {
  return names.map((name, i) => ({ name, prefix: `/registry-${name}`, serviceCidr: `10.${String(96 + i)}.0.0/16` }));
}

/** Why the Kubernetes tests cannot run here (a skip reason), or undefined when they can. */
export function kubeBinariesMissing(): string | undefined {
  for (const bin of ['kube-apiserver', 'etcd']) {
    try {
      accessSync(join(KUBE_BIN_DIR, bin), constants.X_OK);
    } catch {
      return `${bin} ${KUBE_VERSION} is not built (looked in ${KUBE_BIN_DIR}); build them with scripts/kube-binaries.sh (needs Go; .ci/run runs it)`;
    }
  }
  return opensslMissing();
}

/** One running kube-apiserver. */
export interface KubeApiServer {
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
  /** The clusters (default {@link KUBE_CLUSTERS}). */
  readonly clusters?: readonly KubeClusterSpec[];
  /** Where certificates, tokens, etcd's data and the logs go (emptied first; default: a new temp dir, removed by `stop()`). */
  readonly dataDir?: string;
}

/** A running set of API servers. */
export interface KubeFleet {
  /** A kubeconfig with one context per cluster, named after it, each with the admin token. */
  readonly kubeconfigPath: string;
  readonly kubeconfig: string;
  /** The CA that signed every serving certificate (PEM). */
  readonly ca: string;
  /** A token of user `admin` in `system:masters`. */
  readonly adminToken: string;
  readonly apiservers: ReadonlyMap<string, KubeApiServer>;
  /** The shared etcd: its client URL, current revision and a compaction (to force 410 Gone). */
  readonly etcd: { readonly url: string; revision(): Promise<number>; compact(revision: number): Promise<void> };
  /** Sends an authenticated request to a cluster's API server as the admin; returns status and JSON body. */
  request(cluster: string, method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: unknown }>;
  /** The process ids of etcd and the API servers (recorded so a crashed `up --kube` can clean them up). */
  pids(): number[];
  /** Stops every process and deletes the data dir. */
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

/** A port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Polls `check` until it holds (a throw is "not yet"); fails after `ms` naming `what` and the last error. */
export async function pollUntil(what: string, check: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? ` (last error: ${(last as Error).message})` : ''}`);
    await delay(50);
  }
}

/** Waits until `probe` answers, failing early (with the log's tail) if `proc` exits. */
async function waitReady(what: string, proc: Proc, probe: () => Promise<boolean>): Promise<void> {
  const exited = (): Error => new Error(`${what}: the process exited (${String(proc.child.exitCode ?? proc.child.signalCode)}); log ${proc.log}:\n${logTail(proc.log)}`);
  await pollUntil(what, async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw exited();
    return probe();
  }).catch((error: unknown) => {
    throw proc.child.exitCode !== null || proc.child.signalCode !== null ? exited() : error;
  });
}

/** Starts etcd and the three API servers; rejects (after cleaning up) if any of them does not get ready. */
export async function startKubeFleet(options: KubeFleetOptions = {}): Promise<KubeFleet> {
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lintas-kube-')));
  if (options.dataDir !== undefined) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const procs: Proc[] = [];
  const servers = new Map<string, KubeApiServer>();
  let etcd: Proc | undefined;
  const stopAll = async (): Promise<void> => {
    for (const server of servers.values()) await server.stop();
    await stopProc(etcd);
    await Promise.all(procs.map(stopProc));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // etcd: one member on loopback; fsync off, it is throwaway.
    const [clientPort, peerPort] = [await freePort(), await freePort()];
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

    const clusters = options.clusters ?? KUBE_CLUSTERS;
    for (const cluster of clusters) {
      const port = await freePort();
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
      'current-context': clusters[0]?.name ?? '',
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
        if (server === undefined) throw new Error(`no API server for cluster ${cluster}`);
        return request(server.port, method, path, body, contentType);
      },
      pids: () => [etcdProc, ...procs].flatMap((p) => (p.child.pid !== undefined && p.child.exitCode === null && p.child.signalCode === null ? [p.child.pid] : [])),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The CRDs of `files` (multi-document YAML) applied to `cluster` by server-side apply; waits until each is Established. Returns their names. */
export async function installCrds(fleet: Pick<KubeFleet, 'request'>, cluster: string, files: readonly string[], fieldManager = 'lintas-up'): Promise<string[]> {
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (crd?.kind !== 'CustomResourceDefinition' || crd.metadata?.name === undefined) continue;
      const name = crd.metadata.name;
      const applied = await fleet.request(cluster, 'PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=${fieldManager}&force=true`, crd, 'application/apply-patch+yaml');
      if (applied.status >= 300) throw new Error(`applying CRD ${name} from ${file} to ${cluster}: ${String(applied.status)} ${JSON.stringify(applied.body)}`);
      names.push(name);
    }
  }
  for (const name of names) {
    await pollUntil(`CRD ${name} Established in ${cluster}`, async () => {
      const { body } = await fleet.request(cluster, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const conditions = (body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    }, 30_000);
  }
  return names;
}
