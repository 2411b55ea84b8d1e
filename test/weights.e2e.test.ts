/**
 * End to end through `lintas serve --auth-file`: a three-cluster fleet on loopback ranges
 * (a = 127.101/16, b = 127.102/16, c = 127.103/16) with a real echo backend per cluster, a
 * Gateway in a, and a LocalPreferred TrafficPolicy on the ServiceImport (so everything stays
 * in a). `lintas weights set` makes the requests split a 1 : b 3 : c 0 (counts within 5σ of
 * the binomial expectation), `lintas weights clear` brings them back to a, and the audit
 * trail holds both changes. Bounded waits only, a few hundred requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/cli/main.ts';
import {
  clusterObject,
  freePort,
  gatewayClassObject,
  gatewayObject,
  httpRoute,
  manifests,
  namespaceObject,
  removeDir,
  request,
  serviceObjects,
  startEcho,
  writeFiles,
  type Echo,
} from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

const OPERATOR = 'weights-e2e-operator-0123456789abcdef';
const CLUSTERS = [
  ['a', 'r1', 101],
  ['b', 'r2', 102],
  ['c', 'r3', 103],
] as const;
const HOST = 'web.test';

function fleetFiles(root: string, gwPort: number, backendPort: number): void {
  const files: Record<string, string> = {
    'fleet.yaml': manifests(
      ...CLUSTERS.map(([name, region, n]) => clusterObject(name, region, `${region}a`, `127.${n}.0.0/16`)),
      { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'e2e' }, spec: { clusters: CLUSTERS.map(([c]) => c), clusterSetIPRange: '127.104.0.0/24' } },
      {
        apiVersion: 'lintas.dev/v1alpha1',
        kind: 'TrafficPolicy',
        metadata: { name: 'web', namespace: 'demo' },
        spec: { targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'web' }], locality: { mode: 'LocalPreferred' } },
      },
    ),
    'clusters/a/gateway.yaml': manifests(
      gatewayClassObject(),
      gatewayObject('demo', 'edge', '127.101.255.1', [{ name: 'http', protocol: 'HTTP', port: gwPort }]),
      httpRoute('demo', 'web', { parentRefs: [{ name: 'edge' }], hostnames: [HOST], rules: [{ backendRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'web', port: 8080 }] }] }),
    ),
  };
  for (const [name, , n] of CLUSTERS) {
    files[`clusters/${name}/web.yaml`] = manifests(
      namespaceObject('demo'),
      ...serviceObjects('demo', 'web', [{ address: `127.${n}.0.10`, port: backendPort }]),
      { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'demo' } },
    );
  }
  writeFiles(root, files);
}

describe('lintas weights through lintas serve (end to end)', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-weights-e2e-'));
  const fleet = join(root, 'fleet');
  const backends: Echo[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const controller = new AbortController();
  const errors: string[] = [];
  let exited: Promise<number> | undefined;
  let admin = '';
  let gateway = '';

  /** Runs `lintas ARGV --server ADMIN --token OPERATOR` in-process. */
  async function lintas(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run([...argv, '--server', admin, '--token', OPERATOR], { out: (t) => void out.push(t), err: (t) => void err.push(t), env: {}, cwd: root });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** Sends `n` requests over 4 keep-alive connections and counts the answering cluster. */
  async function counts(n: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < n) {
          next += 1;
          const r = await request(`${gateway}/`, { host: HOST, agent });
          const key = r.status === 200 ? (r.body.cluster ?? '?') : `status ${r.status}`;
          seen[key] = (seen[key] ?? 0) + 1;
        }
      }),
    );
    return seen;
  }

  before(async () => {
    const first = await startEcho('127.101.0.10', 'web', { identity: { cluster: 'a' } });
    backends.push(first);
    for (const [name, , n] of CLUSTERS.slice(1)) backends.push(await startEcho(`127.${n}.0.10`, 'web', { port: first.port, identity: { cluster: name } }));
    const gwPort = await freePort('127.101.255.1');
    gateway = `http://127.101.255.1:${gwPort}`;
    fleetFiles(fleet, gwPort, first.port);
    const authFile = join(root, 'auth.yaml');
    writeFileSync(authFile, `tokens:\n  - { token: "${OPERATOR}", subject: olivia, roles: [operator] }\n`);
    const adminPort = await freePort('127.0.0.1');
    admin = `http://127.0.0.1:${adminPort}`;
    const io = { out: () => undefined, err: (t: string) => void errors.push(t), env: {}, cwd: root };
    const argv = ['serve', '--config', fleet, '--dns', '127.0.0.1:0', '--admin', `127.0.0.1:${adminPort}`, '--state-dir', join(root, '.lintas'), '--auth-file', authFile, '--log-level', 'error'];
    exited = run(argv, io, controller.signal);
    await waitFor('lintas serve /readyz', async () => ((await fetch(`${admin}/readyz`)).status === 200 ? true : undefined), 60_000);
    await waitFor('the gateway answers', async () => ((await request(`${gateway}/`, { host: HOST })).status === 200 ? true : undefined), 30_000);
  });

  after(async () => {
    agent.destroy();
    controller.abort();
    try {
      if (exited !== undefined) assert.equal(await exited, 0, errors.join('\n'));
    } finally {
      await Promise.all(backends.map((b) => b.close()));
      removeDir(root);
    }
  });

  it('routes LocalPreferred before any override: every request stays in the entry cluster', async () => {
    assert.deepEqual(await counts(60), { a: 60 });
  });

  it('splits requests by the override weights (within 5σ), and sends none to a weight-0 cluster', async () => {
    const set = await lintas(['weights', 'set', 'demo/web', 'a=1', 'b=3', 'c=0', '--reason', 'shift load to b', '--change-request', 'CHG-42']);
    assert.equal(set.code, 0, set.err);
    // Under LocalPreferred b never answers, so its first answer means the override reached the data plane.
    await waitFor('the override applied', async () => ((await request(`${gateway}/`, { host: HOST })).body.cluster === 'b' ? true : undefined));
    const n = 400;
    const seen = await counts(n);
    assert.deepEqual(Object.keys(seen).sort(), ['a', 'b'], JSON.stringify(seen));
    const expectedA = n * 0.25;
    const sigma = Math.sqrt(n * 0.25 * 0.75);
    assert.ok(Math.abs((seen['a'] ?? 0) - expectedA) <= 5 * sigma, `a got ${seen['a']} of ${n}; expected ${expectedA} ± ${(5 * sigma).toFixed(1)}`);
    assert.equal((seen['a'] ?? 0) + (seen['b'] ?? 0), n);

    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(metrics, /^lintas_weight_override\{policy="demo\/web",cluster="b"\} 3$/m);
  });

  it('goes back to the configured mode after clear, and audits both changes', async () => {
    const cleared = await lintas(['weights', 'clear', 'demo/web', '--reason', 'b back to normal']);
    assert.equal(cleared.code, 0, cleared.err);
    // 20 answers in a row from a: under the override that has probability 0.25^20.
    await waitFor('the configured mode restored', async () => ((await counts(20))['a'] === 20 ? true : undefined));
    assert.deepEqual(await counts(100), { a: 100 });

    const audit = await lintas(['audit', 'list', '--target', 'trafficpolicy/demo/web', '-o', 'json']);
    assert.equal(audit.code, 0, audit.err);
    const records = (JSON.parse(audit.out) as { records: { action: string; actor: string; before: unknown; after: unknown }[] }).records;
    const weights = { a: 1, b: 3, c: 0 };
    assert.deepEqual(records.map((r) => [r.action, r.actor, r.before, r.after]), [
      ['WeightOverride', 'olivia', { weights: null }, { weights }],
      ['ClearWeightOverride', 'olivia', { weights }, { weights: null }],
    ]);
  });
});
