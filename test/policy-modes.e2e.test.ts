/**
 * Invariant-aware routing (issue 5) through a running `lintas serve`: a fleet of three
 * clusters (jkt-prod-1, sgp-prod-1, tyo-prod-1 on 127.41/16, 127.42/16, 127.43/16) with
 * real backends that answer with their cluster, one Gateway in jkt-prod-1 (the entry
 * cluster) and one ServiceImport per case, each on its own hostname with its own
 * TrafficPolicy. Requests go through real HTTP; each mode's distribution is checked
 * within a binomial 5σ bound. Health is switched at the backends (active health checks,
 * dependency probes of the HealthContract) or by killing a backend; the affinity case
 * rewrites the fleet and waits for serve to reload it. Bounded waits only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, removeDir, request, startServe, type Reply, type Serve } from './gateway-fleet.ts';
import {
  CLUSTERS,
  ENTRY,
  FAST_HEALTH_CHECK,
  GATEWAY_IP,
  NS,
  count,
  startBackend,
  trafficPolicy,
  withinFiveSigma,
  writeFleet,
  type Backend,
  type ClusterName,
  type FleetModel,
  type ProbePath,
  type ServiceModel,
  type Tally,
} from './policy-fleet.ts';
import { waitFor } from './wait.ts';

const JKT: ClusterName = 'jkt-prod-1';
const SGP: ClusterName = 'sgp-prod-1';
const TYO: ClusterName = 'tyo-prod-1';

/** Endpoint addresses of case `i`: `<cluster prefix>.<i>.<n>` for each n. */
function at(cluster: ClusterName, i: number, ...n: number[]): string[] {
  const prefix = CLUSTERS.find((c) => c.name === cluster)?.prefix ?? '';
  return n.map((x) => `${prefix}.${String(i)}.${String(x)}`);
}
const everywhere = (i: number, ...n: number[]): ServiceModel['endpoints'] => ({ [JKT]: at(JKT, i, ...n), [SGP]: at(SGP, i, ...n), [TYO]: at(TYO, i, ...n) });

const SERVICES: readonly ServiceModel[] = [
  { name: 'only-local', endpoints: everywhere(1, 1) },
  // No endpoint in the entry cluster.
  { name: 'only-remote', endpoints: { [SGP]: at(SGP, 2, 1), [TYO]: at(TYO, 2, 1) } },
  { name: 'preferred', endpoints: { [JKT]: at(JKT, 3, 1, 2), [SGP]: at(SGP, 3, 1), [TYO]: at(TYO, 3, 1) } },
  { name: 'priority', endpoints: everywhere(4, 1) },
  { name: 'weighted', endpoints: everywhere(5, 1) },
  { name: 'capacity', endpoints: everywhere(6, 1) },
  { name: 'owned', endpoints: everywhere(7, 1) },
  { name: 'affinity', endpoints: { [JKT]: at(JKT, 8, 1, 2, 3, 4) } },
  { name: 'deps', endpoints: everywhere(9, 1, 2) },
];

const HEALTH_CHECK = { ...FAST_HEALTH_CHECK, interval: '200ms', timeout: '150ms' };

