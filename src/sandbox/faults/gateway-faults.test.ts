import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { gatewayFaults } from './gateway-faults.ts';

const get = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 300, agent: false }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

describe('gateway faults of lintas up', () => {
  it('partition holds the gateway address unanswered, heal and down/up give it back to the gateway', async () => {
    // A stand-in for one cluster's gateway listener: closed on "down", bound again on "up".
    let server: http.Server | undefined;
    let port = 0;
    const bind = async (): Promise<void> => {
      const s = http.createServer((_req, res) => res.end('ok'));
      await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
      port = (s.address() as AddressInfo).port;
      server = s;
    };
    await bind();
    const pending: Promise<void>[] = [];
    const faults = gatewayFaults({
      setClusterDown: (cluster, down) => {
        assert.equal(cluster, 'sgp-prod-1');
        if (down) {
          const s = server;
          server = undefined;
          // The real gateway lets go of its address asynchronously, after its drain.
          pending.push(new Promise((r) => setTimeout(() => (s === undefined ? r() : s.close(() => r())), 100)));
        } else pending.push(Promise.all(pending).then(bind));
      },
      gatewayUrl: (cluster) => (cluster === 'sgp-prod-1' ? `http://127.0.0.1:${String(port)}` : undefined),
    });
    assert.equal(await get(port), '200');
    await faults.setGatewayPartitioned('sgp-prod-1', true);
    assert.equal(await get(port), 'timeout');
    await faults.setGatewayPartitioned('sgp-prod-1', false);
    await Promise.all(pending);
    assert.equal(await get(port), '200');
    // A cluster taken down while partitioned frees the address, so "up" can rebind it.
    await faults.setGatewayPartitioned('sgp-prod-1', true);
    await faults.setGatewayDown('sgp-prod-1', true);
    assert.equal(await get(port), 'ECONNREFUSED');
    await faults.setGatewayDown('sgp-prod-1', false);
    await Promise.all(pending);
    assert.equal(await get(port), '200');
    await faults.close();
    await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
  });
});
