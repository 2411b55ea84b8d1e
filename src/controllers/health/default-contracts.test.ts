/** Tests of the default contracts FailoverPolicies get for services no HealthContract targets. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailoverPolicy, HealthContract, LINTAS_V1ALPHA1, TrafficPolicy, type FleetObject } from '../../api/index.ts';
import { defaultContracts } from './default-contracts.ts';

const tp = (name: string, targets: { kind: string; name: string }[]): FleetObject =>
  TrafficPolicy.parse({ apiVersion: LINTAS_V1ALPHA1, kind: 'TrafficPolicy', metadata: { name, namespace: 'cases' }, spec: { targetRefs: targets } });
const fp = (name: string, trafficPolicy: string, minHeadroomFraction?: number): FleetObject =>
  FailoverPolicy.parse({
    apiVersion: LINTAS_V1ALPHA1,
    kind: 'FailoverPolicy',
    metadata: { name, namespace: 'cases' },
    spec: { targetRef: { kind: 'TrafficPolicy', name: trafficPolicy }, from: 'sgp', to: ['jkt'], ...(minHeadroomFraction === undefined ? {} : { guardrails: { minHeadroomFraction } }) },
  });
const hc = (kind: string, name: string): FleetObject =>
  HealthContract.parse({ apiVersion: LINTAS_V1ALPHA1, kind: 'HealthContract', metadata: { name, namespace: 'cases' }, spec: { targetRef: { kind, name } } });

describe('defaultContracts', () => {
  it('one per governed service without a HealthContract; services, not routes; the largest headroom minimum', () => {
    const objects = [
      tp('cases', [{ kind: 'ServiceImport', name: 'public-case-api' }, { kind: 'Service', name: 'case-db' }, { kind: 'HTTPRoute', name: 'r' }, { kind: 'Service', name: 'covered' }]),
      hc('Service', 'covered'),
      // Same name, other kind: does not cover the ServiceImport.
      hc('Service', 'public-case-api'),
      fp('z-second', 'cases', 0.4),
      fp('a-first', 'cases', 0.2),
      fp('orphan', 'missing', 0.9),
    ];
    const out = defaultContracts(objects);
    assert.deepEqual(
      out.map((d) => [d.contract, d.defaultFor, d.kind, d.service, d.spec.failover?.minHeadroomFraction, d.spec.regional.dependencies.length]),
      [
        ['cases/a-first', 'cases/a-first', 'Service', 'cases/case-db', 0.4, 0],
        ['cases/a-first', 'cases/a-first', 'ServiceImport', 'cases/public-case-api', 0.4, 0],
      ],
    );
  });

  it('no FailoverPolicy, no default contract', () => {
    assert.deepEqual(defaultContracts([tp('cases', [{ kind: 'ServiceImport', name: 'public-case-api' }])]), []);
  });
});