const POLICIES: readonly object[] = [
  trafficPolicy('local-only', ['only-local', 'only-remote'], { locality: { mode: 'LocalOnly' } }),
  trafficPolicy('preferred', ['preferred'], { locality: { mode: 'LocalPreferred' }, healthCheck: HEALTH_CHECK }),
  // A region stands for its clusters: ap-northeast-1 is tyo-prod-1.
  trafficPolicy('priority', ['priority'], { locality: { mode: 'FailoverPriority', failoverPriority: ['ap-northeast-1', SGP] }, healthCheck: HEALTH_CHECK }),
  trafficPolicy('weighted', ['weighted'], { locality: { mode: 'Weighted', weights: { [JKT]: 90, [SGP]: 10 } }, healthCheck: HEALTH_CHECK }),
  trafficPolicy('capacity', ['capacity'], { locality: { mode: 'CapacityAware' } }),
  trafficPolicy('owned', ['owned'], {
    locality: { mode: 'Owner' },
    requestClasses: { mutation: { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], requireIdempotencyKey: true } },
    ownership: { key: { header: 'X-Case-Id' }, mapRef: { kind: 'OwnershipMap', name: 'case-owners' }, reads: 'Nearest', onOwnerUnavailable: 'FailClosed' },
    healthCheck: HEALTH_CHECK,
  }),
  {
    apiVersion: 'lintas.dev/v1alpha1',
    kind: 'OwnershipMap',
    metadata: { name: 'case-owners', namespace: NS },
    spec: { rules: [{ prefix: 'JKT-', cluster: JKT }, { prefix: 'SGP-', cluster: SGP }, { prefix: 'TYO-', cluster: TYO }], default: { hash: 'Rendezvous', clusters: [JKT, SGP, TYO] } },
  },
  trafficPolicy('affinity', ['affinity'], { sessionAffinity: { header: 'X-Session' } }),
  trafficPolicy('deps', ['deps'], { locality: { mode: 'Weighted', weights: { [JKT]: 1, [SGP]: 1, [TYO]: 1 } } }),
  // The same name as a Service and as a ServiceImport, each with its own contract.
  {
    apiVersion: 'lintas.dev/v1alpha1',
    kind: 'HealthContract',
    metadata: { name: 'deps', namespace: NS },
    spec: { targetRef: { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'deps' }, regional: { dependencies: [{ name: 'case-db', http: { path: '/dependencies/db' } }] } },
  },
  {
    apiVersion: 'lintas.dev/v1alpha1',
    kind: 'HealthContract',
    metadata: { name: 'deps-local', namespace: NS },
    spec: { targetRef: { kind: 'Service', name: 'deps' }, regional: { dependencies: [{ name: 'cache', http: { path: '/dependencies/cache' } }] } },
  },
];

/** The entry cluster's own copy of `deps`, as a Service backend on host deps-local.test. */
const LOCAL_ROUTE = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'deps-local', namespace: NS },
  spec: { parentRefs: [{ name: 'edge' }], hostnames: ['deps-local.test'], rules: [{ backendRefs: [{ name: 'deps', port: 8080 }] }] },
};

/** Where a reply landed: the backend's cluster, or the gateway's status. */
const landing = (r: Reply): string => r.body.cluster ?? `status:${String(r.status)}`;

