/**
 * The MCS write-back follows the clusters remote-cluster Secrets reach (issue 16 item 1: "a Secret
 * holding a kubeconfig for the others"): a cluster a Secret adds gets its ServiceImports, one that
 * leaves the Secrets is written no more, a rotated credential is written with the new one. The
 * kubeconfig file's clusters and the Secrets' are fake API servers, one per server URL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { clusterName, type Sourced } from '../api/index.ts';
import type { McsClusterResult, McsResult } from '../controllers/index.ts';
import { silentLogger } from '../observability/index.ts';
import { FakeApiClient, FakeApiServer, type RemoteCluster } from '../sources/index.ts';
import type { LeaderRole } from '../store/index.ts';
import { waitFor } from '../../test/wait.ts';
import { createBus } from './bus.ts';
import { kubeWritebackComponent } from './kube-writeback.ts';
import { CONTROL_PLANE_LEASE } from './leadership.ts';

const IMPORTS = '/apis/multicluster.x-k8s.io/v1beta1/serviceimports';

/** A cluster's result: the imports of `names` in namespace shop. */
function clusterResult(cluster: string, names: readonly string[]): McsClusterResult {
  return {
    cluster,
    serviceImports: names.map((name) => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name, namespace: 'shop' }, spec: { type: 'Headless', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }, status: { clusters: [{ cluster: 'jkt' }] } })),
    endpointSlices: [],
    serviceExports: [],
  } as unknown as McsClusterResult;
}

/** A kubeconfig of one context named `cluster` whose server is `https://<cluster>-<tag>.invalid`. */
function kubeconfigOf(cluster: string, tag: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: cluster, server: `https://${cluster}-${tag}.invalid`, skipTLSVerify: false }], users: [{ name: cluster, token: tag }], contexts: [{ name: cluster, cluster, user: cluster }], currentContext: cluster });
  return kc;
}

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('kube write-back and remote-cluster Secrets', () => {
  it('writes into a cluster a Secret adds, stops when it leaves, and uses a rotated credential', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lintas-wb-remote-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, kubeconfigOf('jkt', 'file').exportConfig());
    const servers = new Map<string, FakeApiServer>();
    const clients = new Map<string, FakeApiClient>();
    const at = (url: string): FakeApiClient => {
      if (!servers.has(url)) servers.set(url, new FakeApiServer());
      if (!clients.has(url)) clients.set(url, new FakeApiClient(servers.get(url) as FakeApiServer));
      return clients.get(url) as FakeApiClient;
    };
    const credentials = new Map<string, RemoteCluster>();
    const listeners = new Set<() => void>();
    const secret = (tag: string): RemoteCluster => ({ cluster: clusterName('sgp'), secret: 'lintas-system/remotes', key: 'sgp', kubeconfig: kubeconfigOf('sgp', tag), digest: tag });
    const changed = (): void => {
      for (const listener of listeners) listener();
    };

    const bus = createBus();
    bus.leader.set(CONTROL_PLANE_LEASE, { role: 'leader', fence: { lease: CONTROL_PLANE_LEASE, token: 1 } } as unknown as LeaderRole);
    const fleetObjects = ['jkt', 'sgp'].map((name) => ({ object: { apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name } }, origin: { file: 'fleet.yaml', line: 1 } }) as unknown as Sourced);
    let version = 0;
    const publish = (names: readonly string[]): void => {
      version++;
      const result = { clusters: [clusterResult('jkt', names), clusterResult('sgp', names)], dns: {}, state: {}, sources: [] } as unknown as McsResult;
      bus.mcs.set('latest', { version: bus.fleet.version + version, result, snapshot: { fleetObjects, clusters: new Map() } });
    };
    const component = kubeWritebackComponent({
      bus,
      kubeconfigPath: file,
      registry: new Registry(),
      log: silentLogger,
      sourceSynced: () => true,
      remoteClusters: {
        credentials: () => credentials,
        subscribe: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      connect: (kc, context) => {
        const url = kc.getCluster(kc.getContextObject(context)?.cluster ?? '')?.server ?? '';
        const client = at(url);
        return { client, transport: (servers.get(url) as FakeApiServer).transport };
      },
    });
    await component.start();
    stops.push(() => component.stop());

    publish(['a']);
    await waitFor('jkt (the file\'s) has import a', () => at('https://jkt-file.invalid').get(IMPORTS, 'shop', 'a'));
    assert.equal(servers.has('https://sgp-one.invalid'), false, 'no Secret reaches sgp yet: nothing connects to it');

    credentials.set('sgp', secret('one'));
    changed();
    await waitFor('sgp, added by a Secret, has import a', () => at('https://sgp-one.invalid').get(IMPORTS, 'shop', 'a'));

    credentials.set('sgp', secret('two'));
    changed();
    publish(['a', 'b']);
    await waitFor('the rotated credential writes import b (and a) into sgp', () => (at('https://sgp-two.invalid').get(IMPORTS, 'shop', 'b') !== undefined && at('https://sgp-two.invalid').get(IMPORTS, 'shop', 'a') !== undefined ? true : undefined));
    assert.equal(at('https://sgp-one.invalid').get(IMPORTS, 'shop', 'b'), undefined, 'nothing more through the old credential');

    credentials.delete('sgp');
    changed();
    const before = at('https://sgp-two.invalid').writes().length;
    publish(['a', 'b', 'c']);
    await waitFor('jkt has import c', () => at('https://jkt-file.invalid').get(IMPORTS, 'shop', 'c'));
    assert.equal(at('https://sgp-two.invalid').get(IMPORTS, 'shop', 'c'), undefined, 'a cluster gone from the Secrets is written no more');
    assert.equal(at('https://sgp-two.invalid').writes().length, before);
    assert.ok(at('https://sgp-two.invalid').get(IMPORTS, 'shop', 'a'), 'and what was written there stays (no credential is left to collect it with)');
  });
});
