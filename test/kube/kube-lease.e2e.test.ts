/**
 * Leader election through a coordination.k8s.io/v1 Lease on a real kube-apiserver (issue 16 item 3,
 * the 2-replica control plane of deploy/): two replicas, exactly one leads; the leader's connection
 * cut (a partitioned replica) or its process killed hands the Lease over once it expires; a clean
 * stop hands it over at once; `lintas_control_plane_leader` follows.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/observability/index.ts';
import { createBus, type Bus } from '../../src/runtime/bus.ts';
import { leasePath } from '../../src/runtime/kube-lease.ts';
import { CONTROL_PLANE_LEASE, currentFence, fencedStore, leaderComponent } from '../../src/runtime/leadership.ts';
import { KubeApiError, kubeconfigClient, type KubeClient } from '../../src/sources/index.ts';
import { openStore, type LintasStore } from '../../src/store/index.ts';
import { REPO } from '../../src/cli/test-cli.ts';
import { waitFor } from '../wait.ts';
import { kubeBinariesMissing, startKubeFleet, type TestKubeFleet } from './fleet.ts';

const missing = kubeBinariesMissing();
const MANAGEMENT = 'jkt-prod-1';
const NAMESPACE = 'lintas-system';

/** A client whose connection the test can cut: every request then fails as an unreachable server would. */
function cuttable(client: KubeClient): { client: KubeClient; cut(): void } {
  let cut = false;
  return {
    client: { server: client.server, request: (method, path, options) => (cut ? Promise.reject(new KubeApiError(0, undefined, `${method} ${client.server}${path}: connection cut by the test`)) : client.request(method, path, options)) },
    cut: () => (cut = true),
  };
}

async function leaderGauge(registry: Registry): Promise<number> {
  const metric = await registry.getSingleMetric('lintas_control_plane_leader')?.get();
  return metric?.values[0]?.value ?? -1;
}

/** A replica in a child process (so the test can SIGKILL it): prints its role on every change. */
const CHILD = `
import { KubeConfig } from '@kubernetes/client-node';
import { silentLogger } from './src/observability/index.ts';
import { createBus } from './src/runtime/bus.ts';
import { CONTROL_PLANE_LEASE, leaderComponent } from './src/runtime/leadership.ts';
import { kubeconfigClient } from './src/sources/index.ts';
import { openStore } from './src/store/index.ts';
const [kubeconfigPath, dataDir, context, namespace] = process.argv.slice(-4);
const kubeconfig = new KubeConfig();
kubeconfig.loadFromFile(kubeconfigPath);
const bus = createBus();
const component = leaderComponent({ bus, store: await openStore({ dataDir }), holder: 'replica-killed', ttlMs: 4000, renewMs: 300, log: silentLogger, kubeLease: { client: kubeconfigClient(kubeconfig, context), namespace } });
await component.start();
for await (const update of bus.leader.subscribe()) console.log(update.state.get(CONTROL_PLANE_LEASE)?.role);
`;

