/**
 * The Helm chart deploy/helm/lintas (issue 16 item 3), with a real helm (scripts/build-helm.sh):
 * `helm lint --strict` passes; `helm template` with the default values renders exactly deploy/'s
 * plain manifests (the source of truth; a failure names each object and field to sync); the values
 * (member install, namespace, several gateway clusters) change what they say; bad values are refused
 * naming the value; and `helm package` carries the CRDs of deploy/crds (crds/ is a link to it).
 * test/kube/helm.e2e.test.ts applies renders to a real kube-apiserver.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployManifests, type Manifest } from '../kube/manifests.ts';
import { CHART_DIR, DEPLOY_NAMESPACE, helm, helmMissing, objectKey, renderChart, renderDifferences } from './helm.ts';

/** deploy/member-token.yaml is for members the control plane does not run in: off by default in the chart. */
const MEMBER_TOKEN = 'deploy/member-token.yaml';
const keys = (list: readonly Manifest[]): string[] => list.map((m) => objectKey(m.object)).sort();
const find = (list: readonly Manifest[], kind: string, name: string): Manifest['object'] => {
  const found = list.find((m) => m.object.kind === kind && m.object.metadata.name === name);
  assert.ok(found, `the render has ${kind} ${name}; it has ${keys(list).join(', ')}`);
  return found.object;
};

