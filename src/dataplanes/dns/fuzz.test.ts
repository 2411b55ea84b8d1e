/**
 * A bounded DNS packet fuzz against the real server (issue 14): 24,000
 * packets per run, half random bytes and half structured mutations of valid
 * queries built with dns-packet (bit flips, overwritten bytes and header
 * counts, truncation, trailing junk, compression-pointer loops, long labels,
 * odd opcodes, EDNS versions and payload sizes, EDNS Client Subnet options valid and
 * not), sent over UDP and over TCP, at the ClusterSet zone and the public (GSLB) zones.
 *
 * The server must never crash or log a handling failure, must count exactly
 * the packets the wire decoder refuses as malformed (and answer every other
 * one with a reply that decodes, carries QR and echoes the ID), and must
 * answer valid queries afterwards. The seed is fixed (override with
 * LINTAS_FUZZ_SEED) and every failure message names it, so a failure
 * replays exactly.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import dnsPacket, { type RecordType } from 'dns-packet';
import { createLogger } from '../../observability/index.ts';
import { seededRandom } from '../gateway/upstream/test-support.ts';
import { indexPublicZones } from './public-index.ts';
import { PUBLIC_ZONES } from './public-test-zone.ts';
import { startDnsServer, type DnsServer } from './server.ts';
import { TIMEOUT_MS, framed, query, tcpExchange, tcpReplies, udpExchange } from './test-client.ts';
import { TEST_ZONE } from './test-zone.ts';
import { answerMessage, type DnsTransport, type WireContext } from './wire.ts';
import { indexZone } from './zone-index.ts';

const SEED = Number(process.env['LINTAS_FUZZ_SEED'] ?? 0x14d5);
/** Packets per transport (half random, half structured): 2 × 12,000 ≥ the 20,000. */
const PER_TRANSPORT = 12_000;
/** Packets sent before waiting for the batch's sentinel answer (keeps socket buffers from overflowing). */
const BATCH = 64;
const INDEX = indexZone(TEST_ZONE);
const PUBLIC = indexPublicZones(PUBLIC_ZONES);
const CONTEXT: WireContext = { publicIndex: PUBLIC, source: '127.0.0.1' };
const NAMES = [
  'hello.default.svc.clusterset.local',
  'dual.default.svc.clusterset.local',
  'web.default.svc.clusterset.local',
  '_http._tcp.dual.default.svc.clusterset.local',
  'c1.web.default.svc.clusterset.local',
  'dns-version.clusterset.local',
  'nope.default.svc.clusterset.local',
  'example.com',
  'cases.example.com',
  'geo.example.com',
  'none.example.com',
  'nope.example.com',
  'example.org',
  '.',
];
const TYPES: RecordType[] = ['A', 'AAAA', 'SRV', 'TXT', 'CAA', 'CNAME', 'NS', 'SOA', 'PTR', 'MX', 'OPT'];

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

function randomBytes(r: Rand, max: number): Buffer {
  const out = Buffer.alloc(int(r, max + 1));
  for (let i = 0; i < out.length; i += 1) out[i] = int(r, 256);
  return out;
}

/** An EDNS Client Subnet option: well-formed half of the time, else with random fields and length. */
function clientSubnet(r: Rand): { code: 8; data: Buffer; ip: undefined } {
  if (r() < 0.5) {
    const prefix = int(r, 33);
    const data = Buffer.alloc(4 + Math.ceil(prefix / 8));
    data.writeUInt16BE(1, 0);
    data.writeUInt8(prefix, 2);
    data[4] = 10;
    return { code: 8, data: prefix === 0 ? data.subarray(0, 4) : data, ip: undefined };
  }
  return { code: 8, data: randomBytes(r, 24), ip: undefined };
}

