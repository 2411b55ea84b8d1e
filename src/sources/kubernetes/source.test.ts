import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { waitFor } from '../../../test/wait.ts';
import { clusterName, type ClusterFreshness, type FleetSnapshot, type Sourced } from '../../api/index.ts';
import { createLogger, silentLogger } from '../../observability/index.ts';
import { FakeApiServer } from './fake-api-server.ts';
import { clusterContexts, CONTEXT_ANNOTATION, KubernetesSource } from './source.ts';

const cluster = (name: string, annotations?: Record<string, string>): Sourced => ({
  object: { apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name, ...(annotations ? { annotations } : {}) }, spec: { region: 'r' } } as unknown as Sourced['object'],
  origin: { file: 'fleet/clusters.yaml', line: 1 },
});

const kubeconfig = (contexts: readonly string[]): string =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({ name: c, cluster: { server: `https://${c}.invalid` } })),
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: contexts.map((c) => ({ name: c, context: { cluster: c, user: 'u' } })),
    'current-context': contexts[0],
  });

describe('clusterContexts', () => {
  it("uses the cluster's name as its context unless the annotation names another, and lists the clusters without one", () => {
    const fleet = [cluster('jkt-prod-1'), cluster('sgp-prod-1', { [CONTEXT_ANNOTATION]: 'gke_sgp' }), cluster('tyo-prod-1')];
    const { watched, missing } = clusterContexts(fleet, new Set(['jkt-prod-1', 'gke_sgp']));
    assert.deepEqual(watched, [
      { cluster: 'jkt-prod-1', context: 'jkt-prod-1' },
      { cluster: 'sgp-prod-1', context: 'gke_sgp' },
    ]);
    assert.deepEqual(missing, [{ cluster: 'tyo-prod-1', context: 'tyo-prod-1' }]);
  });
});

describe('KubernetesSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-kube-source-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("replaces a watched cluster's directory objects with its API server's, leaves the others, and heartbeats it", async () => {
    writeFileSync(join(dir, 'kubeconfig'), kubeconfig(['sgp-prod-1']));
    const servers = new Map([['sgp-prod-1', new FakeApiServer()]]);
    servers.get('sgp-prod-1')?.write('/api/v1/namespaces', 'from-api', {});
    const beats: [string, ClusterFreshness][] = [];
    const lines: string[] = [];
    const source = new KubernetesSource({
      kubeconfigPath: join(dir, 'kubeconfig'),
      heartbeats: { heartbeat: (name, f) => beats.push([name, f]) },
      log: createLogger({ format: 'json', level: 'warn', write: (l) => lines.push(l) }),
      transportFor: (_config, context) => {
        const server = servers.get(context);
        assert.ok(server, context);
        return server.transport;
      },
    });
    const namespace = (c: string, name: string): Sourced => ({ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as Sourced['object'], origin: { file: `clusters/${c}/ns.yaml`, line: 1 }, cluster: clusterName(c) });
    const directory: FleetSnapshot = {
      fleetObjects: [cluster('jkt-prod-1'), cluster('sgp-prod-1')],
      clusters: new Map([
        [clusterName('jkt-prod-1'), { cluster: clusterName('jkt-prod-1'), objects: [namespace('jkt-prod-1', 'from-dir')] }],
        [clusterName('sgp-prod-1'), { cluster: clusterName('sgp-prod-1'), objects: [namespace('sgp-prod-1', 'from-dir')] }],
      ]),
    };
    let changes = 0;
    source.subscribe(() => changes++);
    await source.reconcile(directory.fleetObjects);
    try {
      // Before the first list the watched cluster is unknown (left out, so the MCS controller keeps
      // what it knew), never empty and never the directory's copy.
      assert.equal(source.apply(directory).clusters.has(clusterName('sgp-prod-1')), false);
      // Synced means the listed objects were handed on: whoever sees it finds them in the snapshot.
      await waitFor('sgp synced', () => (source.status()[0]?.synced === true ? true : undefined));
      assert.ok(changes > 0);
      const applied = source.apply(directory);
      assert.deepEqual(applied.clusters.get(clusterName('sgp-prod-1'))?.objects.map((o) => o.object.metadata.name), ['from-api']);
      assert.deepEqual(applied.clusters.get(clusterName('jkt-prod-1'))?.objects.map((o) => o.object.metadata.name), ['from-dir'], 'a cluster without a context keeps its folder');
      assert.equal(applied.fleetObjects, directory.fleetObjects);
      await waitFor('a heartbeat', () => (beats.some(([name, f]) => name === 'sgp-prod-1' && f.synced) ? true : undefined));
      assert.match(lines.join('\n'), /no context in the kubeconfig[^\n]*"cluster":"jkt-prod-1"/);
      assert.match(lines.join('\n'), /the API server wins/);
      // Dropping the Cluster stops its watch and gives the directory its folder back.
      await source.reconcile([cluster('jkt-prod-1')]);
      assert.deepEqual(source.status(), []);
      assert.deepEqual(source.apply(directory).clusters.get(clusterName('sgp-prod-1'))?.objects.map((o) => o.object.metadata.name), ['from-dir']);
    } finally {
      await source.stop();
    }
  });

  it('tells its listeners once for a burst of changes in several clusters (one fleet update, one MCS translation)', async () => {
    const names = ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'];
    writeFileSync(join(dir, 'kubeconfig-3'), kubeconfig(names));
    const servers = new Map(names.map((n) => [n, new FakeApiServer()]));
    const source = new KubernetesSource({
      kubeconfigPath: join(dir, 'kubeconfig-3'),
      heartbeats: { heartbeat: () => undefined },
      log: silentLogger,
      transportFor: (_config, context) => servers.get(context)?.transport ?? assert.fail(context),
    });
    let changes = 0;
    source.subscribe(() => changes++);
    await source.reconcile(names.map((n) => cluster(n)));
    try {
      await waitFor('every cluster synced', () => (source.status().every((s) => s.synced) && source.status().length === 3 ? true : undefined));
      // Any notification of the lists is out: one turn later nothing is pending.
      await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
      const before = changes;
      for (const server of servers.values()) server.write('/api/v1/namespaces', 'burst', {});
      const directory: FleetSnapshot = { fleetObjects: names.map((n) => cluster(n)), clusters: new Map() };
      await waitFor('the burst in every cluster', () =>
        names.every((n) => source.apply(directory).clusters.get(clusterName(n))?.objects.some((o) => o.object.metadata.name === 'burst')) && changes > before ? true : undefined,
      );
      assert.equal(changes, before + 1);
    } finally {
      await source.stop();
    }
  });

  it('names the file when the kubeconfig cannot be read', () => {
    assert.throws(() => new KubernetesSource({ kubeconfigPath: join(dir, 'nope'), heartbeats: { heartbeat: () => undefined }, log: silentLogger }), /cannot read kubeconfig .*nope/);
  });
});
