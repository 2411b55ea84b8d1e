/**
 * The access log: one JSON object per request with a fixed field set (seed 000
 * §24), written off the data path. Lines are queued and flushed in batches on
 * size and time; a Writable sink's back-pressure is honoured, and while the
 * sink is slow the queue is bounded: lines beyond the bound are dropped and
 * counted, so a stuck log consumer never stalls or bloats the proxy.
 * @module
 */

/** One access log record (field names are the log's keys). */
export interface AccessLogRecord {
  readonly time: number;
  readonly request_id: string;
  readonly trace_id: string;
  readonly entry_region: string | null;
  readonly entry_cluster: string;
  readonly destination_region: string | null;
  readonly destination_cluster: string | null;
  readonly gateway: string | null;
  readonly listener: string | null;
  readonly route: string | null;
  readonly service: string | null;
  readonly service_import: string | null;
  readonly upstream: string | null;
  readonly backend_version: string | null;
  /** The failover phase of the request's ownership domain: `normal`, `degraded` or `failover` (seed 000 §24.1); null without ownership. */
  readonly failover_mode: string | null;
  /** The TrafficPolicy's locality mode (`Owner`, `LocalPreferred`…); null without a policy. */
  readonly routing_mode: string | null;
  /** `ns/name` of the TrafficPolicy that applied. */
  readonly policy: string | null;
  /** `mutation` or `read` under a policy, else null. */
  readonly request_class: string | null;
  /** The owner cluster of the request's ownership key, when the policy has ownership. */
  readonly owner: string | null;
  readonly owner_epoch: number | null;
  readonly method: string;
  readonly authority: string;
  readonly path: string;
  readonly status: number;
  readonly duration_ms: number;
  readonly upstream_duration_ms: number | null;
  readonly retries: number;
  readonly response_flags: string;
  /** A gRPC call's status (the upstream's `grpc-status`, or the one the gateway answered with); null for other requests. */
  readonly grpc_status: number | null;
}

/** The field names, in line order (tests check the set). */
export const ACCESS_LOG_FIELDS = [
  'time',
  'request_id',
  'trace_id',
  'entry_region',
  'entry_cluster',
  'destination_region',
  'destination_cluster',
  'gateway',
  'listener',
  'route',
  'service',
  'service_import',
  'upstream',
  'backend_version',
  'failover_mode',
  'routing_mode',
  'policy',
  'request_class',
  'owner',
  'owner_epoch',
  'method',
  'authority',
  'path',
  'status',
  'duration_ms',
  'upstream_duration_ms',
  'retries',
  'response_flags',
  'grpc_status',
] as const;

/** Whether `s` has a character JSON must escape (or non-ASCII, left to JSON.stringify). */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) return true;
  }
  return false;
}

/** A JSON string literal (`null` for null); plain ASCII skips JSON.stringify. */
export function jsonString(s: string | null): string {
  if (s === null) return 'null';
  return needsEscape(s) ? JSON.stringify(s) : `"${s}"`;
}

/** A millisecond duration with at most 3 decimals (integer arithmetic: number-to-string of fractions is slow). */
export function jsonMs(n: number | null): string {
  if (n === null) return 'null';
  const us = Math.round(n * 1000);
  if (!Number.isFinite(us) || us < 0) return '0';
  const whole = Math.floor(us / 1000);
  const frac = us - whole * 1000;
  if (frac === 0) return String(whole);
  return `${String(whole)}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${String(frac)}`;
}

let lastSecond = -1;
let lastSecondIso = '';

