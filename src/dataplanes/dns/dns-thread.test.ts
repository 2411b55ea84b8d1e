/**
 * The DNS server on its own thread (issue 14 item 5): it answers from the zones the main thread
 * sends (only changed services cross), the public zones too, counts reach `onQuery` and the
 * stats by a flush, and a thread that dies is started again on the same port with the current
 * zones. The main thread being blocked does not delay answers: runtime/embedded-gateway-workers.test.ts.
 * @module
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BroadcastChannel } from 'node:worker_threads';
import type { DnsZoneIR } from '../../ir/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { DNS_THREAD_FAULTS } from '../../../test/faulty-dns-thread.ts';
import { waitFor } from '../../../test/wait.ts';
import { startDnsThread, zoneDelta, type DnsThread } from './dns-thread.ts';
import { PUBLIC_ZONES } from './public-test-zone.ts';
import { query, udpExchange } from './test-client.ts';
import { TEST_ZONE } from './test-zone.ts';
import type { DnsQueryEvent } from './wire.ts';

const HELLO = 'hello.default.svc.clusterset.local';

const RCODES: Record<number, string> = { 0: 'NOERROR', 3: 'NXDOMAIN', 5: 'REFUSED' };

/** The rcode (the low 4 bits of the header flags) and the sorted answer data of an A query. */
async function addresses(port: number, name: string): Promise<{ rcode: string; data: string[] }> {
  const { packet } = await udpExchange(port, [query(name, 'A')]);
  const rcode = (packet.flags ?? 0) & 0xf;
  return { rcode: RCODES[rcode] ?? String(rcode), data: (packet.answers ?? []).map((a) => ('data' in a ? String(a.data) : '')).sort() };
}

/** TEST_ZONE with `hello`'s ClusterSetIP replaced (a new object for that service only). */
function withHelloIp(zone: DnsZoneIR, ip: string): DnsZoneIR {
  return { ...zone, services: zone.services.map((s) => (s.name === 'hello' ? { ...s, ips: [ip] } : s)) };
}

describe('zoneDelta', () => {
  it('sends every service first, then only the services whose object changed and the keys removed', () => {
    const first = zoneDelta(undefined, TEST_ZONE);
    assert.equal(first.request?.reset, true);
    assert.equal(first.request?.upsert.length, TEST_ZONE.services.length);
    assert.equal(zoneDelta(first.held, { ...TEST_ZONE }).request, undefined, 'same service objects: nothing to send');
    const changed = withHelloIp(TEST_ZONE, '10.99.0.1');
    const second = zoneDelta(first.held, changed);
    assert.equal(second.request?.reset, false);
    assert.deepEqual(second.request?.upsert.map((s) => s.name), ['hello']);
    const without = zoneDelta(second.held, { ...changed, services: changed.services.filter((s) => s.name !== 'dual') });
    assert.deepEqual(without.request?.remove, ['default/dual']);
    assert.equal(without.request?.upsert.length, 0);
    assert.equal(zoneDelta(without.held, { ...TEST_ZONE, ttlSeconds: 30 }).request?.reset, true, 'a new TTL re-sends the zone');
  });
});

describe('startDnsThread', { timeout: 60_000 }, () => {
  const threads: DnsThread[] = [];
  after(async () => {
    for (const t of threads) await t.close();
  });

  it('answers from the zone it is sent, follows changes and removals, and answers the public zones', async () => {
    const events: [DnsQueryEvent, number][] = [];
    const thread = await startDnsThread({ address: '127.0.0.1', port: 0, log: silentLogger, onQuery: (e, n) => events.push([e, n]) });
    threads.push(thread);
    assert.ok(thread.udpPort > 0);
    assert.equal(thread.tcpPort, thread.udpPort);
    assert.equal((await addresses(thread.udpPort, HELLO)).rcode, 'NXDOMAIN', 'no zone sent yet');

    thread.setZone(TEST_ZONE);
    await waitFor('the zone on the thread', async () => ((await addresses(thread.udpPort, HELLO)).rcode === 'NOERROR' ? true : undefined));
    const ip = TEST_ZONE.services.find((s) => s.name === 'hello')?.ips[0];
    assert.deepEqual((await addresses(thread.udpPort, HELLO)).data, [ip]);

    thread.setZone(withHelloIp(TEST_ZONE, '10.99.0.1'));
    await waitFor('the changed service', async () => ((await addresses(thread.udpPort, HELLO)).data[0] === '10.99.0.1' ? true : undefined));
    thread.setZone({ ...TEST_ZONE, services: TEST_ZONE.services.filter((s) => s.name !== 'hello') });
    await waitFor('the removed service', async () => ((await addresses(thread.udpPort, HELLO)).rcode === 'NXDOMAIN' ? true : undefined));

    assert.equal((await addresses(thread.udpPort, 'cases.example.com')).rcode, 'REFUSED', 'no public zone yet: not ours');
    thread.setPublic(PUBLIC_ZONES);
    await waitFor('the public zone', async () => ((await addresses(thread.udpPort, 'cases.example.com')).data.length > 0 ? true : undefined));

    // Every answered query reaches onQuery and the stats once flushed.
    const before = thread.stats().queries;
    for (let i = 0; i < 5; i++) await addresses(thread.udpPort, 'dual.default.svc.clusterset.local');
    await thread.flush();
    assert.ok(thread.stats().queries >= before + 5);
    const total = events.reduce((n, [, c]) => n + c, 0);
    assert.equal(total, thread.stats().queries, 'onQuery counted every answered query');
    assert.ok(events.some(([e]) => e.public?.hostname === 'cases.example.com'), 'public answers carry their choice');
  });

  it('is started again on the same port with the current zones when it dies', async () => {
    const thread = await startDnsThread({ address: '127.0.0.1', port: 0, log: silentLogger, workerModule: new URL('../../../test/faulty-dns-thread.ts', import.meta.url).href });
    threads.push(thread);
    thread.setZone(TEST_ZONE);
    thread.setPublic(PUBLIC_ZONES);
    await waitFor('the zone on the thread', async () => ((await addresses(thread.udpPort, HELLO)).rcode === 'NOERROR' ? true : undefined));
    const faults = new BroadcastChannel(DNS_THREAD_FAULTS);
    try {
      const armed = new Promise<void>((resolve) => {
        faults.onmessage = (event) => {
          if ((event as { data: unknown }).data === 'armed') resolve();
        };
      });
      faults.postMessage('exit');
      await armed;
    } finally {
      faults.close();
    }
    await waitFor('the restarted thread', () => (thread.restarts() === 1 && thread.serving() ? true : undefined), 15_000);
    // The zones are posted as it starts listening; a query may still overtake them.
    await waitFor('the zone on the restarted thread', async () => ((await addresses(thread.udpPort, HELLO)).rcode === 'NOERROR' ? true : undefined));
    await waitFor('and the public zones', async () => ((await addresses(thread.udpPort, 'cases.example.com')).data.length > 0 ? true : undefined));
  });
});
