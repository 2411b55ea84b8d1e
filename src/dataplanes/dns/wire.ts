/**
 * One DNS message in, one reply out: decoding, header flags, EDNS(0) and
 * truncation, shared by the UDP and TCP listeners. No sockets here, so every
 * wire rule is unit-testable with plain buffers.
 * @module
 */
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer } from 'dns-packet';
import { answerFromIndex } from './answer.ts';
import { CLIENT_SUBNET_CODE, clientOf, parseClientSubnet, type ClientSubnet } from './client-subnet.ts';
import { answerPublic, type PublicHostChoice } from './public-answer.ts';
import type { PublicDnsIndex } from './public-index.ts';
import type { DnsRecord } from './records.ts';
import type { DnsIndex } from './zone-index.ts';

/** The transport a message arrived on (it decides the size limit). */
export type DnsTransport = 'udp' | 'tcp';

/** What one answered query looked like, for counters and metrics. */
export interface DnsQueryEvent {
  readonly transport: DnsTransport;
  /** Question type mnemonic (`A`, `SRV`…), `OTHER` for unnamed types, `NONE` without a question. */
  readonly type: string;
  /** Response code mnemonic, extended codes included (`BADVERS`). */
  readonly rcode: string;
  readonly truncated: boolean;
  /** Set for a query about a public (GSLB) hostname: what the strategy answered. */
  readonly public?: PublicHostChoice;
}

/** What a query is answered with besides its bytes: the public zones and who asked. */
export interface WireContext {
  /** The public (GSLB) zones; a name inside one is answered from them. */
  readonly publicIndex?: PublicDnsIndex;
  /** The address the query came from (the resolver), for Geo when the query carries no client subnet. */
  readonly source?: string;
  /** A number in [0, 1) per query (Weighted); default 0.5. */
  readonly draw?: () => number;
  /** A counter per query (RoundRobin address rotation); default 0. */
  readonly rotate?: () => number;
}

/** The outcome of {@link answerMessage}: a reply to send, or a message to drop. */
export type WireResult =
  | { readonly kind: 'malformed' }
  | { readonly kind: 'reply'; readonly reply: Buffer; readonly event: DnsQueryEvent; readonly error?: unknown };

/** The UDP payload size we advertise and honour with EDNS (DNS flag day 2020: avoids IP fragmentation). */
export const EDNS_UDP_PAYLOAD = 1232;
/** The UDP size limit of a client that sent no OPT record (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
// A TCP message length is a 16-bit prefix (RFC 1035 §4.2.2).
const TCP_LIMIT = 65535;
const HEADER_BYTES = 12;
// The smallest question is a root name and type + class; the smallest record a root name and 10 fixed bytes.
const MIN_QUESTION_BYTES = 5;
const MIN_RECORD_BYTES = 11;

/**
 * Whether the header's section counts could fit in the message at all. The
 * codec allocates an array per count before reading a record, so random
 * bytes claiming 65,535 records of each kind cost half a millisecond of CPU
 * each to refuse; this check refuses them for free (found by the DNS fuzz).
 */
function countsFit(msg: Buffer): boolean {
  if (msg.length < HEADER_BYTES) return false;
  const records = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
  return msg.readUInt16BE(4) * MIN_QUESTION_BYTES + records * MIN_RECORD_BYTES <= msg.length - HEADER_BYTES;
}

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
type RcodeName = keyof typeof RCODES;

/**
 * Where the single question of a query ends, or undefined when it is not a
 * plain uncompressed name. We copy the question bytes into the reply verbatim
 * (exact case, class and type echo), which is only safe without compression
 * pointers; no real client compresses the first name of a message.
 */
function questionEnd(msg: Buffer): number | undefined {
  let i = HEADER_BYTES;
  for (;;) {
    const len = msg[i];
    if (len === undefined || len > 63) return undefined;
    i += 1 + len;
    if (len === 0) break;
  }
  return i + 4 <= msg.length ? i + 4 : undefined;
}

function toWire(r: DnsRecord): Answer {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { type: r.type, name: r.name, ttl: r.ttl, class: 'IN', data: r.data };
    case 'SRV':
      return { type: 'SRV', name: r.name, ttl: r.ttl, class: 'IN', data: { ...r.data } };
    case 'TXT':
      // The codec replaces strings with Buffers inside the array it is given,
      // and the index's arrays are shared by every query: hand it a copy.
      return { type: 'TXT', name: r.name, ttl: r.ttl, class: 'IN', data: [...r.data] };
    case 'SOA':
      return { type: 'SOA', name: r.name, ttl: r.ttl, class: 'IN', data: { ...r.data } };
    case 'NS':
      return { type: 'NS', name: r.name, ttl: r.ttl, class: 'IN', data: r.data };
  }
}

