/**
 * Killing the leader under load (issue 15, HA): two `lintas serve` processes share one PostgreSQL
 * store and compete for the leader lease (`--lease-duration 2s`); a gateway role is given both
 * control-plane URLs. Only the leader feeds gateways (a follower answers 503 not_leader), so the
 * gateway's stream and acknowledgements go to the leader. While requests flow through the gateway,
 * the leader gets SIGKILL: the gateway keeps serving its last config (no request fails), the other
 * replica takes the lease, the gateway's stream moves to it and it lists the gateway as acknowledged,
 * and it accepts an audited admin action (a drain), whose new config the gateway applies.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startGatewayRole, type GatewayRole } from '../src/dataplanes/index.ts';
import type { DataPlaneServing } from '../src/ir/index.ts';
import { createLogger } from '../src/observability/index.ts';
import { freePort } from './gateway-fleet.ts';
import { gatewayAddress, startGslbBackends, writeGslbFleet, type GslbBackends } from './gslb-fleet.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from './postgres.ts';
import { waitFor } from './wait.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const GATEWAY_TOKEN = 'ha-e2e-gateway-c1-0123456789abcdef';
const OPERATOR_TOKEN = 'ha-e2e-operator-0123456789abcdef';

/** Why the suite cannot run here, or undefined. */
function missing(): string | undefined {
  try {
    findPostgresBin();
    return undefined;
  } catch (error) {
    return `PostgreSQL is not installed (${(error as Error).message}); .ci/run installs it`;
  }
}

