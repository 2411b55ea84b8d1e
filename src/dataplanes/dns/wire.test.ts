import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import dnsPacket, { type DecodedPacket, type OptAnswer } from 'dns-packet';
import { query } from './test-client.ts';
import { TEST_ZONE, zoneWithBigHeadless } from './test-zone.ts';
import { answerMessage, type DnsTransport, type WireResult } from './wire.ts';
import { indexZone, type DnsIndex } from './zone-index.ts';

const INDEX = indexZone(TEST_ZONE);
// 20 A records (~1 KB) fit EDNS's 1232 bytes but not 512; 40 fit neither.
const MID = indexZone(zoneWithBigHeadless(20));
const BIG = indexZone(zoneWithBigHeadless(40));
const HELLO = 'hello.default.svc.clusterset.local';
const BIG_NAME = 'big.default.svc.clusterset.local';

function reply(result: WireResult): { raw: Buffer; packet: DecodedPacket; result: Extract<WireResult, { kind: 'reply' }> } {
  assert.equal(result.kind, 'reply');
  return { raw: result.reply, packet: dnsPacket.decode(result.reply), result };
}

function ask(msg: Buffer, index: DnsIndex = INDEX, transport: DnsTransport = 'udp') {
  return reply(answerMessage(msg, transport, index));
}

function opt(p: DecodedPacket): OptAnswer | undefined {
  return p.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
}

function rcodeOf(p: DecodedPacket): string {
  return (p as DecodedPacket & { rcode: string }).rcode;
}