// Keeps metric label cardinality bounded: 65k possible type codes collapse to one label.
function typeLabel(type: string | undefined): string {
  if (type === undefined) return 'NONE';
  return type.startsWith('UNKNOWN_') ? 'OTHER' : type;
}

interface Decided {
  rcode: RcodeName;
  answers: readonly DnsRecord[];
  authoritative: boolean;
  authority?: readonly DnsRecord[];
  additional?: readonly DnsRecord[];
  /** ECS SCOPE PREFIX-LENGTH of the reply (RFC 7871 §7.2.1). */
  scope?: number;
}

/** Decodes `msg`, answers it from `index` (or a public zone of `context`) and encodes the reply within the transport's size limit. */
export function answerMessage(msg: Buffer, transport: DnsTransport, index: DnsIndex, context: WireContext = {}): WireResult {
  let query: DecodedPacket;
  if (!countsFit(msg)) return { kind: 'malformed' };
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return { kind: 'malformed' };
  }
  // Never answer a response: two servers would otherwise bounce packets forever.
  if (query.flag_qr) return { kind: 'malformed' };
  const questions = query.questions ?? [];
  const question = questions.length === 1 ? questions[0] : undefined;
  const qEnd = question === undefined ? HEADER_BYTES : questionEnd(msg);
  if (qEnd === undefined) return { kind: 'malformed' };

  const opts = (query.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
  const edns = opts[0];
  const opcode = (msg.readUInt16BE(2) >> 11) & 0xf;
  const ecs: ClientSubnet | 'malformed' | undefined = edns === undefined ? undefined : parseClientSubnet(edns.options);
  let publicEvent: DnsQueryEvent['public'];

  let decided: Decided;
  if (opts.length > 1 || (edns !== undefined && edns.name !== '.') || ecs === 'malformed') {
    // RFC 6891 §6.1.1; RFC 7871 §7.1.1: a malformed client subnet is FORMERR.
    decided = { rcode: 'FORMERR', answers: [], authoritative: false };
  } else if (edns !== undefined && edns.ednsVersion > 0) {
    decided = { rcode: 'BADVERS', answers: [], authoritative: false }; // RFC 6891 §6.1.3
  } else if (opcode !== 0) {
    decided = { rcode: 'NOTIMP', answers: [], authoritative: false }; // NOTIFY, UPDATE…: not ours
  } else if (question === undefined) {
    decided = { rcode: 'FORMERR', answers: [], authoritative: false };
  } else {
    // Parsing who asked costs; only Geo answers read it.
    const client = (): ReturnType<typeof clientOf> => clientOf(ecs, context.source);
    const p = context.publicIndex === undefined ? undefined : answerPublic(context.publicIndex, question, client, context.draw?.() ?? 0.5, context.rotate?.() ?? 0);
    const a = p ?? answerFromIndex(index, question);
    if (p?.host !== undefined) publicEvent = p.host;
    // AA only where we are the authority; REFUSED means the name is not in our zones.
    decided = {
      rcode: a.rcode,
      answers: a.answers,
      authoritative: a.authoritative && a.rcode !== 'REFUSED',
      ...(a.authority !== undefined ? { authority: a.authority } : {}),
      ...(a.additional !== undefined ? { additional: a.additional } : {}),
      ...(p !== undefined ? { scope: p.scope } : {}),
    };
  }

  const limit =
    transport === 'tcp'
      ? TCP_LIMIT
      : edns === undefined
        ? CLASSIC_UDP_LIMIT
        : Math.max(CLASSIC_UDP_LIMIT, Math.min(edns.udpPayloadSize, EDNS_UDP_PAYLOAD));
  const rawQuestion = msg.subarray(HEADER_BYTES, qEnd);
  const event = (rcode: RcodeName, truncated: boolean): DnsQueryEvent => ({
    transport,
    type: typeLabel(question?.type),
    rcode,
    truncated,
    ...(publicEvent !== undefined ? { public: publicEvent } : {}),
  });
  const echo = ecs === 'malformed' ? undefined : ecs;

  try {
    const { reply, truncated } = encodeReply(query, opcode, decided, edns, echo, rawQuestion, limit);
    return { kind: 'reply', reply, event: event(decided.rcode, truncated) };
  } catch (error) {
    // Only bad data in the index can get here (an address the codec rejects):
    // tell the client we failed rather than leave it waiting for a timeout.
    const failed: Decided = { rcode: 'SERVFAIL', answers: [], authoritative: false };
    const { reply } = encodeReply(query, opcode, failed, edns, echo, rawQuestion, limit);
    return { kind: 'reply', reply, event: event('SERVFAIL', false), error };
  }
}

