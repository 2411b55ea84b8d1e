/**
 * The Helm chart deploy/helm/lintas against a real kube-apiserver (issue 16 item 3), with the helm
 * that scripts/build-helm.sh builds: `helm template` with the default values and with other values
 * (three gateway clusters, another namespace, a member token, another image) passes server-side
 * apply with dryRun=All object by object; and a real `helm install --create-namespace` (helm v4
 * applies server-side) installs the chart, which `helm uninstall` removes but for its Namespace.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHART_DIR, DEPLOY_NAMESPACE, helm, helmMissing, renderChart, type HelmResult } from '../deploy/helm.ts';
import { kubeBinariesMissing, startKubeFleet, type TestKubeFleet } from './fleet.ts';
import { apply, inInstallOrder, waitEstablished, type Manifest } from './manifests.ts';

/**
 * Dry-runs every object in `cluster` (server-side apply, dryRun=All); CRDs and Namespaces are
 * applied for real first, since the objects after them are served by, or live in, them. Returns
 * the refusals, one line per object.
 */
async function dryRunAll(fleet: TestKubeFleet, cluster: string, manifests: readonly Manifest[]): Promise<string[]> {
  const refused: string[] = [];
  for (const { file, object } of inInstallOrder(manifests)) {
    const real = object.kind === 'CustomResourceDefinition' || object.kind === 'Namespace';
    const res = await apply(fleet, cluster, object, { dryRun: !real });
    if (res.status !== 200 && res.status !== 201) refused.push(`${file}: ${object.kind} ${object.metadata.name}: ${String(res.status)} ${JSON.stringify(res.body)}`);
    else if (object.kind === 'CustomResourceDefinition') await waitEstablished(fleet, cluster, object.metadata.name);
  }
  return refused;
}

describe('the Helm chart on a real kube-apiserver', { skip: kubeBinariesMissing() ?? helmMissing() }, () => {
  let fleet: TestKubeFleet;
  let home = '';
  /** helm against the test fleet, with its own config, cache and data dirs (nothing in ~/.config or ~/.cache/helm). */
  const helmOn = (cluster: string, args: readonly string[]): Promise<HelmResult> =>
    helm([...args, '--kubeconfig', fleet.kubeconfigPath, '--kube-context', cluster], { HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_DATA_HOME: join(home, 'data') });

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'lintas-helm-home-'));
    fleet = await startKubeFleet();
  });
  after(async () => {
    await fleet?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('passes server-side apply with dryRun=All: helm template with the default values', async () => {
    const rendered = await renderChart();
    assert.ok(rendered.length >= 25, `rendered ${String(rendered.length)} objects`);
    assert.deepEqual(await dryRunAll(fleet, 'jkt-prod-1', rendered), []);
  });

  it('passes it with other values: three gateway clusters, namespace edge, a member token, another image and resources', async () => {
    const rendered = await renderChart({
      namespace: 'edge',
      setJson: ['gateway.clusters=["jkt-prod-1","sgp-prod-1","tyo-prod-1"]', 'controlPlane.extraAdminAllowedHosts=["cp.example.internal"]'],
      set: ['memberToken.create=true', 'controlPlane.replicas=3', 'gateway.replicas=1', 'image.repository=registry.example/lintas', 'image.tag=1.2.3', 'controlPlane.kubeconfigSecret=fleet-kubeconfigs', 'gateway.resources.limits.memory=1Gi'],
    });
    const names = rendered.filter((m) => m.object.kind === 'Deployment').map((m) => `${m.object.metadata.namespace ?? ''}/${m.object.metadata.name}`).sort();
    assert.deepEqual(names, ['edge/lintas-control-plane', 'edge/lintas-gateway-jkt-prod-1', 'edge/lintas-gateway-sgp-prod-1', 'edge/lintas-gateway-tyo-prod-1']);
    assert.ok(rendered.some((m) => m.object.kind === 'Secret' && m.object.metadata.name === 'lintas-token'));
    assert.deepEqual(await dryRunAll(fleet, 'sgp-prod-1', rendered), []);
  });

  it('is refused by the API server, naming the object and field, where helm cannot judge a value (the release namespace)', async () => {
    const rendered = await renderChart({ namespace: 'Not_A_Namespace' });
    const refused = await dryRunAll(fleet, 'sgp-prod-1', rendered);
    assert.match(refused[0] ?? '', /^lintas\/templates\/namespace\.yaml: Namespace Not_A_Namespace: 422 .*metadata\.name/, refused.join('\n'));
  });

  it('installs with `helm install --create-namespace` (server-side apply) and uninstalls, keeping the Namespace', async () => {
    const cluster = 'tyo-prod-1';
    const installed = await helmOn(cluster, ['install', 'lintas', CHART_DIR, '--namespace', DEPLOY_NAMESPACE, '--create-namespace']);
    assert.equal(installed.code, 0, `${installed.stdout}\n${installed.stderr}`);
    const status = await helmOn(cluster, ['status', 'lintas', '--namespace', DEPLOY_NAMESPACE, '--output', 'json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { info: { status: string } }).info.status, 'deployed');

    // The chart's Namespace took over the one --create-namespace made: Pod Security "restricted".
    const ns = await fleet.request(cluster, 'GET', `/api/v1/namespaces/${DEPLOY_NAMESPACE}`);
    assert.equal(ns.status, 200);
    assert.equal((ns.body as { metadata: { labels: Record<string, string> } }).metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    const deployment = await fleet.request(cluster, 'GET', `/apis/apps/v1/namespaces/${DEPLOY_NAMESPACE}/deployments/lintas-control-plane`);
    assert.equal(deployment.status, 200, JSON.stringify(deployment.body));
    const { spec, metadata } = deployment.body as { spec: { replicas: number }; metadata: { managedFields: { manager: string; operation: string }[] } };
    assert.equal(spec.replicas, 2);
    assert.ok(metadata.managedFields.some((f) => f.manager === 'helm' && f.operation === 'Apply'), `applied server-side by helm: ${JSON.stringify(metadata.managedFields.map((f) => [f.manager, f.operation]))}`);
    const crd = await fleet.request(cluster, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/failoverpolicies.lintas.dev');
    assert.equal(crd.status, 200, 'the CRDs of crds/ (deploy/crds) are installed');

    const uninstalled = await helmOn(cluster, ['uninstall', 'lintas', '--namespace', DEPLOY_NAMESPACE]);
    assert.equal(uninstalled.code, 0, `${uninstalled.stdout}\n${uninstalled.stderr}`);
    assert.equal((await fleet.request(cluster, 'GET', `/apis/apps/v1/namespaces/${DEPLOY_NAMESPACE}/deployments/lintas-control-plane`)).status, 404, 'the Deployment is gone');
    assert.equal((await fleet.request(cluster, 'GET', `/api/v1/namespaces/${DEPLOY_NAMESPACE}`)).status, 200, 'the Namespace (with your Secrets) is kept');
  });
});
