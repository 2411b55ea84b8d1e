/**
 * The health runner reading what the gateways see (no sockets: the contract has no probes):
 * Ready-but-dead endpoints count against regional readiness, and the attempts the gateways
 * sent each cluster are the load behind its headroom.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HealthContractSpec } from '../../api/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { healthObservation } from './report.ts';
import { startHealthRunner } from './runner.ts';
import type { GatewayView, HealthTarget } from './types.ts';

const SPEC = HealthContractSpec.parse({ targetRef: { kind: 'ServiceImport', name: 'public-case-api' }, failover: { minHeadroomFraction: 0.3 } });

const TARGET: HealthTarget = {
  contract: 'cases/cases',
  service: 'cases/public-case-api',
  kind: 'ServiceImport',
  spec: SPEC,
  clusters: [
    { cluster: 'jkt', endpoints: [{ address: '10.1.0.1', port: 8080, ready: true }] },
    { cluster: 'sgp', endpoints: [{ address: '10.2.0.1', port: 8080, ready: true }, { address: '10.2.0.2', port: 8080, ready: true }] },
  ],
};

const endpoint = (address: string, state: GatewayView['endpoints'][number]['state']) => ({
  upstream: 'ServiceImport/cases/public-case-api:8080',
  kind: 'ServiceImport' as const,
  namespace: 'cases',
  name: 'public-case-api',
  address,
  port: 8080,
  cluster: address.startsWith('10.1.') ? 'jkt' : 'sgp',
  state,
});

describe('startHealthRunner with the gateways\' view', () => {
  it('counts ejected and failing endpoints against regional readiness, and measures headroom against the gateways\' request rate', async () => {
    let clock = Date.parse('2026-05-01T12:00:00Z');
    let view: GatewayView = { endpoints: [endpoint('10.2.0.1', 'healthy'), endpoint('10.2.0.2', 'healthy')], attemptsByCluster: { jkt: 0 } };
    const runner = startHealthRunner({
      log: silentLogger,
      intervalMs: 3_600_000,
      now: () => clock,
      targets: () => [TARGET],
      context: () => ({ capacity: 100 }),
      gateway: () => view,
      onReport: () => undefined,
    });
    try {
      const first = await runner.refresh();
      const jkt0 = first.services[0]?.clusters.find((c) => c.cluster === 'jkt');
      // One reading: the rate is not known yet.
      assert.equal(jkt0?.failover.checks[0]?.detail, '1 ≥ 0.3 (load unknown, taken as 0 of 100 rps)');

      // 10 s later the gateways have sent jkt 800 requests (80 rps) and sgp none; both sgp endpoints are dead.
      clock += 10_000;
      view = { endpoints: [endpoint('10.2.0.1', 'ejected'), endpoint('10.2.0.2', 'unhealthy')], attemptsByCluster: { jkt: 800 } };
      const report = await runner.refresh();
      const jkt = report.services[0]?.clusters.find((c) => c.cluster === 'jkt');
      const sgp = report.services[0]?.clusters.find((c) => c.cluster === 'sgp');
      assert.ok(jkt !== undefined && sgp !== undefined);
      assert.deepEqual(jkt.failover.checks[0], { name: 'headroom', ok: false, value: 0.2, threshold: 0.3, detail: '0.2 < 0.3 (80 of 100 rps)' });
      assert.equal(healthObservation(jkt).headroomFraction, 0.2, 'the failover guardrail reads 0.2, not 1');
      assert.equal(sgp.failover.checks[0]?.detail, '1 ≥ 0.3 (0 of 100 rps)');
      assert.equal(sgp.ready.ok, true, 'pod readiness is the slices\'');
      assert.equal(sgp.regional.ok, false, 'Ready in the slice but dead at the gateways: not regionally ready');
      assert.equal(sgp.regional.checks[0]?.detail, '0/2 = 0 < 0.5 (2 Ready in EndpointSlices; 1 ejected, 1 failing health checks at the gateways)');
    } finally {
      runner.stop();
    }
  });
});