const EMPTY: Buffer = Buffer.alloc(0);

// The encoded bytes of record lists, by list: the zone indexes hand out the same immutable
// arrays to every query, so each RRset is encoded once per zone version, not per query
// (dns-packet never compresses names, so a record's bytes do not depend on the message).
const encodedSections = new WeakMap<readonly DnsRecord[], Buffer>();

function encodeSection(records: readonly DnsRecord[] | undefined): Buffer {
  if (records === undefined || records.length === 0) return EMPTY;
  let bytes = encodedSections.get(records);
  if (bytes === undefined) {
    bytes = dnsPacket.encode({ type: 'response', answers: records.map(toWire) }).subarray(HEADER_BYTES);
    encodedSections.set(records, bytes);
  }
  return bytes;
}

function encodeReply(
  query: DecodedPacket,
  opcode: number,
  decided: Decided,
  edns: OptAnswer | undefined,
  ecs: ClientSubnet | undefined,
  rawQuestion: Buffer,
  limit: number,
): { reply: Buffer; truncated: boolean } {
  const rcode = RCODES[decided.rcode];
  let opt: Buffer = EMPTY;
  if (edns !== undefined) {
    // Echo EDNS with our payload size; DO is copied back (RFC 3225) though we do not sign.
    const record: Answer = {
      type: 'OPT',
      name: '.',
      udpPayloadSize: EDNS_UDP_PAYLOAD,
      extendedRcode: rcode >> 4,
      ednsVersion: 0,
      flags: edns.flag_do ? dnsPacket.DNSSEC_OK : 0,
      flag_do: edns.flag_do,
      // RFC 7871 §7.2.1: echo FAMILY, SOURCE PREFIX-LENGTH and ADDRESS; SCOPE says how far the answer applies.
      options: ecs === undefined ? [] : [{ code: CLIENT_SUBNET_CODE, data: ecs.echo(decided.scope ?? 0), ip: undefined }],
    };
    opt = dnsPacket.encode({ type: 'response', additionals: [record] }).subarray(HEADER_BYTES);
  }
  const flags =
    (opcode << 11) |
    (decided.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) |
    (query.flag_cd ? dnsPacket.CHECKING_DISABLED : 0) |
    (rcode & 0xf);
  let answers = encodeSection(decided.answers);
  let authority = encodeSection(decided.authority);
  let glue = encodeSection(decided.additional);
  let counts = [decided.answers.length, decided.authority?.length ?? 0, decided.additional?.length ?? 0];
  let truncated = false;
  if (HEADER_BYTES + rawQuestion.length + answers.length + authority.length + glue.length + opt.length > limit) {
    // Whole RRsets or nothing (RFC 2181 §9): drop every record and set TC so
    // the client retries over TCP.
    truncated = true;
    answers = authority = glue = EMPTY;
    counts = [0, 0, 0];
  }
  // The question is spliced in as raw bytes, so the codec never re-encodes it.
  const reply = Buffer.allocUnsafe(HEADER_BYTES + rawQuestion.length + answers.length + authority.length + glue.length + opt.length);
  reply.writeUInt16BE(query.id ?? 0, 0);
  reply.writeUInt16BE(0x8000 | flags | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0), 2);
  reply.writeUInt16BE(rawQuestion.length > 0 ? 1 : 0, 4);
  reply.writeUInt16BE(counts[0] ?? 0, 6);
  reply.writeUInt16BE(counts[1] ?? 0, 8);
  reply.writeUInt16BE((counts[2] ?? 0) + (opt.length > 0 ? 1 : 0), 10);
  let at = HEADER_BYTES;
  for (const part of [rawQuestion, answers, authority, glue, opt]) at += part.copy(reply, at);
  return { reply, truncated };
}