describe('answerMessage', () => {
  test('answers authoritatively, echoes id, RD and the question bytes exactly', () => {
    const msg = query('HeLLo.Default.svc.clusterset.local', 'A', { id: 777 });
    const { raw, packet, result } = ask(msg);
    assert.equal(packet.id, 777);
    assert.equal(packet.flag_qr, true);
    assert.equal(packet.flag_aa, true);
    assert.equal(packet.flag_rd, true);
    assert.equal(packet.flag_tc, false);
    assert.equal(rcodeOf(packet), 'NOERROR');
    // Same question section, byte for byte (0x20 case randomisation survives).
    assert.deepEqual(raw.subarray(12, msg.length), msg.subarray(12));
    assert.deepEqual(packet.answers?.map((a) => [a.name, a.type, 'data' in a ? a.data : undefined]), [
      ['HeLLo.Default.svc.clusterset.local', 'A', '10.42.0.10'],
    ]);
    assert.deepEqual(result.event, { transport: 'udp', type: 'A', rcode: 'NOERROR', truncated: false });
  });

  test('NXDOMAIN keeps AA; REFUSED (out of zone) does not', () => {
    const nx = ask(query('nope.default.svc.clusterset.local', 'A')).packet;
    assert.equal(rcodeOf(nx), 'NXDOMAIN');
    assert.equal(nx.flag_aa, true);
    const refused = ask(query('example.com', 'A')).packet;
    assert.equal(rcodeOf(refused), 'REFUSED');
    assert.equal(refused.flag_aa, false);
  });

  test('TXT records encode without touching the shared index', () => {
    for (let i = 0; i < 2; i += 1) {
      const { packet } = ask(query('dns-version.clusterset.local', 'TXT'));
      const txt = packet.answers?.[0];
      assert.equal(txt?.type, 'TXT');
      assert.deepEqual(txt.data, [Buffer.from('1.0.0')]);
      assert.equal(txt.ttl, 5);
    }
  });

  test('no OPT in the query, none in the reply; an OPT is echoed with 1232 and DO copied', () => {
    assert.equal(opt(ask(query(HELLO, 'A')).packet), undefined);
    const echoed = opt(ask(query(HELLO, 'A', { edns: 4096, dnssecOk: true })).packet);
    assert.equal(echoed?.udpPayloadSize, 1232);
    assert.equal(echoed?.ednsVersion, 0);
    assert.equal(echoed?.flag_do, true);
  });

  const sizes: readonly { why: string; index: DnsIndex; edns?: number; transport?: DnsTransport; tc: boolean; answers: number }[] = [
    { why: 'no EDNS: 512-byte limit', index: MID, tc: true, answers: 0 },
    { why: 'EDNS 4096 is capped at 1232, which fits 20 records', index: MID, edns: 4096, tc: false, answers: 20 },
    { why: 'EDNS 600 is honoured', index: MID, edns: 600, tc: true, answers: 0 },
    { why: 'EDNS below 512 still gets 512', index: MID, edns: 100, tc: true, answers: 0 },
    { why: '40 records exceed 1232', index: BIG, edns: 4096, tc: true, answers: 0 },
    { why: 'TCP carries the whole answer', index: BIG, transport: 'tcp', tc: false, answers: 40 },
  ];
  for (const c of sizes) {
    test(`truncation: ${c.why}`, () => {
      const { raw, packet, result } = ask(query(BIG_NAME, 'A', { edns: c.edns }), c.index, c.transport ?? 'udp');
      assert.equal(packet.flag_tc, c.tc);
      assert.equal(packet.answers?.length, c.answers);
      assert.equal(result.event.truncated, c.tc);
      assert.equal(packet.questions?.[0]?.name, BIG_NAME);
      if (c.transport !== 'tcp') assert.ok(raw.length <= Math.max(512, Math.min(c.edns ?? 512, 1232)));
      if (c.edns !== undefined) assert.equal(opt(packet)?.udpPayloadSize, 1232);
    });
  }

  test('BADVERS for EDNS version 1 (extended rcode in the OPT)', () => {
    const { packet, result } = ask(query(HELLO, 'A', { edns: 1232, ednsVersion: 1 }));
    assert.equal(opt(packet)?.extendedRcode, 1);
    assert.equal(packet.answers?.length, 0);
    assert.equal(result.event.rcode, 'BADVERS');
  });

  test('FORMERR for two OPT records and for a query without a question', () => {
    const twoOpt = dnsPacket.decode(query(HELLO, 'A', { edns: 1232 }));
    const extra = twoOpt.additionals?.[0];
    assert.ok(extra);
    const msg = dnsPacket.encode({ ...twoOpt, type: 'query', additionals: [extra, extra] });
    assert.equal(ask(msg).result.event.rcode, 'FORMERR');
    const empty = ask(dnsPacket.encode({ type: 'query', id: 9, questions: [] }));
    assert.equal(rcodeOf(empty.packet), 'FORMERR');
    assert.equal(empty.packet.questions?.length, 0);
    assert.equal(empty.result.event.type, 'NONE');
  });

  test('NOTIMP for opcodes other than QUERY (NOTIFY)', () => {
    const { packet } = ask(query(HELLO, 'SOA', { flags: 4 << 11 }));
    assert.equal(rcodeOf(packet), 'NOTIMP');
    assert.equal(packet.flag_aa, false);
  });

  test('CHAOS class: REFUSED with the class echoed verbatim', () => {
    const msg = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    const { raw, packet } = ask(msg);
    assert.equal(rcodeOf(packet), 'REFUSED');
    assert.deepEqual(raw.subarray(12, msg.length), msg.subarray(12));
  });

  test('unknown types are counted as OTHER', () => {
    const msg = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: HELLO, type: 'UNKNOWN_65' as 'A' }] });
    const { packet, result } = ask(msg);
    assert.equal(rcodeOf(packet), 'NOERROR');
    assert.equal(packet.answers?.length, 0);
    assert.equal(result.event.type, 'OTHER');
  });

  test('malformed input is reported, never thrown', () => {
    const good = query(HELLO, 'A');
    const response = Buffer.from(good);
    response[2] = (response[2] ?? 0) | 0x80; // QR: a response, not a query
    const pointer = Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 0x00, 0x00, 0x01, 0x00, 0x01])]);
    const inputs = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 3]),
      Buffer.from('a8f1c3d2e4b5a6978899aabbccddeeff00112233445566778899', 'hex'),
      good.subarray(0, good.length - 3),
      response,
      pointer,
    ];
    for (const input of inputs) assert.deepEqual(answerMessage(input, 'udp', INDEX), { kind: 'malformed' });
  });

  test('a header whose counts cannot fit the message is refused before the codec allocates for them', () => {
    // The codec allocates arrays of each count before reading: 4 × 65,535 slots per random packet (found by the fuzz).
    const decode = mock.method(dnsPacket, 'decode');
    try {
      const impossible = Buffer.from(query(HELLO, 'A'));
      impossible.writeUInt16BE(0xffff, 6);
      const tooShort = Buffer.from(query(HELLO, 'A'));
      tooShort.writeUInt16BE(10, 10); // ten additional records announced: at least 110 bytes, none present
      for (const input of [impossible, tooShort, Buffer.alloc(11)]) assert.deepEqual(answerMessage(input, 'udp', INDEX), { kind: 'malformed' });
      assert.equal(decode.mock.callCount(), 0);
      // A message whose counts fit still reaches the codec and is answered.
      assert.equal(answerMessage(query(HELLO, 'A', { edns: 1232 }), 'udp', INDEX).kind, 'reply');
      assert.equal(decode.mock.callCount(), 1);
    } finally {
      decode.mock.restore();
    }
  });

  test('records the codec cannot encode become SERVFAIL with the error attached', () => {
    const broken: DnsIndex = {
      zone: 'clusterset.local',
      ttlSeconds: 5,
      names: new Map([
        [HELLO, new Map([['SRV', [{ type: 'SRV', name: HELLO, ttl: 5, data: { priority: 0, weight: 1, port: 70000, target: HELLO } }]]])],
      ]),
    };
    const { packet, result } = ask(query(HELLO, 'SRV'), broken);
    assert.equal(rcodeOf(packet), 'SERVFAIL');
    assert.equal(packet.answers?.length, 0);
    assert.ok(result.error instanceof Error);
  });
});
