/**
 * deploy/ against a real kube-apiserver (issue 16 item 3): every manifest passes server-side apply
 * with dryRun=All (CRDs first, Established); the generated lintas.dev CRDs store the example
 * fleet's objects unchanged and refuse a malformed one with a field error; and the RBAC gives the
 * lintas ServiceAccount what the control plane reads and writes, and nothing more (checked with
 * SubjectAccessReviews, and with a real token of the ServiceAccount).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { KINDS, LINTAS_GROUP } from '../../src/api/index.ts';
import { REPO } from '../../src/cli/test-cli.ts';
import { WATCHED_RESOURCES } from '../../src/sources/kubernetes/resources.ts';
import { kubeBinariesMissing, startKubeFleet, type TestKubeFleet } from './fleet.ts';
import { apply, deployManifests, manifestsIn, restPath, waitEstablished, type Manifest } from './manifests.ts';

const MANAGEMENT = 'jkt-prod-1';
const SA = { namespace: 'lintas-system', name: 'lintas' };

/** A SubjectAccessReview of `user` (a ServiceAccount, with the groups the API server gives it). */
async function allowed(fleet: TestKubeFleet, account: { namespace: string; name: string }, attrs: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: `system:serviceaccount:${account.namespace}:${account.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`, 'system:authenticated'],
      resourceAttributes: { group: attrs.group ?? '', ...attrs },
    },
  };
  const { status, body } = await fleet.request(MANAGEMENT, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', review);
  assert.equal(status, 201, JSON.stringify(body));
  return (body as { status: { allowed: boolean } }).status.allowed;
}

const describeAccess = (a: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }): string =>
  `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.group ? `.${a.group}` : ''}${a.namespace ? ` in ${a.namespace}` : ' cluster-wide'}${a.name ? ` named ${a.name}` : ''}`;

/** Every lintas.dev resource: a kind added to the registry must be added to the management role too. */
const LINTAS_PLURALS = KINDS.filter((k) => k.group === LINTAS_GROUP).map((k) => k.plural);

