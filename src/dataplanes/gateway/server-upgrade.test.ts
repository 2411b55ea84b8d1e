/**
 * Upgrade tunnels and listener drain: a tunnel counts as a request until it
 * closes, its access log line (status 101) is written then, and a listener
 * that leaves the config closes the tunnels still open at its drain deadline
 * (node:http's own connection tracking no longer sees upgraded sockets).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { backend, endpoint, eventually, match, rule, simpleIR, startGateway, upstream, type TestGateway } from './test-kit.ts';

describe('upgrade tunnels', { timeout: 30_000 }, () => {
  let origin: http.Server;
  let gw: TestGateway;

  before(async () => {
    // A backend that switches to echoing raw bytes.
    origin = http.createServer((_req, res) => res.end('plain'));
    origin.on('upgrade', (_req, socket: Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x-raw-echo\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.on('error', () => socket.destroy());
      socket.pipe(socket);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const port = (origin.address() as AddressInfo).port;
    gw = await startGateway(simpleIR([rule('raw', 0, { match: match(), backends: [backend('raw')] })], [upstream('raw', [endpoint(port)])]), { http: { drainTimeoutMs: 300 } });
  });

  after(async () => {
    await gw.close();
    origin.closeAllConnections();
    await new Promise<void>((r) => origin.close(() => r()));
  });

  test('a tunnel echoes both ways; a drained listener closes it at the deadline; its log line says 101', async () => {
    const socket = connect(gw.port(), '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write('GET /tunnel HTTP/1.1\r\nHost: raw.test\r\nConnection: Upgrade\r\nUpgrade: x-raw-echo\r\n\r\nfirst');
    await eventually(() => received.endsWith('first'));
    assert.match(received, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    socket.write('-second');
    await eventually(() => received.endsWith('first-second'));
    assert.equal(gw.lines.length, 0, 'no log line while the tunnel is open');
    // The listener leaves the config: the tunnel outlives the drain deadline and is closed then.
    await gw.dp.apply({ listeners: [], upstreams: [] });
    await closed;
    await eventually(() => gw.lines.length === 1);
    assert.equal(gw.lines[0]?.status, 101);
    assert.equal(gw.lines[0]?.path, '/tunnel');
  });
});
