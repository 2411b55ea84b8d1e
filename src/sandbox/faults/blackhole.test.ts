import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { startBlackhole } from './blackhole.ts';

const get = (port: number, timeoutMs: number): Promise<string> =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(`status ${String(res.statusCode)}`);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

describe('blackhole', () => {
  it('accepts connections and never answers: clients time out instead of being refused', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    assert.equal(await get(port, 300), 'ECONNREFUSED');
    const hole = await startBlackhole('127.0.0.1', port);
    assert.equal(await get(port, 300), 'timeout');
    assert.equal(hole.accepted(), 1);
    await hole.close();
    assert.equal(await get(port, 300), 'ECONNREFUSED');
  });

  it('waits for the address to be released by a server that is still closing', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    assert.equal(await get(port, 1000), 'status 200');
    const starting = startBlackhole('127.0.0.1', port, 5000);
    setTimeout(() => server.close(), 200);
    const hole = await starting;
    assert.equal(await get(port, 300), 'timeout');
    await hole.close();
  });

  it('gives up with a stable code when the address stays in use', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await assert.rejects(startBlackhole('127.0.0.1', port, 200), { code: 'BLACKHOLE_ADDRESS_IN_USE' });
    await new Promise<void>((r) => server.close(() => r()));
  });
});
