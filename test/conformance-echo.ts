/**
 * Test helper: a backend that answers like the Gateway API conformance suite's
 * `echo-basic` image, so the suite's expectations can be checked through
 * `lintas serve` on loopback. One echo per Service of the suite's base
 * manifests, each with
 * - an HTTP/1.1 port (the Services' targetPort 3000): the JSON echo
 *   (`path`, `host`, `method`, `proto`, `headers`, `namespace`, `service`,
 *   `pod`), `/status/NNN`, the retry simulation under `/retry/`, a
 *   WebSocket echo on any path, and (Lintas' addition) `Upgrade: x-raw-echo`,
 *   which switches to echoing raw bytes;
 * - an h2c port (targetPort 3001): the same echo over HTTP/2 with prior
 *   knowledge only (it refuses HTTP/1.1, as echo-basic's h2c server does);
 * - optionally an HTTPS port (targetPort 8443) with a given certificate.
 *
 * The retry simulation follows echo-basic: requests with the same `uuid`
 * query parameter fail until `succeedAfter` of them have, each failure after
 * `delayRetry`; a failure is a TCP reset (the default) or the `responseCode`.
 * Unlike echo-basic it does not hold one lock across every uuid's delay (that
 * serialises unrelated requests and makes timings racy).
 * @module
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/** What the echo answers as JSON (echo-basic's fields). */
export interface EchoReply {
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly proto: string;
  readonly headers: Readonly<Record<string, string[]>>;
  readonly namespace: string;
  readonly service: string;
  readonly pod: string;
  /** Which of the echo's ports answered: http, h2c or https. */
  readonly port: 'http' | 'h2c' | 'https';
  /** The server name the client sent (SNI), on the https port. */
  readonly sni?: string;
}

/** A running conformance echo. */
export interface ConformanceEcho {
  readonly namespace: string;
  readonly service: string;
  readonly address: string;
  readonly httpPort: number;
  readonly h2cPort: number;
  /** 0 when no certificate was given. */
  readonly httpsPort: number;
  /** Requests seen (every port), in arrival order, with the body bytes received (once the body ended). */
  readonly seen: { readonly path: string; readonly method: string; readonly port: string; bodyBytes: number }[];
  close(): Promise<void>;
}

/** Options of {@link startConformanceEcho}. */
export interface ConformanceEchoOptions {
  /** PEM certificate and key for the HTTPS port (targetPort 8443). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** What the handler reads of an HTTP/1.1 or HTTP/2 request. */
interface Req {
  readonly url: string;
  readonly method: string;
  readonly httpVersion: string;
  readonly httpVersionMajor: number;
  readonly rawHeaders: readonly string[];
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket: unknown;
}
/** What the handler writes of an HTTP/1.1 or HTTP/2 response. */
interface Res {
  writeHead(status: number, headers?: Readonly<Record<string, string>>): unknown;
  end(body?: string): unknown;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}
/** A request header that makes the echo answer only after reading the whole request body. */
export const READ_BODY_HEADER = 'x-echo-read-body';

const asReq = (r: IncomingMessage | http2.Http2ServerRequest): Req => r as unknown as Req;
const asRes = (r: ServerResponse | http2.Http2ServerResponse): Res => r as unknown as Res;

function headersOf(req: Req): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.startsWith(':')) continue;
    // Canonical MIME case, as Go's net/http reports header names.
    const canonical = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    (out[canonical] ??= []).push(raw[i + 1] as string);
  }
  return out;
}

