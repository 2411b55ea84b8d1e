/**
 * A FailoverPolicy whose services have no HealthContract still detects its owner's failure
 * (issue 14): the service gets a default contract over the gateways' own view, its report
 * becomes the reducer's observations, and a dead owner is detected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FailoverPolicy, TrafficPolicy } from '../../api/index.ts';
import { evaluateHealth, healthTargets, withGatewayView } from '../health/index.ts';
import { EMPTY_MCS_STATE, translateMcs } from '../mcs/index.ts';
import { initialFailoverState, step } from './reducer.ts';
import { observationsFor } from './runner-health.ts';
import { DEFAULT_NOW, loadFleetCase } from '../../../test/fleet-case.ts';

const CLUSTERS = [
  ['jkt-prod-1', 'ap-southeast-3', '10.1.0.1'],
  ['sgp-prod-1', 'ap-southeast-1', '10.2.0.1'],
  ['tyo-prod-1', 'ap-northeast-1', '10.3.0.1'],
] as const;

const perCluster = CLUSTERS.map(
  ([name, region, address]) => `
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: {name: ${name}}
spec: {region: ${region}, capacity: 100}
---
apiVersion: v1
kind: Namespace
metadata: {name: cases, annotations: {lintas.dev/cluster: ${name}}}
---
apiVersion: v1
kind: Service
metadata: {name: public-case-api, namespace: cases, annotations: {lintas.dev/cluster: ${name}}}
spec: {ports: [{name: http, port: 8080}]}
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata: {name: public-case-api, namespace: cases, annotations: {lintas.dev/cluster: ${name}}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: public-case-api-1, namespace: cases, labels: {kubernetes.io/service-name: public-case-api}, annotations: {lintas.dev/cluster: ${name}}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [${address}], conditions: {ready: true}}]`,
);

// No HealthContract anywhere.
const FLEET = [
  ...perCluster,
  `
apiVersion: lintas.dev/v1alpha1
kind: ClusterSet
metadata: {name: prod}
spec: {clusters: [jkt-prod-1, sgp-prod-1, tyo-prod-1], clusterSetIPRange: 10.250.0.0/24}
---
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: cases, namespace: cases}
spec: {targetRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api}]}
---
apiVersion: lintas.dev/v1alpha1
kind: FailoverPolicy
metadata: {name: case-writes, namespace: cases}
spec:
  targetRef: {kind: TrafficPolicy, name: cases}
  mode: Guarded
  from: sgp-prod-1
  to: [jkt-prod-1, tyo-prod-1]
  detection: {unhealthyFor: 5s}
  guardrails: {minHeadroomFraction: 0.3}`,
].join('\n---\n');

describe('detection without a HealthContract (the default contract)', () => {
  const { snapshot } = loadFleetCase(FLEET, 'default-detection.yaml', 'DetectionCase');
  const mcs = translateMcs({ snapshot, now: DEFAULT_NOW, state: EMPTY_MCS_STATE });
  const of = <T>(kind: string): T => snapshot.fleetObjects.find((o) => o.object.kind === kind)?.object as T;
  const policy = of<FailoverPolicy>('FailoverPolicy');
  const tp = of<TrafficPolicy>('TrafficPolicy');

  it('evaluates the governed service with a default contract named after the policy', () => {
    const targets = healthTargets(snapshot, mcs);
    assert.deepEqual(
      targets.map((t) => [t.contract, t.defaultFor, t.kind, t.service, t.spec.regional.minReadyFraction, t.spec.failover?.minHeadroomFraction, t.clusters.map((c) => c.cluster)]),
      [['cases/case-writes', 'cases/case-writes', 'ServiceImport', 'cases/public-case-api', 0.5, 0.3, ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']]],
    );
  });

  it('the owner\'s endpoints dead at the gateways: the policy detects it and the destinations carry headroom evidence', () => {
    const dead = [{ upstream: 'ServiceImport/cases/public-case-api:8080', kind: 'ServiceImport' as const, namespace: 'cases', name: 'public-case-api', address: '10.2.0.1', port: 8080, cluster: 'sgp-prod-1', state: 'ejected' as const }];
    const now = '2026-05-01T12:00:01.000Z';
    const report = evaluateHealth({
      targets: withGatewayView(healthTargets(snapshot, mcs), dead),
      probes: [],
      context: { 'jkt-prod-1': { capacity: 100, observedRps: 20 }, 'tyo-prod-1': { capacity: 100, observedRps: 0 } },
      now,
    });
    const observations = observationsFor(policy, report, [tp]);
    assert.deepEqual(
      observations.map((o) => [o.cluster, o.regionalReady, o.headroomFraction]),
      [
        ['jkt-prod-1', true, 0.8],
        ['tyo-prod-1', true, 1],
        ['sgp-prod-1', false, undefined],
      ],
    );
    let state = initialFailoverState('sgp-prod-1', DEFAULT_NOW);
    const records: string[] = [];
    for (const observation of observations) {
      const r = step(state, { type: 'Health', observation }, policy, now);
      state = r.state;
      for (const e of r.effects) if (e.type === 'Audit') records.push(`${e.record.action} ${e.record.phaseAfter}`);
    }
    assert.equal(state.phase, 'Degraded');
    assert.deepEqual(records, ['Detect Degraded']);
  });
});
