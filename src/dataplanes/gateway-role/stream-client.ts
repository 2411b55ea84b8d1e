/**
 * The gateway's end of the config stream: one connection to
 * `GET /api/v1/config-stream/:cluster?since=V`, read as newline-delimited JSON
 * frames. A connection that goes silent for three heartbeat intervals is dead
 * (a partitioned control plane sends no FIN), and so is one that does not
 * answer within the connect timeout. Every way a connection ends is a
 * {@link ConfigStreamError} with a stable code; the caller reconnects.
 * @module
 */
import type { ClusterConfig, ListenerCertificate, StreamFrame } from '../../ir/index.ts';

/** Stable codes of a config stream ending. */
export type ConfigStreamErrorCode =
  /** The control plane could not be reached (refused, reset, DNS, connect timeout). */
  | 'LINTAS_ERR_STREAM_CONNECT'
  /** It answered with an error status (401/403 for a bad token, 400, 5xx). */
  | 'LINTAS_ERR_STREAM_HTTP'
  /** It closed the stream. */
  | 'LINTAS_ERR_STREAM_CLOSED'
  /** Nothing arrived for three heartbeat intervals. */
  | 'LINTAS_ERR_STREAM_IDLE'
  /** A frame that is not what the protocol says (bad JSON, a line over the size limit, another cluster). */
  | 'LINTAS_ERR_STREAM_PROTOCOL';

/** How a config stream connection ended. */
export class ConfigStreamError extends Error {
  override readonly name = 'ConfigStreamError';
  /** Creates an error with a stable code and, for HTTP errors, the status. */
  constructor(
    readonly code: ConfigStreamErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link readConfigStream}. */
export interface StreamClientOptions {
  readonly url: URL;
  readonly cluster: string;
  readonly token: string;
  /** Ends the connection (the generator returns). */
  readonly signal: AbortSignal;
  /** Until the response headers and the hello frame (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Longest frame accepted, in characters (default 512 Mi: a whole cluster's IR is one line). */
  readonly maxFrameBytes?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_FRAME_BYTES = 512 * 1024 * 1024;
/** Heartbeat intervals of silence after which the connection is taken for dead. */
const IDLE_HEARTBEATS = 3;

/** Connects and yields frames until the connection ends; always ends by throwing {@link ConfigStreamError}, or by returning once `signal` aborts. */
export async function* readConfigStream(options: StreamClientOptions): AsyncGenerator<StreamFrame> {
  const attempt = new AbortController();
  const onAbort = (): void => attempt.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  let idled: ConfigStreamError | undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number, error: ConfigStreamError): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idled = error;
      attempt.abort();
    }, ms);
  };
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  arm(connectTimeoutMs, new ConfigStreamError('LINTAS_ERR_STREAM_CONNECT', `no answer from ${options.url.origin} within ${String(connectTimeoutMs)} ms`));
  let idleMs: number | undefined;
  const maxFrame = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  try {
    let res: Response;
    try {
      res = await fetch(options.url, { headers: { authorization: `Bearer ${options.token}`, accept: 'application/x-ndjson' }, signal: attempt.signal });
    } catch (error) {
      if (options.signal.aborted) return;
      if (idled !== undefined) throw idled;
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new ConfigStreamError('LINTAS_ERR_STREAM_CONNECT', `cannot reach ${options.url.origin}: ${cause ?? (error as Error).message}`, undefined, { cause: error });
    }
    if (res.status !== 200 || res.body === null) throw await httpError(res);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    // The current line in pieces: joining only at its newline keeps a many-megabyte frame linear to read.
    let pieces: string[] = [];
    let pending = 0;
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (options.signal.aborted) return;
        if (idled !== undefined) throw idled;
        throw new ConfigStreamError('LINTAS_ERR_STREAM_CLOSED', `the stream from ${options.url.origin} broke: ${(error as Error).message}`, undefined, { cause: error });
      }
      if (chunk.done) throw new ConfigStreamError('LINTAS_ERR_STREAM_CLOSED', `${options.url.origin} closed the stream`);
      if (idleMs !== undefined) arm(idleMs, new ConfigStreamError('LINTAS_ERR_STREAM_IDLE', `nothing from ${options.url.origin} for ${String(idleMs)} ms (${String(IDLE_HEARTBEATS)} heartbeats)`));
      const parts = decoder.decode(chunk.value, { stream: true }).split('\n');
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        if (i === parts.length - 1) {
          pending += part.length;
          if (pending > maxFrame) throw new ConfigStreamError('LINTAS_ERR_STREAM_PROTOCOL', `a frame is longer than ${String(maxFrame)} characters`);
          if (part !== '') pieces.push(part);
          break;
        }
        const line = pieces.length === 0 ? part : pieces.join('') + part;
        pieces = [];
        pending = 0;
        if (line.trim() === '') continue;
        const frame = parseFrame(line, options.cluster);
        if (frame === undefined) continue;
        if (frame.type === 'hello') {
          idleMs = frame.heartbeatMs * IDLE_HEARTBEATS;
          arm(idleMs, new ConfigStreamError('LINTAS_ERR_STREAM_IDLE', `nothing from ${options.url.origin} for ${String(idleMs)} ms (${String(IDLE_HEARTBEATS)} heartbeats)`));
        }
        yield frame;
      }
    }
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    attempt.abort(); // releases the connection whatever ended the read
  }
}

