import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import net from 'node:net';
import { Resolver } from 'node:dns/promises';
import type { SrvRecord } from 'node:dns';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { silentLogger } from '../../observability/index.ts';
import { DnsServerError } from './errors.ts';
import { startDnsServer, type DnsServer } from './server.ts';
import { TIMEOUT_MS, framed, query, tcpExchange, udpExchange } from './test-client.ts';
import { TEST_ZONE, zoneWithBigHeadless } from './test-zone.ts';
import type { DnsQueryEvent } from './wire.ts';
import { indexZone, type DnsIndex } from './zone-index.ts';

const SVC = 'svc.clusterset.local';
const BIG_COUNT = 60;

function resolverFor(port: number): Resolver {
  // One try with a bounded timeout: a broken server fails the test, never hangs it.
  const resolver = new Resolver({ timeout: TIMEOUT_MS, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code);
    return true;
  });
}

// Every network wait has its own timeout; this bounds a whole suite as a backstop.
const SUITE = { timeout: 30_000 };

describe('startDnsServer', SUITE, () => {
  let server: DnsServer;
  let current: DnsIndex = indexZone(zoneWithBigHeadless(BIG_COUNT));
  const events: DnsQueryEvent[] = [];

  before(async () => {
    server = await startDnsServer({
      address: '127.0.0.1',
      port: 0,
      getIndex: () => current,
      log: silentLogger,
      onQuery: (e) => events.push(e),
    });
  });
  after(() => server.close());

  test('UDP and TCP listen on the same ephemeral port', () => {
    assert.ok(server.udpPort > 0);
    assert.equal(server.tcpPort, server.udpPort);
  });

  describe('through a real resolver (node:dns Resolver)', () => {
    test('A for a ClusterSetIP service', async () => {
      assert.deepEqual(await resolverFor(server.udpPort).resolve4(`hello.default.${SVC}`), ['10.42.0.10']);
    });

    test('AAAA for a dual-stack service', async () => {
      assert.deepEqual(await resolverFor(server.udpPort).resolve6(`dual.default.${SVC}`), ['fd00:42::7']);
    });

    test('A with TTL for a headless service: ready endpoints only', async () => {
      const got = await resolverFor(server.udpPort).resolve4(`web.default.${SVC}`, { ttl: true });
      assert.deepEqual(got, [
        { address: '10.1.0.5', ttl: 5 },
        { address: '10.2.0.5', ttl: 5 },
      ]);
    });

    test('SRV for a named port and for tcp/42 + udp/42', async () => {
      const r = resolverFor(server.udpPort);
      // Node 24 also reports `type: 'SRV'` on each record; compare the record's own fields.
      const srv = async (name: string): Promise<SrvRecord[]> => (await r.resolveSrv(name)).map(({ name, port, priority, weight }) => ({ name, port, priority, weight }));
      assert.deepEqual(await srv(`_http._tcp.dual.default.${SVC}`), [
        { name: `dual.default.${SVC}`, port: 80, priority: 0, weight: 1 },
      ]);
      assert.deepEqual(await srv(`hello.default.${SVC}`), [
        { name: `hello.default.${SVC}`, port: 42, priority: 0, weight: 1 },
      ]);
    });

    test('TXT dns-version', async () => {
      assert.deepEqual(await resolverFor(server.udpPort).resolveTxt('dns-version.clusterset.local'), [['1.0.0']]);
    });

    test('NXDOMAIN is ENOTFOUND, NODATA is ENODATA', async () => {
      const r = resolverFor(server.udpPort);
      await rejectsWithCode(r.resolve4(`nope.default.${SVC}`), 'ENOTFOUND');
      await rejectsWithCode(r.resolve4(`c1.web.default.${SVC}`), 'ENOTFOUND');
      await rejectsWithCode(r.resolve4(`down.default.${SVC}`), 'ENOTFOUND');
      await rejectsWithCode(r.resolve4('dns-version.clusterset.local'), 'ENODATA');
    });

    test('a truncated UDP answer is completed over TCP by the resolver', async () => {
      const got = await resolverFor(server.udpPort).resolve4(`big.default.${SVC}`);
      assert.equal(got.length, BIG_COUNT);
    });
  });

  describe('raw clients', () => {
    test('TCP: two pipelined queries on one connection, then two more trickled byte by byte', async () => {
      const both = Buffer.concat([
        framed(query(`hello.default.${SVC}`, 'A', { id: 1 })),
        framed(query(`dual.default.${SVC}`, 'AAAA', { id: 2 })),
      ]);
      const replies = await tcpExchange(server.tcpPort, [both], 2);
      assert.deepEqual(
        replies.map((p) => [p.id, p.flag_aa, p.answers?.map((a) => ('data' in a ? a.data : undefined))]),
        [
          [1, true, ['10.42.0.10']],
          [2, true, ['fd00:42::7']],
        ],
      );
      const trickled = await tcpExchange(server.tcpPort, [both], 2, true);
      assert.deepEqual(
        trickled.map((p) => p.id),
        [1, 2],
      );
    });

    test('EDNS: the OPT record is echoed with payload size 1232', async () => {
      const { packet } = await udpExchange(server.udpPort, [query(`hello.default.${SVC}`, 'A', { edns: 4096 })]);
      const opt = packet.additionals?.find((a) => a.type === 'OPT');
      assert.ok(opt !== undefined && opt.type === 'OPT');
      assert.equal(opt.udpPayloadSize, 1232);
      assert.equal(packet.answers?.length, 1);
    });

    test('large headless answer: TC=1 and no answers over UDP, everything over TCP', async () => {
      const name = `big.default.${SVC}`;
      for (const edns of [undefined, 1232]) {
        const { raw, packet } = await udpExchange(server.udpPort, [query(name, 'A', { edns })]);
        assert.equal(packet.flag_tc, true);
        assert.equal(packet.answers?.length, 0);
        assert.ok(raw.length <= (edns ?? 512));
      }
      const [full] = await tcpExchange(server.tcpPort, [framed(query(name, 'A'))], 1);
      assert.equal(full?.flag_tc, false);
      assert.equal(full?.answers?.length, BIG_COUNT);
    });

    test('malformed packets are dropped and counted; the server keeps answering', async () => {
      const before = server.stats().malformed;
      const garbage = Buffer.from('5f3a91c2e07bd4a6f8123409ffeeddccbbaa99887766', 'hex');
      // Datagrams from one socket are handled in order, so once the valid
      // query is answered, both garbage packets have been seen.
      const { packet } = await udpExchange(server.udpPort, [garbage, Buffer.from([0xde, 0xad]), query(`hello.default.${SVC}`, 'A')]);
      assert.equal(packet.answers?.length, 1);
      assert.equal(server.stats().malformed, before + 2);
      // Over TCP a malformed frame is skipped and the connection stays usable.
      const [reply] = await tcpExchange(server.tcpPort, [framed(garbage), framed(query(`hello.default.${SVC}`, 'A', { id: 5 }))], 1);
      assert.equal(reply?.id, 5);
      assert.equal(server.stats().malformed, before + 3);
    });

    test('a new zone version is answered on the next query, without restart', async () => {
      const r = resolverFor(server.udpPort);
      assert.deepEqual(await r.resolve4(`hello.default.${SVC}`), ['10.42.0.10']);
      const old = current;
      current = indexZone({
        ...TEST_ZONE,
        services: TEST_ZONE.services.map((s) => (s.name === 'hello' ? { ...s, ips: ['10.42.1.1'] } : s)),
      });
      try {
        assert.deepEqual(await r.resolve4(`hello.default.${SVC}`), ['10.42.1.1']);
        await rejectsWithCode(r.resolve4(`big.default.${SVC}`), 'ENOTFOUND');
      } finally {
        current = old;
      }
    });

    test('stats and onQuery count answered queries by type and rcode', () => {
      const stats = server.stats();
      assert.equal(stats.queries, events.length);
      assert.equal(stats.udp + stats.tcp, stats.queries);
      assert.ok(stats.tcp >= 5);
      assert.ok(stats.truncated >= 2);
      const count = (key: 'type' | 'rcode', value: string): number => events.filter((e) => e[key] === value).length;
      for (const [type, n] of Object.entries(stats.byType)) assert.equal(n, count('type', type), type);
      for (const [rcode, n] of Object.entries(stats.byRcode)) assert.equal(n, count('rcode', rcode), rcode);
      assert.ok((stats.byRcode.NXDOMAIN ?? 0) >= 3);
      assert.ok((stats.byType.SRV ?? 0) >= 2);
      // A snapshot is a copy.
      const snap = server.stats();
      assert.notEqual(snap.byType, server.stats().byType);
    });
  });

  const hasDig = spawnSync('which', ['dig'], { encoding: 'utf8' }).status === 0;
  test('dig gets authoritative answers over UDP and TCP', { skip: hasDig ? false : 'dig not installed' }, async () => {
    const dig = async (...args: string[]): Promise<string> => {
      const common = ['@127.0.0.1', '-p', String(server.udpPort), '+time=2', '+tries=1'];
      const { stdout } = await promisify(execFile)('dig', [...common, ...args], { timeout: TIMEOUT_MS * 2 });
      return stdout;
    };
    assert.equal((await dig(`hello.default.${SVC}`, 'A', '+short')).trim(), '10.42.0.10');
    const full = await dig(`web.default.${SVC}`, 'A', '+tcp');
    assert.match(full, /flags: qr aa rd;/);
    assert.match(full, /EDNS: version: 0, flags:; udp: 1232/);
    assert.match(await dig(`c1.web.default.${SVC}`, 'A'), /status: NXDOMAIN/);
  });
});

