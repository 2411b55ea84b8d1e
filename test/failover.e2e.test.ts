/**
 * End to end: the failover runner's admin API on a real admin server (loopback, bearer tokens, roles)
 * over a real SQLite store, driven by the `lintas failover|drain|audit` commands in-process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerFailoverCommands } from '../src/cli/commands/failover.ts';
import { startFailoverRunner, type FailoverService } from '../src/runtime/index.ts';
import { runRegistered, type CliResult } from '../src/cli/test-cli.ts';
import { casesTrafficPolicy, healthReport } from '../src/controllers/failover/runner-test-support.ts';
import { JKT, makePolicy, PRIMARY, TYO } from '../src/controllers/failover/test-support.ts';
import type { EvidenceBundle, OwnershipState, PolicyStatus } from '../src/controllers/index.ts';
import { createAuthenticator, createRegistry, parseAuthFile, silentLogger, startAdminServer, type AdminServer } from '../src/observability/index.ts';
import { openStore, type AuditRecord, type LintasStore } from '../src/store/index.ts';
import { waitFor } from './wait.ts';

const TOKENS = {
  alice: 'alice-operator-0123456789abcdef',
  bob: 'bob-approver-0123456789abcdef',
  carol: 'carol-operator-approver-0123456789',
  vic: 'vic-viewer-0123456789abcdef',
};
const AUTH = parseAuthFile(
  `tokens:
  - { token: "${TOKENS.alice}", subject: alice, roles: [operator] }
  - { token: "${TOKENS.bob}", subject: bob, roles: [approver] }
  - { token: "${TOKENS.carol}", subject: carol, roles: [operator, approver] }
  - { token: "${TOKENS.vic}", subject: vic, roles: [viewer] }
`,
  'auth.yaml',
);

describe('failover admin API and CLI', () => {
  let dir: string;
  let store: LintasStore;
  let service: FailoverService;
  let admin: AdminServer;
  const published: [Readonly<Record<string, OwnershipState>>, readonly string[]][] = [];

  /** Runs `lintas ARGV` with only the failover commands registered (main.ts wires the same function). */
  async function lintas(argv: string[], options: { cwd?: string; token?: keyof typeof TOKENS } = {}): Promise<CliResult> {
    const auth = options.token === undefined ? [] : ['--token', TOKENS[options.token]];
    const server = options.cwd === undefined ? ['--server', admin.url] : [];
    return runRegistered(registerFailoverCommands, [...argv, ...server, ...auth], options.cwd ?? dir);
  }

  const status = async (): Promise<PolicyStatus> => JSON.parse((await lintas(['failover', 'status', 'cases/case-writes', '-o', 'json'], { token: 'vic' })).stdout) as PolicyStatus;
  const healthy = (): void => service.onHealth(healthReport(new Date().toISOString(), { [PRIMARY]: 'ready', [JKT]: 'ready', [TYO]: 'ready' }));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lintas-failover-e2e-'));
    store = await openStore({ dataDir: join(dir, 'data') });
    const registry = createRegistry();
    service = await startFailoverRunner({
      log: silentLogger,
      store,
      policies: () => [makePolicy({ mode: 'Manual' })],
      trafficPolicies: () => [casesTrafficPolicy()],
      onOwnership: (o, d) => published.push([o, d]),
      drainWaitMs: 5,
      registry,
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
    healthy();
    await service.runner.idle();
  });

  after(async () => {
    await admin.close();
    await service.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a missing token (401), the wrong role (403) and self-approval (403); a second subject\'s approval fails over', async () => {
    const anonymous = await lintas(['failover', 'status']);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /HTTP 401 unauthenticated/);

    const table = await lintas(['failover', 'status'], { token: 'vic' });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAMESPACE\s+NAME\s+MODE\s+STATE\s+OWNER\s+EPOCH\s+PENDING\s+BLOCKING\ncases\s+case-writes\s+Manual\s+Normal\s+sgp-prod-1\s+1\s/);

    const noReason = await lintas(['failover', 'propose', 'cases/case-writes'], { token: 'carol' });
    assert.equal(noReason.code, 2, 'the CLI requires --reason');

    const proposed = await lintas(['failover', 'propose', 'cases/case-writes', '--to', JKT, '--reason', 'planned move', '--change-request', 'CHG-1'], { token: 'carol' });
    assert.equal(proposed.code, 0, proposed.stderr);
    assert.match(proposed.stdout, /propose accepted \(a-\d+ Propose by carol.*\)\nstate FailoverPending/);

    const wrongRole = await lintas(['failover', 'approve', 'cases/case-writes', '--reason', 'lgtm'], { token: 'alice' });
    assert.equal(wrongRole.code, 1);
    assert.match(wrongRole.stderr, /HTTP 403 forbidden: requires role approver; alice has operator/);

    const self = await lintas(['failover', 'approve', 'cases/case-writes', '--reason', 'my own'], { token: 'carol' });
    assert.equal(self.code, 1);
    assert.match(self.stderr, /HTTP 403 self_approval: carol proposed this failover and cannot approve it/);

    const pending = await lintas(['failover', 'status', 'cases/case-writes'], { token: 'vic' });
    assert.match(pending.stdout, /Pending:\s+failover of sgp-prod-1's keys to jkt-prod-1, proposed by carol/);

    const approved = await lintas(['failover', 'approve', 'cases/case-writes', '--reason', 'lgtm', '--change-request', 'CHG-1'], { token: 'bob' });
    assert.equal(approved.code, 0, approved.stderr);
    await waitFor('FailedOver', async () => ((await status()).state === 'FailedOver' ? true : undefined), 10_000);
    const done = await status();
    assert.equal(done.epoch, 2);
    assert.deepEqual(done.owner, { [PRIMARY]: JKT });
    assert.deepEqual(published.at(-1), [{ 'cases/cases': { epoch: 2, moved: [{ from: PRIMARY, to: JKT }] } }, []]);

    const metrics = await (await fetch(`${admin.url}/metrics`)).text();
    assert.match(metrics, /lintas_failover_epoch\{policy="cases\/case-writes"\} 2/);
    assert.match(metrics, /lintas_failover_phase\{policy="cases\/case-writes",from="sgp-prod-1",phase="FailedOver"\} 1/);

    const late = await lintas(['failover', 'abort', 'cases/case-writes', '--reason', 'too late'], { token: 'alice' });
    assert.equal(late.code, 1);
    assert.match(late.stderr, /HTTP 409 invalid_in_phase: cannot abort in phase FailedOver/);
  });

  it('drains and undrains a cluster (operator only)', async () => {
    const refused = await lintas(['drain', 'cluster', TYO, '--reason', 'maintenance'], { token: 'bob' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HTTP 403 forbidden/);
    const drained = await lintas(['drain', 'cluster', TYO, '--reason', 'kernel upgrade', '--change-request', 'CHG-2'], { token: 'alice' });
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /drained clusters: tyo-prod-1/);
    assert.deepEqual(published.at(-1)?.[1], [TYO]);
    const twice = await lintas(['drain', 'cluster', TYO, '--reason', 'again'], { token: 'alice' });
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /HTTP 409 unchanged/);
    const undrained = await lintas(['undrain', 'cluster', TYO, '--reason', 'done'], { token: 'alice' });
    assert.equal(undrained.code, 0, undrained.stderr);
    assert.deepEqual(published.at(-1)?.[1], []);
  });

  it('lists, shows, exports and verifies the audit trail', async () => {
    const list = await lintas(['audit', 'list', '-o', 'json'], { token: 'vic' });
    assert.equal(list.code, 0, list.stderr);
    const records = (JSON.parse(list.stdout) as { records: AuditRecord[] }).records;
    assert.deepEqual(records.map((r) => r.action), ['Propose', 'EvaluateGuardrails', 'Refuse', 'Approve', 'MoveOwnership', 'DrainComplete', 'Refuse', 'Drain', 'Undrain']);
    assert.equal(records.find((r) => r.action === 'Approve')?.changeRequest, 'CHG-1');

    const table = await lintas(['audit', 'list', '--target', `cluster/${TYO}`], { token: 'vic' });
    assert.match(table.stdout, /^ID\s+TIME\s+ACTOR\s+ACTION\s+TARGET/);
    assert.deepEqual(table.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[3]), ['Drain', 'Undrain']);

    const move = records.find((r) => r.action === 'MoveOwnership');
    const show = await lintas(['audit', 'show', move?.id ?? ''], { token: 'vic' });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /action: MoveOwnership/);
    assert.match(show.stdout, /prevHash: [0-9a-f]{64}/);
    const missing = await lintas(['audit', 'show', 'a-999999'], { token: 'vic' });
    assert.equal(missing.code, 1);

    const exported = await lintas(['audit', 'export', '--target', 'cases/case-writes'], { token: 'vic' });
    assert.equal(exported.code, 0, exported.stderr);
    const bundle = JSON.parse(exported.stdout) as EvidenceBundle;
    assert.equal(bundle.chain.ok, true);
    assert.equal(bundle.status?.state, 'FailedOver');
    assert.deepEqual(bundle.timeline.map((e) => e.action), ['Propose', 'EvaluateGuardrails', 'Refuse', 'Approve', 'MoveOwnership', 'DrainComplete', 'Refuse']);
    assert.deepEqual(bundle.approvals.map((a) => [a.action, a.actor]), [['Propose', 'carol'], ['Approve', 'bob']]);
    assert.deepEqual(bundle.routeChanges.map((c) => [c.action, c.before, c.after]), [['MoveOwnership', { epoch: 1, moved: [] }, { epoch: 2, moved: [{ from: PRIMARY, to: JKT }] }]]);
    assert.ok(bundle.guardrails.some((g) => (g.verdict as { pass?: boolean }).pass === true), 'the move carries its guardrail evidence');
    assert.ok(bundle.refusals.some((r) => (r.refusal as { code?: string }).code === 'SelfApproval'));

    const verify = await lintas(['audit', 'verify'], { token: 'vic' });
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /audit chain intact: 9 record\(s\)/);
  });

  it('finds the server and token of a local lintas up in .lintas/up.json, and says so when there is none', async () => {
    const cwd = join(dir, 'up');
    await mkdir(join(cwd, '.lintas'), { recursive: true });
    const none = await lintas(['failover', 'status'], { cwd });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no admin server: pass --server URL --token TOKEN/);
    await writeFile(join(cwd, '.lintas', 'up.json'), JSON.stringify({ admin: admin.url, token: TOKENS.vic }));
    const viaUp = await lintas(['failover', 'status', '-o', 'json'], { cwd });
    assert.equal(viaUp.code, 0, viaUp.stderr);
    assert.equal((JSON.parse(viaUp.stdout) as { policies: PolicyStatus[] }).policies[0]?.state, 'FailedOver');
  });
});
