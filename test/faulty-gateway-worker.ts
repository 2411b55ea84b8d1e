/**
 * A gateway data-plane worker with faults a test can inject (the real worker loop, wrapped):
 * the test posts `{ worker, fault }` on the {@link WORKER_FAULTS} BroadcastChannel, the worker of
 * that index answers `{ armed: worker }` and then either exits at once (`exit`, a crash) or fails
 * its next apply (`fail-next-apply`). Run it with the gateway role's `workerModule`.
 */
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';
import { serveDataPlaneWorker, type DataPlaneWorkerData } from '../src/dataplanes/index.ts';

/** The channel tests inject faults on. */
export const WORKER_FAULTS = 'lintas-test-gateway-worker-faults';

/** A fault for one worker. */
export interface WorkerFault {
  readonly worker: number;
  readonly fault: 'exit' | 'fail-next-apply';
}

const data = workerData as DataPlaneWorkerData | null;
if (parentPort !== null && data?.customModule === true) {
  const { index } = data;
  let failNext = false;
  const faults = new BroadcastChannel(WORKER_FAULTS);
  faults.unref();
  faults.onmessage = (event) => {
    const m = (event as { data: WorkerFault | { armed: number } }).data;
    if (!('fault' in m) || m.worker !== index) return;
    faults.postMessage({ armed: index });
    if (m.fault === 'exit') setImmediate(() => process.exit(3));
    else failNext = true;
  };
  serveDataPlaneWorker(parentPort, data, {
    beforeApply: () => {
      if (!failNext) return;
      failNext = false;
      throw new Error(`injected apply failure on worker ${String(index)}`);
    },
  });
}
