/**
 * Status write-back beyond MCS, and failover Events, against three real kube-apiservers (issue 16
 * item 2), through `lintas serve --kubeconfig` (the runtime): a Lintas Gateway and HTTPRoutes applied
 * in jkt get their Gateway API status with observedGeneration (Accepted, Programmed once the cluster's
 * data plane acknowledged its config, listeners with attachedRoutes; the parents entry of an
 * HTTPRoute and of a GRPCRoute with Lintas's controllerName); a route whose backendRef names no Service gets ResolvedRefs False /
 * BackendNotFound; another controller's parents entry on the same route is kept; a failover proposal
 * becomes a FailoverProposed Event regarding the FailoverPolicy in both affected clusters.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startServeRuntime, type ServeRuntime } from '../../src/runtime/index.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { openStore, type LintasStore } from '../../src/store/index.ts';
import { waitFor } from '../wait.ts';
import { installSharedCrds, kubeBinariesMissing, sharedCrdFiles, startKubeFleet, TEST_CLUSTERS, type TestKubeFleet } from './fleet.ts';
import { scenarioClient, seedExport, writeFleetDir, type ScenarioClient } from './mcs-scenario.ts';

const JKT = 'jkt-prod-1';
const SGP = 'sgp-prod-1';
const GATEWAY_API = '/apis/gateway.networking.k8s.io/v1';
const GATEWAYS = `${GATEWAY_API}/namespaces/shop/gateways`;
const ROUTES = `${GATEWAY_API}/namespaces/shop/httproutes`;
const GRPC_ROUTES = `${GATEWAY_API}/namespaces/shop/grpcroutes`;
const OURS = 'lintas.dev/gateway-controller';
const OTHER = 'example.com/other-controller';

const skip = kubeBinariesMissing() ?? (sharedCrdFiles().some((f) => f.includes('gateway.networking.k8s.io')) ? undefined : 'the Gateway API CRDs (../shared/crds/gateway-api/standard) are absent: there are no Gateways to write status to');

interface Cond {
  type: string;
  status: string;
  reason: string;
  observedGeneration?: number;
}
interface GatewayObj {
  metadata: { generation: number };
  status?: { conditions?: Cond[]; listeners?: { name: string; attachedRoutes: number; conditions: Cond[] }[] };
}
interface RouteObj {
  metadata: { generation: number; resourceVersion: string };
  status?: { parents?: { controllerName: string; parentRef: { name: string }; conditions: Cond[] }[] };
}

const show = (conditions: readonly Cond[] | undefined): string[] => (conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}@${String(c.observedGeneration)}`);

/** The failover story's fleet objects: TrafficPolicy shop/web on the ServiceImport, FailoverPolicy shop/web (Manual) from jkt to sgp. */
const FAILOVER_YAML = [
  { apiVersion: 'lintas.dev/v1alpha1', kind: 'TrafficPolicy', metadata: { name: 'web', namespace: 'shop' }, spec: { targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'web' }] } },
  { apiVersion: 'lintas.dev/v1alpha1', kind: 'FailoverPolicy', metadata: { name: 'web', namespace: 'shop' }, spec: { targetRef: { kind: 'TrafficPolicy', name: 'web' }, mode: 'Manual', from: JKT, to: [SGP], failback: { mode: 'Manual' } } },
]
  .map((o) => stringify(o))
  .join('---\n');