describe('Lease leader election on a real kube-apiserver', { skip: missing }, () => {
  let fleet: TestKubeFleet;
  let dir: string;
  before(async () => {
    fleet = await startKubeFleet();
    dir = await mkdtemp(join(tmpdir(), 'lintas-kube-lease-'));
    const created = await fleet.request(MANAGEMENT, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    assert.ok(created.status === 201 || created.status === 409, JSON.stringify(created.body));
  });
  after(async () => {
    await fleet?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('one leader; a cut leader loses the Lease to the other within the lease duration; a clean stop hands over at once', async () => {
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(fleet.kubeconfigPath);
    const stores: LintasStore[] = [await openStore({ dataDir: dir }), await openStore({ dataDir: dir })];
    const lease = { ttlMs: 4_000, renewMs: 300 };
    const replicas = ['replica-a', 'replica-b'].map((holder, i) => {
      const bus: Bus = createBus();
      const registry = new Registry();
      const link = cuttable(kubeconfigClient(kubeconfig, MANAGEMENT));
      const component = leaderComponent({ bus, store: stores[i]!, holder, ...lease, log: silentLogger, registry, kubeLease: { client: link.client, namespace: NAMESPACE } });
      return { holder, bus, registry, link, component, store: stores[i]! };
    });
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const role = (r: typeof a): string | undefined => r.bus.leader.get(CONTROL_PLANE_LEASE)?.role;
    try {
      await a.component.start();
      await waitFor('replica-a to lead', () => (role(a) === 'leader' ? true : undefined));
      await b.component.start();
      const readLease = async (): Promise<{ holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number }> => ((await fleet.request(MANAGEMENT, 'GET', leasePath(NAMESPACE, CONTROL_PLANE_LEASE))).body as { spec: { holderIdentity?: string; leaseTransitions?: number } }).spec;
      assert.equal((await readLease()).holderIdentity, 'replica-a');
      assert.equal((await readLease()).leaseDurationSeconds, 4);
      assert.deepEqual(b.bus.leader.get(CONTROL_PLANE_LEASE), { role: 'follower', reason: 'HeldByOther', leader: 'replica-a' });
      assert.deepEqual([await leaderGauge(a.registry), await leaderGauge(b.registry)], [1, 0]);
      // Only the leader's fenced writes land (the store's lease, taken by the Lease holder only).
      const writes = (r: typeof a): LintasStore => fencedStore(r.store, () => currentFence(r.bus.leader.get(CONTROL_PLANE_LEASE)));
      await writes(a).append([{ actor: 'a', action: 'Test', target: 't' }]);
      await assert.rejects(writes(b).append([{ actor: 'b', action: 'Test', target: 't' }]), /STORE_FENCED|fenced/i);

      // A's API server connection is cut: it steps down by its renew deadline, B takes the Lease once it expired.
      a.link.cut();
      await waitFor('replica-a to step down', () => (role(a) === 'follower' ? true : undefined));
      await waitFor('replica-b to lead', () => (role(b) === 'leader' ? true : undefined));
      const handedOver = await readLease();
      assert.equal(handedOver.holderIdentity, 'replica-b');
      assert.equal(handedOver.leaseTransitions, 1);
      assert.deepEqual([await leaderGauge(a.registry), await leaderGauge(b.registry)], [0, 1]);
      await writes(b).append([{ actor: 'b', action: 'Test', target: 't' }]);
      await assert.rejects(writes(a).append([{ actor: 'a', action: 'Test', target: 't' }]), /STORE_FENCED|fenced/i);

      // A clean stop releases the Lease: a fresh replica takes it on its next round, not after the duration.
      await a.component.stop();
      const c = { bus: createBus(), registry: new Registry() };
      const third = leaderComponent({ bus: c.bus, store: stores[0]!, holder: 'replica-c', ...lease, log: silentLogger, registry: c.registry, kubeLease: { client: kubeconfigClient(kubeconfig, MANAGEMENT), namespace: NAMESPACE } });
      await third.start();
      assert.equal(c.bus.leader.get(CONTROL_PLANE_LEASE)?.role, 'follower');
      await b.component.stop();
      assert.equal((await readLease()).holderIdentity, '');
      await waitFor('replica-c to lead after the clean stop', () => (c.bus.leader.get(CONTROL_PLANE_LEASE)?.role === 'leader' ? true : undefined));
      assert.equal((await readLease()).leaseTransitions, 2);
      await third.stop();
    } finally {
      for (const r of replicas) await r.component.stop();
      for (const s of stores) await s.close();
    }
  });

  it('a leader killed (SIGKILL: no release of the Lease or the store lease) is replaced once its Lease expired', async () => {
    const killedDir = await mkdtemp(join(tmpdir(), 'lintas-kube-lease-kill-'));
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, fleet.kubeconfigPath, killedDir, MANAGEMENT, NAMESPACE], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(fleet.kubeconfigPath);
    const store = await openStore({ dataDir: killedDir });
    const bus = createBus();
    const survivor = leaderComponent({ bus, store, holder: 'replica-survivor', ttlMs: 4_000, renewMs: 300, log: silentLogger, kubeLease: { client: kubeconfigClient(kubeconfig, MANAGEMENT), namespace: NAMESPACE } });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await waitFor('the child to lead', () => (out.split('\n').includes('leader') ? true : undefined), 60_000);
      await survivor.start();
      assert.deepEqual(bus.leader.get(CONTROL_PLANE_LEASE), { role: 'follower', reason: 'HeldByOther', leader: 'replica-killed' });
      child.kill('SIGKILL');
      await exited;
      await waitFor('the survivor to lead', () => (bus.leader.get(CONTROL_PLANE_LEASE)?.role === 'leader' ? true : undefined), 60_000);
      const spec = ((await fleet.request(MANAGEMENT, 'GET', leasePath(NAMESPACE, CONTROL_PLANE_LEASE))).body as { spec: { holderIdentity: string } }).spec;
      assert.equal(spec.holderIdentity, 'replica-survivor');
    } finally {
      child.kill('SIGKILL');
      await survivor.stop();
      await store.close();
      await rm(killedDir, { recursive: true, force: true });
    }
  });
});
