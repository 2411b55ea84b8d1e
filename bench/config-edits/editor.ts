/**
 * The config-edit bench's editor thread: writes each one-line edit (fleet.ts `flipReady`)
 * off the thread that sends the load and times the answers. Rewriting the 10,000-endpoint
 * file takes ~3 ms; on the load generator's loop that stall showed in the measured
 * latencies as if the gateway had been slow. The edit is an outside actor (a `git pull`,
 * an operator), so it runs beside the measurement, not inside it.
 * @module
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { flipReady } from './fleet.ts';

/** One edit for the editor thread. */
interface EditRequest {
  readonly root: string;
  readonly file: string;
  readonly n: number;
}

/** The editor thread, from the bench's side. */
export interface Editor {
  /** Asks for edit `n` of `file` under `root` (fire and forget: the thread does them in order). */
  edit(root: string, file: string, n: number): void;
  /** Resolves once every edit asked for so far is written; rejects with the first that failed. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the editor thread (this module, evaluated with the bench's own loader flags). */
export function startEditor(): Editor {
  const worker = new Worker(new URL(import.meta.url));
  let asked = 0;
  let done = 0;
  let failure: Error | undefined;
  let waiters: (() => void)[] = [];
  worker.on('message', (m: { readonly ok: boolean; readonly error?: string }) => {
    done += 1;
    if (!m.ok) failure ??= new Error(m.error);
    if (done === asked) for (const w of waiters.splice(0)) w();
  });
  worker.on('error', (error) => {
    failure ??= error;
    for (const w of waiters.splice(0)) w();
  });
  return {
    edit(root, file, n) {
      asked += 1;
      worker.postMessage({ root, file, n } satisfies EditRequest);
    },
    async drain() {
      if (done < asked && failure === undefined) await new Promise<void>((resolve) => waiters.push(resolve));
      waiters = [];
      if (failure !== undefined) throw failure;
    },
    async close() {
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  port.on('message', (req: EditRequest) => {
    try {
      flipReady(req.root, req.file, req.n);
      port.postMessage({ ok: true });
    } catch (error) {
      port.postMessage({ ok: false, error: (error as Error).message });
    }
  });
}
