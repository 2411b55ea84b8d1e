/**
 * The network agents, run here in this machine's namespace (no root needed): a relay pipes its
 * loopback port to a Unix socket, and a dialer refuses every address outside the sandbox's range,
 * so nothing but a sandbox pod address is ever dialled (a positive dial needs the namespaces: the
 * e2e test of `up --kube` makes every probe through it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dialAgent, startNetnsAgent, startRelayListener, type NetnsAgent } from './netns-agent.ts';

const AGENT = { file: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('./agent-main.ts', import.meta.url))] };

function get(options: http.RequestOptions): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ ...options, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ ...(res.statusCode !== undefined ? { status: res.statusCode } : {}), body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

describe('network agents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-agent-'));
  let backend: http.Server;
  let agent: NetnsAgent;
  let relayPort: number;
  let backendPort: number;
  let relay: { close(): Promise<void> };

  before(async () => {
    backend = http.createServer((req, res) => res.end(`hello ${req.headers.host ?? ''}`));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendPort = (backend.address() as AddressInfo).port;
    // The relay listens on a port of its own and ends at the backend, through `up`'s side of the socket.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    relayPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    relay = await startRelayListener(join(dir, 'cp.sock'), backendPort);
    // Without `ip netns exec`: the agent in this namespace.
    agent = await startNetnsAgent(AGENT, { dialSocket: join(dir, 'dial.sock'), relay: { port: relayPort, socket: join(dir, 'cp.sock') } }, 'ignore');
  });

  after(async () => {
    await agent.stop();
    await relay.close();
    await new Promise<void>((r) => backend.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a relay carries a request from its loopback port to the Unix socket and on to the backend', async () => {
    assert.deepEqual(await get({ host: '127.0.0.1', port: relayPort, path: '/' }), { status: 200, body: `hello 127.0.0.1:${String(relayPort)}` });
  });

  it('a dialer refuses an address outside 10.0.0.0/8: the request fails and the backend is never reached', async () => {
    const answer = await get({ host: '127.0.0.1', port: backendPort, path: '/', agent: dialAgent(join(dir, 'dial.sock')) });
    assert.equal(answer.status, undefined);
    assert.ok(answer.error !== undefined);
  });
});

