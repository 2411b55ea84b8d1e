/**
 * The alert service of `lintas serve` over a real Prometheus registry and a fake
 * clock: samples are read from the data planes' typed counters and the MCS
 * metrics (the MCS age gauge is the real one), metric alerts and failover alerts are merged and
 * sorted with `since`, edges go to `recent`, alerts clear when their window
 * passes, and the `lintas_alert` gauge says the same as the API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { AlertsView, McsResult } from '../controllers/index.ts';
import { ALERT_METRICS, silentLogger } from '../observability/index.ts';
import { EMPTY_REPORT, type DataPlaneReport } from '../ir/index.ts';
import { FleetStore } from '../store/index.ts';
import { createMcsMetrics } from './mcs-metrics.ts';
import { readAlertSample, startAlertService, type AlertService } from './alert-service.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const MIN = 60_000;

/** The data planes' typed counters as a test sets them (what `dataPlaneReport` merges), and the real MCS metrics on a registry. */
function alertFixture() {
  const registry = new Registry();
  let now = T0;
  let confirmedAt = T0;
  const pairs = new Map<string, { entry: string; destination: string; requests: number; errors5xx: number; buckets: number[] }>();
  const nonOwner = new Map<string, { owner: string; destination: string; count: number }>();
  /** Counts `n` requests from `entry` to `destination` (`errors` of them 5xx). */
  const requests = (entry: string, destination: string, n: number, errors = 0): void => {
    const p = pairs.get(`${entry}/${destination}`) ?? { entry, destination, requests: 0, errors5xx: 0, buckets: [] };
    p.requests += n;
    p.errors5xx += errors;
    pairs.set(`${entry}/${destination}`, p);
  };
  const mutations = (owner: string, destination: string, n = 1): void => {
    const m = nonOwner.get(`${owner}/${destination}`) ?? { owner, destination, count: 0 };
    m.count += n;
    nonOwner.set(`${owner}/${destination}`, m);
  };
  const report = (): DataPlaneReport => ({ ...EMPTY_REPORT, traffic: { bucketBoundsMs: [], pairs: [...pairs.values()].map((p) => ({ ...p })) }, nonOwnerMutations: [...nonOwner.values()].map((m) => ({ ...m })) });
  const mcs = createMcsMetrics(registry, new FleetStore(), () => confirmedAt, () => now);
  const slice = { metadata: { name: 's', labels: { 'multicluster.kubernetes.io/source-cluster': 'sgp' } }, endpoints: [{ addresses: ['127.2.0.1'] }] };
  mcs.record({ clusters: [{ cluster: 'jkt', serviceImports: [], serviceExports: [], endpointSlices: [slice] }], sources: [] } as unknown as McsResult);
  let failover: AlertsView = { active: [], recent: [] };
  return {
    registry,
    requests,
    mutations,
    setNow: (t: number) => void (now = t),
    advance: (ms: number) => void (now += ms),
    setConfirmedAt: (t: number) => void (confirmedAt = t),
    setFailover: (view: AlertsView) => void (failover = view),
    report,
    start: (): AlertService => startAlertService({ registry, log: silentLogger, now: () => now, intervalMs: 0, failover: () => failover, dataPlane: report }),
  };
}

/** A failover view with one pending approval, first seen at `since`. */
function pendingApproval(since: string): AlertsView {
  const alert = { alert: 'FailoverPendingApproval', severity: 'warning', policy: 'cases/case-writes', primary: 'sgp', cluster: 'jkt', message: 'failover of sgp to jkt has 0/1 approval(s)' } as const;
  return { active: [{ ...alert, since }], recent: [{ ...alert, at: since }] };
}

