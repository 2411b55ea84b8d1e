import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HEALTH_COLUMNS, healthRows } from './format.ts';
import type { ClusterHealth, HealthReport, LayerVerdict } from './types.ts';

const AT = '2026-05-01T12:00:00.000Z';
const NULL: LayerVerdict = { ok: null, checks: [] };
const pass = (name: string): LayerVerdict => ({ ok: true, checks: [{ name, ok: true }] });

function cluster(name: string, over: Partial<ClusterHealth> = {}): ClusterHealth {
  return { cluster: name, ready: { ok: true, checks: [{ name: 'endpoints', ok: true, value: '2/2', threshold: 1, detail: '2/2 ready' }] }, regional: pass('ready fraction'), failover: NULL, business: NULL, evaluatedAt: AT, ...over };
}

const REPORT: HealthReport = {
  generatedAt: AT,
  services: [
    {
      contract: 'cases/cases',
      service: 'cases/public-case-api',
      kind: 'ServiceImport',
      clusters: [
        cluster('c1', { failover: pass('replication lag'), business: pass('step 1 POST /cases') }),
        cluster('c2', {
          regional: { ok: false, checks: [{ name: 'ready fraction', ok: true }, { name: 'dependency case-db', ok: false, value: '0/2', detail: '0/2 endpoints' }] },
          failover: { ok: false, checks: [{ name: 'headroom', ok: false, threshold: 0.3, detail: 'capacity unknown' }] },
        }),
        cluster('c3', { failover: { ok: false, checks: [{ name: 'replication lag', ok: false, value: 60, threshold: 5, detail: '60s > 5s' }] }, business: { ok: false, checks: [{ name: 'synthetic', ok: false, detail: 'not run yet' }] } }),
      ],
    },
    { contract: 'search/ghost', service: 'search/api', kind: 'ServiceImport', clusters: [] },
  ],
};

describe('healthRows', () => {
  it('one row per service and cluster; `-` for a layer not configured; the first failing check in layer order', () => {
    assert.equal(HEALTH_COLUMNS.join(' '), 'NAMESPACE SERVICE CLUSTER READY REGIONAL FAILOVER BUSINESS FAILING');
    assert.deepEqual(healthRows(REPORT, 'cases'), [
      ['cases', 'public-case-api', 'c1', '2/2', 'True', 'True', 'True', '-'],
      ['cases', 'public-case-api', 'c2', '2/2', 'False', 'False', '-', 'regional: dependency case-db 0/2 endpoints'],
      ['cases', 'public-case-api', 'c3', '2/2', 'True', 'False', 'False', 'failover: replication lag 60s > 5s'],
    ]);
  });
  it('shows a target nobody serves, and filters by namespace', () => {
    assert.deepEqual(healthRows(REPORT, 'search'), [['search', 'api', '-', '-', '-', '-', '-', 'no cluster serves ServiceImport search/api (contract search/ghost)']]);
    assert.equal(healthRows(REPORT).length, 4);
    assert.deepEqual(healthRows(REPORT, 'other'), []);
  });
});
