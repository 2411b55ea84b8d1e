import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DataPlaneServing } from '../ir/index.ts';
import { openStore, type LintasStore } from '../store/index.ts';
import type { RuntimeConfig } from './config.ts';
import { ComponentStartError } from './component.ts';
import { startServeRuntime } from './serve-runtime.ts';
import { loopbackRuntimeConfig } from '../../test/runtime-config.ts';
import { waitFor } from '../../test/wait.ts';

const CAPSTONE = fileURLToPath(new URL('../../examples/capstone', import.meta.url));

/** Binds `host:port` and releases it: resolves true when nothing else holds it. */
function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The runtime config of the capstone on free loopback ports, its state in `stateDir`. */
function capstoneConfig(stateDir: string, store: LintasStore): RuntimeConfig {
  return loopbackRuntimeConfig(CAPSTONE, stateDir, store);
}

describe('startServeRuntime', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-runtime-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a component that cannot start (DNS on a taken port) stops the ones before it: no port left bound', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const store = await openStore({ dataDir: join(root, 'a') });
    try {
      await assert.rejects(
        startServeRuntime({ ...capstoneConfig(join(root, 'a'), store), dns: { host: '127.0.0.1', port } }),
        (error: unknown) => error instanceof ComponentStartError && error.component === 'dns',
      );
      // The gateway started before DNS and bound the capstone's listeners once the fleet translated (or not yet): either way none is held now.
      for (const address of ['127.1.255.1', '127.2.255.1', '127.3.255.1']) assert.equal(await canBind(address, 8080), true, `${address}:8080 left bound`);
    } finally {
      await store.close();
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('starts, is ready once every component is (incl. the first health round), and stops leaving nothing bound', async () => {
    const store = await openStore({ dataDir: join(root, 'b') });
    const runtime = await startServeRuntime(capstoneConfig(join(root, 'b'), store));
    try {
      // Ready means the first health round is in the bus too (issue 15: no 503s from an unknown health state).
      for await (const update of runtime.bus.health.subscribe()) if (update.state.get('latest') !== undefined) break;
      await waitFor('/readyz 200', async () => ((await fetch(`${runtime.adminUrl}/readyz`)).status === 200 ? true : undefined), 30_000);
      assert.ok(runtime.gateway.bound().includes('127.1.255.1:8080'));
      // Every cluster's embedded gateway acknowledged the config it serves, with the ownership epochs in it.
      const { dataplanes } = (await (await fetch(`${runtime.adminUrl}/api/v1/dataplanes`)).json()) as { dataplanes: DataPlaneServing[] };
      assert.deepEqual(dataplanes.map((d) => [d.cluster, d.mode, d.state]), [
        ['jkt-prod-1', 'embedded', 'acked'],
        ['sgp-prod-1', 'embedded', 'acked'],
        ['tyo-prod-1', 'embedded', 'acked'],
      ]);
      assert.equal(dataplanes[0]?.ownership['cases/cases'], 1);
    } finally {
      await runtime.stop();
      await store.close();
    }
    assert.equal(await canBind('127.1.255.1', 8080), true);
    assert.equal(runtime.gateway.bound().length, 0);
  });
});
