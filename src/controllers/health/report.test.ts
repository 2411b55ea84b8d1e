import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HealthContractSpec } from '../../api/index.ts';
import { evaluateHealth } from './evaluate.ts';
import { excludedByHealth, exclusionKey, healthChanged, healthObservation } from './report.ts';
import type { HealthReport, HealthTarget, ProbeResult } from './types.ts';

const NOW = '2026-05-01T12:00:00.000Z';
const DB = '/dependencies/db';
const LAG = '/replication-lag';

const SPEC = HealthContractSpec.parse({
  targetRef: { kind: 'ServiceImport', name: 'public-case-api' },
  regional: { minReadyFraction: 0.5, dependencies: [{ name: 'case-db', http: { path: DB } }] },
  failover: { replicationLag: { http: { path: LAG }, maxSeconds: 5 } },
});

/** c1 healthy; c2 Ready pods whose database is down; c3 regionally fine but lagging (failover false). */
const TARGET: HealthTarget = {
  contract: 'cases/cases',
  service: 'cases/public-case-api',
  kind: 'ServiceImport',
  spec: SPEC,
  clusters: [
    { cluster: 'c1', endpoints: [{ address: '10.1.0.1', port: 8080, ready: true }] },
    {
      cluster: 'c2',
      endpoints: [
        { address: '10.2.0.1', port: 8080, ready: true },
        { address: '10.2.0.2', port: 8080, ready: true },
      ],
    },
    { cluster: 'c3', endpoints: [{ address: '10.3.0.1', port: 8080, ready: true }] },
  ],
};

function probes(c2db: number, c3lag: string): ProbeResult[] {
  return [
    { address: '10.1.0.1', port: 8080, path: DB, status: 200 },
    { address: '10.1.0.1', port: 8080, path: LAG, status: 200, body: '0' },
    { address: '10.2.0.1', port: 8080, path: DB, status: c2db },
    { address: '10.2.0.2', port: 8080, path: DB, status: c2db },
    { address: '10.2.0.1', port: 8080, path: LAG, status: 200, body: '1' },
    { address: '10.2.0.2', port: 8080, path: LAG, status: 200, body: '1' },
    { address: '10.3.0.1', port: 8080, path: DB, status: 200 },
    { address: '10.3.0.1', port: 8080, path: LAG, status: 200, body: c3lag },
  ];
}

function report(c2db: number, c3lag: string, targets: HealthTarget[] = [TARGET]): HealthReport {
  return evaluateHealth({ targets, probes: probes(c2db, c3lag), now: NOW });
}

describe('excludedByHealth', () => {
  it('excludes clusters whose regional readiness is false, naming the failing check; never for failover', () => {
    assert.deepEqual(excludedByHealth(report(503, '60')), {
      'ServiceImport/cases/public-case-api': [{ cluster: 'c2', reason: 'regional readiness false: dependency case-db 0/2 endpoints' }],
    });
  });
  it('excludes nothing when every cluster is regionally ready', () => {
    assert.deepEqual(excludedByHealth(report(200, '60')), {});
  });
  it('names the ready fraction when that is what failed', () => {
    const half: HealthTarget = { ...TARGET, clusters: [{ cluster: 'c1', endpoints: [{ address: '10.1.0.1', port: 8080, ready: true }, { address: '10.1.0.2', port: 8080, ready: false }, { address: '10.1.0.3', port: 8080, ready: false }] }] };
    assert.deepEqual(excludedByHealth(report(200, '0', [half])), { 'ServiceImport/cases/public-case-api': [{ cluster: 'c1', reason: 'regional readiness false: ready fraction 1/3 = 0.33 < 0.5' }] });
  });
  it('merges contracts on the same service: either one excludes, the first names the reason', () => {
    const other: HealthTarget = {
      ...TARGET,
      contract: 'cases/strict',
      spec: HealthContractSpec.parse({ targetRef: { kind: 'ServiceImport', name: 'public-case-api' }, regional: { minReadyFraction: 1, dependencies: [{ name: 'c3-only', http: { path: '/nope' } }] } }),
    };
    assert.deepEqual(excludedByHealth(report(503, '0', [other, TARGET])), {
      'ServiceImport/cases/public-case-api': [
        { cluster: 'c1', reason: 'regional readiness false: dependency c3-only 0/1 endpoints' },
        { cluster: 'c2', reason: 'regional readiness false: dependency case-db 0/2 endpoints' },
        { cluster: 'c3', reason: 'regional readiness false: dependency c3-only 0/1 endpoints' },
      ],
    });
  });
  it('keys by kind: a Service and a ServiceImport of the same name never exclude each other', () => {
    // The Service contract fails in c1 only (its strict fraction); the import's fails in c2 only.
    const service: HealthTarget = {
      ...TARGET,
      contract: 'cases/local',
      kind: 'Service',
      spec: HealthContractSpec.parse({ targetRef: { kind: 'Service', name: 'public-case-api' } }),
      clusters: [{ cluster: 'c1', endpoints: [{ address: '10.1.0.1', port: 8080, ready: false }] }],
    };
    assert.deepEqual(excludedByHealth(report(503, '0', [service, TARGET])), {
      'Service/cases/public-case-api': [{ cluster: 'c1', reason: 'regional readiness false: ready fraction 0/1 = 0 < 0.5' }],
      'ServiceImport/cases/public-case-api': [{ cluster: 'c2', reason: 'regional readiness false: dependency case-db 0/2 endpoints' }],
    });
    assert.equal(exclusionKey('Service', 'ns/a'), 'Service/ns/a');
  });
});

describe('healthChanged', () => {
  it('is false when only evidence values moved', () => {
    assert.equal(healthChanged(report(503, '1'), report(500, '2')), false);
  });
  it('is true when a layer flipped', () => {
    assert.equal(healthChanged(report(503, '1'), report(200, '1')), true);
    assert.equal(healthChanged(report(200, '1'), report(200, '9')), true);
  });
  it('is true when a cluster came or went, and compares against nothing at first', () => {
    const fewer: HealthTarget = { ...TARGET, clusters: TARGET.clusters.slice(0, 2) };
    assert.equal(healthChanged(report(200, '1'), report(200, '1', [fewer])), true);
    assert.equal(healthChanged(undefined, report(200, '1')), true);
    assert.equal(healthChanged(undefined, report(200, '1', [])), false);
  });
});

describe('healthObservation', () => {
  it('carries the verdicts and the measured lag to the failover reducer', () => {
    const r = report(503, '60');
    const [c1, c2] = r.services[0]?.clusters ?? [];
    assert.ok(c1 && c2);
    assert.deepEqual(healthObservation(c1), { cluster: 'c1', regionalReady: true, failoverReady: true, dependenciesReady: true, replicationLagSeconds: 0, at: NOW });
    assert.deepEqual(healthObservation(c2), { cluster: 'c2', regionalReady: false, failoverReady: true, dependenciesReady: false, replicationLagSeconds: 1, at: NOW });
  });
});