/** One `lintas serve` replica as a process of its own. */
interface Replica {
  readonly admin: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

/** GET `path` through the gateway with `Host: host`; the status, or 0 when no response came. */
function get(port: number, host: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: gatewayAddress(1), port, path: '/', headers: { host }, agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

const skip = missing();

describe('two control-plane replicas: the leader is killed under load', { timeout: 180_000, ...(skip !== undefined ? { skip } : {}) }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-ha-'));
  const errors: string[] = [];
  let pg: TestPostgres | undefined;
  let backends: GslbBackends | undefined;
  let role: GatewayRole | undefined;
  let gwPort = 0;
  const replicas: Replica[] = [];

  const startReplica = async (name: string, url: string): Promise<Replica> => {
    const port = await freePort('127.0.0.1');
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'bin/lintas.js'), 'serve', '--config', join(root, 'fleet'), '--no-embedded-gateways', '--auth-file', join(root, 'tokens.yaml'),
        '--store', url, '--lease-duration', '2s', '--dns', '127.0.0.1:0', '--admin', `127.0.0.1:${String(port)}`,
        '--state-dir', join(root, name), '--log-level', 'warn',
      ],
      { cwd: root, env: { ...process.env, NODE_TEST_CONTEXT: '', NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const replica: Replica = { admin: `http://127.0.0.1:${String(port)}`, child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))), stderr: '' };
    child.stderr?.on('data', (chunk: Buffer) => (replica.stderr += chunk.toString()));
    return replica;
  };

  before(async () => {
    pg = await startPostgres();
    backends = await startGslbBackends();
    gwPort = await freePort(gatewayAddress(1));
    writeGslbFleet(join(root, 'fleet'), gwPort, backends.port);
    writeFileSync(
      join(root, 'tokens.yaml'),
      `tokens:\n  - {token: ${GATEWAY_TOKEN}, subject: gateway-c1, roles: ['gateway:c1']}\n  - {token: ${OPERATOR_TOKEN}, subject: olivia, roles: [operator, viewer]}\n`,
    );
    for (const name of ['cp-a', 'cp-b']) replicas.push(await startReplica(name, pg.url));
    for (const r of replicas) {
      await waitFor(`${r.admin} /readyz`, async () => {
        if (r.child.exitCode !== null) throw new Error(`lintas serve exited with ${String(r.child.exitCode)}`);
        return (await fetch(`${r.admin}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined;
      }, 60_000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; stderr: ${r.stderr}`);
      });
    }
  });

  after(async () => {
    await role?.close();
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await backends?.close();
    await pg?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps serving through the kill, and the new leader feeds the gateway and takes actions', async (t) => {
    const log = createLogger({ level: 'error', write: (t) => void errors.push(t) });
    // The follower first: it refuses, and the stream moves on to the leader.
    const urls = replicas.map((r) => r.admin);
    const dataplaneOf = async (admin: string): Promise<DataPlaneServing | undefined> => {
      const res = await fetch(`${admin}/api/v1/dataplanes`).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const { dataplanes } = (await res.json()) as { dataplanes: DataPlaneServing[] };
      return dataplanes.find((d) => d.cluster === 'c1' && d.mode === 'remote' && d.state === 'acked' && d.version !== '');
    };
    role = await startGatewayRole({ cluster: 'c1', controlPlaneUrls: [...urls].reverse(), token: GATEWAY_TOKEN, log, write: () => undefined, backoff: { initialMs: 50, maxMs: 500 } });
    const first = await waitFor('the gateway serves a config from the leader', () => {
      const s = role?.status();
      return s?.connected === true && s.serving !== undefined ? s : undefined;
    }, 60_000);
    const leader = replicas.find((r) => r.admin === first.controlPlane);
    const follower = replicas.find((r) => r.admin !== first.controlPlane);
    assert.ok(leader !== undefined && follower !== undefined);
    await waitFor('the leader lists the gateway as acknowledged', () => dataplaneOf(leader.admin), 30_000);
    // The follower refuses to feed gateways.
    const refused = await fetch(`${follower.admin}/api/v1/config-stream/c1`, { headers: { authorization: `Bearer ${GATEWAY_TOKEN}` } });
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: string }).error, 'not_leader');
    const leaderGauge = async (admin: string): Promise<string | undefined> => /^lintas_control_plane_leader (\d)$/m.exec(await (await fetch(`${admin}/metrics`)).text())?.[1];
    assert.deepEqual([await leaderGauge(leader.admin), await leaderGauge(follower.admin)], ['1', '0']);

    // Load: two clients in a loop until told to stop (bounded by the test's own steps and a cap).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const statuses = new Map<number, number>();
    let stopLoad = false;
    const client = async (): Promise<void> => {
      for (let i = 0; i < 200_000 && !stopLoad; i++) {
        const status = await get(gwPort, 'rr.example.com', agent);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    const load = Promise.all([client(), client()]);
    await waitFor('requests flowing', () => ((statuses.get(200) ?? 0) >= 50 ? true : undefined), 30_000);

    const killedAt = performance.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    const moved = await waitFor('the gateway streams from the surviving replica', () => {
      const s = role?.status();
      return s?.connected === true && s.controlPlane === follower.admin ? s : undefined;
    }, 60_000);
    const movedMs = performance.now() - killedAt;
    assert.equal(moved.serving?.version, first.serving?.version, 'the same config: the resume needs no new version');
    await waitFor('the new leader lists the gateway as acknowledged', () => dataplaneOf(follower.admin), 30_000);
    assert.equal(await leaderGauge(follower.admin), '1');

    // The new leader writes: an audited drain of c2, whose new routing the gateway applies.
    const drained = await waitFor('the new leader accepts a drain', async () => {
      const res = await fetch(`${follower.admin}/api/v1/drain/c2`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'HA drill' }) });
      return res.status === 200 ? res : undefined;
    }, 30_000);
    await drained.arrayBuffer();
    const applied = await waitFor('the gateway applies the drained config', () => {
      const s = role?.status();
      return s?.serving !== undefined && s.serving.version !== first.serving?.version ? s : undefined;
    }, 30_000);
    await waitFor('the new leader lists that version as acknowledged', async () => {
      const d = await dataplaneOf(follower.admin);
      return d?.version === applied.serving?.version ? d : undefined;
    }, 30_000);
    const afterKill = statuses.get(200) ?? 0;
    await waitFor('requests still flowing after the move', () => ((statuses.get(200) ?? 0) >= afterKill + 50 ? true : undefined), 30_000);
    stopLoad = true;
    await load;
    agent.destroy();
    const failed = [...statuses].filter(([status]) => status !== 200);
    assert.deepEqual(failed, [], `every request through the gateway succeeded (${String(statuses.get(200) ?? 0)} OK)`);
    t.diagnostic(`${String(statuses.get(200) ?? 0)} requests, 0 failed; the stream moved to the new leader ${String(Math.round(movedMs))} ms after the SIGKILL (lease 2 s)`);
  });
});