describe('TrafficPolicy modes and the health contract through lintas serve (three clusters)', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-policy-e2e-'));
  const fleetDir = join(root, 'fleet');
  const backends: Backend[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let model: FleetModel | undefined;
  let serve: Serve | undefined;
  let gateway = '';

  const backendsOf = (service: string, cluster?: ClusterName): Backend[] => {
    const s = SERVICES.find((x) => x.name === service);
    const addresses = new Set(CLUSTERS.flatMap((c) => (cluster === undefined || c.name === cluster ? (s?.endpoints[c.name] ?? []) : [])));
    return backends.filter((b) => addresses.has(b.address));
  };
  const send = (service: string, options: { method?: string; path?: string; headers?: Record<string, string> } = {}): Promise<Reply> =>
    request(`${gateway}${options.path ?? '/'}`, { host: `${service}.test`, agent, ...(options.method !== undefined ? { method: options.method } : {}), ...(options.headers !== undefined ? { headers: options.headers } : {}) });
  /** Sends `n` GETs, 8 at a time, and counts where they landed. */
  const tally = async (service: string, n: number, by: (r: Reply) => string = landing): Promise<Tally> => {
    const t: Tally = {};
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < n) {
        sent += 1;
        count(t, by(await send(service)));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return t;
  };
  const assertSplit = (t: Tally, n: number, expected: Readonly<Record<string, number>>): void => {
    const keys = new Set([...Object.keys(t), ...Object.keys(expected)]);
    for (const k of keys) {
      const got = t[k] ?? 0;
      const p = expected[k] ?? 0;
      assert.ok(withinFiveSigma(got, n, p), `${k}: ${String(got)}/${String(n)} is not within 5σ of p=${String(p)} (tally ${JSON.stringify(t)})`);
    }
  };
  /** Switches `path` on `targets` to `status` and waits until each answered two more probes with it (the gateway has seen one). */
  const switchProbe = async (targets: readonly Backend[], path: ProbePath, status: number): Promise<void> => {
    const base = targets.map((b) => b.probes(path, status));
    for (const b of targets) b.setStatus(path, status);
    await waitFor(`${path} probes answered ${String(status)}`, () => (targets.every((b, i) => b.probes(path, status) >= (base[i] ?? 0) + 2) ? true : undefined), 15_000);
  };
  interface HealthView {
    services: { service: string; kind: string; clusters: { cluster: string; ready: { ok: boolean | null }; regional: { ok: boolean | null; checks: { name: string; ok: boolean }[] } }[] }[];
  }
  const health = async (): Promise<HealthView> => (await (await fetch(`${serve?.admin ?? ''}/api/v1/health`)).json()) as HealthView;
  const regionalOf = async (kind: string, cluster: ClusterName): Promise<boolean | null | undefined> =>
    (await health()).services.find((s) => s.kind === kind && s.service === `${NS}/deps`)?.clusters.find((c) => c.cluster === cluster)?.regional.ok;

  before(async () => {
    const gatewayPort = await freePort(GATEWAY_IP);
    const backendPort = await freePort('127.41.1.1');
    for (const s of SERVICES) {
      for (const c of CLUSTERS) for (const address of s.endpoints[c.name] ?? []) backends.push(await startBackend(c.name, address, backendPort));
    }
    model = { gatewayPort, backendPort, services: SERVICES, policies: POLICIES, routes: [LOCAL_ROUTE] };
    writeFleet(fleetDir, model);
    gateway = `http://${GATEWAY_IP}:${String(gatewayPort)}`;
    serve = await startServe(root, fleetDir);
    // Ready means translated; wait until the last route and the health contracts are live too.
    await waitFor('every route answers', async () => ((await send('deps')).status === 200 && (await send('deps-local')).status === 200 && (await send('affinity')).status === 200 ? true : undefined), 30_000);
    await waitFor('the health contracts evaluated', async () => ((await regionalOf('ServiceImport', SGP)) === true && (await regionalOf('Service', JKT)) === true ? true : undefined), 30_000);
  });

  after(async () => {
    agent.destroy();
    if (serve !== undefined) assert.equal(await serve.stop(), 0);
    await Promise.all(backends.map((b) => b.close()));
    removeDir(root);
  });

  it('LocalOnly: only the entry cluster; 503 when it has no endpoint', async () => {
    assert.deepEqual(await tally('only-local', 100), { [JKT]: 100 });
    assert.deepEqual(await tally('only-remote', 20), { 'status:503': 20 });
    assert.equal(backendsOf('only-remote').reduce((n, b) => n + b.hits.length, 0), 0, 'never another cluster');
  });

  it('LocalPreferred: local while healthy, spill past 1/1.4 healthy, then the next locality', async () => {
    assert.deepEqual(await tally('preferred', 100), { [JKT]: 100 });
    const [jkt1, jkt2] = backendsOf('preferred', JKT);
    assert.ok(jkt1 && jkt2);
    // One of two local endpoints unhealthy: the level's health is 140 × 1/2 = 70 → 70 % local, 30 % elsewhere.
    await switchProbe([jkt1], '/healthz', 503);
    const before1 = jkt1.hits.length;
    const n = 400;
    assertSplit(await tally('preferred', n), n, { [JKT]: 0.7, [SGP]: 0.15, [TYO]: 0.15 });
    assert.equal(jkt1.hits.length, before1, 'the unhealthy endpoint gets nothing');
    // No healthy local endpoint: sgp and tyo are both "elsewhere" (other regions), half each.
    await switchProbe([jkt2], '/healthz', 503);
    assertSplit(await tally('preferred', 300), 300, { [SGP]: 0.5, [TYO]: 0.5 });
    await switchProbe([jkt1, jkt2], '/healthz', 200);
    assert.deepEqual(await tally('preferred', 100), { [JKT]: 100 });
  });

  it('FailoverPriority: the entry cluster, then the listed regions/clusters in order', async () => {
    assert.deepEqual(await tally('priority', 100), { [JKT]: 100 });
    await switchProbe(backendsOf('priority', JKT), '/healthz', 503);
    assert.deepEqual(await tally('priority', 100), { [TYO]: 100 }, 'ap-northeast-1 (tyo) is listed first');
    await switchProbe(backendsOf('priority', TYO), '/healthz', 503);
    assert.deepEqual(await tally('priority', 100), { [SGP]: 100 });
    await switchProbe(backendsOf('priority', TYO), '/healthz', 200);
    assert.deepEqual(await tally('priority', 100), { [TYO]: 100 });
    await switchProbe(backendsOf('priority', JKT), '/healthz', 200);
    assert.deepEqual(await tally('priority', 100), { [JKT]: 100 });
  });

  it('Weighted 90/10: unlisted clusters get nothing; an unhealthy cluster’s share goes to the others', async () => {
    const n = 500;
    assertSplit(await tally('weighted', n), n, { [JKT]: 0.9, [SGP]: 0.1 });
    await switchProbe(backendsOf('weighted', JKT), '/healthz', 503);
    assert.deepEqual(await tally('weighted', 100), { [SGP]: 100 });
    await switchProbe(backendsOf('weighted', JKT), '/healthz', 200);
    assertSplit(await tally('weighted', 200), 200, { [JKT]: 0.9, [SGP]: 0.1 });
  });

  it('CapacityAware: capacities 40 and 80 → 1/3 and 2/3; a cluster without capacity gets nothing', async () => {
    const n = 450;
    assertSplit(await tally('capacity', n), n, { [JKT]: 1 / 3, [SGP]: 2 / 3 });
  });

  it('Owner: mutations only to the owner; 428 without Idempotency-Key; a dead owner fails closed while reads flow', async () => {
    let idem = 0;
    const post = (key: string, headers: Record<string, string> = { 'idempotency-key': `k-${String((idem += 1))}` }): Promise<Reply> =>
      send('owned', { method: 'POST', path: '/cases', headers: { 'x-case-id': key, ...headers } });
    for (const [key, owner] of [['JKT-1', JKT], ['SGP-1', SGP], ['TYO-1', TYO], ['SGP-2', SGP]] as const) {
      const r = await post(key);
      assert.equal(r.status, 200);
      assert.equal(r.body.cluster, owner, key);
    }
    const mutationsOf = (cluster: ClusterName, prefix: string): number =>
      backendsOf('owned', cluster).reduce((n, b) => n + b.hits.filter((h) => h.method === 'POST' && (h.caseId ?? '').startsWith(prefix)).length, 0);

    const noKey = await post('SGP-3', {});
    assert.equal(noKey.status, 428);
    assert.equal(mutationsOf(SGP, 'SGP-3'), 0, 'refused before any backend');

    // Kill sgp's backend: once the health check notices, SGP-* mutations fail closed.
    const [sgp] = backendsOf('owned', SGP);
    assert.ok(sgp);
    await sgp.close();
    const closed = await waitFor('503 owner_unavailable', async () => {
      const r = await post('SGP-7');
      // 502 while the dead owner is still believed healthy (connect failure, retried on the owner only).
      assert.ok(r.status === 502 || r.status === 503, `status ${String(r.status)}`);
      return r.status === 503 ? r : undefined;
    });
    assert.deepEqual(JSON.parse(closed.text), { error: 'owner_unavailable', owner: SGP, key: 'SGP-7' });
    for (let i = 0; i < 20; i++) assert.equal((await post(`SGP-${String(100 + i)}`)).status, 503);
    for (let i = 0; i < 20; i++) {
      const read = await send('owned', { path: '/cases/SGP-7', headers: { 'x-case-id': 'SGP-7' } });
      assert.equal(read.status, 200);
      assert.equal(read.body.cluster, JKT, 'reads: nearest healthy');
    }
    assert.equal(mutationsOf(JKT, 'SGP-') + mutationsOf(TYO, 'SGP-'), 0, 'no backend outside the owner ever saw an SGP mutation');
    // Other owners are unaffected.
    assert.equal((await post('TYO-2')).body.cluster, TYO);
  });

  it('session affinity: the same key lands on the same endpoint; removing one endpoint moves only its keys', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `user-${String(i)}`);
    const where = async (): Promise<Map<string, string>> => {
      const m = new Map<string, string>();
      for (const k of keys) m.set(k, (await send('affinity', { headers: { 'x-session': k } })).body.address ?? '');
      return m;
    };
    const first = await where();
    assert.deepEqual(await where(), first, 'stable');
    assert.ok(new Set(first.values()).size >= 3, 'keys spread over the endpoints');
    const gone = first.get('user-0') ?? '';
    const moved = keys.filter((k) => first.get(k) === gone);
    assert.ok(model);
    model = { ...model, services: model.services.map((s) => (s.name === 'affinity' ? { ...s, endpoints: { [JKT]: (s.endpoints[JKT] ?? []).filter((a) => a !== gone) } } : s)) };
    writeFleet(fleetDir, model);
    await waitFor('serve reloaded the fleet without the endpoint', async () => ((await send('affinity', { headers: { 'x-session': 'user-0' } })).body.address !== gone ? true : undefined), 30_000);
    const second = await where();
    for (const k of keys) {
      if (first.get(k) === gone) assert.notEqual(second.get(k), gone, `${k} moved off the removed endpoint`);
      else assert.equal(second.get(k), first.get(k), `${k} stayed`);
    }
    assert.ok(moved.length > 0);
  });

  it('HealthContract: a cluster whose dependency check fails gets no traffic though its endpoints are Ready', async () => {
    assertSplit(await tally('deps', 300), 300, { [JKT]: 1 / 3, [SGP]: 1 / 3, [TYO]: 1 / 3 });
    const sgp = backendsOf('deps', SGP);
    for (const b of sgp) b.setStatus('/dependencies/db', 503);
    await waitFor('sgp regional readiness false', async () => ((await regionalOf('ServiceImport', SGP)) === false ? true : undefined), 20_000);
    await waitFor('sgp excluded at the gateway', async () => ((await tally('deps', 30))[SGP] === undefined ? true : undefined), 20_000);
    const hitsBefore = sgp.reduce((n, b) => n + b.hits.length, 0);
    const n = 200;
    const t = await tally('deps', n);
    assert.equal(t[SGP] ?? 0, 0);
    assert.equal(sgp.reduce((x, b) => x + b.hits.length, 0), hitsBefore);
    assertSplit(t, n, { [JKT]: 0.5, [TYO]: 0.5 });

    // The admin report names the failing check, and the endpoints are still Ready.
    const view = (await health()).services.find((s) => s.kind === 'ServiceImport' && s.service === `${NS}/deps`)?.clusters.find((c) => c.cluster === SGP);
    assert.equal(view?.ready.ok, true, 'pods Ready');
    assert.equal(view?.regional.ok, false);
    assert.deepEqual(view?.regional.checks.filter((c) => !c.ok).map((c) => c.name), ['dependency case-db']);

    for (const b of sgp) b.setStatus('/dependencies/db', 200);
    await waitFor('sgp takes traffic again', async () => ((await tally('deps', 30))[SGP] !== undefined ? true : undefined), 20_000);
    assertSplit(await tally('deps', 300), 300, { [JKT]: 1 / 3, [SGP]: 1 / 3, [TYO]: 1 / 3 });
  });

  it('HealthContract on a Service excludes that Service, not the ServiceImport of the same name', async () => {
    const jkt = backendsOf('deps', JKT);
    for (const b of jkt) b.setStatus('/dependencies/cache', 503);
    await waitFor('jkt regional readiness false for Service deps', async () => ((await regionalOf('Service', JKT)) === false ? true : undefined), 20_000);
    // The Service backend has endpoints only in the entry cluster, which is excluded now.
    await waitFor('Service deps excluded in jkt', async () => ((await send('deps-local')).status === 503 ? true : undefined), 20_000);
    assert.equal(await regionalOf('ServiceImport', JKT), true);
    const n = 300;
    assertSplit(await tally('deps', n), n, { [JKT]: 1 / 3, [SGP]: 1 / 3, [TYO]: 1 / 3 });
    for (const b of jkt) b.setStatus('/dependencies/cache', 200);
    await waitFor('Service deps back', async () => ((await send('deps-local')).status === 200 ? true : undefined), 20_000);
    assert.equal((await send('deps-local')).body.cluster, ENTRY);
  });
});
