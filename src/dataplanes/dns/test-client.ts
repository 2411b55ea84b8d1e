/**
 * Test helper (used only by the colocated tests): raw DNS clients over UDP
 * and TCP built on dns-packet, every wait bounded by a timeout.
 * @module
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import dnsPacket, { type DecodedPacket, type RecordType } from 'dns-packet';

/** Upper bound of any single network wait in the tests. */
export const TIMEOUT_MS = 3000;

/** Options of {@link query}. */
export interface QueryOptions {
  readonly id?: number;
  /** Adds an OPT record advertising this UDP payload size. */
  readonly edns?: number;
  readonly ednsVersion?: number;
  readonly dnssecOk?: boolean;
  /** Raw header flags (opcode, RD…); default RD. */
  readonly flags?: number;
}

/** Encodes a one-question query. */
export function query(name: string, type: RecordType, options: QueryOptions = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: options.id ?? 4242,
    flags: options.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals:
      options.edns === undefined
        ? []
        : [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: options.edns,
              extendedRcode: 0,
              ednsVersion: options.ednsVersion ?? 0,
              flags: options.dnssecOk === true ? dnsPacket.DNSSEC_OK : 0,
              flag_do: options.dnssecOk === true,
              options: [],
            },
          ],
  });
}

/** Sends every message from one UDP socket and resolves with the first reply. */
export function udpExchange(port: number, messages: readonly Buffer[]): Promise<{ raw: Buffer; packet: DecodedPacket }> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP reply within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    socket.once('message', (raw) => {
      clearTimeout(timer);
      socket.close();
      resolve({ raw, packet: dnsPacket.decode(raw) });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    for (const msg of messages) socket.send(msg, port, '127.0.0.1');
  });
}

/** Prefixes a message with its 2-byte TCP length. */
export function framed(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/**
 * Opens one TCP connection, writes `chunks` (byte-by-byte when `trickle`, to exercise reassembly),
 * and hands every framed reply to `onReply` until it returns true (then resolves); `what` names the
 * wait in the timeout error.
 */
export function tcpReplies(port: number, chunks: readonly Buffer[], onReply: (raw: Buffer) => boolean, what: () => string, trickle = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    let pending = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${what()} within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (!done && pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const len = pending.readUInt16BE(0);
        const raw = Buffer.from(pending.subarray(2, 2 + len));
        pending = pending.subarray(2 + len);
        done = onReply(raw);
      }
      if (done) {
        clearTimeout(timer);
        socket.end();
        resolve();
      }
    });
    socket.once('connect', () => {
      void (async () => {
        for (const chunk of chunks) {
          if (!trickle) {
            socket.write(chunk);
            continue;
          }
          for (const byte of chunk) {
            socket.write(Buffer.from([byte]));
            await tick();
          }
        }
      })();
    });
  });
}

/** One TCP connection: writes `chunks` and resolves with the first `expected` framed replies, decoded. */
export async function tcpExchange(port: number, chunks: readonly Buffer[], expected: number, trickle = false): Promise<DecodedPacket[]> {
  const replies: DecodedPacket[] = [];
  await tcpReplies(
    port,
    chunks,
    (raw) => {
      replies.push(dnsPacket.decode(raw));
      return replies.length >= expected;
    },
    () => `got ${replies.length}/${expected} TCP replies`,
    trickle,
  );
  return replies;
}

/** A slow-drip TCP client: it announces a full-size message, then sends one byte per tick and never finishes. */
export interface Dripper {
  /** Resolves when the connection is closed (by the server, unless `stop` was called). */
  readonly closed: Promise<void>;
  /** Resolves once connected. */
  readonly connected: Promise<void>;
  /** Stops dripping and closes the connection. */
  stop(): void;
}

/** Opens a {@link Dripper} to `port` from `localAddress` (any 127/8 address on Linux), one byte every `intervalMs`. */
export function drip(port: number, localAddress: string, intervalMs: number): Dripper {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
  let timer: NodeJS.Timeout | undefined;
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve) =>
    socket.once('connect', () => {
      socket.write(Buffer.from([0xff, 0xff]));
      timer = setInterval(() => socket.write(Buffer.from([0])), intervalMs);
      resolve();
    }),
  );
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve();
    }),
  );
  return {
    closed,
    connected,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}