function durationMs(raw: string | null): number {
  if (raw === null || raw === '') return 0;
  const m = /^([0-9.]+)(ms|s)$/.exec(raw);
  if (m === null) return 0;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** Starts one echo for Service `namespace/service` on `address` (ports picked by the OS). */
export async function startConformanceEcho(address: string, namespace: string, service: string, options: ConformanceEchoOptions = {}): Promise<ConformanceEcho> {
  const seen: { path: string; method: string; port: string; bodyBytes: number }[] = [];
  const attempts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const pod = `${service}-0`;

  const echo = (req: Req, res: Res, port: EchoReply['port']): void => {
    const host = String((req.httpVersionMajor === 2 ? req.headers[':authority'] : req.headers.host) ?? '');
    const sni = port === 'https' ? (req.socket as TLSSocket).servername : undefined;
    const body: EchoReply = { path: req.url, host, method: req.method, proto: `HTTP/${req.httpVersion}`, headers: headersOf(req), namespace, service, pod, port, ...(typeof sni === 'string' ? { sni } : {}) };
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
    res.end(text);
  };

  const later = (ms: number, fn: () => void): void => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const handle = (req: Req, res: Res, port: EchoReply['port']): void => {
    const entry = { path: req.url, method: req.method, port, bodyBytes: 0 };
    seen.push(entry);
    const body = req as unknown as NodeJS.ReadableStream;
    body.on('data', (c: Buffer) => (entry.bodyBytes += c.length));
    const url = new URL(req.url, 'http://echo');
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status !== null) {
      res.writeHead(Number(status[1]));
      res.end();
      return;
    }
    if (url.pathname.startsWith('/retry/')) {
      const uuid = url.searchParams.get('uuid');
      const succeedAfter = Number(url.searchParams.get('succeedAfter'));
      if (uuid === null || !Number.isInteger(succeedAfter)) {
        res.writeHead(400);
        res.end('uuid and succeedAfter are required');
        return;
      }
      const done = attempts.get(uuid) ?? 0;
      if (done < succeedAfter) {
        attempts.set(uuid, done + 1);
        const code = Number(url.searchParams.get('responseCode'));
        later(durationMs(url.searchParams.get('delayRetry')), () => {
          if (res.destroyed || res.writableEnded) return;
          if (Number.isInteger(code) && code > 0) {
            res.writeHead(code);
            res.end();
          } else {
            // echo-basic's TCP failure mode: SO_LINGER 0 and close, so the peer sees a reset.
            (req.socket as Socket).resetAndDestroy();
          }
        });
        return;
      }
    }
    // Asked to (a test that checks what arrived): answer once the whole body is read. By default the echo
    // answers at once, as echo-basic does, and a proxy may then stop sending a body the backend no longer waits for.
    if (req.headers[READ_BODY_HEADER] !== undefined) {
      body.on('end', () => echo(req, res, port));
      return;
    }
    echo(req, res, port);
  };

  const server = http.createServer((req, res) => handle(asReq(req), asRes(res), 'http'));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => websocketEcho(req, socket, head));
  const h2c = http2.createServer((req, res) => handle(asReq(req), asRes(res), 'h2c'));
  const tls = options.tls === undefined ? undefined : https.createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => handle(asReq(req), asRes(res), 'https'));
  const listen = (s: http.Server | http2.Http2Server | https.Server): Promise<number> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, address, () => resolve((s.address() as AddressInfo).port));
    });
  const httpPort = await listen(server);
  const h2cPort = await listen(h2c);
  const httpsPort = tls === undefined ? 0 : await listen(tls);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2c.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  const stop = (s: http.Server | http2.Http2Server | https.Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));
  return {
    namespace,
    service,
    address,
    httpPort,
    h2cPort,
    httpsPort,
    seen,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      tls?.closeAllConnections();
      for (const s of sessions) s.destroy();
      await Promise.all([stop(server), stop(h2c), ...(tls === undefined ? [] : [stop(tls)])]);
    },
  };
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';


/** The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key` (RFC 6455 §4.2.2). */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** Encodes one unmasked server frame (FIN set). */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | opcode, len]);
  else if (len < 65536) head = Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** A WebSocket server that echoes every text and binary message (echo-basic's `/ws`), answers pings and closes; `x-raw-echo` echoes bytes. */
function websocketEcho(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  if ((req.headers.upgrade ?? '').toLowerCase() === 'x-raw-echo') {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: x-raw-echo\r\nConnection: Upgrade\r\nX-Echo-Path: ${req.url ?? ''}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
    return;
  }
  const key = req.headers['sec-websocket-key'];
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${websocketAccept(key)}\r\nX-Echo-Path: ${req.url ?? ''}\r\n\r\n`);
  let buf = head;
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const b0 = buf[0] as number;
      const b1 = buf[1] as number;
      let len = b1 & 127;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b1 & 128) !== 0;
      const maskAt = off;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] = (payload[i] as number) ^ (buf[maskAt + (i % 4)] as number);
      buf = buf.subarray(off + len);
      const opcode = b0 & 15;
      if (opcode === 8) {
        socket.end(frame(8, payload));
        return;
      }
      if (opcode === 9) socket.write(frame(10, payload));
      else if (opcode === 1 || opcode === 2) socket.write(frame(opcode, payload));
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  if (head.length > 0) onData(Buffer.alloc(0));
}
