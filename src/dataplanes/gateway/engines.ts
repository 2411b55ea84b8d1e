/**
 * The servers behind one bound listener. Every listener has an HTTP/1.1
 * engine (a node:http server: request checks, timeouts, upgrades); an HTTPS
 * listener puts a TLS server in front of it that listens, terminates TLS with
 * the certificate SNI selects (tls.ts) and hands each connection to the
 * engine ALPN chose: `h2` to an HTTP/2 engine (node:http2, made on first use,
 * its requests served by the same request path through the compatibility
 * API), anything else to the HTTP/1.1 engine. A cleartext listener puts a TCP
 * server in front that reads the first bytes of each connection: the HTTP/2
 * connection preface (prior knowledge, RFC 9113 §3.3) goes to the HTTP/2
 * engine, anything else to the HTTP/1.1 engine, the bytes read handed back
 * (a Gateway annotated `lintas.dev/http2-prior-knowledge: "false"` skips
 * this: its HTTP/1.1 engine listens itself).
 *
 * Engines that do not listen are fed connections (`emit('connection')`, the
 * documented way); the HTTP/1.1 engine is told it is listening so that it
 * enforces its header and request timeouts on them.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer, type SecureContext, type TLSSocket } from 'node:tls';
import { handleRequest, handleUpgrade } from './handle.ts';
import type { HttpServerOptions } from './listener-set.ts';
import type { GatewayRuntime, ListenerRuntime } from './runtime.ts';
import { listenerFor } from './tls.ts';
import { wantsUpgrade } from './upgrade.ts';

/** The HTTP/1.1 engine of a listener (not yet listening). */
export function createHttp1Engine(o: HttpServerOptions): Server {
  const server = createServer({
    maxHeaderSize: o.maxHeaderSize,
    headersTimeout: o.headersTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    connectionsCheckingInterval: o.connectionsCheckingIntervalMs,
    noDelay: true,
    shouldUpgradeCallback: wantsUpgrade,
  });
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  return server;
}

/** Wires the HTTP/1.1 engine's requests and upgrades to the request path. */
export function serveHttp1(rt: GatewayRuntime, l: ListenerRuntime, server: Server, onClientError: (err: Error & { code?: string }, socket: Duplex) => void): void {
  server.on('request', (req, res) => handleRequest(rt, l, req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handleUpgrade(rt, l, req, socket, head));
  server.on('clientError', onClientError);
}

/** The listener's HTTP/2 engine, made on first use. */
export function http2Engine(rt: GatewayRuntime, l: ListenerRuntime, o: HttpServerOptions): Http2Server {
  if (l.h2 !== undefined) return l.h2;
  const h2 = createH2Server({ settings: { maxConcurrentStreams: 256, maxHeaderListSize: o.maxHeaderSize } });
  // An idle session (no stream for this long) is closed, as an idle HTTP/1.1 keep-alive connection is.
  h2.setTimeout(o.idleTimeoutMs);
  h2.on('session', (session: ServerHttp2Session) => {
    l.sessions.add(session);
    session.once('close', () => l.sessions.delete(session));
    session.on('error', () => session.destroy());
    if (l.closing) session.close();
  });
  // The compatibility API's request and response stand in for node:http's (handle.ts reads what both have).
  h2.on('request', (req, res) => handleRequest(rt, l, req as unknown as IncomingMessage, res as unknown as ServerResponse));
  l.h2 = h2;
  return h2;
}

/** The TLS server in front of an HTTPS listener's engines (it is what listens). */
export function createTlsFront(rt: GatewayRuntime, l: ListenerRuntime, o: HttpServerOptions): NetServer {
  const front = createTlsServer({
    ALPNProtocols: ['h2', 'http/1.1'],
    // A handshake is part of the request head: the same slowloris bound.
    handshakeTimeout: o.headersTimeoutMs,
    SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
      const tls = l.table.tls;
      cb(null, tls === undefined ? undefined : listenerFor(tls, servername)?.context);
    },
  });
  front.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') http2Engine(rt, l, o).emit('connection', socket);
    else l.server.emit('connection', socket);
  });
  front.on('tlsClientError', (err: Error) => rt.log.debug('TLS handshake failed', { listener: l.key, error: err.message }));
  // Fed connections only get the engine's timeout checks once it believes it listens.
  l.server.emit('listening');
  return front;
}

/** The HTTP/2 connection preface a prior-knowledge client starts with. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * A stream over `socket` that first yields `first` (the bytes the front read to choose the engine):
 * node:http2 reads a socket's handle directly, so bytes put back with `unshift` would never reach it.
 * `client` is the socket, for its address (exchange.ts).
 */
function replaying(socket: Socket, first: Buffer): Duplex & { client: Socket } {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  }) as Duplex & { client: Socket };
  stream.client = socket;
  stream.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.on('error', (err) => stream.destroy(err));
  return stream;
}

/** The TCP server in front of a cleartext listener: HTTP/2 prior knowledge or HTTP/1.1, by the first bytes. */
export function createCleartextFront(rt: GatewayRuntime, l: ListenerRuntime, o: HttpServerOptions): NetServer {
  const front = createNetServer({ noDelay: true }, (socket) => {
    let head: Buffer = Buffer.alloc(0);
    // Silence before the first byte is bounded like a slow request head.
    socket.setTimeout(o.headersTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const prefix = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      // A prefix of the preface: wait for more bytes before choosing.
      if (prefix && head.length < PREFACE.length) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.pause();
      if (prefix) {
        http2Engine(rt, l, o).emit('connection', replaying(socket, head));
        return;
      }
      socket.unshift(head);
      l.server.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
  });
  l.server.emit('listening');
  return front;
}

/** Installs the default (no SNI) certificate of an HTTPS listener when it changed. */
export function updateDefaultCertificate(l: ListenerRuntime): void {
  const pairs = l.table.tls?.fallbackPairs;
  if (pairs === undefined || l.front === l.server || l.defaultCertificate === pairs.id) return;
  (l.front as ReturnType<typeof createTlsServer>).setSecureContext({ cert: [...pairs.cert], key: [...pairs.key] });
  l.defaultCertificate = pairs.id;
}

/** Starts draining a listener's engines: no new connections, idle ones closed, HTTP/2 sessions told to go away. */
export function closeEngines(l: ListenerRuntime, done: () => void): void {
  l.front.close(() => done());
  if (l.front !== l.server) l.server.close();
  l.server.closeIdleConnections();
  for (const s of l.sessions) s.close();
}

/** The drain deadline: whatever is still open is closed. */
export function destroyEngines(l: ListenerRuntime): void {
  l.server.closeAllConnections();
  for (const s of l.sessions) s.destroy();
}
