/**
 * A child process for the store's crash and concurrency tests.
 *
 *   store-worker.ts append <sqlite|postgres> <dir|url>
 *     appends forever, alternating plain appends (1–3 records) and compare-and-sets carrying a record;
 *     prints `ack <id>` for each record and `rev <revision>` for each state write once it is acknowledged.
 *     The test SIGKILLs it at an arbitrary moment.
 *   store-worker.ts cas <sqlite|postgres> <dir|url> <count>
 *     increments the counter under `test/counter` `count` times by read + compare-and-set, retrying
 *     on conflict; prints `done <conflicts>` and exits.
 */
import { type LintasStore, openPostgresStore, openSqliteStore } from '../index.ts';

const [mode, backend, location = '', countArg = '0'] = process.argv.slice(2);

async function open(): Promise<LintasStore> {
  if (backend === 'sqlite') return openSqliteStore({ dir: location });
  if (backend === 'postgres') return openPostgresStore({ url: location, poolSize: 1 });
  throw new Error(`unknown backend ${String(backend)}`);
}

async function appendForever(store: LintasStore): Promise<never> {
  const key = 'test/domain';
  for (let i = 0; ; i++) {
    if (i % 3 === 2) {
      const current = await store.loadState(key);
      const revision = current?.revision ?? 0;
      const result = await store.compareAndSet(key, revision, { epoch: revision + 1, owner: `c-${i}` }, [
        { actor: 'worker', action: 'failover.transition', target: key, after: { epoch: revision + 1 } },
      ]);
      if (!result.ok) throw new Error(`unexpected conflict at revision ${revision}`);
      for (const record of result.records) process.stdout.write(`ack ${record.id}\n`);
      process.stdout.write(`rev ${result.revision}\n`);
    } else {
      const drafts = Array.from({ length: 1 + (i % 3) }, (_, j) => ({ actor: 'worker', action: 'test.append', target: `t-${j}`, evidence: { i, j } }));
      for (const record of await store.append(drafts)) process.stdout.write(`ack ${record.id}\n`);
    }
  }
}

async function increment(store: LintasStore, count: number): Promise<void> {
  const key = 'test/counter';
  let conflicts = 0;
  for (let done = 0; done < count; ) {
    const current = await store.loadState(key);
    const value = (current?.state as { counter: number } | undefined)?.counter ?? 0;
    const result = await store.compareAndSet(key, current?.revision ?? 0, { counter: value + 1 }, [
      { actor: `worker-${process.pid}`, action: 'test.increment', target: key, before: value, after: value + 1 },
    ]);
    if (result.ok) done++;
    else conflicts++;
  }
  process.stdout.write(`done ${conflicts}\n`);
}

try {
  const store = await open();
  if (mode === 'append') await appendForever(store);
  else if (mode === 'cas') await increment(store, Number(countArg));
  else throw new Error(`unknown mode ${String(mode)}`);
  await store.close();
} catch (error) {
  process.stderr.write(`store-worker: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