/** A valid query with random name, type, flags, opcode and EDNS, sometimes with several questions. */
function validQuery(r: Rand): Buffer {
  const questions = Array.from({ length: r() < 0.9 ? 1 : int(r, 3) }, () => ({ name: pick(r, NAMES), type: pick(r, TYPES), class: 'IN' as const }));
  const edns = r() < 0.5;
  return dnsPacket.encode({
    type: 'query',
    id: int(r, 65536),
    flags: (r() < 0.8 ? 0 : int(r, 16) << 11) | (r() < 0.5 ? dnsPacket.RECURSION_DESIRED : 0) | (r() < 0.1 ? dnsPacket.CHECKING_DISABLED : 0),
    questions,
    additionals: edns
      ? [{ type: 'OPT', name: '.', udpPayloadSize: pick(r, [0, 512, 1232, 4096, 65535]), extendedRcode: 0, ednsVersion: r() < 0.8 ? 0 : int(r, 256), flags: 0, flag_do: false, options: r() < 0.3 ? [clientSubnet(r)] : [] }]
      : [],
  });
}

/** One mutation of a valid query, sometimes two or three (more would leave almost nothing decodable). */
function mutated(r: Rand): Buffer {
  let msg = validQuery(r);
  for (let n = r() < 0.7 ? 1 : 2 + int(r, 2); n > 0; n -= 1) {
    const at = int(r, Math.max(1, msg.length));
    switch (int(r, 8)) {
      case 0: // flip one bit
        if (msg.length > 0) msg[at] = (msg[at] as number) ^ (1 << int(r, 8));
        break;
      case 1: // overwrite one byte
        if (msg.length > 0) msg[at] = int(r, 256);
        break;
      case 2: // truncate
        msg = msg.subarray(0, at);
        break;
      case 3: // trailing junk
        msg = Buffer.concat([msg, randomBytes(r, 32)]);
        break;
      case 4: // lie in a header count
        if (msg.length >= 12) msg.writeUInt16BE(pick(r, [0, 1, 2, 255, 65535]), 4 + 2 * int(r, 4));
        break;
      case 5: // a compression pointer to itself (or anywhere) in the question name
        if (msg.length >= 14) msg.writeUInt16BE(0xc000 | pick(r, [12, int(r, msg.length)]), 12);
        break;
      case 6: // a label length over 63
        if (msg.length >= 13) msg[12] = 64 + int(r, 192);
        break;
      default: // QR set: a response must never be answered
        if (msg.length >= 3) msg[2] = (msg[2] as number) | 0x80;
    }
  }
  return msg;
}

/** A run's packets, how many the wire decoder refuses, and (in order) the ones that must get a reply. */
interface FuzzRun {
  readonly packets: readonly Buffer[];
  readonly malformed: number;
  readonly answered: readonly Buffer[];
}

function generate(r: Rand, transport: DnsTransport): FuzzRun {
  const packets: Buffer[] = [];
  const answered: Buffer[] = [];
  let malformed = 0;
  for (let i = 0; i < PER_TRANSPORT; i += 1) {
    const p = i % 2 === 0 ? randomBytes(r, 300) : mutated(r);
    packets.push(p);
    if (answerMessage(p, transport, INDEX, CONTEXT).kind === 'malformed') malformed += 1;
    else answered.push(p);
  }
  return { packets, malformed, answered };
}

const sentinel = (n: number): Buffer => query(`sentinel-${String(n)}.default.svc.clusterset.local`, 'A', { id: 0 });
const isSentinelReply = (raw: Buffer): boolean => raw.includes(Buffer.from('sentinel-'));

/** Sends the packets over UDP in batches, each closed by a sentinel query whose answer says the batch was handled. */
async function fuzzUdp(port: number, packets: readonly Buffer[]): Promise<Buffer[]> {
  const socket = dgram.createSocket('udp4');
  const replies: Buffer[] = [];
  try {
    for (let start = 0; start < packets.length; start += BATCH) {
      const batch = packets.slice(start, start + BATCH);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`UDP batch at packet ${String(start)}: no sentinel answer within ${String(TIMEOUT_MS)} ms`)), TIMEOUT_MS);
        const onMessage = (raw: Buffer): void => {
          if (isSentinelReply(raw)) {
            clearTimeout(timer);
            socket.off('message', onMessage);
            resolve();
            return;
          }
          replies.push(raw);
        };
        socket.on('message', onMessage);
        for (const p of batch) socket.send(p, port, '127.0.0.1');
        socket.send(sentinel(start), port, '127.0.0.1');
      });
    }
  } finally {
    socket.close();
  }
  return replies;
}

