/**
 * Test helpers for the failover runner and its admin API: the TrafficPolicy the
 * test FailoverPolicy governs, health-contract reports with clusters that are
 * ready, down or lagging, a fake clock, and a runner started on a store of the
 * backend under test (the runner suite runs on SQLite and on PostgreSQL).
 * @module
 */
import type { DataPlaneServing } from '../../ir/index.ts';
import type { WatchableMap } from '../../store/index.ts';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { LINTAS_V1ALPHA1, TrafficPolicy, type FailoverPolicy } from '../../api/index.ts';
import { silentLogger } from '../../observability/index.ts';
import type { LintasStore } from '../../store/index.ts';
import type { OwnershipState } from '../gateway/index.ts';
import type { ClusterHealth, HealthReport } from '../health/index.ts';
import { startFailoverController, type FailoverRunner } from './runner.ts';
import type { ClusterWeightMap } from './runner-weights.ts';

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

/** `cases/owned`: an Owner-mode policy (mutations only to the owner of their `X-Case`). */
export function ownerTrafficPolicy(): TrafficPolicy {
  return TrafficPolicy.parse({
    apiVersion: LINTAS_V1ALPHA1,
    kind: 'TrafficPolicy',
    metadata: { name: 'owned', namespace: 'cases' },
    spec: {
      targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'owned-api' }],
      locality: { mode: 'Owner' },
      ownership: { key: { header: 'X-Case' }, mapRef: { kind: 'OwnershipMap', name: 'case-owners' } },
    },
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

/** One empty database of the backend under test; every `open` is a new store instance on it (a restart, a second replica). */
export interface RunnerDatabase {
  open(): Promise<LintasStore>;
}

/** What a backend's runner test file supplies to the runner suite. */
export interface RunnerStoreHarness {
  /** A new, empty database per test. */
  fresh(): Promise<RunnerDatabase>;
}

/** One `onOwnership` call: ownership, drained clusters, weight overrides. */
export type OwnershipCall = readonly [Readonly<Record<string, OwnershipState>>, readonly string[], Readonly<Record<string, ClusterWeightMap>>];

/** A runner on its own store instance, recording what it publishes. */
export interface RunnerHarness {
  readonly store: LintasStore;
  readonly runner: FailoverRunner;
  readonly calls: OwnershipCall[];
  close(): Promise<void>;
}

/** Starts a runner governing `policy` (and the TrafficPolicies, default `cases/cases`) on a new store instance of `db`, without background sync. */
export async function startRunner(
  db: RunnerDatabase,
  policy: FailoverPolicy,
  clock: FakeClock,
  drainWaitMs = 5,
  trafficPolicies: readonly TrafficPolicy[] = [casesTrafficPolicy()],
  acks?: WatchableMap<string, DataPlaneServing>,
): Promise<RunnerHarness> {
  const store = await db.open();
  const calls: OwnershipCall[] = [];
  const runner = await startFailoverController({
    log: silentLogger,
    store,
    policies: () => [policy],
    trafficPolicies: () => trafficPolicies,
    onOwnership: (o, d, w) => calls.push([o, d, w]),
    now: clock.now,
    drainWaitMs,
    syncIntervalMs: 0,
    ...(acks !== undefined ? { acks } : {}),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  return {
    store,
    runner,
    calls,
    async close() {
      await runner.close();
      await store.close();
    },
  };
}

/** Polls until `probe` holds (the runner's drain wait is a real timer), bounded. */
export async function until(what: string, runner: FailoverRunner, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    await runner.idle();
    if (probe()) return;
    await delay(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}
