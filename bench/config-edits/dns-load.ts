/**
 * The config-edit bench's DNS load: a fixed number of UDP queries (TXT
 * `dns-version.clusterset.local`, which every zone has) sent at a constant rate
 * from one socket (open loop, as load.ts), each timed from send to its answer;
 * one not answered within the timeout is lost. It shows whether an edit delays
 * the DNS answers of `lintas serve` as load.ts shows it for the gateway.
 * @module
 */
import dgram from 'node:dgram';
import { setTimeout as delay } from 'node:timers/promises';

/** Options of {@link constantRateDns}. */
export interface DnsRateOptions {
  readonly port: number;
  readonly queries: number;
  readonly ratePerSecond: number;
  /** A query not answered within this is lost. */
  readonly timeoutMs: number;
}

/** What one run measured. */
export interface DnsRateResult {
  /** Sent → answer, ms, of every query answered. */
  readonly latencies: readonly number[];
  readonly lost: number;
}

/** A query for TXT `dns-version.clusterset.local` with message id `id`. */
export function versionQuery(id: number): Buffer {
  const labels = ['dns-version', 'clusterset', 'local'];
  const name = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // one question
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(16, 0); // TXT
  tail.writeUInt16BE(1, 2); // IN
  return Buffer.concat([header, name, tail]);
}

/** Sends `queries` queries at `ratePerSecond` to 127.0.0.1:`port`; resolves when each is answered or lost. */
export async function constantRateDns(o: DnsRateOptions): Promise<DnsRateResult> {
  const socket = dgram.createSocket('udp4');
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  socket.on('message', (reply) => {
    if (reply.length < 2) return;
    const at = sent.get(reply.readUInt16BE(0));
    if (at === undefined) return;
    sent.delete(reply.readUInt16BE(0));
    latencies.push(performance.now() - at);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const start = performance.now();
    const interval = 1000 / o.ratePerSecond;
    for (let i = 0; i < o.queries; i++) {
      const wait = start + i * interval - performance.now();
      if (wait > 1) await delay(wait);
      const id = i % 65536;
      sent.set(id, performance.now());
      socket.send(versionQuery(id), o.port, '127.0.0.1');
    }
    const deadline = performance.now() + o.timeoutMs;
    while (sent.size > 0 && performance.now() < deadline) await delay(20);
    return { latencies, lost: sent.size };
  } finally {
    socket.close();
  }
}
