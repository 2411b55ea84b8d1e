/**
 * Test helpers for the failover runner and its admin API: the TrafficPolicy the
 * test FailoverPolicy governs, health-contract reports with clusters that are
 * ready, down or lagging, and a fake clock.
 * @module
 */
import { LINTAS_V1ALPHA1, TrafficPolicy } from '../../api/index.ts';
import type { ClusterHealth, HealthReport } from '../health/index.ts';

/** The service the test TrafficPolicy `cases/cases` targets. */
export const SERVICE = 'cases/public-case-api';

/** `cases/cases`, targeting the ServiceImport `public-case-api` (parsed by the real schema). */
export function casesTrafficPolicy(): TrafficPolicy {
  return TrafficPolicy.parse({
    apiVersion: LINTAS_V1ALPHA1,
    kind: 'TrafficPolicy',
    metadata: { name: 'cases', namespace: 'cases' },
    spec: { targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'public-case-api' }] },
  });
}

/** How a cluster looks in a report: every layer green, not regionally ready, or ready with a 10 s replication lag. */
export type Condition = 'ready' | 'down' | 'lagging';

/** One cluster's four layers, as the health evaluator reports them. */
export function clusterHealth(cluster: string, at: string, condition: Condition): ClusterHealth {
  const up = condition !== 'down';
  const lag = condition === 'lagging' ? 10 : 1;
  return {
    cluster,
    ready: { ok: up, checks: [{ name: 'ready endpoints', ok: up, value: up ? 2 : 0 }] },
    regional: {
      ok: up,
      checks: [
        { name: 'ready fraction', ok: up, value: up ? 1 : 0, threshold: 0.5 },
        { name: 'dependency case-db', ok: up },
      ],
    },
    failover: {
      ok: up && lag <= 5,
      checks: [
        { name: 'replication lag', ok: lag <= 5, value: lag, threshold: 5 },
        { name: 'headroom', ok: true, value: 0.5, threshold: 0.3 },
      ],
    },
    business: { ok: null, checks: [] },
    evaluatedAt: at,
  };
}

/** A report on the test service with each cluster in its given condition. */
export function healthReport(at: string, clusters: Readonly<Record<string, Condition>>): HealthReport {
  return {
    generatedAt: at,
    services: [
      {
        contract: 'cases/cases',
        service: SERVICE,
        kind: 'ServiceImport',
        clusters: Object.keys(clusters)
          .sort()
          .map((c) => clusterHealth(c, at, clusters[c] ?? 'ready')),
      },
    ],
  };
}

/** A clock tests move by hand. */
export interface FakeClock {
  readonly now: () => Date;
  /** Sets the time to `seconds` after the fixtures' epoch and returns it as RFC 3339. */
  at(seconds: number): string;
}

/** A fake clock starting at `start` (RFC 3339). */
export function fakeClock(start: string): FakeClock {
  const base = Date.parse(start);
  let ms = base;
  return {
    now: () => new Date(ms),
    at(seconds) {
      ms = base + seconds * 1000;
      return new Date(ms).toISOString();
    },
  };
}
