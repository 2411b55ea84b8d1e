import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { waitFor } from '../../test/wait.ts';
import { EMPTY_MCS_STATE, translateGateway, translateMcs } from '../controllers/index.ts';
import { loadFleetCase } from '../../test/fleet-case.ts';
import { silentLogger } from '../observability/index.ts';
import { openStore, type LintasStore } from '../store/index.ts';
import { createBus } from './bus.ts';
import { apiServerCluster, kubeStatusComponent, type KubeStatusComponent } from './kube-status.ts';
import { CONTROL_PLANE_LEASE } from './leadership.ts';

const CASE = fileURLToPath(new URL('../controllers/gateway/testdata-status/gateways-and-routes.in.yaml', import.meta.url));
const GATEWAY = '/apis/gateway.networking.k8s.io/v1/namespaces/infra/gateways/edge';

/** An audit record of a phase change of FailoverPolicy cases/p (primary c1, target c2: c2 has no API server). */
const transition = (time: string, after: string): Parameters<LintasStore['append']>[0][number] => ({ time, actor: 'alice', action: 'Propose', target: 'cases/p', reason: 'planned', before: { phase: 'Normal', owner: 'c1', epoch: 1 }, after: { phase: after, owner: 'c1', epoch: 1 }, evidence: { primary: 'c1', proposalTarget: 'c2' } });

describe('kube-status component', () => {
  let server: Server;
  let dir: string;
  let store: LintasStore;
  let component: KubeStatusComponent;
  const bus = createBus();
  /** Every request the API server got, with the replica's role when it came. */
  const seen: { request: string; role: string | undefined }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push({ request: `${req.method ?? ''} ${req.url ?? ''}`, role: bus.leader.get(CONTROL_PLANE_LEASE)?.role });
      req.resume();
      req.on('end', () => {
        const answer = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.method === 'GET' && req.url === GATEWAY) return answer(200, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'infra', generation: 2, resourceVersion: '7' } });
        if (req.method === 'PATCH' && req.url?.startsWith(`${GATEWAY}/status`) === true) return answer(200, {});
        if (req.method === 'POST' && req.url === '/api/v1/namespaces/cases/events') return answer(201, {});
        answer(404, { kind: 'Status', reason: 'NotFound' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    dir = await mkdtemp(join(tmpdir(), 'lintas-kube-status-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c1', cluster: { server: `http://127.0.0.1:${String(port)}`, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'c1', context: { cluster: 'c1', user: 'u' } }], 'current-context': 'c1' }));
    store = await openStore({ dataDir: join(dir, 'state') });
    const { snapshot } = loadFleetCase(readFileSync(CASE, 'utf8'), CASE, 'GatewayTestCase');
    const now = '2026-05-01T12:00:00Z';
    const mcs = translateMcs({ snapshot, now, state: EMPTY_MCS_STATE });
    const gateway = translateGateway({ snapshot, mcs, now });
    bus.mcs.set('latest', { version: 1, result: mcs, snapshot });
    bus.leader.set(CONTROL_PLANE_LEASE, { role: 'follower', reason: 'Starting' });
    component = kubeStatusComponent({ bus, kubeconfigPath: kubeconfig, registry: new Registry(), log: silentLogger, gateway: () => gateway, store, sourceSynced: () => true, pollMs: 20 });
    await component.start();
  });

  after(async () => {
    await component?.stop();
    await store?.close();
    server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('a follower sends nothing; the leader writes the status and records the Events of transitions after it took the lease', async () => {
    await store.append([transition('2020-01-01T00:00:00.000Z', 'Degraded')]);
    const looked = component.looks();
    await waitFor('three looks as a follower', () => (component.looks() >= looked + 3 ? true : undefined));
    assert.equal(seen.length, 0, 'a follower sends no request');
    bus.leader.set(CONTROL_PLANE_LEASE, { role: 'leader', holder: 'a', fence: { lease: CONTROL_PLANE_LEASE, token: 1 } });
    await waitFor('a status sync as the leader', () => (component.syncs() >= 1 ? true : undefined));
    assert.ok(seen.some((s) => s.request.startsWith(`PATCH ${GATEWAY}/status`)), 'the Gateway status is applied');
    await store.append([transition(new Date(Date.now() + 1000).toISOString(), 'FailoverPending')]);
    await waitFor('the FailoverProposed Event', () => (seen.some((s) => s.request === 'POST /api/v1/namespaces/cases/events') ? true : undefined));
    assert.equal(seen.filter((s) => s.request === 'POST /api/v1/namespaces/cases/events').length, 1, 'only the transition after the lease was taken (the Degraded one was the previous leader\'s)');
    assert.deepEqual([...new Set(seen.map((s) => s.role))], ['leader'], 'every request came while leading');
  });

  it('reads the cluster of an object the Kubernetes source made from its origin', () => {
    assert.equal(apiServerCluster('clusters/jkt-prod-1/kube/gateways/shop/edge'), 'jkt-prod-1');
    assert.equal(apiServerCluster('fleet/policies.yaml'), undefined);
  });
});
