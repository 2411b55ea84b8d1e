/**
 * The DNS-over-TCP defences of issue 14 item 4: the admission table (pure),
 * then the real server against slow-drip clients: a message deadline that
 * bytes do not extend, the per-source limit, and eviction at the global cap
 * while a real `dig +tcp` must still be answered. Deadlines are configured
 * short so the tests stay fast; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '../../../test/wait.ts';
import { silentLogger } from '../../observability/index.ts';
import { startDnsServer, type DnsServer, type DnsServerOptions } from './server.ts';
import { TcpConnectionTable, sourceKey } from './tcp-limits.ts';
import { TIMEOUT_MS, drip, type Dripper } from './test-client.ts';
import { TEST_ZONE } from './test-zone.ts';
import { indexZone } from './zone-index.ts';

const NAME = 'hello.default.svc.clusterset.local';
const hasDig = spawnSync('which', ['dig'], { encoding: 'utf8' }).status === 0;

describe('sourceKey', () => {
  test('IPv4 as is, v4-mapped IPv6 unwrapped, IPv6 by /64', () => {
    assert.equal(sourceKey('127.0.0.2'), '127.0.0.2');
    assert.equal(sourceKey('::ffff:127.0.0.2'), '127.0.0.2');
    assert.equal(sourceKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(sourceKey('2001:db8:1:2:bbbb::9'), sourceKey('2001:db8:1:2:aaaa::1'));
    assert.equal(sourceKey(undefined), 'unknown');
  });
});

describe('TcpConnectionTable', () => {
  test('refuses past the per-source limit, evicts the least recently active at the global cap', () => {
    const table = new TcpConnectionTable<string>({ total: 3, perSource: 2 });
    const admitAdd = (conn: string, address: string): ReturnType<typeof table.admit> => {
      const a = table.admit(address);
      if (a.kind === 'accept') table.add(conn, a.source);
      return a;
    };
    assert.deepEqual(admitAdd('a1', '10.0.0.1'), { kind: 'accept', source: '10.0.0.1' });
    assert.deepEqual(admitAdd('a2', '10.0.0.1'), { kind: 'accept', source: '10.0.0.1' });
    assert.deepEqual(table.admit('10.0.0.1'), { kind: 'refuse', source: '10.0.0.1' });
    assert.deepEqual(admitAdd('b1', '10.0.0.2'), { kind: 'accept', source: '10.0.0.2' });
    // a1 completed a message after a2: a2 is now the least recently active.
    table.touch('a1');
    assert.deepEqual(table.admit('10.0.0.3'), { kind: 'accept', source: '10.0.0.3', evict: 'a2' });
    table.remove('a2');
    table.remove('a2');
    assert.equal(table.size, 2);
    assert.deepEqual(table.admit('10.0.0.1'), { kind: 'accept', source: '10.0.0.1' }, 'a freed slot of the source is usable again');
  });
});

async function withServer(extra: Partial<DnsServerOptions>, body: (s: DnsServer) => Promise<void>): Promise<void> {
  const server = await startDnsServer({ address: '127.0.0.1', port: 0, getIndex: () => indexZone(TEST_ZONE), log: silentLogger, ...extra });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** `promise`, or a failure naming `what` after {@link TIMEOUT_MS}. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('DNS over TCP against slow-drip clients', { timeout: 30_000 }, () => {
  test('a message deadline closes drippers although every byte arrives well within the idle timeout', async () => {
    await withServer({ tcpIdleTimeoutMs: 60_000, tcpMessageTimeoutMs: 150 }, async (server) => {
      const drippers = Array.from({ length: 4 }, () => drip(server.tcpPort, '127.0.0.1', 20));
      try {
        await Promise.all(drippers.map((d) => d.connected));
        // On the old server each byte re-armed the idle timer, so these never closed.
        await within(Promise.all(drippers.map((d) => d.closed)), 'the server to close every dripper');
        assert.equal(server.stats().tcpClosed.messageTimeout, 4);
        await waitFor('the server to forget the closed connections', () => (server.stats().tcpOpen === 0 ? true : undefined), TIMEOUT_MS);
      } finally {
        for (const d of drippers) d.stop();
      }
    });
  });

  test('dig +tcp is answered while the global cap is full of drippers, and one source cannot take more than its share', { skip: hasDig ? false : 'dig not installed' }, async () => {
    const CAP = 6;
    const PER_SOURCE = 3;
    // Long deadlines: here only the limits may free a slot.
    await withServer({ tcpIdleTimeoutMs: 60_000, tcpMessageTimeoutMs: 60_000, maxTcpConnections: CAP, maxTcpConnectionsPerSource: PER_SOURCE }, async (server) => {
      const drippers: Dripper[] = [];
      let closed = 0;
      const open = (source: string): Dripper => {
        const d = drip(server.tcpPort, source, 200);
        void d.closed.then(() => (closed += 1));
        drippers.push(d);
        return d;
      };
      try {
        for (const source of ['127.0.0.2', '127.0.0.3']) for (let i = 0; i < PER_SOURCE; i += 1) open(source);
        // Connected means queued for accept ahead of dig's connection.
        await within(Promise.all(drippers.map((d) => d.connected)), 'every dripper to connect');

        // A resolver from another source gets through: the least recently active dripper makes room.
        // (The old server stopped accepting at its cap, so dig's connection was dropped.)
        const { stdout } = await promisify(execFile)(
          'dig',
          ['@127.0.0.1', '-b', '127.0.0.1', '-p', String(server.tcpPort), '+tcp', '+time=2', '+tries=1', '+short', NAME, 'A'],
          { timeout: TIMEOUT_MS * 2 },
        );
        assert.equal(stdout.trim(), '10.42.0.10');
        assert.equal(server.stats().tcpClosed.evicted, 1);
        await waitFor('the evicted dripper to see its close', () => (closed === 1 ? true : undefined), TIMEOUT_MS);

        // A new source gets its share (evicting older drippers at the cap), never more.
        const mine = Array.from({ length: PER_SOURCE }, () => open('127.0.0.4'));
        await within(Promise.all(mine.map((d) => d.connected)), 'the new source to connect');
        await within(open('127.0.0.4').closed, 'the extra connection of a full source to be refused');
        assert.equal(server.stats().tcpClosed.refused, 1);
        // Every dripper closed was evicted or refused, and the server holds exactly its cap.
        const settled = (): boolean => {
          const { tcpOpen, tcpClosed } = server.stats();
          return tcpOpen === CAP && closed === tcpClosed.evicted + tcpClosed.refused;
        };
        await waitFor('the open connections to settle at the cap', () => (settled() ? true : undefined), TIMEOUT_MS);
        assert.ok(server.stats().tcpClosed.evicted >= PER_SOURCE, 'the new source took its share by eviction');
      } finally {
        for (const d of drippers) d.stop();
      }
    });
  });
});
