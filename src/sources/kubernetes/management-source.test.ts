import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FleetSnapshot, Sourced } from '../../api/index.ts';
import { silentLogger } from '../../observability/index.ts';
import { decodeDocument } from '../../validation/index.ts';
import { buildSnapshot } from '../directory/load-fleet.ts';
import { FakeApiServer } from './fake-api-server.ts';
import { ManagementSource } from './management-source.ts';

const decoded = (file: string, value: Record<string, unknown>): Sourced => {
  const result = decodeDocument({ file, line: 1, value, lineOf: () => 1 });
  assert.ok(result.object !== undefined, JSON.stringify(result.issues));
  return result.object;
};
const cluster = (name: string, i: number): Record<string, unknown> => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { region: `r${String(i)}`, podCIDRs: [`10.${String(i)}.0.0/16`], serviceCIDRs: [`10.9${String(i)}.0.0/16`] } });
const DIRECTORY: FleetSnapshot = buildSnapshot([
  decoded('fleet/clusters.yaml', cluster('jkt-prod-1', 1)),
  decoded('fleet/clusters.yaml', cluster('sgp-prod-1', 2)),
  decoded('fleet/clusters.yaml', { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'prod' }, spec: { clusters: ['jkt-prod-1', 'sgp-prod-1'], clusterSetIPRange: '10.250.0.0/16' } }),
  decoded('fleet/policies.yaml', { apiVersion: 'lintas.dev/v1alpha1', kind: 'TrafficPolicy', metadata: { name: 'git', namespace: 'default' }, spec: { targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'git' }], locality: { mode: 'LocalPreferred' } } }),
]);
const TP = '/apis/lintas.dev/v1alpha1/trafficpolicies';
const FP = '/apis/lintas.dev/v1alpha1/failoverpolicies';
const trafficPolicy = (mode: string, service = 'web'): Record<string, unknown> => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'TrafficPolicy', spec: { targetRefs: [{ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: service }], locality: { mode } } });

// The fake API server keeps only names in metadata: objects read as namespace "default" (their origin has none).

/** A source on `server`, and a way to wait for its next change. */
async function started(server: FakeApiServer): Promise<{ source: ManagementSource; changed: () => Promise<void> }> {
  const source = new ManagementSource({ context: 'mgmt', transport: server.transport, log: silentLogger, initialBackoffMs: 5, maxBackoffMs: 20 });
  let wake: (() => void) | undefined;
  source.subscribe(() => wake?.());
  source.start();
  await source.listed();
  return { source, changed: () => new Promise((resolve) => (wake = resolve)) };
}
const policies = (s: FleetSnapshot): string[] => s.fleetObjects.filter((o) => o.object.kind.endsWith('Policy')).map((o) => `${o.origin.file} ${JSON.stringify((o.object as { spec: { locality?: unknown; to?: unknown } }).spec.locality ?? (o.object as { spec: { to?: unknown } }).spec.to)}`);

describe('ManagementSource', () => {
  it('adds the CRs to the directory\'s objects; the directory wins a clash, with the CR named as shadowed', async () => {
    const server = new FakeApiServer();
    server.write(TP, 'web', trafficPolicy('LocalPreferred'));
    server.write(TP, 'git', trafficPolicy('LocalOnly', 'git'));
    const { source } = await started(server);
    try {
      assert.deepEqual(policies(source.apply(DIRECTORY)), ['fleet/policies.yaml {"mode":"LocalPreferred"}', 'management:mgmt/trafficpolicies/web {"mode":"LocalPreferred"}']);
      assert.deepEqual(source.status().shadowed, ['management:mgmt/trafficpolicies/git: TrafficPolicy/default/git is also in the fleet directory (fleet/policies.yaml); the directory\'s copy wins']);
      assert.deepEqual(source.status().refused, []);
    } finally {
      await source.stop();
    }
  });

  it('refuses a malformed CR naming the field, keeping its last good version; a fix or a delete takes effect', async () => {
    const server = new FakeApiServer();
    server.write(TP, 'web', trafficPolicy('LocalPreferred'));
    const { source, changed } = await started(server);
    try {
      let next = changed();
      server.write(TP, 'web', trafficPolicy('Sometimes'));
      await next;
      assert.match(source.status().refused.join('\n'), /^management:mgmt\/trafficpolicies\/web:1: TrafficPolicy default\/web: \.spec\.locality\.mode: /);
      assert.deepEqual(policies(source.apply(DIRECTORY)).slice(1), ['management:mgmt/trafficpolicies/web {"mode":"LocalPreferred"}']);
      next = changed();
      server.write(TP, 'web', trafficPolicy('LocalOnly'));
      await next;
      assert.deepEqual([source.status().refused, policies(source.apply(DIRECTORY)).slice(1)], [[], ['management:mgmt/trafficpolicies/web {"mode":"LocalOnly"}']]);
      next = changed();
      server.write(TP, 'web', undefined);
      await next;
      assert.deepEqual(policies(source.apply(DIRECTORY)).slice(1), []);
    } finally {
      await source.stop();
    }
  });

  it('refuses CRs that fail the fleet checks with the directory as a set: the last good set keeps serving', async () => {
    const server = new FakeApiServer();
    const failover = (to: string[]): Record<string, unknown> => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'FailoverPolicy', spec: { targetRef: { kind: 'TrafficPolicy', name: 'git' }, from: 'jkt-prod-1', to } });
    server.write(FP, 'git', failover(['sgp-prod-1']));
    const { source, changed } = await started(server);
    try {
      assert.deepEqual(policies(source.apply(DIRECTORY)), ['management:mgmt/failoverpolicies/git ["sgp-prod-1"]', 'fleet/policies.yaml {"mode":"LocalPreferred"}']);
      const next = changed();
      server.write(FP, 'git', failover(['osaka-1']));
      await next;
      assert.deepEqual(policies(source.apply(DIRECTORY)), ['management:mgmt/failoverpolicies/git ["sgp-prod-1"]', 'fleet/policies.yaml {"mode":"LocalPreferred"}']);
      assert.match(source.status().refused.join('\n'), /management:mgmt\/failoverpolicies\/git.*osaka-1/);
    } finally {
      await source.stop();
    }
  });
});
