/**
 * The config-edit bench's load: a fixed number of GETs sent at a constant rate
 * (open loop: request i is sent at start + i / rate, whether or not earlier ones
 * answered), over keep-alive connections, each timed from when it was sent to
 * its last body byte. The sender runs in the bench process, not in the gateway's,
 * so a stalled gateway shows in the latencies instead of slowing the sender down
 * (no coordinated omission). Plus the parser of the
 * event-loop delay lines loop-delay.ts prints inside `lintas serve`.
 * @module
 */
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** The stderr line prefix of loop-delay.ts's reports. */
export const LOOP_DELAY_PREFIX = 'lintas-bench-loop-delay ';

/** One report of loop-delay.ts (ms). */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

/** The loop-delay reports in `output`, oldest first. */
export function parseLoopDelays(output: string): LoopDelay[] {
  const out: LoopDelay[] = [];
  for (const line of output.split('\n')) {
    const at = line.indexOf(LOOP_DELAY_PREFIX);
    if (at >= 0) out.push(JSON.parse(line.slice(at + LOOP_DELAY_PREFIX.length)) as LoopDelay);
  }
  return out;
}

/** Options of {@link constantRate}. */
export interface RateOptions {
  readonly url: string;
  readonly requests: number;
  readonly ratePerSecond: number;
  /** A request not answered within this is an error. */
  readonly timeoutMs: number;
  /** Body every answer must have (anything else is an error). */
  readonly body: string;
  /** Called every `tickMs` while the load runs (the bench edits files from here). */
  readonly onTick?: (elapsedMs: number) => void;
  readonly tickMs?: number;
}

/** What one constant-rate run measured. */
export interface RateResult {
  /** Sent → last byte, ms, of every request answered with the expected body. */
  readonly latencies: readonly number[];
  readonly errors: number;
  /** The errors by kind: `status 502`, `body` (a 200 with another body), or the client's error code (`ECONNRESET`, `timeout`). */
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
}

function get(agent: http.Agent, url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sends `requests` GETs at `ratePerSecond`; resolves when every one has answered or failed. */
export async function constantRate(o: RateOptions): Promise<RateResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const failed = (kind: string): void => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const interval = 1000 / o.ratePerSecond;
  let nextTick = o.tickMs ?? Infinity;
  try {
    for (let i = 0; i < o.requests; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await delay(wait);
      const elapsed = performance.now() - start;
      if (o.onTick !== undefined && elapsed >= nextTick) {
        o.onTick(elapsed);
        nextTick += o.tickMs ?? Infinity;
      }
      const sentAt = performance.now();
      pending.push(
        get(agent, o.url, o.timeoutMs).then(
          (r) => {
            if (r.status === 200 && r.body === o.body) latencies.push(performance.now() - sentAt);
            else failed(r.status === 200 ? 'body' : `status ${String(r.status)}`);
          },
          (error: unknown) => failed((error as NodeJS.ErrnoException).code ?? (error as Error).message),
        ),
      );
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  return { latencies, errors, errorKinds, elapsedMs: performance.now() - start };
}
