/**
 * End to end through `lintas serve`: a two-cluster fleet on loopback ranges
 * (a = 127.91/16, b = 127.92/16), real backend HTTP servers bound to the endpoint
 * addresses of the EndpointSlices, a Gateway in cluster a, and real HTTP requests.
 * Covers locality (a's gateway prefers a's endpoints), Service = local only,
 * unmatched → 404, the access log fields, a killed backend routed around under
 * load, a file edit re-routing without restart, and the east-west ClusterSetIP
 * proxy choosing endpoints by the client's source cluster. Bounded waits only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, removeDir, request as send, startEcho, startServe, type Echo, type Reply, type Serve } from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

function request(url: string, host: string, options: { localAddress?: string } = {}): Promise<Reply> {
  return send(url, { host, ...options });
}

function fleetFiles(root: string, gwPort: number, backendPort: number): void {
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write(
    'fleet.yaml',
    `apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: {name: a}
spec: {region: r1, zones: [r1a], podCIDRs: [127.91.0.0/16]}
---
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: {name: b}
spec: {region: r2, zones: [r2a], podCIDRs: [127.92.0.0/16]}
---
apiVersion: lintas.dev/v1alpha1
kind: ClusterSet
metadata: {name: e2e}
spec: {clusters: [a, b], clusterSetIPRange: 127.93.0.0/24}
`,
  );
  for (const [cluster, ips] of [
    ['a', ['127.91.0.10', '127.91.0.11']],
    ['b', ['127.92.0.10']],
  ] as const) {
    write(
      `clusters/${cluster}/web.yaml`,
      `apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  ports: [{name: http, port: 8080, targetPort: ${backendPort}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-${cluster}, namespace: demo, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: ${backendPort}}]
endpoints:
${ips.map((ip) => `  - {addresses: [${ip}], zone: ${cluster === 'a' ? 'r1a' : 'r2a'}}`).join('\n')}
---
apiVersion: multicluster.x-k8s.io/v1beta1
kind: ServiceExport
metadata: {name: web, namespace: demo}
`,
    );
  }
  write(
    'clusters/a/gateway.yaml',
    `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: lintas}
spec: {controllerName: lintas.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: demo}
spec:
  gatewayClassName: lintas
  addresses: [{type: IPAddress, value: 127.91.255.1}]
  listeners: [{name: http, protocol: HTTP, port: ${gwPort}}]
`,
  );
  write(
    'clusters/a/routes.yaml',
    `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: global, namespace: demo}
spec:
  parentRefs: [{name: edge}]
  hostnames: [app.test]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Via, value: lintas}]}}]
      backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: web, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: local, namespace: demo}
spec:
  parentRefs: [{name: edge}]
  hostnames: [local.test]
  rules:
    - backendRefs: [{name: web, port: 8080}]
`,
  );
}

describe('lintas serve gateway (end to end)', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-gw-e2e-'));
  const fleet = join(root, 'fleet');
  const backends = new Map<string, Echo>();
  let serve: Serve | undefined;
  let gateway = '';
  let admin = '';
  let accessLog = '';

  before(async () => {
    const first = await startEcho('127.91.0.10', 'web', { identity: { cluster: 'a' } });
    backends.set(first.address, first);
    for (const [address, cluster] of [
      ['127.91.0.11', 'a'],
      ['127.92.0.10', 'b'],
    ] as const) {
      backends.set(address, await startEcho(address, 'web', { port: first.port, identity: { cluster } }));
    }
    const gwPort = await freePort('127.91.255.1');
    gateway = `http://127.91.255.1:${gwPort}`;
    fleetFiles(fleet, gwPort, first.port);
    serve = await startServe(root, fleet);
    admin = serve.admin;
    accessLog = serve.accessLog;
  });

  after(async () => {
    try {
      if (serve !== undefined) assert.equal(await serve.stop(), 0);
    } finally {
      await Promise.all([...backends.values()].map((b) => b.close()));
      removeDir(root);
    }
  });

  it('routes by Host to a ServiceImport with locality: the entry cluster serves', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await request(`${gateway}/orders/1`, 'app.test');
      assert.equal(r.status, 200);
      assert.equal(r.body.cluster, 'a', 'a has healthy local endpoints, so nothing spills to b');
      assert.equal(r.body.headers?.['x-via'], 'lintas');
      assert.equal(r.body.headers?.['x-forwarded-host'], 'app.test');
      seen.add(r.body.address ?? '');
    }
    assert.deepEqual([...seen].sort(), ['127.91.0.10', '127.91.0.11']);
    assert.equal((await request(`${gateway}/`, 'local.test')).body.cluster, 'a');
    assert.equal((await request(`${gateway}/`, 'nobody.test')).status, 404);
  });

  it('writes one JSON access-log line per request with the listed fields', async () => {
    const fields = ['time', 'request_id', 'trace_id', 'entry_region', 'entry_cluster', 'destination_region', 'destination_cluster', 'gateway', 'listener', 'route', 'service', 'service_import', 'upstream', 'backend_version', 'failover_mode', 'routing_mode', 'policy', 'request_class', 'owner', 'owner_epoch', 'method', 'authority', 'path', 'status', 'duration_ms', 'upstream_duration_ms', 'retries', 'response_flags', 'grpc_status'];
    const lines = await waitFor('access log lines', () => {
      const text = readFileSync(accessLog, 'utf8').trim();
      const all = text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      return all.length >= 22 ? all : undefined;
    });
    for (const field of fields) assert.ok(field in (lines[0] ?? {}), `access log has ${field}`);
    const ok = lines.find((l) => l.path === '/orders/1');
    assert.equal(ok?.entry_cluster, 'a');
    assert.equal(ok?.destination_cluster, 'a');
    assert.equal(ok?.service_import, 'demo/web');
    assert.equal(ok?.status, 200);
    const notFound = lines.find((l) => l.authority === 'nobody.test');
    assert.equal(notFound?.status, 404);
    assert.match(String(notFound?.response_flags), /NR/);
  });

  it('routes around killed endpoints under load', async () => {
    await backends.get('127.91.0.10')?.close();
    await backends.get('127.91.0.11')?.close();
    let failures = 0;
    const clusters: string[] = [];
    // 10 concurrent clients × 20 requests each.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 20; i++) {
          const r = await request(`${gateway}/load`, 'app.test');
          if (r.status !== 200) failures++;
          else clusters.push(r.body.cluster ?? '');
        }
      }),
    );
    assert.ok(failures <= 4, `${failures}/200 requests failed; connect failures must be retried elsewhere`);
    assert.ok(clusters.slice(-50).every((c) => c === 'b'), 'the last requests all went to b');
  });

  it('follows a route edit without a restart', async () => {
    const file = join(fleet, 'clusters/a/routes.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('hostnames: [local.test]', 'hostnames: [renamed.test]'));
    await waitFor('renamed host served', async () => ((await request(`${gateway}/`, 'renamed.test')).status === 404 ? undefined : true));
    assert.equal((await request(`${gateway}/`, 'local.test')).status, 404);
  });

  it('proxies east-west on the ClusterSetIP, choosing by the client source cluster', async () => {
    const mcs = (await (await fetch(`${admin}/api/v1/mcs`)).json()) as { dns: { services: { name: string; ips: string[] }[] } };
    const ip = mcs.dns.services.find((s) => s.name === 'web')?.ips[0];
    assert.match(ip ?? '', /^127\.93\.0\.\d+$/);
    const r = await waitFor('ClusterSetIP answers', async () => {
      const reply = await request(`http://${ip}:8080/east-west`, 'web.demo.svc.clusterset.local', { localAddress: '127.92.0.99' });
      return reply.status === 200 ? reply : undefined;
    });
    assert.equal(r.body.cluster, 'b');
    const line = await waitFor('east-west access log line', () =>
      readFileSync(accessLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.path === '/east-west'),
    );
    assert.equal(line.entry_cluster, 'b');
  });
});
