/**
 * The test fleet itself: three real kube-apiservers over one etcd answer with their own data
 * (one prefix each), take the upstream MCS and Gateway API CRDs, and store a Service.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installSharedCrds, kubeBinariesMissing, SHARED_CRDS_DIR, startKubeFleet, TEST_CLUSTERS, type TestKubeFleet } from './fleet.ts';

const missing = kubeBinariesMissing();

describe('test kube fleet (real kube-apiservers)', { skip: missing }, () => {
  let fleet: TestKubeFleet;
  before(async () => {
    fleet = await startKubeFleet();
  });
  after(async () => {
    await fleet?.stop();
  });

  it('writes a kubeconfig with one context per cluster, each answering as its own cluster', async () => {
    for (const { name } of TEST_CLUSTERS) assert.match(fleet.kubeconfig, new RegExp(`name: ${name}`));
    const ranges = [];
    for (const { name } of TEST_CLUSTERS) {
      const probe = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'range-probe', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
      const { status, body } = await fleet.request(name, 'POST', '/api/v1/namespaces/default/services', probe);
      assert.equal(status, 201, JSON.stringify(body));
      ranges.push((body as { spec: { clusterIP: string } }).spec.clusterIP);
    }
    assert.deepEqual(ranges.map((ip) => ip.split('.').slice(0, 2).join('.')), ['10.96', '10.97', '10.98']);
  });

  it('applies the shared MCS and Gateway API CRDs, then stores and reads back a Service and a ServiceExport', async () => {
    const crds = await installSharedCrds(fleet, 'jkt-prod-1');
    assert.ok(crds.includes('serviceexports.multicluster.x-k8s.io'));
    // The Gateway API CRDs come from ../shared only (the user's to install); a clone on its own has none.
    if (existsSync(join(SHARED_CRDS_DIR, 'gateway-api'))) assert.ok(crds.includes('httproutes.gateway.networking.k8s.io'));
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
    const created = await fleet.request('jkt-prod-1', 'POST', '/api/v1/namespaces/default/services', service);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const read = await fleet.request('jkt-prod-1', 'GET', '/api/v1/namespaces/default/services/web');
    assert.equal((read.body as { spec: { ports: { port: number }[] } }).spec.ports[0]?.port, 80);
    const other = await fleet.request('sgp-prod-1', 'GET', '/api/v1/namespaces/default/services/web');
    assert.equal(other.status, 404, 'sgp is another cluster (its own etcd prefix)');
    const exported = await fleet.request('jkt-prod-1', 'POST', '/apis/multicluster.x-k8s.io/v1beta1/namespaces/default/serviceexports', { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'default' } });
    assert.equal(exported.status, 201, JSON.stringify(exported.body));
  });

  it('stops and restarts one API server on the same port with its data', async () => {
    const sgp = fleet.apiservers.get('sgp-prod-1');
    assert.ok(sgp);
    await fleet.request('sgp-prod-1', 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } });
    await sgp.stop();
    assert.equal(sgp.running(), false);
    await assert.rejects(fleet.request('sgp-prod-1', 'GET', '/readyz'));
    await sgp.start();
    assert.equal((await fleet.request('sgp-prod-1', 'GET', '/api/v1/namespaces/kept')).status, 200);
  });
});
