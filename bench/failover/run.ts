/**
 * bench/failover (issue 7): the capstone story under steadier load, with the
 * figures the issue asks for. Starts `lintas up` on the capstone fleet in this
 * process (free admin/DNS ports, a temp state dir), runs the scenario of
 * test/e2e/capstone-scenario.ts at `--rate` ticks per second (each tick: 3
 * reads, 1 sgp-owned write, 1 search, 1 audit write), and prints:
 * time until reads are error-free after `fault cluster sgp-prod-1 down` and the
 * failed reads; sgp-owned writes failing closed and any other outcome before
 * approval; time from approval to the first successful write on the new
 * owner; stale-epoch rejections; audit-ingest duplicates.
 *
 * Then Singapore comes back and fails back (proposed by the local admin, approved by
 * the local approver), and the audit export's timeline is printed.
 * `--guardrail-block` also holds the secondaries' replication back so the
 * approved failover waits for a guardrail (times then count from its release).
 *
 *   npm run bench:failover -- [--rate 30] [--warmup 3] [--guardrail-block] [--json]
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.ts';
import { runCapstoneScenario, type FleetHandle } from '../../test/e2e/capstone-scenario.ts';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '30' }, warmup: { type: 'string', default: '3' }, json: { type: 'boolean', default: false }, 'guardrail-block': { type: 'boolean', default: false } } });
const rate = Number(values.rate);
const warmup = Number(values.warmup);
if (!Number.isFinite(rate) || rate <= 0 || rate > 200 || !Number.isFinite(warmup) || warmup < 0 || warmup > 60) {
  console.error('usage: npm run bench:failover -- [--rate 1..200] [--warmup 0..60] [--guardrail-block] [--json]');
  process.exit(2);
}

const CAPSTONE = fileURLToPath(new URL('../../examples/capstone', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'lintas-bench-failover-'));
const stateDir = join(root, '.lintas');
const controller = new AbortController();
const errors: string[] = [];
const exited = run(['up', CAPSTONE, '--admin', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'error'], { out: () => undefined, err: (s) => void errors.push(s), env: {}, cwd: root }, controller.signal);
try {
  let fleet: FleetHandle | undefined;
  for (let i = 0; i < 600 && fleet === undefined; i++) {
    try {
      fleet = JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as FleetHandle;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (fleet === undefined) throw new Error(`lintas up did not become ready:\n${errors.join('\n')}`);
  const r = await runCapstoneScenario(fleet, { rate, warmupMs: warmup * 1000, timeoutMs: 90_000, guardrailBlock: values['guardrail-block'], log: (l) => console.error(`bench:failover: ${l}`) });
  const readsBefore = r.samples.filter((s) => s.kind === 'read' && s.at <= r.faultAt).length;
  const figures = {
    rateTicksPerSecond: rate,
    requests: r.samples.length,
    readsBeforeFault: readsBefore,
    readsRecoveredMs: r.readsRecoveredMs,
    failedReadsAfterFault: r.failedReadsAfterFault,
    readsAfterFault: r.readsAfterFault,
    failedReadShare: r.readsAfterFault === 0 ? 0 : r.failedReadsAfterFault / r.readsAfterFault,
    proposalAfterFaultMs: r.proposalSeenMs,
    failClosedWrites: r.failClosedWrites,
    otherWritesBeforeExecution: r.otherWritesBeforeExecution.map((s) => s.status),
    writesRecoveredAfterApprovalMs: r.writesRecoveredMs,
    staleEpochRejections: r.staleEpochRejections,
    auditDuplicates: r.auditDuplicates,
    failoverEpoch: r.failoverEpoch,
    guardrailBlocking: r.guardrail?.blocking.map((b) => b.message) ?? [],
    failback: r.failback === undefined ? undefined : { epoch: r.failback.epoch, refusedAsUnstable: r.failback.refusedAsUnstable, normalAfterApprovalMs: r.failback.normalAfterApprovalMs, writesOnOwnerAfterApprovalMs: r.failback.writesOnOwnerMs, writeStatusesAfterApproval: r.failback.writeStatuses },
    auditChainOk: r.evidence.chain.ok,
    timeline: r.evidence.timeline.map((e) => `${e.action} ${e.target}${e.phase === undefined ? '' : ` ${e.phase}`} (${e.actor})`),
  };
  if (values.json) console.log(JSON.stringify(figures, null, 2));
  else {
    console.log(`rate ${String(rate)} ticks/s (${String(rate * 6)} req/s), ${String(r.samples.length)} requests`);
    console.log(`reads error-free again ${String(r.readsRecoveredMs)} ms after the fault (target < 2000 ms); failed reads ${String(r.failedReadsAfterFault)} of ${String(r.readsAfterFault)} after the fault (${(figures.failedReadShare * 100).toFixed(2)} %, target < 0.5 % of the window)`);
    console.log(`sgp-owned writes: ${String(r.failClosedWrites)} failed closed (503 owner_unavailable) before the failover could execute; other outcomes in that window: ${JSON.stringify(figures.otherWritesBeforeExecution)}`);
    console.log(`failover proposed ${String(r.proposalSeenMs)} ms after the fault (dwell 5 s); writes succeed on the new owner ${String(r.writesRecoveredMs)} ms after approval (or the guardrail release); stale-epoch rejections ${String(r.staleEpochRejections)}`);
    console.log(`audit-ingest duplicates: ${String(r.auditDuplicates)}`);
    if (r.guardrail !== undefined) console.log(`guardrail held the approved failover: ${figures.guardrailBlocking.join('; ')}`);
    if (r.failback !== undefined) {
      console.log(`failback: ${String(r.failback.refusedAsUnstable)} early calls refused (not stable for 10 s), Normal at epoch ${String(r.failback.epoch)} ${String(r.failback.normalAfterApprovalMs)} ms after approval, writes on sgp-prod-1 ${String(r.failback.writesOnOwnerMs)} ms after approval; write statuses since: ${JSON.stringify(r.failback.writeStatuses)}`);
    }
    console.log(`audit export: chain ${r.evidence.chain.ok ? 'intact' : 'BROKEN'}, ${String(r.evidence.timeline.length)} records:`);
    for (const line of figures.timeline) console.log(`  ${line}`);
  }
} finally {
  controller.abort();
  await exited;
  rmSync(root, { recursive: true, force: true });
}
