/**
 * Read-your-writes through real sockets (issue 14 item 13): after a mutation of a key through
 * the gateway, that key's reads go to its owner for the policy's window (the nearest region
 * may not have replicated the write yet), then nearest again; an owner without a usable
 * endpoint never makes a read fail. The gateway's clock is a fake one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GatewayIR, TrafficPolicyIR } from '../../ir/index.ts';
import { backend, casesPolicy, deadPort, endpoint, listener, rule, send, startBackend, startGateway, upstream, vhost, type TestBackend, type TestGateway } from './test-kit.ts';

const WINDOW_MS = 10_000;

/** The Owner-mode cases policy (no Idempotency-Key needed here), with or without read-your-writes. */
const policy = (readYourWrites: boolean): TrafficPolicyIR =>
  casesPolicy({ requireIdempotencyKey: false }, readYourWrites ? { readYourWrites: { windowMs: WINDOW_MS, maxKeys: 100 } } : {});

describe('read-your-writes through the gateway', { timeout: 60_000 }, () => {
  let jkt: TestBackend;
  let sgp: TestBackend;
  let dead: number;
  let clock = Date.parse('2026-05-01T12:00:00Z');
  const gateways: TestGateway[] = [];

  const ir = (p: TrafficPolicyIR, sgpPort: number): GatewayIR => ({
    listeners: [listener('127.0.0.1:0', [vhost('*', [rule('cases', 0, { backends: [backend('cases')] })])], { cluster: 'jkt', region: 'id' })],
    upstreams: [upstream('cases', [endpoint(jkt.port, 'jkt', { region: 'id' }), endpoint(sgpPort, 'sgp', { region: 'sg' })], { policy: p.key })],
    policies: [p],
  });
  const start = async (p: TrafficPolicyIR, sgpPort = sgp.port): Promise<number> => {
    const gw = await startGateway(ir(p, sgpPort), { now: () => clock });
    gateways.push(gw);
    return gw.port();
  };
  const write = (port: number, key: string) => send(port, '/cases', { method: 'POST', body: '{}', headers: { 'x-case-id': key } });
  const readFrom = async (port: number, key: string): Promise<string> => {
    const r = await send(port, `/cases/${key}`, { headers: { 'x-case-id': key } });
    assert.equal(r.status, 200);
    return r.json().backend;
  };

  before(async () => {
    [jkt, sgp] = await Promise.all([startBackend('jkt'), startBackend('sgp')]);
    dead = await deadPort();
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all([jkt, sgp].map((b) => b.close()));
  });

  test('without the option a read right after a write goes to the nearest region (stale until replication)', async () => {
    const port = await start(policy(false));
    assert.equal((await write(port, 'SGP-1')).json().backend, 'sgp');
    assert.equal(await readFrom(port, 'SGP-1'), 'jkt');
  });

  test('with it, the written key\'s reads go to its owner for the window, other keys nearest, then nearest again', async () => {
    const port = await start(policy(true));
    assert.equal((await write(port, 'SGP-1')).json().backend, 'sgp');
    assert.equal(await readFrom(port, 'SGP-1'), 'sgp');
    assert.equal(await readFrom(port, 'SGP-2'), 'jkt', 'a key not written through this gateway reads nearest');
    assert.equal(await readFrom(port, 'JKT-1'), 'jkt');
    clock += WINDOW_MS - 1;
    assert.equal(await readFrom(port, 'SGP-1'), 'sgp');
    clock += 1;
    assert.equal(await readFrom(port, 'SGP-1'), 'jkt', 'the window ended');
  });

  test('an owner that refuses connections never fails the read: it is retried nearest', async () => {
    const port = await start(policy(true), dead);
    // The write fails (connect refused at the owner), but it was remembered.
    assert.notEqual((await write(port, 'SGP-3')).status, 200);
    assert.equal(await readFrom(port, 'SGP-3'), 'jkt');
  });
});
