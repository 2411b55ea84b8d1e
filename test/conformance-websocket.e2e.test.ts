/**
 * HTTP/1.1 Upgrade through `lintas serve`: the conformance suite's
 * HTTPRouteBackendProtocolWebSocket (a backend port with appProtocol
 * `kubernetes.io/ws`, a WebSocket client sending a text and a binary message)
 * with Node's built-in WebSocket client, plus other upgrades on raw sockets:
 * bytes sent with the request head reach the backend, a backend's refusal is
 * relayed and the connection closed, an unrouted upgrade gets 404,
 * `Upgrade: h2c` is served as plain HTTP/1.1, and the access log records the
 * tunnel (status 101) when it closes. Loopback 127.122.0.0/16.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { conformanceMissing, routeConditions, startConformanceFleet, type ConformanceFleet } from './conformance-fleet.ts';
import { removeDir, request } from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

/** Writes `text` on a new connection and collects what comes back until `done(received)` or the peer closes. */
function rawExchange(port: number, host: string, text: string, done: (received: string) => boolean): Promise<{ received: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let received = '';
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ received, closed });
    };
    socket.on('data', (c: Buffer) => {
      received += c.toString('latin1');
      if (done(received)) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', reject);
    socket.write(text);
  });
}

/** Opens a WebSocket and resolves when it is open (rejects on error). */
function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error(`websocket error: ${e.type}`));
  });
}

/** The next message of `ws`. */
function nextMessage(ws: WebSocket): Promise<string | ArrayBuffer> {
  return new Promise((resolve) => {
    ws.onmessage = (m: MessageEvent) => resolve(m.data as string | ArrayBuffer);
  });
}

describe('HTTP/1.1 Upgrade and WebSocket through lintas serve (conformance manifests)', { skip: conformanceMissing() ?? false, timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-conf-ws-'));
  let fleet: ConformanceFleet | undefined;
  let gw = { address: '', port: 0, url: '' };

  before(async () => {
    fleet = await startConformanceFleet(root, { net: '127.122', tests: ['backend-protocol-websocket.yaml'] });
    gw = fleet.gateway('same-namespace', 80);
  });
  after(async () => {
    try {
      await fleet?.stop();
    } finally {
      removeDir(root);
    }
  });

  it('the route to a kubernetes.io/ws port is Accepted with resolved refs (was ResolvedRefs=False/UnsupportedProtocol)', async () => {
    assert.deepEqual(await routeConditions(fleet, 'backend-protocol-ws'), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
  });

  it('HTTPRouteBackendProtocolWebSocket: a text and a binary message come back through the gateway', async () => {
    const ws = await openSocket(`ws://${gw.address}:${String(gw.port)}/ws`);
    try {
      const text = nextMessage(ws);
      ws.send('Websocket Support!');
      assert.equal(await text, 'Websocket Support!');
      const binary = nextMessage(ws);
      ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
      assert.deepEqual([...new Uint8Array((await binary) as ArrayBuffer)], [1, 2, 3, 4, 5, 6, 7]);
      // A larger message (16-bit length) in both directions.
      const big = nextMessage(ws);
      ws.send('x'.repeat(70_000));
      assert.equal(((await big) as string).length, 70_000);
    } finally {
      ws.close();
    }
    // The access log line is written when the tunnel closes: status 101, routed to the ws port's backend.
    const line = await waitFor('access log line of the tunnel', () => {
      const l = readFileSync(fleet?.serve.accessLog ?? '', 'utf8').split('\n').find((x) => x.includes('"path":"/ws"'));
      return l === undefined ? undefined : (JSON.parse(l) as { status: number; route: string; response_flags: string });
    });
    assert.equal(line.status, 101);
    assert.equal(line.route, 'gateway-conformance-infra/backend-protocol-ws/0');
    assert.equal(line.response_flags, '-');
  });

  it('another upgrade protocol: bytes sent with the request head reach the backend and are echoed back', async () => {
    const head = `GET /raw HTTP/1.1\r\nHost: raw.example\r\nConnection: Upgrade\r\nUpgrade: x-raw-echo\r\n\r\n`;
    const r = await rawExchange(gw.port, gw.address, `${head}early-bytes`, (got) => got.includes('early-bytes'));
    assert.match(r.received, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(r.received, /\r\nupgrade: x-raw-echo\r\n/i);
    assert.match(r.received, /\r\nx-echo-path: \/raw\r\n/i);
    assert.ok(r.received.endsWith('early-bytes'));
  });

  it('a backend that refuses the upgrade: its answer is relayed and the connection closed', async () => {
    const r = await rawExchange(gw.port, gw.address, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', () => false);
    assert.match(r.received, /^HTTP\/1\.1 400 /);
    assert.match(r.received, /\r\nconnection: close\r\n/i);
    assert.equal(r.closed, true);
  });

  it('an upgrade nothing routes: 404 and the connection closed', async () => {
    const other = fleet?.gateway('all-namespaces', 80);
    assert.ok(other !== undefined);
    const r = await rawExchange(other.port, other.address, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n', () => false);
    assert.match(r.received, /^HTTP\/1\.1 404 /);
    assert.equal(r.closed, true);
  });

  it('Upgrade: h2c is not performed: the request is served as HTTP/1.1 and the header is not forwarded', async () => {
    const r = await request(`${gw.url}/plain`, { headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA' } });
    assert.equal(r.status, 200);
    const body = r.body as { headers?: Record<string, string[]>; proto?: string };
    assert.equal(body.proto, 'HTTP/1.1');
    assert.equal(body.headers?.Upgrade, undefined);
    assert.equal(body.headers?.['Http2-Settings'], undefined);
  });
});
