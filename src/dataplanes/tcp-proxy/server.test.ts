/**
 * Tests of the east-west TCP proxy with real sockets: bytes flow both ways to an
 * imported endpoint, a refused endpoint is retried elsewhere before the client
 * notices, no usable endpoint closes the client with UH, and a config swap keeps
 * established connections while a removed listener stops accepting.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { TcpListenerIR, UpstreamEndpointIR, UpstreamIR } from '../../ir/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { deadPort } from '../gateway/test-kit.ts';
import { createUpstreamSet } from '../gateway/upstream/index.ts';
import { createTcpProxy, type TcpConnectionEvent } from './server.ts';

async function echoServer(tag: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('data', (d) => s.write(`${tag}:${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const endpoint = (port: number, cluster: string): UpstreamEndpointIR => ({ address: '127.0.0.1', port, cluster, region: cluster, ready: true, serving: true, terminating: false });
const upstream = (endpoints: UpstreamEndpointIR[]): UpstreamIR => ({ key: 'ServiceImport/demo/db:5432', kind: 'ServiceImport', namespace: 'demo', name: 'db', port: 5432, protocol: 'tcp', endpoints });
const listener: TcpListenerIR = { key: '127.0.0.1:0', address: '127.0.0.1', port: 0, serviceImport: 'demo/db', upstream: 'ServiceImport/demo/db:5432', entryBySource: [{ cidr: '127.0.0.0/8', cluster: 'c1', region: 'c1' }] };

/** Sends `text`, resolves with the first reply, or `closed` when the proxy hangs up. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(text));
    socket.once('data', (d) => {
      resolve(d.toString());
      socket.destroy();
    });
    socket.once('close', () => resolve('closed'));
    socket.once('error', reject);
  });
}

describe('createTcpProxy', () => {
  const events: TcpConnectionEvent[] = [];
  const upstreams = createUpstreamSet({ log: silentLogger });
  const proxy = createTcpProxy({ log: silentLogger, upstreams, onConnection: (e) => events.push(e) });
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    await proxy.close();
    upstreams.close();
    await Promise.all(closers.map((c) => c()));
  });

  it('splices bytes to an endpoint and reports the connection', async () => {
    const a = await echoServer('a');
    closers.push(a.close);
    upstreams.update([upstream([endpoint(a.port, 'c1')])]);
    const { failed } = await proxy.apply([listener]);
    assert.deepEqual(failed, []);
    const port = proxy.listeners()[0]?.port ?? 0;
    assert.equal(await exchange(port, 'hello'), 'a:hello');
    for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(events[0]?.responseFlags, '-');
    assert.equal(events[0]?.entryCluster, 'c1');
    assert.equal(events[0]?.upstream?.port, a.port);
  });

  it('retries a refused endpoint on another one before the client notices', async () => {
    const b = await echoServer('b');
    closers.push(b.close);
    const dead = await deadPort();
    upstreams.update([upstream([endpoint(dead, 'c1'), endpoint(b.port, 'c2')])]);
    const port = proxy.listeners()[0]?.port ?? 0;
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => exchange(port, `m${i}`)));
    assert.deepEqual(replies, Array.from({ length: 20 }, (_, i) => `b:m${i}`));
  });

  it('closes the client when no endpoint is usable', async () => {
    upstreams.update([upstream([])]);
    events.length = 0;
    const port = proxy.listeners()[0]?.port ?? 0;
    assert.equal(await exchange(port, 'x'), 'closed');
    // Connections of the previous test may still be reporting: look for this one's.
    for (let i = 0; i < 100 && !events.some((e) => e.upstream === undefined); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events.filter((e) => e.upstream === undefined).map((e) => e.responseFlags), ['UH']);
  });

  it('keeps an established connection when its listener is removed, and stops accepting', async () => {
    const c = await echoServer('c');
    closers.push(c.close);
    upstreams.update([upstream([endpoint(c.port, 'c1')])]);
    const port = proxy.listeners()[0]?.port ?? 0;
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const first = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
    socket.write('one');
    assert.equal(await first, 'c:one');
    await proxy.apply([]);
    assert.deepEqual(proxy.listeners(), []);
    const second = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
    socket.write('two');
    assert.equal(await second, 'c:two');
    socket.destroy();
    await assert.rejects(exchange(port, 'late'), { code: 'ECONNREFUSED' });
  });
});
