/**
 * bench:audit-store: the embedded audit store's write and verify speed, the figures issue 13 asked
 * for when choosing its SQLite driver. Appends one record per transaction (each one fsynced, as an
 * acknowledged admin action is), then fills the chain to `--records` in batches and times `verify`.
 * Prints JSON with `-o json`. Runs on a temporary directory that it removes.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type AuditDraft, openStore } from '../../src/store/index.ts';

const { values } = parseArgs({
  options: {
    appends: { type: 'string', default: '2000' },
    records: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    output: { type: 'string', short: 'o', default: 'text' },
  },
});
const appends = Number(values.appends);
const records = Number(values.records);
const batch = Number(values.batch);
for (const [name, value] of [['appends', appends], ['records', records], ['batch', batch]] as const) {
  if (!Number.isInteger(value) || value < 1 || value > 1_000_000) {
    console.error(`bench:audit-store: --${name} must be an integer in 1..1000000, got ${String(values[name])}`);
    process.exit(2);
  }
}

/** A record the size of a real failover approval (reason, before/after, evidence). */
function draft(i: number): AuditDraft {
  return {
    actor: 'bench',
    action: 'failover.approve',
    target: `cases/case-writes-${i % 50}`,
    reason: `bench record ${i}`,
    before: { owner: 'sgp-prod-1', epoch: i },
    after: { owner: 'jkt-prod-1', epoch: i + 1 },
    evidence: { replicationLagSeconds: 1.5, headroom: 0.42, healthy: ['jkt-prod-1', 'tyo-prod-1'] },
  };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'lintas-bench-store-'));
try {
  const store = await openStore({ dataDir: dir });
  let start = performance.now();
  for (let i = 0; i < appends; i++) await store.append([draft(i)]);
  const singleSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  for (let done = appends; done < records; done += batch) {
    const n = Math.min(batch, records - done);
    await store.append(Array.from({ length: n }, (_, k) => draft(done + k)));
  }
  const fillSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  const verification = await store.verify();
  const verifySeconds = (performance.now() - start) / 1000;
  await store.close();
  if (!verification.ok) throw new Error(`verify failed: ${JSON.stringify(verification)}`);
  const result = {
    node: process.version,
    backend: store.backend,
    appendsPerSecond: Math.round(appends / singleSeconds),
    batchedRecordsPerSecond: Math.round((records - appends) / fillSeconds),
    verifyRecords: records,
    verifySeconds: Number(verifySeconds.toFixed(3)),
  };
  if (values.output === 'json') console.log(JSON.stringify(result));
  else {
    console.log(`node ${result.node}, ${result.backend}`);
    console.log(`  single-record appends (one fsync each): ${result.appendsPerSecond}/s over ${appends}`);
    console.log(`  batched appends (${batch} per transaction): ${result.batchedRecordsPerSecond} records/s`);
    console.log(`  verify of ${records} records: ${result.verifySeconds} s`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
