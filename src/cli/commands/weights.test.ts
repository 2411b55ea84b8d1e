/**
 * Tests of `lintas weights set|clear|list` and the weight-override admin API: a real admin
 * server (loopback, port 0, bearer tokens and roles) over the failover runner on a real SQLite
 * store, driven by the CLI in-process and by raw HTTP for what the CLI refuses before sending.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LINTAS_V1ALPHA1, TrafficPolicy } from '../../api/index.ts';
import type { ClusterWeightMap, WeightOverride } from '../../controllers/index.ts';
import { createAuthenticator, createRegistry, parseAuthFile, silentLogger, startAdminServer, type AdminServer } from '../../observability/index.ts';
import { openStore, type AuditRecord, type LintasStore } from '../../store/index.ts';
import { CliError, EXIT } from '../io.ts';
import { runRegistered, type CliResult } from '../test-cli.ts';
import { startFailoverRunner, type FailoverService } from '../../runtime/index.ts';
import { parseWeightArgs, registerWeightsCommands } from './weights.ts';

const [JKT, PRIMARY, TYO] = ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'];
const CASES = TrafficPolicy.parse({
  apiVersion: LINTAS_V1ALPHA1,
  kind: 'TrafficPolicy',
  metadata: { name: 'cases', namespace: 'cases' },
  spec: { targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'public-case-api' }] },
});

const TOKENS = {
  alice: 'alice-operator-0123456789abcdef',
  bob: 'bob-approver-0123456789abcdef',
  vic: 'vic-viewer-0123456789abcdef',
};
const AUTH = parseAuthFile(
  `tokens:
  - { token: "${TOKENS.alice}", subject: alice, roles: [operator] }
  - { token: "${TOKENS.bob}", subject: bob, roles: [approver] }
  - { token: "${TOKENS.vic}", subject: vic, roles: [viewer] }
`,
  'auth.yaml',
);

describe('parseWeightArgs', () => {
  it('reads CLUSTER=WEIGHT pairs and refuses anything else as a usage error', () => {
    assert.deepEqual(parseWeightArgs([`${JKT}=3`, `${TYO}=0`]), { [JKT]: 3, [TYO]: 0 });
    for (const bad of [[], ['jkt'], ['=3'], [`${JKT}=`], [`${JKT}=-1`], [`${JKT}=1.5`], [`${JKT}=x`], ['Bad_Name=1'], [`${JKT}=1`, `${JKT}=2`], [`${JKT}=0`], [`${JKT}=1000001`]]) {
      assert.throws(() => parseWeightArgs(bad), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage, JSON.stringify(bad));
    }
  });
});

describe('lintas weights and the weight-override API', () => {
  let dir: string;
  let store: LintasStore;
  let service: FailoverService;
  let admin: AdminServer;
  const published: Readonly<Record<string, ClusterWeightMap>>[] = [];
  // The fleet's Cluster names (a test removes one).
  const clusters = [JKT, PRIMARY, TYO];

  /** Runs `lintas ARGV` with only the weights commands registered (failover.ts registers the same function). */
  async function lintas(argv: string[], options: { cwd?: string; token?: keyof typeof TOKENS } = {}): Promise<CliResult> {
    const auth = options.token === undefined ? [] : ['--token', TOKENS[options.token]];
    const server = options.cwd === undefined ? ['--server', admin.url] : [];
    return runRegistered(registerWeightsCommands, [...argv, ...server, ...auth], options.cwd ?? dir);
  }

  const post = async (path: string, body: unknown, token?: keyof typeof TOKENS): Promise<{ status: number; error?: string; message?: string }> => {
    const res = await fetch(`${admin.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${TOKENS[token]}` }) },
      body: JSON.stringify(body),
    });
    return { status: res.status, ...((await res.json()) as { error?: string; message?: string }) };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lintas-weights-'));
    store = await openStore({ dataDir: join(dir, 'data') });
    const registry = createRegistry();
    service = await startFailoverRunner({
      log: silentLogger,
      store,
      policies: () => [],
      trafficPolicies: () => [CASES],
      clusters: () => clusters,
      onOwnership: (_o, _d, w) => published.push(w),
      registry,
      syncIntervalMs: 0,
    });
    admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      notReady: () => undefined,
      actions: service.actions,
      protectedRoutes: service.protectedRoutes,
      auth: createAuthenticator(AUTH),
      registry,
    });
  });

  after(async () => {
    await admin.close();
    await service.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a missing token (401), the wrong role (403), bad input (400) and an unknown TrafficPolicy (404)', async () => {
    const anonymous = await lintas(['weights', 'set', 'cases/cases', `${JKT}=1`, '--reason', 'r']);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /HTTP 401 unauthenticated/);
    assert.equal((await lintas(['weights', 'list'])).code, 1, 'listing needs a token too');
    for (const token of ['vic', 'bob'] as const) {
      const refused = await lintas(['weights', 'set', 'cases/cases', `${JKT}=1`, '--reason', 'r'], { token });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /HTTP 403 forbidden: requires role operator/);
    }
    assert.equal((await post('/api/v1/weights/cases/cases/clear', { reason: 'r' }, 'vic')).status, 403);

    const unknown = await lintas(['weights', 'set', 'cases/nope', `${JKT}=1`, '--reason', 'r'], { token: 'alice' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /HTTP 404 not_found: no TrafficPolicy cases\/nope/);
    assert.equal((await post('/api/v1/weights/cases/nope/clear', { reason: 'r' }, 'alice')).status, 404);

    const bad: [unknown, string][] = [
      [{ reason: 'r' }, 'bad_request'],
      [{ reason: 'r', weights: [1] }, 'bad_request'],
      [{ reason: 'r', weights: { [JKT]: -1 } }, 'bad_request'],
      [{ reason: 'r', weights: { [JKT]: 1.5 } }, 'bad_request'],
      [{ reason: 'r', weights: { Bad_Name: 1 } }, 'bad_request'],
      [{ reason: 'r', weights: { [JKT]: 0, [TYO]: 0 } }, 'bad_request'],
      [{ reason: 'r', weights: {} }, 'bad_request'],
      [{ weights: { [JKT]: 1 } }, 'reason_required'],
    ];
    for (const [body, code] of bad) {
      const answer = await post('/api/v1/weights/cases/cases', body, 'alice');
      assert.deepEqual([answer.status, answer.error], [400, code], JSON.stringify(body));
    }
    assert.equal((await post('/api/v1/weights/cases/cases/clear', { reason: 'r', weights: { [JKT]: 1 } }, 'alice')).status, 400);

    const usage = await lintas(['weights', 'set', 'cases/cases', `${JKT}=x`, '--reason', 'r'], { token: 'alice' });
    assert.equal(usage.code, EXIT.usage);
    assert.equal((await lintas(['weights', 'set', 'cases/cases', `${JKT}=1`], { token: 'alice' })).code, EXIT.usage, '--reason is required');
    assert.equal((await lintas(['weights', 'clear', 'cases', '--reason', 'r'], { token: 'alice' })).code, EXIT.usage, 'NS/NAME');
    assert.deepEqual(await store.list(), [], 'nothing refused was written');
  });

  it('sets, lists, exports as a gauge and clears an override, each audited with the weight diff', async () => {
    const set = await lintas(['weights', 'set', 'cases/cases', `${JKT}=3`, `${PRIMARY}=1`, `${TYO}=0`, '--reason', 'shift load off tyo', '--change-request', 'CHG-7'], { token: 'alice' });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^trafficpolicy\/cases\/cases routes as Weighted jkt-prod-1=3 sgp-prod-1=1 tyo-prod-1=0 \(a-\d+\)$/m);
    const weights = { [JKT]: 3, [PRIMARY]: 1, [TYO]: 0 };
    assert.deepEqual(published.at(-1), { 'cases/cases': weights });
    assert.deepEqual(service.weights(), { 'cases/cases': weights });

    const table = await lintas(['weights', 'list'], { token: 'vic' });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^POLICY\s+WEIGHTS\s+BY\s+SINCE\s+CHANGE\s+REASON\ncases\/cases\s+jkt-prod-1=3 sgp-prod-1=1 tyo-prod-1=0\s+alice\s+\S+\s+CHG-7\s+shift load off tyo\n$/);
    const json = JSON.parse((await lintas(['weights', 'list', '-o', 'json'], { token: 'vic' })).stdout) as { overrides: Record<string, WeightOverride> };
    assert.deepEqual(json.overrides['cases/cases']?.weights, weights);

    const metrics = await (await fetch(`${admin.url}/metrics`)).text();
    assert.match(metrics, /^lintas_weight_override\{policy="cases\/cases",cluster="jkt-prod-1"\} 3$/m);
    assert.match(metrics, /^lintas_weight_override\{policy="cases\/cases",cluster="tyo-prod-1"\} 0$/m);

    const twice = await lintas(['weights', 'set', 'cases/cases', `${TYO}=0`, `${JKT}=3`, `${PRIMARY}=1`, '--reason', 'again'], { token: 'alice' });
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /HTTP 409 unchanged/);

    const cleared = await lintas(['weights', 'clear', 'cases/cases', '--reason', 'tyo capacity restored', '-o', 'json'], { token: 'alice' });
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.deepEqual((JSON.parse(cleared.stdout) as { overrides: unknown }).overrides, {});
    assert.deepEqual(published.at(-1), {});
    assert.match((await lintas(['weights', 'list'], { token: 'vic' })).stdout, /^No weight overrides\.$/m);
    assert.doesNotMatch(await (await fetch(`${admin.url}/metrics`)).text(), /^lintas_weight_override\{/m);
    const again = await lintas(['weights', 'clear', 'cases/cases', '--reason', 'again'], { token: 'alice' });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /HTTP 409 unchanged: cases\/cases has no weight override/);

    const records = (await (await fetch(`${admin.url}/api/v1/audit?target=trafficpolicy/cases/cases`, { headers: { authorization: `Bearer ${TOKENS.vic}` } })).json()) as { records: AuditRecord[] };
    assert.deepEqual(records.records.map((r) => [r.action, r.actor, r.changeRequest, r.before, r.after]), [
      ['WeightOverride', 'alice', 'CHG-7', { weights: null }, { weights }],
      ['ClearWeightOverride', 'alice', undefined, { weights }, { weights: null }],
    ]);
  });

  it('drains and weights naming a cluster the fleet does not have get 404 and write nothing; a removed cluster can still be undrained', async () => {
    const before = (await store.list()).length;
    for (const [path, body] of [
      ['/api/v1/drain/nope-prod-9', { reason: 'typo' }],
      ['/api/v1/undrain/nope-prod-9', { reason: 'typo' }],
      ['/api/v1/weights/cases/cases', { reason: 'typo', weights: { [JKT]: 1, 'nope-prod-9': 1 } }],
    ] as const) {
      const answer = await post(path, body, 'alice');
      assert.deepEqual([answer.status, answer.error], [404, 'not_found'], path);
      assert.match(answer.message ?? '', /no Cluster nope-prod-9 in the fleet/);
    }
    assert.equal((await store.list()).length, before, 'nothing refused was audited');

    assert.equal((await post(`/api/v1/drain/${TYO}`, { reason: 'maintenance' }, 'alice')).status, 200);
    clusters.splice(clusters.indexOf(TYO), 1);
    try {
      assert.equal((await post(`/api/v1/undrain/${TYO}`, { reason: 'decommissioned' }, 'alice')).status, 200, 'a drained cluster since removed can be undrained');
      assert.equal((await post(`/api/v1/drain/${TYO}`, { reason: 'again' }, 'alice')).status, 404);
    } finally {
      clusters.push(TYO);
    }
  });

  it('finds the server and token of a local lintas up in .lintas/up.json', async () => {
    const cwd = join(dir, 'up');
    await mkdir(join(cwd, '.lintas'), { recursive: true });
    const none = await lintas(['weights', 'list'], { cwd });
    assert.equal(none.code, EXIT.usage);
    assert.match(none.stderr, /no admin server: pass --server URL --token TOKEN/);
    await writeFile(join(cwd, '.lintas', 'up.json'), JSON.stringify({ admin: admin.url, token: TOKENS.alice }));
    const set = await lintas(['weights', 'set', 'cases/cases', `${JKT}=1`, '--reason', 'via up.json'], { cwd });
    assert.equal(set.code, 0, set.stderr);
    const list = await lintas(['weights', 'list', '-o', 'json'], { cwd });
    assert.deepEqual((JSON.parse(list.stdout) as { overrides: Record<string, WeightOverride> }).overrides['cases/cases']?.actor, 'alice');
  });
});