describe('startDnsServer lifecycle', SUITE, () => {
  test('a taken port is a DnsServerError with a stable code', async () => {
    const first = await startDnsServer({ address: '127.0.0.1', port: 0, getIndex: () => indexZone(TEST_ZONE), log: silentLogger });
    try {
      await assert.rejects(
        startDnsServer({ address: '127.0.0.1', port: first.udpPort, getIndex: () => indexZone(TEST_ZONE), log: silentLogger }),
        (err: unknown) => err instanceof DnsServerError && err.code === 'LINTAS_ERR_DNS_BIND' && err.port === first.udpPort,
      );
    } finally {
      await first.close();
    }
  });

  test('close is idempotent and frees the port', async () => {
    const s = await startDnsServer({ address: '127.0.0.1', port: 0, getIndex: () => indexZone(TEST_ZONE), log: silentLogger });
    await Promise.all([s.close(), s.close()]);
    const again = await startDnsServer({ address: '127.0.0.1', port: s.udpPort, getIndex: () => indexZone(TEST_ZONE), log: silentLogger });
    assert.equal(again.tcpPort, s.udpPort);
    await again.close();
  });

  test('close drops idle TCP clients instead of waiting for them', async () => {
    const s = await startDnsServer({ address: '127.0.0.1', port: 0, getIndex: () => indexZone(TEST_ZONE), log: silentLogger });
    const client = net.connect({ host: '127.0.0.1', port: s.tcpPort });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', () => undefined);
    await s.close();
    await closed;
  });

  test('idle TCP connections are closed by the server', async () => {
    const s = await startDnsServer({
      address: '127.0.0.1',
      port: 0,
      getIndex: () => indexZone(TEST_ZONE),
      log: silentLogger,
      tcpIdleTimeoutMs: 50,
    });
    try {
      // One query first, so the connection is known to be served, then silence.
      const client = net.connect({ host: '127.0.0.1', port: s.tcpPort });
      client.on('error', () => undefined);
      const closedByServer = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('connection not closed')), TIMEOUT_MS);
        client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const answered = new Promise<void>((resolve) => client.once('data', () => resolve()));
      client.write(framed(query(`hello.default.${SVC}`, 'A')));
      await answered;
      await closedByServer;
    } finally {
      await s.close();
    }
  });
});
