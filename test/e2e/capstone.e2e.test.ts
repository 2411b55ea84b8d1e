/**
 * The capstone story end to end (issue 7), once with the clusters' gateways embedded and once as
 * `lintas gateway` processes (issue 15): `lintas up` on the capstone fleet
 * (18 real app processes in three loopback clusters, gateways, DNS, admin),
 * steady mixed load through jkt's gateway, `fault cluster sgp-prod-1 down`,
 * fail-closed writes for Singapore's cases with none reaching another region,
 * the governed failover approved over the admin API, writes on the new owner
 * with the new epoch, and the audit trail holding the whole timeline.
 * Bounded: a low request rate and generous deadlines, no wall-clock asserts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.ts';
import { waitFor } from '../wait.ts';
import { admin, call, runCapstoneScenario, type FleetHandle, type ScenarioResult } from './capstone-scenario.ts';

const CAPSTONE = fileURLToPath(new URL('../../examples/capstone', import.meta.url));

/** The two ways `lintas up` runs the clusters' gateways: in the control plane's process, or one `lintas gateway` process each. */
const MODES = [
  { name: 'gateway processes (the default)', args: [] as string[] },
  { name: 'embedded gateways', args: ['--no-gateway-processes'] },
] as const;

for (const mode of MODES) {
  describe(`capstone (${mode.name}): lintas up, a region outage, a governed failover and failback`, { timeout: 240_000 }, () => {
    const root = mkdtempSync(join(tmpdir(), 'lintas-capstone-'));
    const stateDir = join(root, '.lintas');
    const controller = new AbortController();
    const errors: string[] = [];
    let exited: Promise<number> | undefined;
    let fleet: FleetHandle;
    let result: ScenarioResult;

    before(async () => {
      const io = { out: () => undefined, err: (s: string) => void errors.push(s), env: {}, cwd: root };
      exited = run(['up', CAPSTONE, '--admin', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'error', ...mode.args], io, controller.signal);
      fleet = await waitFor(
        'up.json',
        () => {
          try {
            return JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as FleetHandle;
          } catch {
            return undefined;
          }
        },
        60_000,
      );
      result = await runCapstoneScenario(fleet, { rate: 10, warmupMs: 2000, timeoutMs: 60_000, guardrailBlock: true });
    });

    const accessLog = (): Record<string, unknown>[] => readFileSync(join(stateDir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

    after(async () => {
      controller.abort();
      assert.equal(await exited, 0, errors.join('\n'));
      rmSync(root, { recursive: true, force: true });
    });

    it('serves the mixed load before the fault', () => {
      const before = result.samples.filter((s) => s.at < result.faultAt);
      assert.ok(before.length > 0);
      assert.deepEqual(before.filter((s) => s.status < 200 || s.status >= 300).map((s) => `${s.kind} ${s.key ?? ''} ${String(s.status)}`), []);
    });

    it('reads recover after Singapore goes down (failed reads are a small minority)', () => {
      assert.ok(result.readsAfterFault > 0);
      // Reads of sgp-owned cases come from the nearest healthy region; only requests in flight at the fault may fail.
      assert.ok(result.failedReadsAfterFault <= Math.max(3, result.readsAfterFault * 0.05), `failed reads ${String(result.failedReadsAfterFault)} of ${String(result.readsAfterFault)}`);
    });

    it('sgp-owned writes fail closed (503 owner_unavailable) until the failover can execute; none goes to another region', async () => {
      assert.ok(result.failClosedWrites > 0, 'some writes were refused while the owner was down');
      // Anything else before execution can only be a write in flight at the moment of the fault.
      assert.ok(result.otherWritesBeforeExecution.every((s) => s.at - result.faultAt < 3000 && (s.status === 0 || s.status === 502 || s.status === 201)), JSON.stringify(result.otherWritesBeforeExecution.slice(0, 5)));
      const lines = accessLog();
      const misrouted = lines.filter((l) => l.method === 'POST' && l.owner === 'sgp-prod-1' && l.destination_cluster !== null && l.destination_cluster !== 'sgp-prod-1');
      assert.deepEqual(misrouted.slice(0, 3), [], 'a mutation owned by sgp-prod-1 reached another cluster');
    });

    it('a guardrail (the secondaries\' replication lag) holds the approved failover, with its evidence, until it clears', () => {
      const g = result.guardrail;
      assert.ok(g !== undefined);
      assert.equal(g.stateAfterApproval, 'FailoverPending');
      const lag = g.blocking.find((b) => b.check === 'maxReplicationLagSeconds');
      assert.ok(lag !== undefined, JSON.stringify(g.blocking));
      assert.equal(lag.threshold, 5);
      assert.ok(typeof lag.observed === 'number' && lag.observed > 5, JSON.stringify(lag));
      assert.match(lag.message, /replication lag of (jkt|tyo)-prod-1 is [\d.]+s, above the maximum 5s/);
      // Nothing moved while it blocked: every sgp-owned write until the release failed closed or was in flight at the fault.
      assert.ok(result.executableAt > result.approvedAt);
    });

    it('after the failover, sgp-owned writes succeed on the new owner with the new epoch, and none is refused as stale', async () => {
      assert.ok(result.writesRecoveredMs >= 0);
      assert.equal(result.failoverEpoch, 2);
      assert.equal(result.staleEpochRejections, 0);
      const moved = accessLog().filter((l) => l.method === 'POST' && l.status === 201 && l.owner === 'jkt-prod-1' && String(l.path).startsWith('/cases') && Number(l.owner_epoch) === 2);
      assert.ok(moved.length > 0, 'writes for failed-over keys reach jkt-prod-1 with epoch 2');
      assert.deepEqual(moved.filter((l) => l.destination_cluster !== 'jkt-prod-1').slice(0, 3), [], 'a mutation for the new owner reached another cluster');
    });

    it('Singapore comes back; failback (proposed by one subject, approved by another) restores it as owner at the next epoch', () => {
      const f = result.failback;
      assert.ok(f !== undefined);
      assert.equal(f.epoch, 3);
      assert.equal(f.owner['sgp-prod-1'], 'sgp-prod-1');
      assert.ok(f.writesOnOwnerMs >= 0);
      // After failback sgp-owned writes succeed again; none is refused as stale (a fencing failure would show as 409).
      assert.equal(f.writeStatuses['409'] ?? 0, 0, JSON.stringify(f.writeStatuses));
      const back = accessLog().filter((l) => l.method === 'POST' && l.status === 201 && Number(l.owner_epoch) === 3 && String(l.path).startsWith('/cases'));
      assert.ok(back.length > 0, 'writes with epoch 3');
      assert.deepEqual(back.filter((l) => l.owner !== 'sgp-prod-1' || l.destination_cluster !== 'sgp-prod-1').slice(0, 3), [], 'an sgp-owned mutation at epoch 3 went elsewhere');
    });

    it('audit-ingest saw no duplicate writes', () => {
      assert.equal(result.auditDuplicates, 0);
    });

    it('read-your-writes (the README story, step 1): a GET right after a POST returns the written case, even while replication lags', async () => {
      const jkt = fleet.gateways['jkt-prod-1'] ?? 'http://127.1.255.1:8080';
      const cases = { host: 'cases.example.com' };
      // Singapore's changes reach the other regions 30 s late: without read-your-writes, jkt-prod-1 answers not_found.
      await admin(fleet, 'POST', '/api/v1/faults/replication-lag', { cluster: 'sgp-prod-1', lagMs: 30_000, reason: 'capstone e2e: read-your-writes' });
      try {
        const key = 'SGP-RYW-1';
        const created = await call(`${jkt}/cases`, { method: 'POST', ...cases, headers: { 'x-case-id': key, 'idempotency-key': 'ryw-1' }, body: JSON.stringify({ id: key, title: 'demo' }) });
        assert.equal(created.status, 201, created.body);
        const read = await call(`${jkt}/cases/${key}`, { ...cases, headers: { 'x-case-id': key } });
        assert.equal(read.status, 200, read.body);
        assert.equal((JSON.parse(read.body) as { id?: string }).id, key);
        const other = await call(`${jkt}/cases/SGP-1`, { ...cases, headers: { 'x-case-id': 'SGP-1' } });
        assert.equal(other.status, 200, 'a key not written just now still reads from the nearest region');
        const line = await waitFor('the access log line of the read', () => accessLog().find((l) => l.method === 'GET' && l.path === `/cases/${key}`));
        assert.deepEqual([line.owner, line.destination_cluster, line.status], ['sgp-prod-1', 'sgp-prod-1', 200], 'the read went to the owner');
      } finally {
        await admin(fleet, 'POST', '/api/v1/faults/replication-lag', { cluster: 'sgp-prod-1', lagMs: 0, reason: 'capstone e2e: replication caught up' });
      }
    });

    it('a partitioned region stops answering (clients time out, not refused) while the others keep serving; heal brings it back', async () => {
      const tyo = fleet.gateways['tyo-prod-1'] ?? 'http://127.3.255.1:8080';
      const jkt = fleet.gateways['jkt-prod-1'] ?? 'http://127.1.255.1:8080';
      const search = { host: 'search.example.com' };
      assert.equal((await call(`${tyo}/search?q=x`, search)).status, 200);
      await admin(fleet, 'POST', '/api/v1/faults/cluster/tyo-prod-1/partition', { reason: 'capstone e2e: partition' });
      try {
        const r = await call(`${tyo}/search?q=x`, { ...search, timeoutMs: 1000, localAddress: '127.3.200.9' });
        assert.deepEqual(r, { status: 0, body: 'timeout' });
        assert.equal((await call(`${jkt}/search?q=x`, search)).status, 200);
      } finally {
        await admin(fleet, 'POST', '/api/v1/faults/cluster/tyo-prod-1/heal', { reason: 'capstone e2e: heal' });
      }
      await waitFor('tyo-prod-1 answering again', async () => ((await call(`${tyo}/search?q=x`, search)).status === 200 ? true : undefined), 20_000);
    });

    it('the audit export holds the whole timeline and the chain verifies', async () => {
      assert.equal(result.evidence.chain.ok, true);
      const verify = (await admin(fleet, 'GET', '/api/v1/audit/verify')) as { ok: boolean };
      assert.equal(verify.ok, true);
      const timeline = result.evidence.timeline.map((e) => `${e.action} ${e.target} ${e.phase ?? ''} ${e.actor}`);
      const order = [
        /^fault\.cluster\.down cluster\/sgp-prod-1/,
        /^fault\.replication-lag /,
        /FailoverPending/,
        /^EvaluateGuardrails .*system/,
        /^Approve cases\/case-writes .*local-admin/,
        /FailingOver/,
        /FailedOver/,
        /^fault\.cluster\.up cluster\/sgp-prod-1/,
        /FailbackPending .*local-admin/,
        /^Approve cases\/case-writes .*local-approver/,
        /FailingBack/,
        /FailingBack → Normal/,
      ];
      let at = 0;
      for (const re of order) {
        const i = timeline.findIndex((line, j) => j >= at && re.test(line));
        assert.ok(i >= 0, `no ${String(re)} after entry ${String(at)} in:\n${timeline.join('\n')}`);
        at = i;
      }
      const unauthenticated = await call(`${fleet.admin}/api/v1/failover/cases/case-writes/approve`, { method: 'POST', body: '{"reason":"x"}' });
      assert.equal(unauthenticated.status, 401);
    });
  });
}
