/**
 * `lintas up --kube` end to end (issue 16 item 5): the capstone on three real kube-apiservers, each
 * cluster a network namespace. A ServiceExport applied in jkt appears as a ServiceImport, a derived
 * Service and EndpointSlices in sgp and tyo; Lintas's DNS answers its clusterset name; a request
 * through jkt's gateway, made inside jkt's namespace, reaches an app; cutting sgp's link (a real
 * partition) withdraws its endpoints and its public DNS answer and a failover is proposed, and
 * healing brings them back; Ctrl-C
 * leaves no namespace and no process. Needs root, `ip` and the binaries of scripts/kube-binaries.sh.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, fetch } from 'undici';
import { parse } from 'yaml';
import { run } from '../../src/cli/main.ts';
import { capture } from '../../src/cli/test-cli.ts';
import { kubeSandboxUnavailable, listNetns } from '../../src/sandbox/index.ts';
import { waitFor } from '../wait.ts';

const exec = promisify(execFile);
const CAPSTONE = fileURLToPath(new URL('../../examples/capstone', import.meta.url));
const skip = await kubeSandboxUnavailable();

type Json = Record<string, unknown>;
interface Slice {
  metadata: { name: string; labels?: Record<string, string> };
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
}

/** A REST client per context of the kubeconfig `up --kube` wrote (what kubectl would read). */
function kubeClient(path: string): (context: string, method: string, url: string, body?: unknown) => Promise<{ status: number; body: Json }> {
  const config = parse(readFileSync(path, 'utf8')) as {
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { token: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
  };
  return async (context, method, url, body) => {
    const ctx = config.contexts.find((c) => c.name === context)?.context;
    const cluster = config.clusters.find((c) => c.name === ctx?.cluster)?.cluster;
    const token = config.users.find((u) => u.name === ctx?.user)?.user.token;
    assert.ok(cluster !== undefined && token !== undefined, `context ${context} in ${path}`);
    const dispatcher = new Agent({ connect: { ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString() } });
    const res = await fetch(`${cluster.server}${url}`, {
      method,
      dispatcher,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/apply-patch+yaml' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
}

async function dig(server: string, name: string): Promise<string[]> {
  const [host = '', port = ''] = server.split(':');
  const { stdout } = await exec('dig', [`@${host}`, '-p', port, name, '+short', '+time=2', '+tries=1']);
  return stdout.split('\n').filter((l) => l !== '').sort();
}

describe('lintas up --kube', { skip: skip ?? false, timeout: 600_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-up-kube-'));
  const stateDir = join(root, '.lintas');
  const c = capture({}, root);
  const controller = new AbortController();
  let exited: Promise<number>;
  let info: { admin: string; token: string; dns: string; kube: { kubeconfig: string; netns: Record<string, string> } };
  let kube: ReturnType<typeof kubeClient>;

  before(async () => {
    exited = run(['up', CAPSTONE, '--kube', '--admin', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'error'], c.io, controller.signal);
    const failed = exited.then((code) => assert.fail(`up --kube exited ${String(code)}: ${c.stderr()}`));
    await Promise.race([failed, waitFor('the summary', () => (c.stdout().includes('Ctrl-C stops the fleet') ? true : undefined), 300_000)]);
    info = JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as typeof info;
    kube = kubeClient(info.kube.kubeconfig);
  });

  after(async () => {
    const recorded = JSON.parse(readFileSync(join(stateDir, 'kube', 'state.json'), 'utf8')) as { pids: number[]; netns: string[] };
    controller.abort();
    assert.equal(await exited, 0, c.stderr());
    // Nothing is left: no namespace of the run, none of its processes.
    const netns = await listNetns();
    assert.deepEqual(recorded.netns.filter((n) => netns.includes(n)), []);
    const alive = recorded.pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, []);
    rmSync(root, { recursive: true, force: true });
  });

  it('prints the kubeconfig contexts and writes the kubeconfig with mode 0600', () => {
    assert.match(c.stdout(), /^ {2}export KUBECONFIG=\S+\/\.lintas\/kubeconfig$/m);
    assert.match(c.stdout(), /^ {2}kubectl --context sgp-prod-1 get serviceimports -A$/m);
    assert.equal(statSync(info.kube.kubeconfig).mode & 0o777, 0o600);
    assert.deepEqual(Object.keys(info.kube.netns).sort(), ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']);
  });

  it('a ServiceExport applied in jkt appears as a ServiceImport, a derived Service and EndpointSlices in sgp and tyo, and DNS answers its name', async () => {
    const apply = async (path: string, object: Json): Promise<void> => {
      const { status, body } = await kube('jkt-prod-1', 'PATCH', `${path}?fieldManager=e2e&force=true`, object);
      assert.ok(status < 300, `${path}: ${String(status)} ${JSON.stringify(body)}`);
    };
    // A Service of jkt only, backed by jkt's first search replica, as a cluster's controllers would write it.
    await apply('/api/v1/namespaces/search/services/jkt-only', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'jkt-only', namespace: 'search' }, spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } });
    await apply('/apis/discovery.k8s.io/v1/namespaces/search/endpointslices/jkt-only-1', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'jkt-only-1', namespace: 'search', labels: { 'kubernetes.io/service-name': 'jkt-only' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.3.10'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    await apply('/apis/multicluster.x-k8s.io/v1alpha1/namespaces/search/serviceexports/jkt-only', { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', metadata: { name: 'jkt-only', namespace: 'search' } });

    for (const cluster of ['sgp-prod-1', 'tyo-prod-1']) {
      const imported = await waitFor(`ServiceImport search/jkt-only in ${cluster}`, async () => {
        const { status, body } = await kube(cluster, 'GET', '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/search/serviceimports/jkt-only');
        // The spec (its IP from the derived Service) and the status are two writes: wait for both.
        const ips = (body['spec'] as { ips?: string[] } | undefined)?.ips ?? [];
        const clusters = (body['status'] as { clusters?: unknown[] } | undefined)?.clusters ?? [];
        return status === 200 && ips.length > 0 && clusters.length > 0 ? body : undefined;
      }, 60_000);
      assert.deepEqual((imported['status'] as { clusters: { cluster: string }[] }).clusters.map((x) => x.cluster), ['jkt-prod-1']);
      // The derived Service holds the ServiceImport's IP (allocated by this API server).
      const services = (await kube(cluster, 'GET', '/api/v1/namespaces/search/services')).body['items'] as { metadata: { name: string }; spec: { clusterIP: string } }[];
      const ip = (imported['spec'] as { ips: string[] }).ips[0];
      assert.ok(services.some((s) => s.metadata.name.startsWith('derived-') && s.spec.clusterIP === ip), `a derived Service with ${String(ip)} in ${cluster}`);
      const slices = await waitFor(`jkt's EndpointSlices of jkt-only in ${cluster}`, async () => {
        const { body } = await kube(cluster, 'GET', '/apis/discovery.k8s.io/v1/namespaces/search/endpointslices?labelSelector=multicluster.kubernetes.io/service-name%3Djkt-only');
        const items = body['items'] as Slice[];
        return items.length > 0 ? items : undefined;
      });
      assert.deepEqual(slices.map((s) => [s.metadata.labels?.['multicluster.kubernetes.io/source-cluster'], s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], s.endpoints?.flatMap((e) => e.addresses)]), [['jkt-prod-1', 'lintas.dev', ['10.1.3.10']]]);
    }
    const answer = await waitFor('an A record for jkt-only.search.svc.clusterset.local', async () => {
      const a = await dig(info.dns, 'jkt-only.search.svc.clusterset.local');
      return a.length > 0 ? a : undefined;
    });
    assert.match(answer[0] ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  });

  it('a request through jkt\'s gateway, made inside jkt\'s namespace, reaches an app', async () => {
    // node:http, not fetch: fetch does not let a caller set Host.
    const script = "require('http').get({host:'10.1.255.1',port:8080,path:'/search?q=fraud',headers:{host:'search.example.com'}},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>console.log(r.statusCode+'\\n'+b))})";
    const { stdout } = await exec('ip', ['netns', 'exec', info.kube.netns['jkt-prod-1'] ?? '', process.execPath, '-e', script]);
    const [status, body = ''] = stdout.split('\n');
    assert.equal(status, '200', stdout);
    assert.ok((JSON.parse(body) as { total: number }).total > 0, body);
  });

  it('cutting sgp\'s link withdraws its endpoints everywhere and its public DNS answer and a failover is proposed; healing brings both back', async () => {
    const fault = async (action: string): Promise<void> => {
      const res = await fetch(`${info.admin}/api/v1/faults/cluster/sgp-prod-1/${action}`, { method: 'POST', headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'e2e partition' }) });
      assert.equal(res.status, 200, await res.text());
    };
    const sgpReady = async (): Promise<number> => {
      const { body } = await kube('tyo-prod-1', 'GET', '/apis/discovery.k8s.io/v1/namespaces/cases/endpointslices?labelSelector=multicluster.kubernetes.io/source-cluster%3Dsgp-prod-1');
      return (body['items'] as Slice[]).flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
    };
    // Before the partition: sgp's endpoints imported in tyo, and sgp in the public answer (once its gateway's probes passed).
    await waitFor('sgp\'s endpoints imported in tyo', async () => ((await sgpReady()) > 0 ? true : undefined), 60_000);
    await waitFor('sgp in the public answer', async () => ((await dig(info.dns, 'cases.example.com')).includes('10.2.255.1') ? true : undefined), 60_000);
    await fault('partition');
    await waitFor('sgp\'s endpoints withdrawn in tyo', async () => ((await sgpReady()) === 0 ? true : undefined), 60_000);
    await waitFor('sgp gone from the public answer', async () => {
      const a = await dig(info.dns, 'cases.example.com');
      return a.length > 0 && !a.includes('10.2.255.1') ? true : undefined;
    }, 60_000);
    // As in the directory sandbox: the failover policy proposes moving sgp's write ownership (Guarded: it waits for an approval).
    await waitFor('a failover proposal for cases/case-writes', async () => {
      const res = await fetch(`${info.admin}/api/v1/failover/cases/case-writes`, { headers: { authorization: `Bearer ${info.token}` } });
      return ((await res.json()) as { state?: string }).state === 'FailoverPending' ? true : undefined;
    }, 60_000);
    await fault('heal');
    await waitFor('sgp\'s endpoints back in tyo', async () => ((await sgpReady()) > 0 ? true : undefined), 60_000);
    await waitFor('sgp back in the public answer', async () => ((await dig(info.dns, 'cases.example.com')).includes('10.2.255.1') ? true : undefined), 60_000);
  });
});
