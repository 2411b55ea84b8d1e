/**
 * Test helper: a tiny gRPC server and client on node:http2, no gRPC library.
 * A unary call is an HTTP/2 POST to `/<service>/<method>` with `content-type:
 * application/grpc`, `te: trailers` and one length-prefixed message (1 byte
 * compressed flag, 4 bytes big-endian length, the bytes); the answer is
 * headers, length-prefixed messages, and trailers with `grpc-status` (or only
 * headers with it: Trailers-Only). Messages here are JSON text.
 *
 * The server answers every call with one message `{server, path, metadata,
 * request, alpn}`, the response header `x-served-by` and the trailer
 * `x-trailer`; request metadata `x-fail: N` makes it answer grpc-status N in
 * its trailers instead.
 * @module
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Frames one gRPC message. */
export function grpcFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Splits a gRPC body into its messages. */
export function grpcMessages(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 5 <= body.length) {
    const length = body.readUInt32BE(at + 1);
    out.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

/** What the test server answers in its message. */
export interface GrpcEchoReply {
  readonly server: string;
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly request: string;
  /** `h2` over TLS, else null. */
  readonly alpn: string | null;
}

/** A running test gRPC server. */
export interface GrpcServer {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** Paths of the calls it received, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

/** Starts a gRPC server named `name` on `address` (h2c, or TLS with ALPN h2 when `tls` is given). */
export async function startGrpcServer(address: string, name: string, tls?: { readonly cert: string; readonly key: string }): Promise<GrpcServer> {
  const calls: string[] = [];
  const server = tls === undefined ? http2.createServer() : http2.createSecureServer({ cert: tls.cert, key: tls.key, ALPNProtocols: ['h2'] });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    calls.push(path);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && v !== undefined) metadata[k] = String(v);
      const fail = metadata['x-fail'];
      const alpn = (stream.session?.socket as TLSSocket | undefined)?.alpnProtocol;
      const reply: GrpcEchoReply = { server: name, path, metadata, request: grpcMessages(Buffer.concat(chunks)).map((m) => m.toString()).join(''), alpn: typeof alpn === 'string' ? alpn : null };
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-served-by': name }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': fail ?? '0', 'grpc-message': fail === undefined ? '' : 'failed%20on%20request', 'x-trailer': name }));
      stream.end(fail === undefined ? grpcFrame(Buffer.from(JSON.stringify(reply))) : undefined);
    });
    stream.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  return {
    name,
    address,
    port: (server.address() as AddressInfo).port,
    calls,
    close: () =>
      new Promise((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One finished gRPC call as the client saw it. */
export interface GrpcResult {
  readonly httpStatus: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders;
  /** From the trailers, else the headers (Trailers-Only); NaN when neither has it. */
  readonly grpcStatus: number;
  readonly grpcMessage: string;
  readonly messages: readonly Buffer[];
}

/** Options of {@link grpcCall}. */
export interface GrpcCallOptions {
  /** Metadata (request headers). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly message?: string;
  /** `:authority` (default the URL's host). */
  readonly authority?: string;
  /** For https URLs: the CA to trust and the SNI. */
  readonly ca?: string;
  readonly servername?: string;
  /** Reuse a session (weights); default a new one per call. */
  readonly session?: http2.ClientHttp2Session;
}

/** Opens an HTTP/2 session (h2c prior knowledge for http URLs, TLS with ALPN h2 for https). */
export function grpcSession(url: string, options: Pick<GrpcCallOptions, 'ca' | 'servername'> = {}): http2.ClientHttp2Session {
  const session = http2.connect(url, { ...(options.ca !== undefined ? { ca: options.ca } : {}), ...(options.servername !== undefined ? { servername: options.servername } : {}) });
  session.on('error', () => undefined);
  return session;
}

/** Makes one unary call to `path` through `url`. */
export function grpcCall(url: string, path: string, options: GrpcCallOptions = {}): Promise<GrpcResult> {
  const session = options.session ?? grpcSession(url, options);
  const own = options.session === undefined;
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      ...(options.authority !== undefined ? { ':authority': options.authority } : {}),
      'content-type': 'application/grpc',
      te: 'trailers',
      ...options.metadata,
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => (headers = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (own) session.close();
      const status = trailers['grpc-status'] ?? headers['grpc-status'];
      resolve({
        httpStatus: Number(headers[':status']),
        headers,
        trailers,
        grpcStatus: status === undefined ? Number.NaN : Number(status),
        grpcMessage: decodeURIComponent(String(trailers['grpc-message'] ?? headers['grpc-message'] ?? '')),
        messages: grpcMessages(Buffer.concat(chunks)),
      });
    });
    req.on('error', (e) => {
      if (own) session.destroy();
      reject(e);
    });
    req.end(grpcFrame(Buffer.from(options.message ?? 'hello')));
  });
}

/** The server's reply message of a successful call. */
export function echoReply(r: GrpcResult): GrpcEchoReply {
  const first = r.messages[0];
  if (first === undefined) throw new Error(`no message in the answer (grpc-status ${String(r.grpcStatus)}: ${r.grpcMessage})`);
  return JSON.parse(first.toString()) as GrpcEchoReply;
}