describe('deploy/helm/lintas', { skip: helmMissing() }, () => {
  it('passes helm lint --strict', async () => {
    const result = await helm(['lint', CHART_DIR, '--strict', '--namespace', DEPLOY_NAMESPACE]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("renders with the default values exactly deploy/'s manifests (but member-token.yaml), CRDs included", async () => {
    const expected = deployManifests().filter((m) => m.file !== MEMBER_TOKEN);
    const rendered = await renderChart();
    assert.deepEqual(renderDifferences(expected, rendered), [], "the chart differs from deploy/ (deploy/ is the source of truth: change the chart's templates or values to match)");
    assert.ok(rendered.some((m) => m.object.kind === 'CustomResourceDefinition') && rendered.some((m) => m.object.kind === 'Deployment'));
  });

  it("renders deploy/member-token.yaml with memberToken.create, and a member's objects without the control plane", async () => {
    const member = await renderChart({ set: ['memberToken.create=true', 'controlPlane.enabled=false', 'gateway.clusters={sgp-prod-1}'] });
    const token = deployManifests().filter((m) => m.file === MEMBER_TOKEN);
    assert.equal(token.length, 1);
    assert.deepEqual(renderDifferences(token, member.filter((m) => m.object.kind === 'Secret')), []);
    const kinds = keys(member.filter((m) => m.object.kind !== 'CustomResourceDefinition'));
    for (const absent of ['Deployment lintas-system/lintas-control-plane', 'ClusterRole lintas-management', 'Role lintas-system/lintas-leader-election', 'ConfigMap lintas-system/lintas-fleet', 'Service lintas-system/lintas-dns']) {
      assert.ok(!kinds.includes(absent), `a member install has no ${absent}`);
    }
    for (const present of ['ClusterRole lintas-member', 'ClusterRoleBinding lintas-member', 'Namespace lintas-system', 'Deployment lintas-system/lintas-gateway']) assert.ok(kinds.includes(present), `a member install has ${present}`);
    assert.equal(find(member, 'ConfigMap', 'lintas-gateway')['data'] !== undefined && (find(member, 'ConfigMap', 'lintas-gateway')['data'] as { cluster: string }).cluster, 'sgp-prod-1');
  });

  it('puts everything in the release namespace and runs one gateway per listed cluster, each selecting only its own pods', async () => {
    const clusters = ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1'];
    const rendered = await renderChart({
      namespace: 'edge',
      setJson: [`gateway.clusters=${JSON.stringify(clusters)}`, 'controlPlane.replicas=3', 'controlPlane.extraAdminAllowedHosts=["cp.example.internal"]'],
      set: ['image.repository=registry.example/lintas', 'image.tag=1.2.3', 'controlPlane.kubeconfigSecret=fleet-kubeconfigs', 'controlPlane.resources.limits.memory=2Gi'],
    });
    for (const { object } of rendered) {
      if (['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind)) continue;
      assert.equal(object.metadata.namespace, 'edge', objectKey(object));
    }
    assert.ok(find(rendered, 'Namespace', 'edge'));
    for (const binding of rendered.filter((m) => m.object.kind.endsWith('RoleBinding'))) {
      assert.deepEqual((binding.object['subjects'] as { namespace: string }[]).map((s) => s.namespace), ['edge'], objectKey(binding.object));
    }
    type Deployment = { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; args: string[]; resources: { limits: { memory: string } }; env: { name: string; valueFrom?: { configMapKeyRef?: { name: string } } }[] }[]; volumes: { name: string; secret?: { secretName: string } }[] } } } };
    const cp = find(rendered, 'Deployment', 'lintas-control-plane') as unknown as Deployment;
    const [container] = cp.spec.template.spec.containers;
    assert.ok(container);
    assert.equal(cp.spec.replicas, 3);
    assert.equal(container.image, 'registry.example/lintas:1.2.3');
    assert.equal(container.resources.limits.memory, '2Gi');
    assert.ok(container.args.includes('--admin-allowed-host=lintas-control-plane.edge.svc,lintas-control-plane.edge.svc.cluster.local,cp.example.internal'), container.args.join(' '));
    assert.equal(cp.spec.template.spec.volumes.find((v) => v.name === 'kubeconfigs')?.secret?.secretName, 'fleet-kubeconfigs');

    const gateways = rendered.filter((m) => m.object.kind === 'Deployment' && m.object.metadata.name !== 'lintas-control-plane').map((m) => m.object as unknown as Deployment & Manifest['object']);
    assert.deepEqual(gateways.map((g) => g.metadata.name).sort(), clusters.map((c) => `lintas-gateway-${c}`));
    for (const cluster of clusters) {
      const name = `lintas-gateway-${cluster}`;
      const gateway = find(rendered, 'Deployment', name) as unknown as Deployment;
      const config = find(rendered, 'ConfigMap', name)['data'] as { cluster: string; controlPlane: string };
      assert.deepEqual(config, { cluster, controlPlane: 'http://lintas-control-plane.edge.svc:7070' });
      assert.deepEqual(gateway.spec.selector.matchLabels, { 'app.kubernetes.io/name': name });
      assert.equal(gateway.spec.template.metadata.labels['app.kubernetes.io/name'], name);
      assert.ok(gateway.spec.template.spec.containers[0]?.env.every((e) => e.valueFrom?.configMapKeyRef === undefined || e.valueFrom.configMapKeyRef.name === name), `${name} reads its own ConfigMap`);
      for (const [kind, object] of [['Service', name], ['Service', `${name}-admin`], ['PodDisruptionBudget', name]] as const) {
        const selector = (find(rendered, kind, object)['spec'] as { selector: Record<string, unknown> }).selector;
        assert.deepEqual(selector['matchLabels'] ?? selector, { 'app.kubernetes.io/name': name }, `${kind} ${object}`);
      }
    }
  });

  it('refuses bad values, naming the value (values.schema.json)', async () => {
    const cases: { set: string; message: RegExp }[] = [
      { set: 'gateway.clusters={Not_A_Name}', message: /'\/gateway\/clusters\/0': 'Not_A_Name' does not match pattern/ },
      { set: 'controlPlane.replica=3', message: /'\/controlPlane': additional properties 'replica' not allowed/ },
      { set: 'controlPlane.replicas=0', message: /'\/controlPlane\/replicas'/ },
      { set: 'gateway.resources.limits.memory=lots', message: /'\/gateway\/resources\/limits\/memory': 'lots' does not match pattern/ },
      { set: 'gateway.controlPlane=lintas-control-plane:7070', message: /'\/gateway\/controlPlane': 'lintas-control-plane:7070' does not match/ },
    ];
    for (const { set, message } of cases) {
      const result = await helm(['template', 'lintas', CHART_DIR, '--namespace', DEPLOY_NAMESPACE, '--set', set]);
      assert.notEqual(result.code, 0, `--set ${set} was accepted`);
      assert.match(result.stderr, message, `--set ${set}`);
    }
  });

  describe('helm package', () => {
    let dir = '';
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lintas-helm-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("carries deploy/crds's CRDs (crds/ is a link to it) and renders the same objects as the chart directory", async () => {
      const packaged = await helm(['package', CHART_DIR, '--destination', dir]);
      assert.equal(packaged.code, 0, packaged.stderr);
      const archive = join(dir, 'lintas-0.1.0.tgz');
      const fromArchive = await renderChart({}, archive);
      const crds = deployManifests().filter((m) => m.object.kind === 'CustomResourceDefinition');
      assert.ok(crds.length >= 10);
      assert.deepEqual(renderDifferences(crds, fromArchive.filter((m) => m.object.kind === 'CustomResourceDefinition')), []);
      assert.deepEqual(keys(fromArchive), keys(await renderChart()));
    });
  });
});
