/**
 * The two roles end to end (issue 15): `lintas serve --no-embedded-gateways` as the control plane
 * of the capstone fleet, and a real `lintas gateway --cluster jkt-prod-1` process fed by its config
 * stream. The gateway binds jkt's listener and answers on it; the control plane lists its data
 * plane as remote and acknowledged, with the ownership it serves; the control plane's own process
 * binds no gateway listener.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli/main.ts';
import type { DataPlaneServing } from '../src/ir/index.ts';
import { freePort } from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CAPSTONE = join(REPO, 'examples/capstone');
const GATEWAY_TOKEN = 'gw-jkt-token-0123456789abcdef';

/** Resolves true when something accepts a TCP connection at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('lintas serve --no-embedded-gateways + lintas gateway', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-split-'));
  const controller = new AbortController();
  let admin = '';
  let exited: Promise<number> | undefined;
  let gateway: ReturnType<typeof spawn> | undefined;
  const errors: string[] = [];

  before(async () => {
    writeFileSync(join(root, 'tokens.yaml'), `tokens:\n  - {token: ${GATEWAY_TOKEN}, subject: gw-jkt, roles: ['gateway:jkt-prod-1']}\n`);
    const adminPort = await freePort('127.0.0.1');
    admin = `http://127.0.0.1:${String(adminPort)}`;
    const io = { out: () => undefined, err: (s: string) => void errors.push(s), env: {}, cwd: root };
    exited = run(
      ['serve', '--config', CAPSTONE, '--no-embedded-gateways', '--auth-file', join(root, 'tokens.yaml'), '--dns', '127.0.0.1:0', '--admin', `127.0.0.1:${String(adminPort)}`, '--state-dir', join(root, '.lintas'), '--log-level', 'error'],
      io,
      controller.signal,
    );
    await waitFor('control plane /readyz', async () => ((await fetch(`${admin}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000);
  });

  after(async () => {
    gateway?.kill('SIGTERM');
    controller.abort();
    assert.equal(await exited, 0, errors.join('\n'));
    rmSync(root, { recursive: true, force: true });
  });

  it('binds no gateway listener in the control plane itself', async () => {
    assert.equal(await accepts('127.1.255.1', 8080), false);
  });

  it('a gateway process gets jkt\'s slice, serves it, and the control plane lists it as remote and acknowledged', async () => {
    gateway = spawn(process.execPath, [join(REPO, 'bin/lintas.js'), 'gateway', '--cluster', 'jkt-prod-1', '--control-plane', admin, '--access-log', join(root, 'jkt-access.log')], {
      cwd: root,
      env: { ...process.env, LINTAS_GATEWAY_TOKEN: GATEWAY_TOKEN, NODE_TEST_CONTEXT: '', NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    gateway.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const jkt = await waitFor(
      'jkt-prod-1 acknowledged by its gateway process',
      async () => {
        const { dataplanes } = (await (await fetch(`${admin}/api/v1/dataplanes`)).json()) as { dataplanes: DataPlaneServing[] };
        // Acknowledged, and of the current slice: the control plane may publish a newer one (its first health round)
        // before the first ACK lands, and an ACK of an older one carries no ownership yet.
        return dataplanes.find((d) => d.cluster === 'jkt-prod-1' && d.mode === 'remote' && d.state === 'acked' && d.version !== '' && Object.keys(d.ownership).length > 0);
      },
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; gateway stderr: ${stderr}`);
    });
    assert.equal(jkt.ownership['cases/cases'], 1, 'it serves the ownership of the config it acknowledged');
    // Its listener answers HTTP (a host no route knows gets the gateway's own 404).
    const res = await fetch('http://127.1.255.1:8080/', { headers: { host: 'nobody.example' } });
    assert.equal(res.status, 404);
    // Only jkt's: the other clusters' listeners are not this process's.
    assert.equal(await accepts('127.2.255.1', 8080), false);
  });
});