describe('status write-back and failover Events against real kube-apiservers', { skip }, () => {
  let fleet: TestKubeFleet;
  let dir: string;
  let store: LintasStore;
  let runtime: ServeRuntime | undefined;
  let k: ScenarioClient;

  const gateway = async (): Promise<GatewayObj | undefined> => (await k.get(JKT, `${GATEWAYS}/edge`)) as unknown as GatewayObj | undefined;
  const route = async (name: string): Promise<RouteObj | undefined> => (await k.get(JKT, `${ROUTES}/${name}`)) as unknown as RouteObj | undefined;

  before(async () => {
    fleet = await startKubeFleet();
    k = scenarioClient(fleet);
    await Promise.all(TEST_CLUSTERS.map((c) => installSharedCrds(fleet, c.name)));
    await seedExport(k);
    await k.apply(JKT, `${GATEWAY_API}/gatewayclasses`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'lintas' }, spec: { controllerName: OURS } });
    await k.apply(JKT, `${GATEWAY_API}/gatewayclasses`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'other' }, spec: { controllerName: OTHER } });
    await k.apply(JKT, GATEWAYS, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'shop' },
      // The embedded gateways are off (embeddedGateways none): nothing binds this address.
      spec: { gatewayClassName: 'lintas', addresses: [{ type: 'IPAddress', value: '127.0.0.1' }], listeners: [{ name: 'http', protocol: 'HTTP', port: 18080, allowedRoutes: { namespaces: { from: 'All' } } }] },
    });
    await k.apply(JKT, GATEWAYS, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'theirs', namespace: 'shop' }, spec: { gatewayClassName: 'other', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } });
    await k.apply(JKT, ROUTES, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'shop' }, spec: { parentRefs: [{ name: 'edge' }, { name: 'theirs' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } });
    await k.apply(JKT, GRPC_ROUTES, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'rpc', namespace: 'shop' }, spec: { parentRefs: [{ name: 'edge' }], hostnames: ['rpc.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } });
    await k.apply(JKT, ROUTES, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'broken', namespace: 'shop' }, spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'missing', port: 80 }] }] } });
    // The other controller's status for its own parent, written before Lintas starts.
    const web = await route('web');
    const theirs = { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'theirs' }, controllerName: OTHER, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'theirs', observedGeneration: web?.metadata.generation, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
    const patched = await fleet.request(JKT, 'PATCH', `${ROUTES}/web/status?fieldManager=other-controller`, { status: { parents: [theirs] } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    dir = await mkdtemp(join(tmpdir(), 'lintas-kube-status-'));
    await writeFleetDir(dir);
    await writeFile(join(dir, 'fleet', 'fleet', 'failover.yaml'), FAILOVER_YAML);
    store = await openStore({ dataDir: join(dir, 'state') });
    runtime = await startServeRuntime({ ...testRuntimeConfig(join(dir, 'fleet'), join(dir, 'state'), store), kubeconfigPath: fleet.kubeconfigPath, embeddedGateways: 'none' });
  });

  after(async () => {
    await runtime?.stop();
    await store?.close();
    await fleet?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('a Lintas Gateway in jkt gets Accepted, then Programmed once jkt\'s data plane acknowledged its config, with observedGeneration and attachedRoutes', async () => {
    const pending = await waitFor('the Gateway status written (Programmed pending: no data plane yet)', async () => {
      const gw = await gateway();
      return gw?.status?.conditions?.some((c) => c.type === 'Accepted' && c.reason === 'Accepted') === true ? gw : undefined;
    }, 60_000);
    const generation = pending.metadata.generation;
    assert.deepEqual(show(pending.status?.conditions), [`Accepted=True/Accepted@${String(generation)}`, `Programmed=False/Pending@${String(generation)}`]);
    assert.equal(pending.status?.listeners?.[0]?.name, 'http');
    assert.equal(pending.status?.listeners?.[0]?.attachedRoutes, 2, 'web and broken attach (broken is accepted; its rule answers 500); rpc loses the hostnames to web');
    // jkt's `lintas gateway` process acknowledges the config it was sent (as the config stream's ACK would).
    const current = runtime;
    assert.ok(current);
    const desired = await waitFor('jkt\'s desired gateway config', () => current.bus.gatewayConfigs.get(JKT));
    current.bus.dataplanes.set(JKT, { cluster: JKT, mode: 'remote', version: desired.version, state: 'acked', ownership: {}, at: new Date().toISOString() });
    const programmed = await waitFor('Programmed=True on the Gateway', async () => {
      const gw = await gateway();
      return gw?.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True') === true ? gw : undefined;
    }, 60_000);
    assert.deepEqual(show(programmed.status?.conditions), [`Accepted=True/Accepted@${String(generation)}`, `Programmed=True/Programmed@${String(generation)}`]);
    assert.deepEqual(show(programmed.status?.listeners?.[0]?.conditions).map((c) => c.split('@')[0]), ['Accepted=True/Accepted', 'Programmed=True/Programmed', 'ResolvedRefs=True/ResolvedRefs', 'Conflicted=False/NoConflicts']);
  });

  it('the route gets Lintas\'s parents entry (its controllerName, Accepted and ResolvedRefs at its generation) and keeps the other controller\'s', async () => {
    const web = await waitFor('Lintas\'s parents entry on route web', async () => {
      const r = await route('web');
      return r?.status?.parents?.some((p) => p.controllerName === OURS) === true ? r : undefined;
    }, 60_000);
    const generation = web.metadata.generation;
    assert.deepEqual(web.status?.parents?.map((p) => `${p.controllerName} ${p.parentRef.name}`).sort(), [`${OTHER} theirs`, `${OURS} edge`]);
    const ours = web.status?.parents?.find((p) => p.controllerName === OURS);
    assert.deepEqual(show(ours?.conditions), [`Accepted=True/Accepted@${String(generation)}`, `ResolvedRefs=True/ResolvedRefs@${String(generation)}`]);
    assert.equal(web.status?.parents?.find((p) => p.controllerName === OTHER)?.conditions[0]?.reason, 'Accepted', 'the other controller\'s entry is as it wrote it');
  });

  it('a GRPCRoute gets Lintas\'s parents entry too (here not accepted: the older HTTPRoute web holds every hostname of the listener)', async () => {
    const rpc = await waitFor('Lintas\'s parents entry on GRPCRoute rpc', async () => {
      const r = (await k.get(JKT, `${GRPC_ROUTES}/rpc`)) as unknown as RouteObj | undefined;
      return r?.status?.parents?.some((p) => p.controllerName === OURS) === true ? r : undefined;
    }, 60_000);
    assert.deepEqual(show(rpc.status?.parents?.[0]?.conditions), [`Accepted=False/NotAllowedByListeners@${String(rpc.metadata.generation)}`, `ResolvedRefs=True/ResolvedRefs@${String(rpc.metadata.generation)}`]);
  });

  it('a route whose backendRef names no Service gets ResolvedRefs=False/BackendNotFound', async () => {
    const broken = await waitFor('the parents entry of route broken', async () => {
      const r = await route('broken');
      return r?.status?.parents?.some((p) => p.controllerName === OURS) === true ? r : undefined;
    }, 60_000);
    const ours = broken.status?.parents?.find((p) => p.controllerName === OURS);
    assert.equal(show(ours?.conditions).find((c) => c.startsWith('ResolvedRefs')), `ResolvedRefs=False/BackendNotFound@${String(broken.metadata.generation)}`);
  });

  it('a failover proposal becomes a FailoverProposed Event regarding the FailoverPolicy, in jkt and in sgp', async () => {
    const current = runtime;
    assert.ok(current);
    const failover = await waitFor('the failover runner', () => current.failover.service());
    await waitFor('FailoverPolicy shop/web governed', () => (failover.runner.status().some((p) => p.policy === 'shop/web') ? true : undefined), 60_000);
    await failover.runner.command('shop', 'web', { type: 'Propose', actor: 'alice', reason: 'planned maintenance of jkt', target: SGP });
    for (const cluster of [JKT, SGP]) {
      const event = await waitFor(`a FailoverProposed Event in ${cluster}`, async () => {
        const { body } = await fleet.request(cluster, 'GET', '/api/v1/namespaces/shop/events');
        const items = (body as { items?: { reason: string; type: string; count: number; message: string; involvedObject: { kind: string; name: string } }[] }).items ?? [];
        return items.find((e) => e.reason === 'FailoverProposed');
      }, 60_000);
      assert.deepEqual([event.type, event.involvedObject.kind, event.involvedObject.name, event.count], ['Warning', 'FailoverPolicy', 'web', 1]);
      assert.match(event.message, /^Normal → FailoverPending for primary jkt-prod-1/);
    }
  });
});
