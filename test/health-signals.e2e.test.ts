/**
 * Health signals a user would assume, through a running `lintas serve` (issue 14 item 6): a
 * fleet of three clusters whose Singapore endpoints are Ready in their EndpointSlices but dead
 * (nothing listens: the blackhole of seed 000 §19.1), with active health checks at the gateway.
 *
 * - `blackhole` has a HealthContract without dependencies: Singapore must not stay regionally ready.
 * - `owned` has a FailoverPolicy from Singapore and no HealthContract at all: the policy must
 *   still detect that its owner is dead (default contract over the gateways' view).
 * - Requests through the gateway are the load behind Jakarta's headroom.
 *
 * Real HTTP on loopback, bounded waits, no wall-clock asserts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, removeDir, request, startServe, type Serve } from './gateway-fleet.ts';
import { CLUSTERS, FAST_HEALTH_CHECK, GATEWAY_IP, NS, startBackend, trafficPolicy, writeFleet, type Backend, type ClusterName, type ServiceModel } from './policy-fleet.ts';
import { waitFor } from './wait.ts';

const JKT: ClusterName = 'jkt-prod-1';
const SGP: ClusterName = 'sgp-prod-1';
const TYO: ClusterName = 'tyo-prod-1';
const prefix = (c: ClusterName): string => CLUSTERS.find((x) => x.name === c)?.prefix ?? '';

// Address blocks 21 and 22 (the policy-modes test uses 1-9); Singapore's never get a process.
const SERVICES: readonly ServiceModel[] = [
  { name: 'blackhole', endpoints: { [JKT]: [`${prefix(JKT)}.21.1`], [SGP]: [`${prefix(SGP)}.21.1`, `${prefix(SGP)}.21.2`], [TYO]: [`${prefix(TYO)}.21.1`] } },
  { name: 'owned', endpoints: { [JKT]: [`${prefix(JKT)}.22.1`], [SGP]: [`${prefix(SGP)}.22.1`], [TYO]: [`${prefix(TYO)}.22.1`] } },
];
const DEAD = new Set([`${prefix(SGP)}.21.1`, `${prefix(SGP)}.21.2`, `${prefix(SGP)}.22.1`]);

const POLICIES: readonly object[] = [
  trafficPolicy('blackhole', ['blackhole'], { healthCheck: FAST_HEALTH_CHECK }),
  trafficPolicy('owned', ['owned'], { healthCheck: FAST_HEALTH_CHECK }),
  { apiVersion: 'lintas.dev/v1alpha1', kind: 'HealthContract', metadata: { name: 'blackhole', namespace: NS }, spec: { targetRef: { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'blackhole' } } },
  {
    apiVersion: 'lintas.dev/v1alpha1',
    kind: 'FailoverPolicy',
    metadata: { name: 'owned-writes', namespace: NS },
    spec: { targetRef: { kind: 'TrafficPolicy', name: 'owned' }, mode: 'Guarded', from: SGP, to: [JKT, TYO], detection: { unhealthyFor: '1h' }, guardrails: { minHeadroomFraction: 0.3 } },
  },
];

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly value?: number | string;
  readonly detail?: string;
}
interface HealthView {
  readonly services: readonly {
    readonly service: string;
    readonly contract: string;
    readonly defaultFor?: string;
    readonly clusters: readonly { readonly cluster: string; readonly regional: { readonly ok: boolean | null; readonly checks: readonly Check[] }; readonly failover: { readonly checks: readonly Check[] } }[];
  }[];
}

describe('health signals through lintas serve: the gateways\' view, default contracts, measured load', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-health-e2e-'));
  const fleetDir = join(root, 'fleet');
  const backends: Backend[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let serve: Serve | undefined;
  let gateway = '';

  const health = async (): Promise<HealthView> => (await (await fetch(`${serve?.admin ?? ''}/api/v1/health`)).json()) as HealthView;
  const clusterOf = async (service: string, cluster: ClusterName) => (await health()).services.find((s) => s.service === `${NS}/${service}`)?.clusters.find((c) => c.cluster === cluster);

  before(async () => {
    const gatewayPort = await freePort(GATEWAY_IP);
    const backendPort = await freePort(`${prefix(JKT)}.21.1`);
    for (const s of SERVICES) {
      for (const c of CLUSTERS) for (const address of s.endpoints[c.name] ?? []) if (!DEAD.has(address)) backends.push(await startBackend(c.name, address, backendPort));
    }
    writeFleet(fleetDir, { gatewayPort, backendPort, services: SERVICES, policies: POLICIES });
    gateway = `http://${GATEWAY_IP}:${String(gatewayPort)}`;
    serve = await startServe(root, fleetDir);
    await waitFor('the routes answer', async () => ((await request(`${gateway}/`, { host: 'blackhole.test', agent })).status === 200 ? true : undefined), 30_000);
  });

  after(async () => {
    agent.destroy();
    if (serve !== undefined) assert.equal(await serve.stop(), 0);
    await Promise.all(backends.map((b) => b.close()));
    removeDir(root);
  });

  it('Ready-but-dead endpoints (failing the gateway\'s health checks) make a region not regionally ready', async () => {
    const sgp = await waitFor('sgp-prod-1 not regionally ready for blackhole', async () => {
      const c = await clusterOf('blackhole', SGP);
      return c?.regional.ok === false ? c : undefined;
    });
    assert.equal(sgp.regional.checks[0]?.detail, '0/2 = 0 < 0.5 (2 Ready in EndpointSlices; 2 failing health checks at the gateways)');
    assert.equal((await clusterOf('blackhole', JKT))?.regional.ok, true);
    assert.equal((await clusterOf('blackhole', TYO))?.regional.ok, true);
  });

  it('a FailoverPolicy whose service has no HealthContract detects its dead owner (default contract)', async () => {
    const owned = await waitFor('the default contract of owned', async () => (await health()).services.find((s) => s.service === `${NS}/owned`));
    assert.equal(owned.defaultFor, `${NS}/owned-writes`);
    await waitFor('the failover runner to detect sgp-prod-1', async () => {
      const metrics = await (await fetch(`${serve?.admin ?? ''}/metrics`)).text();
      return /^lintas_failover_phase\{policy="cases\/owned-writes",from="sgp-prod-1",phase="Degraded"\} 1$/m.test(metrics) ? true : undefined;
    });
  });

  it('headroom is measured against the requests the gateway sent each cluster', async () => {
    // 80 requests to Jakarta (local, healthy) within the 10 s window: jkt-prod-1 (capacity 40 rps) has less than all of it left.
    for (let i = 0; i < 80; i += 1) assert.equal((await request(`${gateway}/`, { host: 'owned.test', agent })).status, 200);
    const headroom = await waitFor('a measured headroom for jkt-prod-1', async () => {
      const check = (await clusterOf('owned', JKT))?.failover.checks.find((c) => c.name === 'headroom');
      return check !== undefined && typeof check.value === 'number' && check.value < 1 ? check : undefined;
    });
    assert.match(headroom.detail ?? '', /^-?[\d.]+ [≥<] 0\.3 \([\d.]+ of 40 rps\)$/);
    const tyo = (await clusterOf('owned', TYO))?.failover.checks.find((c) => c.name === 'headroom');
    assert.equal(tyo?.detail, 'capacity unknown', 'tyo-prod-1 has no Cluster.spec.capacity');
  });
});