describe('readAlertSample', () => {
  it('reads the data planes\' typed counters and the MCS age gauge', async () => {
    const f = alertFixture();
    f.requests('jkt', 'sgp', 2, 2);
    f.mutations('sgp', 'jkt');
    f.setNow(T0 + 90_000);
    const s = await readAlertSample(f.registry, f.report(), T0);
    assert.deepEqual(s.requests, [{ destinationCluster: 'sgp', codeClass: '5xx', value: 2 }, { destinationCluster: 'sgp', codeClass: 'other', value: 0 }]);
    assert.deepEqual(s.nonOwnerMutations, [{ owner: 'sgp', destinationCluster: 'jkt', value: 1 }]);
    assert.deepEqual(s.endpointAges, [{ cluster: 'sgp', seconds: 90 }]);
  });

  it('is empty for metrics that are not registered', async () => {
    assert.deepEqual(await readAlertSample(new Registry(), EMPTY_REPORT, T0), { at: T0, requests: [], nonOwnerMutations: [], endpointAges: [], certificates: [] });
  });
});

describe('startAlertService', () => {
  it('merges failover and metric alerts, keeps since, records edges, and clears when the window passes', async () => {
    const f = alertFixture();
    const service = f.start();
    try {
      assert.deepEqual(await service.evaluate(), { active: [], recent: [] });
      f.advance(MIN);
      f.requests('jkt', 'sgp', 100, 5);
      f.mutations('sgp', 'jkt');
      f.setConfirmedAt(T0 - 10 * MIN);
      f.setFailover(pendingApproval('2026-03-01T09:59:00.000Z'));
      const first = await service.evaluate();
      assert.deepEqual(
        first.active.map((a) => [a.alert, a.source, a.cluster, a.since]),
        [
          ['DestinationErrorRateHigh', 'metrics', 'sgp', '2026-03-01T10:01:00.000Z'],
          ['FailoverPendingApproval', 'failover', 'jkt', '2026-03-01T09:59:00.000Z'],
          ['ImportedEndpointsStale', 'metrics', 'sgp', '2026-03-01T10:01:00.000Z'],
          ['MutationToNonOwner', 'metrics', 'jkt', '2026-03-01T10:01:00.000Z'],
        ],
      );
      const rate = first.active[0];
      assert.equal(rate?.value, 0.05);
      assert.equal(rate?.threshold, 0.02);
      assert.equal(first.active[3]?.owner, 'sgp');
      assert.deepEqual(first.recent.map((r) => r.alert), ['FailoverPendingApproval', 'DestinationErrorRateHigh', 'ImportedEndpointsStale', 'MutationToNonOwner']);

      f.advance(MIN);
      const second = await service.evaluate();
      assert.equal(second.active.find((a) => a.alert === 'MutationToNonOwner')?.since, '2026-03-01T10:01:00.000Z', 'since is kept');
      assert.equal(second.recent.length, 4, 'no new edges');

      f.advance(6 * MIN);
      f.setConfirmedAt(T0 + 8 * MIN);
      f.setFailover({ active: [], recent: [] });
      assert.deepEqual((await service.evaluate()).active, [], 'quiet for a whole window: cleared');
    } finally {
      service.close();
    }
  });

  it('exports lintas_alert with the same alerts as the API', async () => {
    const f = alertFixture();
    const service = f.start();
    try {
      await service.evaluate();
      f.advance(MIN);
      f.mutations('sgp', 'jkt');
      f.setFailover(pendingApproval('2026-03-01T10:00:00.000Z'));
      await service.evaluate();
      const text = await f.registry.getSingleMetricAsString(ALERT_METRICS.alert);
      const lines = text.split('\n').filter((l) => l.startsWith(`${ALERT_METRICS.alert}{`));
      assert.deepEqual(lines, [
        'lintas_alert{alert="FailoverPendingApproval",severity="warning",cluster="jkt",policy="cases/case-writes",owner="sgp",certificate=""} 1',
        'lintas_alert{alert="MutationToNonOwner",severity="critical",cluster="jkt",policy="",owner="sgp",certificate=""} 1',
      ]);
    } finally {
      service.close();
    }
  });
});
