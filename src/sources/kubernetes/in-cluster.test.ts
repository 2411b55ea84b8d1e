import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { combinedKubeConfig, IN_CLUSTER_CONTEXT, inClusterKubeConfig } from './in-cluster.ts';

describe('in-cluster config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-sa-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), 'tok-1');
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'namespace'), 'lintas-system\n');
  const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };

  it('reaches KUBERNETES_SERVICE_HOST:PORT with the mounted CA, references the token by file (re-read on rotation, never copied) and reads the namespace', () => {
    const { kubeconfig, namespace } = inClusterKubeConfig({ serviceAccountDir: dir, env });
    assert.equal(namespace, 'lintas-system');
    assert.equal(kubeconfig.getCurrentContext(), IN_CLUSTER_CONTEXT);
    assert.equal(kubeconfig.getCurrentCluster()?.server, 'https://[fd00::1]:443');
    assert.equal(kubeconfig.getCurrentCluster()?.caFile, join(dir, 'ca.crt'));
    assert.deepEqual(kubeconfig.getCurrentUser()?.authProvider, { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } });
    assert.ok(!kubeconfig.exportConfig().includes('tok-1'), 'the token itself is never copied');
  });

  it('says what is missing outside a pod', () => {
    assert.throws(() => inClusterKubeConfig({ serviceAccountDir: dir, env: {} }), /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set/);
    assert.throws(() => inClusterKubeConfig({ serviceAccountDir: join(dir, 'none'), env }), /none\/token does not exist/);
  });

  it('adds the in-cluster context to a kubeconfig file\'s contexts', () => {
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: [{name: sgp, cluster: {server: "https://10.0.0.2"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: sgp-prod-1, context: {cluster: sgp, user: u}}]\ncurrent-context: sgp-prod-1\n');
    const { kubeconfig } = combinedKubeConfig({ kubeconfigPath: file, inCluster: { serviceAccountDir: dir, env } });
    assert.deepEqual(kubeconfig.getContexts().map((c) => c.name), ['sgp-prod-1', IN_CLUSTER_CONTEXT]);
    assert.equal(kubeconfig.getCurrentContext(), 'sgp-prod-1');
  });
});
