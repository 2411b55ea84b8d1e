/**
 * The capstone story end to end (issue 7): `lintas up` on the capstone fleet
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

describe('capstone: lintas up, a region outage and a governed failover', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-capstone-'));
  const stateDir = join(root, '.lintas');
  const controller = new AbortController();
  const errors: string[] = [];
  let exited: Promise<number> | undefined;
  let fleet: FleetHandle;
  let result: ScenarioResult;

  before(async () => {
    const io = { out: () => undefined, err: (s: string) => void errors.push(s), env: {}, cwd: root };
    exited = run(['up', CAPSTONE, '--admin', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'error'], io, controller.signal);
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
    result = await runCapstoneScenario(fleet, { rate: 10, warmupMs: 2000, timeoutMs: 60_000 });
  });

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

  it('sgp-owned writes fail closed (503 owner_unavailable) until approval; none goes to another region', async () => {
    assert.ok(result.failClosedWrites > 0, 'some writes were refused while the owner was down');
    // Anything else before the approval can only be a write in flight at the moment of the fault.
    assert.ok(result.otherWritesBeforeApproval.every((s) => s.status === 0 || s.status === 502 || s.status === 201), JSON.stringify(result.otherWritesBeforeApproval.slice(0, 5)));
    const lines = readFileSync(join(stateDir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const misrouted = lines.filter((l) => l.method === 'POST' && l.owner === 'sgp-prod-1' && l.destination_cluster !== null && l.destination_cluster !== 'sgp-prod-1');
    assert.deepEqual(misrouted.slice(0, 3), [], 'a mutation owned by sgp-prod-1 reached another cluster');
  });

  it('after approval, sgp-owned writes succeed on the new owner with the new epoch, and none is refused as stale', async () => {
    assert.ok(result.writesRecoveredMs >= 0);
    assert.equal(result.staleEpochRejections, 0);
    const lines = readFileSync(join(stateDir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const moved = lines.filter((l) => l.method === 'POST' && typeof l.path === 'string' && l.status === 201 && l.owner === 'jkt-prod-1' && Number(l.owner_epoch) >= 2);
    assert.ok(moved.length > 0, 'writes for failed-over keys reach jkt-prod-1 with epoch ≥ 2');
  });

  it('audit-ingest saw no duplicate writes', () => {
    assert.equal(result.auditDuplicates, 0);
  });

  it('the audit trail holds the timeline and verifies', async () => {
    const verify = (await admin(fleet, 'GET', '/api/v1/audit/verify')) as { ok: boolean };
    assert.equal(verify.ok, true);
    const list = JSON.stringify(await admin(fleet, 'GET', '/api/v1/audit'));
    for (const action of ['fault', 'propos', 'approv']) assert.match(list, new RegExp(action, 'i'));
    const unauthenticated = await call(`${fleet.admin}/api/v1/failover/cases/case-writes/approve`, { method: 'POST', body: '{"reason":"x"}' });
    assert.equal(unauthenticated.status, 401);
  });
});
