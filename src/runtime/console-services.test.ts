/**
 * The console's Services view on a generated fleet of 20 clusters × 1,000 services: filtering
 * by `q` (case-insensitive substring of `ns/name`) and by cluster, paging that visits every
 * match once in order, the page cap, and the content of a row (endpoints per source cluster
 * with readiness and the gateways' verdict, the TrafficPolicy with its owner map after moves).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, type FleetSnapshot } from '../api/index.ts';
import type { McsResult } from '../controllers/index.ts';
import type { UpstreamObservation } from '../ir/index.ts';
import { MAX_SERVICES_PAGE, servicesPage, type ServicesInputs } from './console-services.ts';

const CLUSTERS = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const SERVICES = 1000;
const nsOf = (i: number): string => `ns-${String(i % 10)}`;
const nameOf = (i: number): string => (i % 7 === 0 ? `Pay-${String(i).padStart(4, '0')}` : `svc-${String(i).padStart(4, '0')}`);
/** Service i is exported by clusters i mod 20 and (i + 1) mod 20, and imported by every cluster. */
const sourcesOf = (i: number): string[] => [CLUSTERS[i % 20] as string, CLUSTERS[(i + 1) % 20] as string];

function fleet(): ServicesInputs {
  const imports = Array.from({ length: SERVICES }, (_, i) => ({ metadata: { namespace: nsOf(i), name: nameOf(i) }, spec: { type: 'ClusterSetIP', ports: [{ port: 80, protocol: 'TCP', name: 'http' }] } }));
  const slices = Array.from({ length: SERVICES }, (_, i) =>
    sourcesOf(i).map((source, s) => ({
      metadata: { namespace: nsOf(i), name: `${nameOf(i)}-${source}`, labels: { [MCS_SERVICE_NAME_LABEL]: nameOf(i), [MCS_SOURCE_CLUSTER_LABEL]: source } },
      ports: [{ port: 8080 }],
      endpoints: [
        { addresses: [`10.${String(s)}.${String(Math.floor(i / 250))}.${String(i % 250)}`], conditions: { ready: true } },
        { addresses: [`10.9.${String(Math.floor(i / 250))}.${String(i % 250)}`], conditions: { ready: s === 0 ? false : undefined } },
      ],
    })),
  ).flat();
  const mcs = { clusters: CLUSTERS.map((cluster) => ({ cluster, serviceImports: imports, endpointSlices: slices, serviceExports: [] })) } as unknown as McsResult;
  const snapshot = {
    clusters: new Map(),
    fleetObjects: [
      { object: { kind: 'TrafficPolicy', metadata: { namespace: 'ns-0', name: 'pay' }, spec: { targetRefs: [{ kind: 'ServiceImport', name: 'Pay-0000' }], locality: { mode: 'Owner' }, ownership: { mapRef: { kind: 'OwnershipMap', name: 'owners' } } } } },
      { object: { kind: 'OwnershipMap', metadata: { namespace: 'ns-0', name: 'owners' }, spec: { rules: [{ prefix: 'A-', cluster: 'c00' }, { keys: ['K1', 'K2'], cluster: 'c01' }], default: { clusters: ['c00', 'c01'] } } } },
    ],
  } as unknown as FleetSnapshot;
  const observation: UpstreamObservation = {
    attemptsByCluster: {},
    endpoints: [
      { upstream: 'ServiceImport/ns-0/Pay-0000:80', kind: 'ServiceImport', namespace: 'ns-0', name: 'Pay-0000', address: '10.0.0.0', port: 8080, cluster: 'c00', state: 'unhealthy' },
      { upstream: 'ServiceImport/ns-0/Pay-0000:80', kind: 'ServiceImport', namespace: 'ns-0', name: 'Pay-0000', address: '10.0.0.0', port: 8080, cluster: 'c00', state: 'ejected' },
      { upstream: 'ServiceImport/ns-0/Pay-0000:80', kind: 'ServiceImport', namespace: 'ns-0', name: 'Pay-0000', address: '10.1.0.0', port: 8080, cluster: 'c01', state: 'healthy' },
    ],
  };
  return { mcs, snapshot, observation, ownership: { 'ns-0/pay': { epoch: 2, moved: [{ from: 'c00', to: 'c01' }] } } };
}

