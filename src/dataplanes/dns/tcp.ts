/**
 * DNS over TCP (RFC 7766): each message is prefixed by its 16-bit length,
 * a connection may carry many queries (pipelined, answered in order).
 *
 * Two deadlines bound how long a connection can hold a slot, and neither is
 * extended by incoming bytes (a peer dripping one byte every few seconds
 * must not keep a connection forever): an idle deadline from the moment no
 * message is in progress (accept, or the end of the last message), and a
 * message deadline from the first byte of a message until its last byte.
 * @module
 */
import type net from 'node:net';
import type { Logger } from '../../observability/index.ts';

/** Why the server closed a connection on its own. */
export type TcpTimeout = 'idle' | 'message';

/** How one connection is served. */
export interface TcpConnectionOptions {
  /** Close the connection when no message starts within this long of the previous one (or of accept). */
  readonly idleTimeoutMs: number;
  /** Close the connection when a message is not complete this long after its first byte. */
  readonly messageTimeoutMs: number;
  /** Answers one message; undefined drops it (malformed). */
  readonly handle: (msg: Buffer) => Buffer | undefined;
  /** Called after every complete message (the connection is active). */
  readonly onMessage?: () => void;
  /** Called when a deadline closes the connection. */
  readonly onTimeout?: (why: TcpTimeout) => void;
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

/** Serves DNS messages on one accepted TCP connection until the peer leaves or a deadline passes. */
export function serveTcpConnection(socket: net.Socket, options: TcpConnectionOptions): void {
  let pending: Buffer = Buffer.alloc(0);
  let draining = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (why: TcpTimeout): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (socket.destroyed) return;
      options.onTimeout?.(why);
      socket.destroy();
    }, why === 'idle' ? options.idleTimeoutMs : options.messageTimeoutMs);
  };
  socket.setNoDelay(true);
  arm('idle');
  socket.once('close', () => clearTimeout(timer));
  // Resets and the like are normal on the Internet: log, never throw.
  socket.on('error', (err) => options.log.debug('dns tcp connection error', { err: err.message }));
  socket.on('data', (chunk: Buffer) => {
    const inMessage = pending.length > 0;
    let completed = false;
    // A frame is at most 2 + 65535 bytes, so `pending` stays bounded.
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= LENGTH_BYTES) {
      const len = pending.readUInt16BE(0);
      if (pending.length < LENGTH_BYTES + len) break;
      const msg = pending.subarray(LENGTH_BYTES, LENGTH_BYTES + len);
      pending = pending.subarray(LENGTH_BYTES + len);
      completed = true;
      options.onMessage?.();
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
    if (socket.destroyed) return;
    // The deadline of a message runs from its first byte: later bytes of the same message never re-arm it.
    if (pending.length === 0) {
      if (completed) arm('idle');
    } else if (completed || !inMessage) {
      arm('message');
    }
  });
}