/** Sends the packets framed over TCP, one connection per batch, each batch closed by a sentinel. */
async function fuzzTcp(port: number, packets: readonly Buffer[]): Promise<Buffer[]> {
  const replies: Buffer[] = [];
  for (let start = 0; start < packets.length; start += BATCH) {
    const batch = packets.slice(start, start + BATCH);
    // The sentinel's answer closes the batch: everything before it is the batch's replies.
    await tcpReplies(
      port,
      [Buffer.concat([...batch.map(framed), framed(sentinel(start))])],
      (raw) => {
        if (isSentinelReply(raw)) return true;
        replies.push(raw);
        return false;
      },
      () => `TCP batch at packet ${String(start)}: no sentinel answer`,
    );
  }
  return replies;
}

describe(`DNS packet fuzz (seed ${String(SEED)}; replay with LINTAS_FUZZ_SEED=${String(SEED)})`, { timeout: 120_000 }, () => {
  let server: DnsServer;
  const errors: string[] = [];

  before(async () => {
    server = await startDnsServer({
      address: '127.0.0.1',
      port: 0,
      getIndex: () => INDEX,
      getPublic: () => PUBLIC,
      log: createLogger({ level: 'error', write: (line) => errors.push(line) }),
    });
  });
  after(() => server.close());

  for (const transport of ['udp', 'tcp'] as const) {
    test(`${String(PER_TRANSPORT)} random and mutated packets over ${transport}`, async () => {
      const seed = transport === 'udp' ? SEED : SEED + 1;
      const where = `seed ${String(seed)} (LINTAS_FUZZ_SEED=${String(SEED)}), ${transport}`;
      const run = generate(seededRandom(seed), transport);
      // The mix must reach both paths, or the fuzz proves nothing.
      assert.ok(run.malformed > PER_TRANSPORT / 4 && run.answered.length > PER_TRANSPORT / 10, `${where}: poor mix (${String(run.malformed)} malformed, ${String(run.answered.length)} answered)`);
      const before = server.stats();
      const replies = transport === 'udp' ? await fuzzUdp(server.udpPort, run.packets) : await fuzzTcp(server.tcpPort, run.packets);
      const now = server.stats();
      assert.deepEqual(errors, [], `${where}: the server logged handling failures`);
      assert.equal(now.malformed - before.malformed, run.malformed, `${where}: malformed count`);
      // The sentinels are answered queries too.
      const sentinels = Math.ceil(PER_TRANSPORT / BATCH);
      assert.equal(now.queries - before.queries, run.answered.length + sentinels, `${where}: answered count`);
      assert.equal(replies.length, run.answered.length, `${where}: replies received`);
      // Every reply decodes, is a response and echoes its query's ID (replies come in query order).
      replies.forEach((raw, i) => {
        const decoded = dnsPacket.decode(raw);
        const sent = run.answered[i] as Buffer;
        assert.equal(decoded.type, 'response', `${where}: reply ${String(i)} without QR`);
        assert.equal(decoded.id, sent.readUInt16BE(0), `${where}: reply ${String(i)} ID`);
      });

      // Still serving valid queries on both transports.
      const { packet } = await udpExchange(server.udpPort, [query('hello.default.svc.clusterset.local', 'A')]);
      assert.deepEqual(packet.answers?.map((a) => ('data' in a ? a.data : undefined)), ['10.42.0.10'], `${where}: UDP after the fuzz`);
      const [reply] = await tcpExchange(server.tcpPort, [framed(query('hello.default.svc.clusterset.local', 'A', { id: 7 }))], 1);
      assert.equal(reply?.id, 7, `${where}: TCP after the fuzz`);
      const pub = await udpExchange(server.udpPort, [query('cases.example.com', 'A')]);
      assert.equal(pub.packet.answers?.length, 3, `${where}: public zone after the fuzz`);
    });
  }
});