/** One frame, checked enough to act on; undefined for a frame type this version does not know (ignored). */
function parseFrame(line: string, cluster: string): StreamFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new ConfigStreamError('LINTAS_ERR_STREAM_PROTOCOL', `a frame is not JSON: ${(error as Error).message}`);
  }
  const bad = (why: string): never => {
    throw new ConfigStreamError('LINTAS_ERR_STREAM_PROTOCOL', `bad ${String((value as { type?: unknown }).type)} frame: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return bad('not an object');
  const f = value as Record<string, unknown>;
  switch (f['type']) {
    case 'hello':
      if (f['cluster'] !== cluster) return bad(`it is for cluster ${JSON.stringify(f['cluster'])}, not ${cluster}`);
      if (typeof f['heartbeatMs'] !== 'number' || !(f['heartbeatMs'] > 0)) return bad('heartbeatMs must be a positive number');
      return { type: 'hello', cluster, heartbeatMs: f['heartbeatMs'] };
    case 'config':
      if (typeof f['version'] !== 'string' || f['version'] === '') return bad('version must be a non-empty string');
      if (typeof f['generation'] !== 'number') return bad('generation must be a number');
      // The IR is checked by the applier, which NACKs a bad one with every problem.
      return { type: 'config', version: f['version'], generation: f['generation'], ir: f['ir'] as ClusterConfig['ir'], ...certificatesOf(f['certificates'], bad) };
    case 'heartbeat':
      if (f['version'] !== null && typeof f['version'] !== 'string') return bad('version must be a string or null');
      return { type: 'heartbeat', version: f['version'] };
    default:
      return undefined;
  }
}

/** A config frame's certificates: absent, or PEM pairs by `ns/name` (a bad one is a protocol error). */
function certificatesOf(value: unknown, bad: (why: string) => never): { certificates?: Readonly<Record<string, ListenerCertificate>> } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('certificates must be an object');
  for (const [secret, pem] of Object.entries(value)) {
    const p = pem as Record<string, unknown> | null;
    if (typeof p !== 'object' || p === null || typeof p['cert'] !== 'string' || typeof p['key'] !== 'string') return bad(`certificates.${secret} must be {cert, key} PEM strings`);
  }
  return { certificates: value as Readonly<Record<string, ListenerCertificate>> };
}

/** The error of a non-200 answer, with the server's `{error, message}` when it sent one. */
async function httpError(res: Response): Promise<ConfigStreamError> {
  let detail = '';
  try {
    const text = (await res.text()).slice(0, 1000);
    try {
      const body = JSON.parse(text) as { error?: unknown; message?: unknown };
      detail = [body.error, body.message].filter((x) => typeof x === 'string').join(': ');
    } catch {
      detail = text.trim();
    }
  } catch {
    // the body is only a detail
  }
  return new ConfigStreamError('LINTAS_ERR_STREAM_HTTP', `the control plane answered ${String(res.status)}${detail === '' ? '' : ` (${detail})`}`, res.status);
}
