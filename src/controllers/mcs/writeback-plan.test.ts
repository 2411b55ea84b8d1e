/**
 * The write-back planner: golden cases (`testdata-writeback/<case>.in.yaml` → the MCS result →
 * every cluster's planned writes, with the derived Services' ClusterIPs as the cluster would
 * allocate them), and the rules the golden files only show.
 *
 * Regenerate: LINTAS_UPDATE_GOLDEN=1 node --import tsx --test src/controllers/mcs/writeback-plan.test.ts
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { goldenTests } from '../../../test/golden.ts';
import { loadMcsCase } from './testdata-loader.ts';
import { translateMcs } from './translate.ts';
import { derivedServiceName, planDerivedServices, planImports } from './writeback-plan.ts';

/** Plans every cluster, allocating derived ClusterIPs `10.96.<cluster>.<n>` as an API server would. */
function planAll(input: string, caseName: string): unknown {
  const result = translateMcs(loadMcsCase(input, `${caseName}.in.yaml`));
  return result.clusters.map((cluster, c) => {
    const services = planDerivedServices(cluster);
    const ips = new Map(services.map((s, i) => [s.importKey, [`10.96.${String(c)}.${String(i + 1)}`]]));
    return { cluster: cluster.cluster, writes: [...services.map((s) => s.write), ...planImports(cluster, ips)] };
  });
}

goldenTests({
  dir: fileURLToPath(new URL('./testdata-writeback', import.meta.url)),
  run: (input, caseName) => stringify(planAll(input, caseName), { sortMapEntries: false, lineWidth: 0, aliasDuplicateObjects: false }),
});

describe('write-back plan', () => {
  it('names derived Services after a digest of ns/name, DNS-1035 and stable', () => {
    const name = derivedServiceName('shop', 'a'.repeat(63));
    assert.match(name, /^derived-[0-9a-f]{10}$/);
    assert.equal(derivedServiceName('shop', 'a'.repeat(63)), name);
    assert.notEqual(derivedServiceName('other', 'a'.repeat(63)), name);
  });

  it('leaves spec.ips out until the cluster allocated the derived ClusterIP', () => {
    const text = `kind: McsTestCase
---
{apiVersion: lintas.dev/v1alpha1, kind: Cluster, metadata: {name: c1}, spec: {region: r1}}
---
{apiVersion: lintas.dev/v1alpha1, kind: ClusterSet, metadata: {name: prod}, spec: {clusters: [c1], clusterSetIPRange: 10.250.0.0/24}}
---
{apiVersion: v1, kind: Namespace, metadata: {name: shop, annotations: {lintas.dev/cluster: c1}}}
---
{apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop, annotations: {lintas.dev/cluster: c1}}, spec: {ports: [{port: 80, protocol: TCP}]}}
---
{apiVersion: multicluster.x-k8s.io/v1beta1, kind: ServiceExport, metadata: {name: web, namespace: shop, annotations: {lintas.dev/cluster: c1}}}
`;
    const [cluster] = translateMcs(loadMcsCase(text, 'inline.yaml')).clusters;
    assert.ok(cluster);
    const si = planImports(cluster, new Map()).find((w) => w.resource.kind === 'ServiceImport' && w.write === 'object');
    assert.equal((si?.body['spec'] as Record<string, unknown>)['ips'], undefined);
    assert.equal((si?.body['metadata'] as { annotations: Record<string, string> }).annotations['lintas.dev/clusterset-ips'], '10.250.0.1');
  });
});