describe('deploy/ on a real kube-apiserver', { skip: kubeBinariesMissing() }, () => {
  let fleet: TestKubeFleet;
  before(async () => {
    fleet = await startKubeFleet();
  });
  after(async () => {
    await fleet?.stop();
  });

  it('passes server-side apply with dryRun=All, every manifest, CRDs first and Established', async () => {
    const manifests = deployManifests();
    const applied: string[] = [];
    for (const { file, object } of manifests) {
      const what = `${file}: ${object.kind} ${object.metadata.name}`;
      const dry = await apply(fleet, MANAGEMENT, object, { dryRun: true });
      assert.ok(dry.status === 200 || dry.status === 201, `${what}: ${String(dry.status)} ${JSON.stringify(dry.body)}`);
      // CRDs and the Namespace for real: the objects after them are served by, or live in, them.
      if (object.kind === 'CustomResourceDefinition' || object.kind === 'Namespace') {
        const real = await apply(fleet, MANAGEMENT, object, { dryRun: false });
        assert.ok(real.status === 200 || real.status === 201, `${what}: ${String(real.status)} ${JSON.stringify(real.body)}`);
        if (object.kind === 'CustomResourceDefinition') await waitEstablished(fleet, MANAGEMENT, object.metadata.name);
      }
      applied.push(`${object.kind}/${object.metadata.name}`);
    }
    for (const expected of ['CustomResourceDefinition/clusters.lintas.dev', 'CustomResourceDefinition/serviceimports.multicluster.x-k8s.io', 'ClusterRole/lintas-member', 'Deployment/lintas-control-plane', 'Deployment/lintas-gateway']) {
      assert.ok(applied.includes(expected), `${expected} is in deploy/`);
    }
  });

  it("stores every lintas.dev object of examples/capstone as a custom resource, its spec unchanged (no field pruned)", async () => {
    const objects = manifestsIn(join(REPO, 'examples', 'capstone')).filter((m) => m.object.apiVersion === 'lintas.dev/v1alpha1');
    assert.ok(objects.length >= 10, `found ${String(objects.length)} lintas.dev objects`);
    // Fleet-scoped objects go to the management cluster, a cluster folder's to that cluster's API server.
    const clusterOf = (file: string): string => /\/clusters\/([^/]+)\//.exec(file)?.[1] ?? MANAGEMENT;
    for (const cluster of new Set(objects.map((m) => clusterOf(m.file)))) {
      assert.ok(fleet.apiservers.has(cluster), `${cluster} is a test cluster`);
      if (cluster !== MANAGEMENT) for (const { object } of deployManifests().filter((m) => m.object.kind === 'CustomResourceDefinition')) await apply(fleet, cluster, object, { dryRun: false });
      for (const { object } of deployManifests().filter((m) => m.object.kind === 'CustomResourceDefinition')) await waitEstablished(fleet, cluster, object.metadata.name);
      for (const namespace of new Set(objects.flatMap((m) => (clusterOf(m.file) === cluster && m.object.metadata.namespace ? [m.object.metadata.namespace] : [])))) {
        await apply(fleet, cluster, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { dryRun: false });
      }
    }
    const kinds = new Set<string>();
    for (const { file, object } of objects) {
      const what = `${file}: ${object.kind} ${object.metadata.name}`;
      const cluster = clusterOf(file);
      const created = await fleet.request(cluster, 'POST', `${await restPath(fleet, cluster, object, true)}?fieldValidation=Strict`, object);
      assert.equal(created.status, 201, `${what}: ${JSON.stringify(created.body)}`);
      assertContains((created.body as { spec: unknown }).spec, object.spec, `${what} .spec`);
      kinds.add(object.kind);
    }
    assert.ok(kinds.size >= 5, `kinds covered: ${[...kinds].join(', ')}`);
  });

  it('refuses malformed lintas.dev objects with the field that is wrong', async () => {
    const failover = manifestsIn(join(REPO, 'examples', 'capstone')).find((m) => m.object.kind === 'FailoverPolicy');
    assert.ok(failover);
    const cases: { object: Manifest['object']; field: string; message: RegExp }[] = [
      { object: { ...failover.object, metadata: { ...failover.object.metadata, name: 'bad-mode' }, spec: { ...(failover.object.spec as object), mode: 'Sometimes' } }, field: 'spec.mode', message: /Unsupported value: "Sometimes"/ },
      { object: { ...failover.object, metadata: { ...failover.object.metadata, name: 'bad-to' }, spec: { ...(failover.object.spec as object), to: 'sgp-prod-1' } }, field: 'spec.to', message: /must be of type array/ },
      { object: { apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'no-region' }, spec: { capacity: 'lots' } }, field: 'spec.capacity', message: /must be of type number/ },
      { object: { apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'Not_A_Label' }, spec: { region: 'x' } }, field: 'metadata.name', message: /should match/ },
      { object: { apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'typo' }, spec: { region: 'x', regoin: 'y' } }, field: 'spec.regoin', message: /unknown field/ },
    ];
    for (const { object, field, message } of cases) {
      const { status, body } = await fleet.request(MANAGEMENT, 'POST', `${await restPath(fleet, MANAGEMENT, object, true)}?fieldValidation=Strict`, object);
      // A schema error names the field in a cause; a strict-decoding one (unknown field) in the message.
      const status_ = body as { message?: string; details?: { causes?: { field?: string; message: string }[] } };
      const causes = [...(status_.details?.causes ?? []), ...(status_.message !== undefined ? [{ message: status_.message }] : [])];
      assert.ok(status === 422 || status === 400, `${object.metadata.name}: ${String(status)} ${JSON.stringify(body)}`);
      assert.ok(causes.some((c) => ('field' in c && c.field === field || c.message.includes(field)) && message.test(c.message)), `${object.metadata.name}: expected ${field} ${String(message)}, got ${JSON.stringify(body)}`);
    }
  });

  it('stores a ServiceExport and a ServiceImport in both MCS versions under the KEP CRDs', async () => {
    await apply(fleet, MANAGEMENT, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mcs' } }, { dryRun: false });
    for (const version of ['v1alpha1', 'v1beta1']) {
      const exp = { apiVersion: `multicluster.x-k8s.io/${version}`, kind: 'ServiceExport', metadata: { name: `web-${version}`, namespace: 'mcs' } };
      const imp = { apiVersion: `multicluster.x-k8s.io/${version}`, kind: 'ServiceImport', metadata: { name: `web-${version}`, namespace: 'mcs' }, spec: { type: 'ClusterSetIP', ips: ['10.200.0.1'], ports: [{ name: 'http', port: 80 }] } };
      for (const object of [exp, imp]) {
        const res = await apply(fleet, MANAGEMENT, object, { dryRun: false });
        assert.ok(res.status === 200 || res.status === 201, `${object.kind} ${version}: ${JSON.stringify(res.body)}`);
      }
      const read = await fleet.request(MANAGEMENT, 'GET', `/apis/multicluster.x-k8s.io/${version}/namespaces/mcs/serviceimports/web-${version}`);
      assert.equal((read.body as { spec: { ports: { protocol: string }[] } }).spec.ports[0]?.protocol, 'TCP', 'protocol defaults to TCP');
    }
  });

  describe('RBAC', () => {
    before(async () => {
      for (const { object } of deployManifests().filter((m) => m.file.includes('rbac-') || m.object.kind === 'Namespace' || m.object.kind === 'ServiceAccount')) {
        const res = await apply(fleet, MANAGEMENT, object, { dryRun: false });
        assert.ok(res.status < 300, JSON.stringify(res.body));
      }
    });

    it("allows everything the Kubernetes source watches and the controller writes", async () => {
      const needed = [
        ...WATCHED_RESOURCES.flatMap((r) => ['get', 'list', 'watch'].map((verb) => ({ verb, group: r.group, resource: r.plural }))),
        ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((verb) => ({ verb, group: 'multicluster.x-k8s.io', resource: 'serviceimports', namespace: 'cases' })),
        ...['create', 'patch', 'delete'].map((verb) => ({ verb, resource: 'services', namespace: 'cases' })),
        ...['create', 'patch', 'delete'].map((verb) => ({ verb, group: 'discovery.k8s.io', resource: 'endpointslices', namespace: 'cases' })),
        { verb: 'patch', group: 'multicluster.x-k8s.io', resource: 'serviceexports', subresource: 'status', namespace: 'cases' },
        { verb: 'patch', group: 'multicluster.x-k8s.io', resource: 'serviceimports', subresource: 'status', namespace: 'cases' },
        ...['gateways', 'httproutes', 'grpcroutes'].map((resource) => ({ verb: 'patch', group: 'gateway.networking.k8s.io', resource, subresource: 'status', namespace: 'cases' })),
        { verb: 'list', group: 'gateway.networking.k8s.io', resource: 'grpcroutes' },
        ...LINTAS_PLURALS.flatMap((resource) => [{ verb: 'list', group: 'lintas.dev', resource }, { verb: 'watch', group: 'lintas.dev', resource }, { verb: 'patch', group: 'lintas.dev', resource, subresource: 'status', namespace: 'cases' }]),
        { verb: 'create', resource: 'events', namespace: 'cases' },
        { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: 'cases' },
        // The status write-back (kube-status.ts) reads each object before writing its status, and raises a failover Event series' count.
        ...LINTAS_PLURALS.map((resource) => ({ verb: 'get', group: 'lintas.dev', resource, namespace: 'cases' })),
        { verb: 'patch', resource: 'events', namespace: 'cases' },
        { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: SA.namespace },
        { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: SA.namespace, name: 'lintas-control-plane' },
        { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: SA.namespace, name: 'lintas-control-plane' },
        // Remote-cluster Secrets, in Lintas's namespace only.
        ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'secrets', namespace: SA.namespace })),
      ];
      const denied = [];
      for (const attrs of needed) if (!(await allowed(fleet, SA, attrs))) denied.push(describeAccess(attrs));
      assert.deepEqual(denied, [], 'needed by Lintas but denied');
    });

    it('denies what Lintas does not need: secrets outside its namespace or written, workloads, wildcards, other leases, spec writes', async () => {
      const unneeded = [
        { verb: 'get', resource: 'secrets', namespace: 'kube-system' },
        { verb: 'list', resource: 'secrets' },
        { verb: 'watch', resource: 'secrets' },
        ...['create', 'update', 'patch', 'delete'].map((verb) => ({ verb, resource: 'secrets', namespace: SA.namespace })),
        { verb: 'patch', group: 'coordination.k8s.io', resource: 'leases', namespace: SA.namespace, name: 'lintas-control-plane' },
        { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: SA.namespace, name: 'lintas-control-plane' },
        { verb: 'get', resource: 'configmaps', namespace: 'kube-system' },
        { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'cases' },
        { verb: 'create', resource: 'pods', namespace: 'cases' },
        { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'cases' },
        { verb: '*', group: '*', resource: '*' },
        { verb: 'list', group: '*', resource: '*' },
        { verb: 'delete', resource: 'namespaces' },
        { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: SA.namespace, name: 'lintas' },
        { verb: 'impersonate', resource: 'users' },
        { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
        { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
        { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
        { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'kube-controller-manager' },
        { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: SA.namespace, name: 'someone-else' },
        { verb: 'create', group: 'multicluster.x-k8s.io', resource: 'serviceexports', namespace: 'cases' },
        { verb: 'update', group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'cases' },
        { verb: 'update', group: 'gateway.networking.k8s.io', resource: 'gatewayclasses', subresource: 'status' },
        { verb: 'create', group: 'lintas.dev', resource: 'failoverpolicies', namespace: 'cases' },
        { verb: 'update', group: 'lintas.dev', resource: 'clusters' },
        { verb: 'delete', resource: 'events', namespace: 'cases' },
      ];
      const granted = [];
      for (const attrs of unneeded) if (await allowed(fleet, SA, attrs)) granted.push(describeAccess(attrs));
      assert.deepEqual(granted, [], 'granted but not needed');
      assert.equal(await allowed(fleet, { namespace: SA.namespace, name: 'lintas-gateway' }, { verb: 'list', resource: 'services' }), false, 'the gateways get no Kubernetes API access');
    });

    it("holds with a real token of the ServiceAccount: services list, its own namespace's Secrets only", async () => {
      const tokenRequest = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } };
      const issued = await fleet.request(MANAGEMENT, 'POST', `/api/v1/namespaces/${SA.namespace}/serviceaccounts/${SA.name}/token`, tokenRequest);
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const token = (issued.body as { status: { token: string } }).status.token;
      const server = fleet.apiservers.get(MANAGEMENT)?.server;
      const dispatcher = new Agent({ connect: { ca: fleet.ca } });
      const asLintas = async (path: string): Promise<number> => (await fetch(`${server ?? ''}${path}`, { dispatcher, headers: { authorization: `Bearer ${token}` } })).status;
      try {
        assert.equal(await asLintas('/api/v1/services'), 200);
        assert.equal(await asLintas('/apis/discovery.k8s.io/v1/endpointslices'), 200);
        assert.equal(await asLintas('/apis/lintas.dev/v1alpha1/failoverpolicies'), 200);
        assert.equal(await asLintas('/api/v1/namespaces/kube-system/secrets'), 403);
        assert.equal(await asLintas('/api/v1/secrets'), 403);
        assert.equal(await asLintas(`/api/v1/namespaces/${SA.namespace}/secrets?labelSelector=lintas.dev%2Fremote-cluster%3Dtrue`), 200);
        assert.equal(await asLintas(`/apis/coordination.k8s.io/v1/namespaces/${SA.namespace}/leases/lintas-control-plane`), 404, 'may read the Lease (not created yet)');
        assert.equal(await asLintas('/apis/apps/v1/deployments'), 403);
      } finally {
        await dispatcher.close();
      }
    });
  });
});

/** Every leaf of `expected` is in `actual` (the API server may add defaults, never drop or change a field). */
function assertContains(actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object or array, got ${JSON.stringify(actual)}`);
    for (const [key, value] of Object.entries(expected)) assertContains((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}
