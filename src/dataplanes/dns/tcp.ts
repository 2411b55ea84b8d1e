/**
 * DNS over TCP (RFC 7766): each message is prefixed by its 16-bit length,
 * a connection may carry many queries (pipelined, answered in order), and
 * idle connections are closed so they cannot pile up.
 * @module
 */
import type net from 'node:net';
import type { Logger } from '../../observability/index.ts';

/** How one connection is served. */
export interface TcpConnectionOptions {
  /** Close the connection after this long without traffic. */
  readonly idleTimeoutMs: number;
  /** Answers one message; undefined drops it (malformed). */
  readonly handle: (msg: Buffer) => Buffer | undefined;
  readonly log: Logger;
}

const LENGTH_BYTES = 2;

// Frames a reply with its 2-byte length prefix.
function frame(reply: Buffer): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + reply.length);
  out.writeUInt16BE(reply.length, 0);
  reply.copy(out, LENGTH_BYTES);
  return out;
}

/** Serves DNS messages on one accepted TCP connection until the peer leaves or goes idle. */
export function serveTcpConnection(socket: net.Socket, options: TcpConnectionOptions): void {
  let pending: Buffer = Buffer.alloc(0);
  let draining = false;
  socket.setNoDelay(true);
  socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
  // Resets and the like are normal on the Internet: log, never throw.
  socket.on('error', (err) => options.log.debug('dns tcp connection error', { err: err.message }));
  socket.on('data', (chunk: Buffer) => {
    // A frame is at most 2 + 65535 bytes, so `pending` stays bounded.
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= LENGTH_BYTES) {
      const len = pending.readUInt16BE(0);
      if (pending.length < LENGTH_BYTES + len) break;
      const msg = pending.subarray(LENGTH_BYTES, LENGTH_BYTES + len);
      pending = pending.subarray(LENGTH_BYTES + len);
      const reply = options.handle(msg);
      if (reply === undefined || socket.destroyed) continue;
      // A client that pipelines without reading must not make us buffer
      // without bound: stop reading until it drains what we wrote.
      if (!socket.write(frame(reply)) && !draining) {
        draining = true;
        socket.pause();
        socket.once('drain', () => {
          draining = false;
          socket.resume();
        });
      }
    }
  });
}
