/**
 * The DNS thread with a crash a test can cause (the real loop, wrapped): a message on the
 * {@link DNS_THREAD_FAULTS} BroadcastChannel makes the thread answer `armed` and exit at once.
 * Run it with the DNS thread's `workerModule`.
 */
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';
import { serveDnsThread, type DnsThreadData } from '../src/dataplanes/index.ts';

/** The channel tests crash the DNS thread on. */
export const DNS_THREAD_FAULTS = 'lintas-test-dns-thread-faults';

const data = workerData as DnsThreadData | null;
if (parentPort !== null && data?.customModule === true) {
  const faults = new BroadcastChannel(DNS_THREAD_FAULTS);
  faults.unref();
  faults.onmessage = (event) => {
    if ((event as { data: unknown }).data !== 'exit') return;
    faults.postMessage('armed');
    setImmediate(() => process.exit(3));
  };
  serveDnsThread(parentPort, data);
}
