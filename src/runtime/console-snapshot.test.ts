/**
 * The console snapshot from the bus's data: regions then clusters (sorted, clusters without a
 * Cluster object under region ''), health layers as the worst over the services a cluster
 * serves with their failing checks, drains, data-plane reports, Gateways with Programmed, and
 * MCS exports/imports per cluster.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetSnapshot, Sourced } from '../api/index.ts';
import type { ClusterHealth, GatewayResult, HealthReport, LayerVerdict, McsResult, PolicyStatus } from '../controllers/index.ts';
import type { DataPlaneServing } from '../ir/index.ts';
import { consoleSnapshot, MAX_FAILING_CHECKS, type ConsoleInputs } from './console-snapshot.ts';

const cluster = (name: string, region: string, zones?: string[]): Sourced =>
  ({ object: { apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { region, ...(zones ? { zones } : {}) } }, origin: { file: 'fleet/clusters.yaml', line: 1 } }) as unknown as Sourced;
const snapshot = (fleetObjects: Sourced[], folders: string[] = []): FleetSnapshot => ({ fleetObjects, clusters: new Map(folders.map((c) => [c, { cluster: c, objects: [] }])) }) as unknown as FleetSnapshot;
const ok: LayerVerdict = { ok: true, checks: [{ name: 'ready fraction', ok: true }] };
const off: LayerVerdict = { ok: null, checks: [] };
const failing = (name: string): LayerVerdict => ({ ok: false, checks: [{ name: 'fine', ok: true }, { name, ok: false, detail: `${name} failed` }] });
const health = (c: string, layers: Partial<Pick<ClusterHealth, 'ready' | 'regional' | 'failover' | 'business'>>): ClusterHealth => ({ cluster: c, ready: ok, regional: ok, failover: off, business: off, evaluatedAt: 'T', ...layers });
const base: ConsoleInputs = { version: 7, generatedAt: '2025-01-01T00:00:00.000Z', drained: [], dataplanes: new Map(), failover: [], alerts: { active: [], recent: [] }, traffic: { windowSeconds: 0, edges: [] } };

describe('consoleSnapshot', () => {
  test('before anything loaded: an empty fleet, the inputs passed through', () => {
    assert.deepEqual(consoleSnapshot(base), { version: 7, generatedAt: '2025-01-01T00:00:00.000Z', fleet: { regions: [] }, traffic: { windowSeconds: 0, edges: [] }, failover: [], alerts: { active: [], recent: [] } });
  });

  test('regions, then clusters, sorted; a cluster folder without a Cluster object is under region ""', () => {
    const s = consoleSnapshot({ ...base, snapshot: snapshot([cluster('tyo-1', 'ap-ne-1'), cluster('sgp-1', 'ap-se-1', ['a', 'b']), cluster('jkt-1', 'ap-se-3'), cluster('jkt-2', 'ap-se-3')], ['orphan']) });
    assert.deepEqual(
      s.fleet.regions.map((r) => [r.name, r.clusters.map((c) => (c.zone === undefined ? c.name : `${c.name}@${c.zone}`))]),
      [
        ['', ['orphan']],
        ['ap-ne-1', ['tyo-1']],
        ['ap-se-1', ['sgp-1@a, b']],
        ['ap-se-3', ['jkt-1', 'jkt-2']],
      ],
    );
    assert.deepEqual(s.fleet.regions[1]?.clusters[0], {
      name: 'tyo-1',
      region: 'ap-ne-1',
      layers: { ready: 'unknown', regional: 'unknown', failover: 'unknown', business: 'unknown' },
      failing: [],
      drained: false,
      gateways: [],
      exports: 0,
      imports: 0,
    });
  });

  test('layers are the worst over the services a cluster serves, with the failing checks (sorted, capped)', () => {
    const report: HealthReport = {
      generatedAt: 'T',
      services: [
        { contract: 'cases/cases', service: 'cases/public-case-api', kind: 'ServiceImport', clusters: [health('jkt', { failover: ok }), health('sgp', { regional: failing('dependency case-db'), failover: failing('replication lag') })] },
        { contract: 'audit/a', service: 'audit/ingest', kind: 'ServiceImport', clusters: [health('sgp', { ready: failing('ready fraction') })] },
      ],
    };
    const s = consoleSnapshot({ ...base, snapshot: snapshot([cluster('jkt', 'id'), cluster('sgp', 'sg')]), health: report });
    const [jkt, sgp] = s.fleet.regions.flatMap((r) => r.clusters);
    assert.deepEqual(jkt?.layers, { ready: 'ok', regional: 'ok', failover: 'ok', business: 'unknown' });
    assert.deepEqual(jkt?.failing, []);
    assert.deepEqual(sgp?.layers, { ready: 'failing', regional: 'failing', failover: 'failing', business: 'unknown' }, 'one failing service makes the layer fail');
    assert.deepEqual(
      sgp?.failing.map((f) => `${f.service} ${f.layer} ${f.check.name}`),
      ['audit/ingest ready ready fraction', 'cases/public-case-api regional dependency case-db', 'cases/public-case-api failover replication lag'],
    );

    const many: HealthReport = { generatedAt: 'T', services: Array.from({ length: 30 }, (_, i) => ({ contract: `ns/c${String(i)}`, service: `ns/s${String(i).padStart(2, '0')}`, kind: 'ServiceImport' as const, clusters: [health('sgp', { regional: failing('dependency db') })] })) };
    const capped = consoleSnapshot({ ...base, snapshot: snapshot([cluster('sgp', 'sg')]), health: many }).fleet.regions[0]?.clusters[0];
    assert.equal(capped?.failing.length, MAX_FAILING_CHECKS);
    assert.equal(capped?.failing[0]?.service, 'ns/s00');
  });

  test('drains, data planes, Gateways with Programmed, exports and imports per cluster', () => {
    const dp: DataPlaneServing = { cluster: 'jkt', mode: 'embedded', version: 3, state: 'acked', ownership: { 'cases/cases': 2 }, at: 'T' };
    const gw = (c: string, name: string, programmed: boolean, address?: string) => ({
      cluster: c,
      gateway: { metadata: { namespace: 'gw', name }, status: { ...(address ? { addresses: [{ type: 'IPAddress', value: address }] } : {}), conditions: [{ type: 'Accepted', status: 'True' }, { type: 'Programmed', status: programmed ? 'True' : 'False' }], listeners: [] } },
    });
    const gateways = { gateways: [gw('jkt', 'public', true, '127.1.255.1'), gw('jkt', 'internal', false), gw('sgp', 'public', true)] } as unknown as Pick<GatewayResult, 'gateways'>;
    const mcs = { clusters: [{ cluster: 'jkt', serviceExports: [{}, {}], serviceImports: [{}, {}, {}], endpointSlices: [] }] } as unknown as McsResult;
    const s = consoleSnapshot({ ...base, snapshot: snapshot([cluster('jkt', 'id'), cluster('sgp', 'sg')]), drained: ['sgp'], dataplanes: new Map([['jkt', dp]]), gateways, mcs });
    const [jkt, sgp] = s.fleet.regions.flatMap((r) => r.clusters);
    assert.deepEqual(jkt?.gateways, [
      { name: 'gw/internal', programmed: false },
      { name: 'gw/public', address: '127.1.255.1', programmed: true },
    ]);
    assert.deepEqual([jkt?.drained, jkt?.dataplane, jkt?.exports, jkt?.imports], [false, dp, 2, 3]);
    assert.deepEqual([sgp?.drained, sgp?.dataplane, sgp?.gateways.length, sgp?.exports], [true, undefined, 1, 0]);
  });

  test('failover statuses come out sorted by policy', () => {
    const st = (policy: string) => ({ policy }) as unknown as PolicyStatus;
    assert.deepEqual(consoleSnapshot({ ...base, failover: [st('b/x'), st('a/y')] }).failover.map((p) => p.policy), ['a/y', 'b/x']);
  });
});
