/**
 * The part of the shared store suite that needs real processes: a writer killed with SIGKILL at an
 * arbitrary moment loses no acknowledged record, and compare-and-sets from two processes on the same
 * database never lose an update. The child is testdata/store-worker.ts.
 * @module
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type StoreHarness, withFresh } from './store-harness.ts';

const WORKER = fileURLToPath(new URL('./testdata/store-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Generous bound for a child to reach a point (never asserted as a duration). */
const WAIT_MS = 30_000;

/** A child process started by {@link startWorker}, with its output as lines. */
export interface Worker {
  readonly child: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** Resolves once `done(lines)` holds; fails (with the child's stderr) on timeout or early exit. */
  waitFor(done: (lines: readonly string[]) => boolean): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Starts `script` (default testdata/store-worker.ts) under tsx with `args`, collecting its stdout lines. */
export function startWorker(args: readonly string[], script = WORKER): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      exitCode = code;
      resolve(code);
      wake();
    });
  });
  const waitFor = (done: (lines: readonly string[]) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = (): void => {
        if (done(lines)) finish();
        else if (exitCode !== undefined) finish(new Error(`worker ${args.join(' ')} exited (${exitCode}) early:\n${stderr}`));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(new Error(`worker ${args.join(' ')} did not get there within ${WAIT_MS} ms (${lines.length} lines):\n${stderr}`));
      }, WAIT_MS);
      waiters.add(check);
      check();
    });
  return { child, lines, waitFor, exited };
}

const acks = (lines: readonly string[]): string[] => lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4));
const revisions = (lines: readonly string[]): number[] => lines.filter((l) => l.startsWith('rev ')).map((l) => Number(l.slice(4)));

/** Defines the multi-process tests for one backend. */
export function describeProcessSuite(name: string, harness: StoreHarness): void {
  describe(`${name}: crashes and processes`, () => {
    it('loses no acknowledged record or state when the writer is killed with SIGKILL, twice', async () => {
      await withFresh(harness, async (db) => {
        const acked: string[] = [];
        let lastRevision = 0;
        for (let round = 0; round < 2; round++) {
          const worker = startWorker(['append', ...db.workerArgs]);
          try {
            // Kill at an arbitrary moment after enough acknowledgements (mid-append or mid-transition).
            await worker.waitFor((lines) => acks(lines).length >= 40 && revisions(lines).length >= 3);
          } finally {
            worker.child.kill('SIGKILL');
          }
          assert.equal(await worker.exited, null, 'the worker died of SIGKILL');
          acked.push(...acks(worker.lines));
          lastRevision = Math.max(lastRevision, ...revisions(worker.lines));

          const store = await db.open();
          const stored = new Set((await store.list()).map((r) => r.id));
          assert.deepEqual(acked.filter((id) => !stored.has(id)), [], `round ${round}: acknowledged records missing after SIGKILL`);
          const verdict = await store.verify();
          assert.deepEqual(verdict, { ok: true, count: stored.size });
          const state = await store.loadState('test/domain');
          assert.ok(state !== undefined && state.revision >= lastRevision, `round ${round}: state revision ${state?.revision} < acknowledged ${lastRevision}`);
          assert.deepEqual(state.state, { epoch: state.revision, owner: (state.state as { owner: string }).owner });
          await store.close();
        }
      });
    });

    it('never loses an update when two processes increment one state by compare-and-set', async () => {
      await withFresh(harness, async (db) => {
        const perWorker = 15;
        const workers = [0, 1].map(() => startWorker(['cas', ...db.workerArgs, String(perWorker)]));
        try {
          await Promise.all(workers.map((w) => w.waitFor((lines) => lines.some((l) => l.startsWith('done ')))));
          assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);
        } finally {
          for (const w of workers) w.child.kill('SIGKILL');
        }
        const store = await db.open();
        assert.deepEqual(await store.loadState('test/counter'), { revision: 2 * perWorker, state: { counter: 2 * perWorker } });
        const records = await store.list();
        assert.deepEqual(
          records.map((r) => r.after),
          records.map((_, i) => i + 1),
          'one record per successful increment, in order',
        );
        assert.deepEqual(await store.verify(), { ok: true, count: 2 * perWorker });
      });
    });
  });
}
