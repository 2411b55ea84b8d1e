import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { indexPublicZones } from './public-index.ts';
import { PUBLIC_ZONES } from './public-test-zone.ts';
import { TEST_ZONE } from './test-zone.ts';
import { answerMessage, type WireContext } from './wire.ts';
import { indexZone } from './zone-index.ts';

const CLUSTERSET = indexZone(TEST_ZONE);
const PUBLIC: WireContext = { publicIndex: indexPublicZones(PUBLIC_ZONES), source: '10.9.9.9' };

/** ECS option data: FAMILY, SOURCE, SCOPE, then the address bytes given. */
function ecsData(family: number, source: number, scope: number, address: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + address.length);
  b.writeUInt16BE(family, 0);
  b.writeUInt8(source, 2);
  b.writeUInt8(scope, 3);
  Buffer.from(address).copy(b, 4);
  return b;
}

function query(name: string, type: 'A' | 'SOA' | 'SRV', ecs?: Buffer | Buffer[]): Buffer {
  const list = ecs === undefined ? [] : Array.isArray(ecs) ? ecs : [ecs];
  return dnsPacket.encode({
    type: 'query',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: list.map((data) => ({ code: 8, data, ip: undefined })) }],
  });
}

type Decoded = DecodedPacket & { rcode: string };

function reply(msg: Buffer, context: WireContext = PUBLIC): Decoded {
  const r = answerMessage(msg, 'udp', CLUSTERSET, context);
  assert.equal(r.kind, 'reply');
  return dnsPacket.decode(r.reply) as Decoded;
}

function echoed(p: DecodedPacket): { family: number; source: number; scope: number; address: number[] } | undefined {
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT');
  const data = opt !== undefined && 'options' in opt ? opt.options.find((o) => o.code === 8)?.data : undefined;
  if (data === undefined) return undefined;
  return { family: data.readUInt16BE(0), source: data.readUInt8(2), scope: data.readUInt8(3), address: [...data.subarray(4)] };
}

const addresses = (p: DecodedPacket): string[] => (p.answers ?? []).map((a) => ('data' in a ? String(a.data) : ''));

describe('EDNS Client Subnet (RFC 7871)', () => {
  it('answers Geo by the client subnet and echoes it with the scope', () => {
    const p = reply(query('geo.example.com', 'A', ecsData(1, 24, 0, [10, 2, 3])));
    assert.equal(p.rcode, 'NOERROR');
    assert.deepEqual(addresses(p), ['127.4.255.1']);
    assert.deepEqual(echoed(p), { family: 1, source: 24, scope: 24, address: [10, 2, 3] });
    assert.equal(p.flag_aa, true);
    const v6 = reply(query('geo.example.com', 'A', ecsData(2, 48, 0, [0x20, 0x01, 0x0d, 0xb8, 0, 0])));
    assert.deepEqual(addresses(v6), ['127.2.255.1']);
    assert.deepEqual(echoed(v6)?.scope, 32);
  });

  it('uses the resolver address without a client subnet, and echoes scope 0 where the answer does not depend on the client', () => {
    const p = answerMessage(query('geo.example.com', 'A'), 'udp', CLUSTERSET, PUBLIC);
    assert.equal(p.kind, 'reply');
    if (p.kind !== 'reply') return;
    assert.deepEqual(addresses(dnsPacket.decode(p.reply)), ['127.3.255.1'], 'the resolver 10.9.9.9 maps to Tokyo');
    assert.deepEqual([p.event.public?.hostname, p.event.public?.strategy, p.event.public?.choice.regions], ['geo.example.com', 'Geo', ['ap-northeast-1']]);
    // A dual-stack socket reports IPv4 resolvers as ::ffff:a.b.c.d.
    assert.deepEqual(addresses(reply(query('geo.example.com', 'A'), { ...PUBLIC, source: '::ffff:10.2.3.9' })), ['127.4.255.1']);
    assert.deepEqual(echoed(reply(query('cases.example.com', 'A', ecsData(1, 24, 0, [10, 2, 3])))), { family: 1, source: 24, scope: 0, address: [10, 2, 3] });
    assert.deepEqual(echoed(reply(query('dual.default.svc.clusterset.local', 'A', ecsData(1, 24, 0, [10, 2, 3])))), { family: 1, source: 24, scope: 0, address: [10, 2, 3] });
    // SOURCE 0: the resolver asks that no client address be used.
    const zero = reply(query('geo.example.com', 'A', ecsData(1, 0, 0, [])));
    assert.deepEqual([addresses(zero), echoed(zero)?.scope], [['127.1.255.1', '127.4.255.1'], 0]);
  });

  it('refuses malformed client subnets with FORMERR, never crashing or answering', () => {
    const bad: [string, Buffer | Buffer[]][] = [
      ['unknown family', ecsData(3, 8, 0, [10])],
      ['source longer than the address', ecsData(1, 33, 0, [10, 0, 0, 0, 0])],
      ['scope set in a query', ecsData(1, 24, 8, [10, 2, 3])],
      ['too many address bytes', ecsData(1, 8, 0, [10, 2])],
      ['too few address bytes', ecsData(1, 24, 0, [10])],
      ['bits beyond the source prefix', ecsData(1, 7, 0, [0xff])],
      ['two client subnets', [ecsData(1, 8, 0, [10]), ecsData(1, 8, 0, [10])]],
    ];
    for (const [why, data] of bad) {
      const p = reply(query('geo.example.com', 'A', data));
      assert.equal(p.rcode, 'FORMERR', why);
      assert.deepEqual(p.answers, [], why);
      assert.equal(echoed(p), undefined, why);
    }
    // An option shorter than its fixed part breaks the codec: the message is dropped as malformed, like any undecodable one.
    assert.equal(answerMessage(query('geo.example.com', 'A', Buffer.from([0, 1, 8])), 'udp', CLUSTERSET, PUBLIC).kind, 'malformed');
  });

  it('puts the SOA in the authority section of negative answers and glue in the additional section', () => {
    const nx = reply(query('missing.example.com', 'A'));
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.equal(nx.flag_aa, true);
    const soa = nx.authorities?.[0];
    assert.equal(soa?.type, 'SOA');
    assert.equal(soa?.ttl, 15);
    assert.deepEqual(soa?.type === 'SOA' ? [soa.data.mname, soa.data.rname, soa.data.serial, soa.data.minimum] : [], ['ns1.example.com', 'hostmaster.example.com', 7, 15]);
    const apex = reply(query('example.com', 'SOA'));
    assert.equal(apex.answers?.[0]?.type, 'SOA');
    // The clusterset zone is unchanged: no public context, no public answers.
    assert.equal(reply(query('cases.example.com', 'A'), {}).rcode, 'REFUSED');
    assert.equal(reply(query('dual.default.svc.clusterset.local', 'A')).rcode, 'NOERROR');
  });
});