/** ISO-8601 time with ms; the date part is cached per second (the log's hot spot). */
export function isoTime(epochMs: number): string {
  const t = Math.floor(epochMs);
  const second = Math.floor(t / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondIso = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const msPart = t - second * 1000;
  return `${lastSecondIso}${msPart < 10 ? '00' : msPart < 100 ? '0' : ''}${String(msPart)}Z`;
}

/** Formats a record as one JSON line (with the trailing newline). */
export function formatAccessLog(r: AccessLogRecord): string {
  return (
    `{"time":"${isoTime(r.time)}","request_id":${jsonString(r.request_id)},"trace_id":${jsonString(r.trace_id)}` +
    `,"entry_region":${jsonString(r.entry_region)},"entry_cluster":${jsonString(r.entry_cluster)}` +
    `,"destination_region":${jsonString(r.destination_region)},"destination_cluster":${jsonString(r.destination_cluster)}` +
    `,"gateway":${jsonString(r.gateway)},"listener":${jsonString(r.listener)},"route":${jsonString(r.route)}` +
    `,"service":${jsonString(r.service)},"service_import":${jsonString(r.service_import)},"upstream":${jsonString(r.upstream)}` +
    `,"backend_version":${jsonString(r.backend_version)},"failover_mode":${jsonString(r.failover_mode)},"routing_mode":${jsonString(r.routing_mode)}` +
    `,"policy":${jsonString(r.policy)},"request_class":${jsonString(r.request_class)},"owner":${jsonString(r.owner)}` +
    `,"owner_epoch":${r.owner_epoch === null ? 'null' : String(r.owner_epoch)}` +
    `,"method":${jsonString(r.method)},"authority":${jsonString(r.authority)},"path":${jsonString(r.path)}` +
    `,"status":${String(r.status)},"duration_ms":${jsonMs(r.duration_ms)},"upstream_duration_ms":${jsonMs(r.upstream_duration_ms)}` +
    `,"retries":${String(r.retries)},"response_flags":${jsonString(r.response_flags)},"grpc_status":${r.grpc_status === null ? 'null' : String(r.grpc_status)}}\n`
  );
}

/** Where access log lines go: a function receiving a chunk of one or more `\n`-terminated lines, or a Writable. */
export type AccessLogSink = ((chunk: string) => void) | NodeJS.WritableStream;

/** Default bound of queued, unwritten log bytes before lines are dropped. */
export const DEFAULT_ACCESS_LOG_BUFFER_BYTES = 8 * 1024 * 1024;

/** Size of one log buffer; a full buffer is written right away (otherwise every {@link FLUSH_INTERVAL_MS}). */
const CHUNK_BYTES = 64 * 1024;
/** Longest a line waits when traffic is light. */
const FLUSH_INTERVAL_MS = 50;

/**
 * A batching, bounded, non-blocking access log writer. Each line is encoded
 * into an off-heap buffer as it is pushed, so line strings die young (queued
 * strings would survive scavenges and be promoted: GC work per request), and
 * writes are batched by size and time, not per request (each write to a file
 * stream is a thread-pool round trip).
 */
export class AccessLogWriter {
  private buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private pos = 0;
  private lines = 0;
  /** Sealed buffers not written yet (waiting for the sink's drain). */
  private pending: { chunk: Buffer; lines: number }[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private droppedLines = 0;
  private readonly onDrain = (): void => {
    this.waitingDrain = false;
    this.flush();
  };
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };

  /** Creates a writer for `sink` (default process.stdout). */
  constructor(
    private readonly sink: AccessLogSink = process.stdout,
    private readonly maxBufferedBytes = DEFAULT_ACCESS_LOG_BUFFER_BYTES,
  ) {}

  /** Lines dropped because the sink was too slow (or threw). */
  get dropped(): number {
    return this.droppedLines;
  }

  /** Queues one line (never blocks, never throws). */
  push(line: string): void {
    // line.length is the byte size for the usual ASCII line; close enough for the bound.
    if (this.pendingBytes + this.pos + line.length > this.maxBufferedBytes) {
      this.droppedLines += 1;
      return;
    }
    const worst = line.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    if (worst > CHUNK_BYTES) {
      this.seal();
      this.pending.push({ chunk: Buffer.from(line, 'utf8'), lines: 1 });
      this.pendingBytes += line.length;
      this.flush();
      return;
    }
    if (this.pos + worst > CHUNK_BYTES) {
      this.seal();
      this.flush();
    }
    this.pos += this.buf.write(line, this.pos, 'utf8');
    this.lines += 1;
    if (this.timer === undefined && !this.waitingDrain) {
      this.timer = setTimeout(this.onTimer, FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Moves the current buffer to the pending list and starts a fresh one. */
  private seal(): void {
    if (this.pos === 0) return;
    this.pending.push({ chunk: this.buf.subarray(0, this.pos), lines: this.lines });
    this.pendingBytes += this.pos;
    this.buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.pos = 0;
    this.lines = 0;
  }

  /** Writes everything queued now (or leaves it for the sink's drain). */
  flush(): void {
    if (this.waitingDrain) return;
    this.seal();
    const sink = this.sink;
    while (this.pending.length > 0 && !this.waitingDrain) {
      const { chunk, lines } = this.pending.shift() as { chunk: Buffer; lines: number };
      this.pendingBytes -= chunk.length;
      try {
        if (typeof sink === 'function') {
          sink(chunk.toString('utf8'));
        } else if (!sink.write(chunk)) {
          this.waitingDrain = true;
          sink.once('drain', this.onDrain);
        }
      } catch {
        this.droppedLines += lines;
      }
    }
  }

  /** Flushes what is queued (the drain wait is bounded by `timeoutMs`). */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    const sink = this.sink;
    if (!this.waitingDrain || typeof sink === 'function') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      sink.once('drain', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.flush();
  }
}
