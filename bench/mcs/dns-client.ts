/**
 * A minimal raw DNS client for the flip benchmark: one UDP socket, queries
 * matched to replies by id, every wait bounded; a truncated (TC) UDP answer is
 * retried over TCP on the same port, as a resolver would.
 * @module
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';

/** One A answer: the rcode and the sorted set of addresses, as one comparable string. */
export interface AAnswer {
  readonly rcode: string;
  /** Sorted addresses joined by `,`; empty for NXDOMAIN/NODATA. */
  readonly key: string;
  readonly count: number;
  readonly transport: 'udp' | 'tcp';
}

const EDNS_PAYLOAD = 1232;
const RCODES: readonly string[] = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

function encodeQuery(id: number, name: string): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A', class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
}

function toAnswer(packet: DecodedPacket, transport: 'udp' | 'tcp'): AAnswer {
  const ips = (packet.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : [])).sort();
  return { rcode: RCODES[(packet.flags ?? 0) & 0xf] ?? String((packet.flags ?? 0) & 0xf), key: ips.join(','), count: ips.length, transport };
}

/** Reusable UDP client bound to one server; call {@link close} when done. */
export class DnsClient {
  private readonly socket = dgram.createSocket('udp4');
  private readonly pending = new Map<number, (raw: Buffer) => void>();
  private nextId = 1;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket.on('message', (raw) => {
      if (raw.length < 2) return;
      const done = this.pending.get(raw.readUInt16BE(0));
      if (done) done(raw);
    });
    this.socket.on('error', () => undefined);
    this.socket.unref();
  }

  /** One A query; rejects after `timeoutMs` without a reply. */
  async queryA(name: string, timeoutMs: number): Promise<AAnswer> {
    const id = this.nextId;
    this.nextId = (this.nextId % 65535) + 1;
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no UDP reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(reply);
      });
      this.socket.send(encodeQuery(id, name), this.port, this.host);
    });
    const packet = dnsPacket.decode(raw);
    if (((packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0) return this.queryATcp(name, timeoutMs);
    return toAnswer(packet, 'udp');
  }

  /** The same query over TCP (one connection per query). */
  queryATcp(name: string, timeoutMs: number): Promise<AAnswer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, this.host);
      let buffered = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TCP reply within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.on('connect', () => {
        const msg = encodeQuery(0, name);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(msg.length);
        socket.write(Buffer.concat([len, msg]));
      });
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          clearTimeout(timer);
          socket.destroy();
          resolve(toAnswer(dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))), 'tcp'));
        }
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  close(): void {
    this.pending.clear();
    this.socket.close();
  }
}
