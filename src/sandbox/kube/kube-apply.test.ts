/** Tests of the sandbox's writes: REST paths of the applied kinds, and the EndpointSlice writer (only what changed, retried on failure). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSlice } from '../../api/index.ts';
import { createLogger } from '../../observability/index.ts';
import { createSliceWriter, objectPath, SANDBOX_FIELD_MANAGER, type KubeRequest } from './kube-apply.ts';

const log = createLogger({ format: 'text', level: 'error', write: () => undefined });

function slice(name: string, ready: boolean): EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'cases' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.1.1.10'], conditions: { ready } }], ports: [{ port: 8080 }] } as EndpointSlice;
}

describe('objectPath', () => {
  it('names the collection of each applied kind, namespaced or not, at the object\'s own version', () => {
    const meta = { name: 'x', namespace: 'ns' };
    assert.equal(objectPath({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } }), '/api/v1/namespaces/ns');
    assert.equal(objectPath({ apiVersion: 'v1', kind: 'Service', metadata: meta }), '/api/v1/namespaces/ns/services/x');
    assert.equal(objectPath({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', metadata: meta }), '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/ns/serviceexports/x');
    assert.equal(objectPath({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'lintas' } }), '/apis/gateway.networking.k8s.io/v1/gatewayclasses/lintas');
    assert.throws(() => objectPath({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Workload', metadata: meta }), /does not apply Workload objects/);
  });
});

describe('createSliceWriter', () => {
  it('applies each slice once per change (server-side apply as lintas-up), and retries a refused write', async () => {
    let ready = false;
    let refuse = 1;
    const calls: string[] = [];
    const request: KubeRequest = async (cluster, method, path, body) => {
      calls.push(`${cluster} ${method} ${path} ${String((body as EndpointSlice).endpoints[0]?.conditions?.ready)}`);
      if (refuse > 0) {
        refuse -= 1;
        return { status: 500, body: { message: 'etcd is busy' } };
      }
      return { status: 200, body: {} };
    };
    const writer = createSliceWriter({ request, generate: () => new Map([['jkt-prod-1', [slice('api-lintas-up', ready)]]]), log, retryMs: 1 });
    const path = `jkt-prod-1 PATCH /apis/discovery.k8s.io/v1/namespaces/cases/endpointslices/api-lintas-up?fieldManager=${SANDBOX_FIELD_MANAGER}&force=true`;
    await writer.flushed();
    // Refused once: written again by the retry, without another readiness change.
    while (calls.length < 2) await new Promise((r) => setTimeout(r, 1));
    await writer.flushed();
    assert.deepEqual(calls, [`${path} false`, `${path} false`]);
    await writer.flushed();
    assert.equal(calls.length, 2, 'nothing changed: nothing written');
    ready = true;
    await writer.flushed();
    assert.deepEqual(calls.slice(2), [`${path} true`]);
    await writer.close();
  });
});