describe('servicesPage on 20 clusters × 1,000 services', () => {
  const inputs = fleet();
  const all = Array.from({ length: SERVICES }, (_, i) => `${nsOf(i)}/${nameOf(i)}`).sort();

  test('paging visits every service once, in ns/name order, and says how many there are', () => {
    const seen: string[] = [];
    for (let offset = 0; offset < SERVICES + 100; offset += 300) {
      const page = servicesPage(inputs, { offset, limit: 300 });
      assert.equal(page.total, SERVICES);
      assert.equal(page.offset, offset);
      seen.push(...page.rows.map((r) => r.service));
    }
    assert.deepEqual(seen, all);
  });

  test('a page past the end is empty; the limit is capped', () => {
    assert.deepEqual(servicesPage(inputs, { offset: 5000, limit: 10 }), { total: SERVICES, offset: 5000, rows: [] });
    assert.equal(servicesPage(inputs, { offset: 0, limit: 10_000 }).rows.length, MAX_SERVICES_PAGE);
    assert.equal(servicesPage(inputs, { offset: 0, limit: 0 }).rows.length, 0);
  });

  test('q matches ns/name as a case-insensitive substring', () => {
    const pay = servicesPage(inputs, { q: 'pAY-', offset: 0, limit: 500 });
    const expected = all.filter((s) => s.toLowerCase().includes('pay-'));
    assert.equal(pay.total, Math.ceil(SERVICES / 7));
    assert.deepEqual(pay.rows.map((r) => r.service), expected);
    assert.deepEqual(servicesPage(inputs, { q: 'ns-3/svc-0013', offset: 0, limit: 10 }).rows.map((r) => r.service), ['ns-3/svc-0013']);
    assert.equal(servicesPage(inputs, { q: 'nothing-like-this', offset: 0, limit: 10 }).total, 0);
  });

  test('cluster keeps the services it imports or serves; with q both must hold', () => {
    // Every cluster imports every service here.
    assert.equal(servicesPage(inputs, { cluster: 'c05', offset: 0, limit: 1 }).total, SERVICES);
    assert.equal(servicesPage(inputs, { cluster: 'elsewhere', offset: 0, limit: 1 }).total, 0);
    const page = servicesPage(inputs, { cluster: 'c05', q: 'pay', offset: 0, limit: 500 });
    assert.equal(page.total, Math.ceil(SERVICES / 7));
  });

  test('a row: ports, importers, endpoints per source cluster with readiness and the gateways verdict, and its TrafficPolicy', () => {
    const [row] = servicesPage(inputs, { q: 'ns-0/pay-0000', offset: 0, limit: 1 }).rows;
    assert.deepEqual(row, {
      service: 'ns-0/Pay-0000',
      type: 'ClusterSetIP',
      ports: ['80/TCP (http)'],
      importedBy: CLUSTERS,
      sources: [
        {
          cluster: 'c00',
          endpoints: [
            { address: '10.0.0.0', port: 8080, ready: true, gateway: 'ejected' },
            { address: '10.9.0.0', port: 8080, ready: false },
          ],
        },
        {
          cluster: 'c01',
          endpoints: [
            { address: '10.1.0.0', port: 8080, ready: true },
            { address: '10.9.0.0', port: 8080, ready: true },
          ],
        },
      ],
      trafficPolicy: { name: 'ns-0/pay', mode: 'Owner', epoch: 2, owners: { 'A-*': 'c01', K1: 'c01', K2: 'c01', '*': 'c01' } },
    });
    assert.equal(servicesPage(inputs, { q: 'svc-0001', offset: 0, limit: 1 }).rows[0]?.trafficPolicy, undefined);
  });

  test('no MCS result yet: nothing', () => {
    assert.deepEqual(servicesPage({}, { offset: 0, limit: 10 }), { total: 0, offset: 0, rows: [] });
  });
});
