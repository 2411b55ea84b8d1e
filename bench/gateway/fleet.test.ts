import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterName } from '../../src/api/index.ts';
import { loadFleet } from '../../src/sources/index.ts';
import {
  BENCH_CLUSTER,
  gatewayFleetFiles,
  LINTAS_CONTROLLER,
  MAX_ENDPOINTS,
  originAddress,
  originAddresses,
  routeName,
  routePrefixes,
  targetPath,
  unmatchedPath,
  writeGatewayFleet,
} from './fleet.ts';

/** Gateway API PathPrefix: element-wise, so `/svc-1` matches `/svc-1/x` but not `/svc-10`. */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

async function load(opts: Parameters<typeof writeGatewayFleet>[1]) {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-bench-gateway-test-'));
  try {
    const written = writeGatewayFleet(dir, opts);
    const loaded = await loadFleet(dir);
    return { written, loaded, route: readFileSync(join(dir, 'clusters', BENCH_CLUSTER, 'httproutes.yaml'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function kinds(objects: readonly { object: { kind: string } }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of objects) out[o.object.kind] = (out[o.object.kind] ?? 0) + 1;
  return out;
}

test('the single-route fleet loads without issues: one catch-all route to one endpoint', async () => {
  const { written, loaded } = await load({ routes: 1, endpoints: 1, listenerPort: 18080, originPort: 18081 });
  assert.deepEqual(loaded.issues, []);
  assert.deepEqual(written, [
    'clusters/bench-1/gateway.yaml',
    'clusters/bench-1/httproutes.yaml',
    'clusters/bench-1/namespaces.yaml',
    'clusters/bench-1/origin.yaml',
    'fleet/clusters.yaml',
    'fleet/clusterset.yaml',
  ]);
  assert.deepEqual(kinds(loaded.snapshot.fleetObjects), { Cluster: 1, ClusterSet: 1 });
  const cluster = loaded.snapshot.clusters.get(clusterName(BENCH_CLUSTER));
  assert.ok(cluster);
  assert.deepEqual(kinds(cluster.objects), { EndpointSlice: 1, Gateway: 1, GatewayClass: 1, HTTPRoute: 1, Namespace: 1, Service: 1 });
  const byKind = (k: string) => cluster.objects.find((o) => o.object.kind === k)?.object as unknown as { spec: Record<string, unknown> };
  assert.equal(byKind('GatewayClass').spec.controllerName, LINTAS_CONTROLLER);
  assert.deepEqual(byKind('Gateway').spec.addresses, [{ type: 'IPAddress', value: '127.0.0.1' }]);
  assert.equal((byKind('Gateway').spec.listeners as { port: number }[])[0]?.port, 18080);
  const slice = cluster.objects.find((o) => o.object.kind === 'EndpointSlice')?.object as unknown as { endpoints: { addresses: string[] }[]; ports: { port: number }[] };
  assert.deepEqual(slice.endpoints.map((e) => e.addresses), [['127.77.0.1']]);
  assert.equal(slice.ports[0]?.port, 18081);
  assert.deepEqual(routePrefixes(1), ['/']);
  assert.equal(targetPath(1), '/');
  assert.equal(unmatchedPath(1), undefined);
});

test('the 50-route, 100-endpoint fleet loads without issues', async () => {
  const { loaded, route } = await load({ routes: 50, endpoints: 100, listenerPort: 18080, originPort: 18081 });
  assert.deepEqual(loaded.issues, []);
  const cluster = loaded.snapshot.clusters.get(clusterName(BENCH_CLUSTER));
  assert.ok(cluster);
  assert.equal(kinds(cluster.objects).HTTPRoute, 50);
  const slice = cluster.objects.find((o) => o.object.kind === 'EndpointSlice')?.object as unknown as { endpoints: { addresses: string[] }[] };
  assert.equal(slice.endpoints.length, 100);
  assert.deepEqual(slice.endpoints.at(-1)?.addresses, ['127.77.0.100']);
  assert.ok(route.includes('name: route-49\n'));
  assert.ok(route.includes('value: /svc-49 }'));
});

test('the target path is matched by exactly one route, the last in Gateway API precedence', () => {
  for (const routes of [2, 10, 50, 101]) {
    const prefixes = routePrefixes(routes);
    assert.equal(new Set(prefixes).size, routes, 'distinct prefixes');
    assert.equal(new Set(prefixes.map((p) => p.length)).size, 1, 'equal lengths: precedence falls to namespace/name');
    const names = prefixes.map((_, r) => routeName(r, routes));
    assert.deepEqual([...names].sort(), names, 'names sort in route order');
    const matching = prefixes.flatMap((p, r) => (prefixMatches(p, targetPath(routes)) ? [r] : []));
    assert.deepEqual(matching, [routes - 1]);
    const miss = unmatchedPath(routes);
    assert.ok(miss !== undefined && prefixes.every((p) => !prefixMatches(p, miss)));
  }
  assert.equal(targetPath(50), '/svc-49/bench');
  assert.equal(routeName(0, 50), 'route-00');
  assert.equal(routeName(100, 101), 'route-100');
});

test('origin addresses are consecutive loopback addresses, bounded', () => {
  assert.equal(originAddress(0), '127.77.0.1');
  assert.equal(originAddress(99), '127.77.0.100');
  assert.equal(originAddresses(MAX_ENDPOINTS).at(-1), '127.77.0.254');
  assert.throws(() => originAddresses(0), RangeError);
  assert.throws(() => originAddresses(MAX_ENDPOINTS + 1), RangeError);
  assert.throws(() => gatewayFleetFiles({ routes: 0, endpoints: 1, listenerPort: 1, originPort: 1 }), RangeError);
  assert.throws(() => gatewayFleetFiles({ routes: 1, endpoints: 1, listenerPort: 70000, originPort: 1 }), RangeError);
});

test('generation is deterministic', () => {
  const o = { routes: 7, endpoints: 3, listenerPort: 1000, originPort: 2000 };
  assert.deepEqual(gatewayFleetFiles(o), gatewayFleetFiles(o));
});

test('the HTTPS fleet loads without issues: an HTTPS listener and its kubernetes.io/tls Secret', async () => {
  const { written, loaded } = await load({ routes: 1, endpoints: 1, listenerPort: 18443, originPort: 18081, tls: { cert: 'CERT PEM', key: 'KEY PEM' } });
  assert.deepEqual(loaded.issues, []);
  assert.ok(written.includes('clusters/bench-1/tls-secret.yaml'));
  const cluster = loaded.snapshot.clusters.get(clusterName(BENCH_CLUSTER));
  const gateway = cluster?.objects.find((o) => o.object.kind === 'Gateway')?.object as unknown as { spec: { listeners: { protocol: string; tls?: { certificateRefs: { name: string }[] } }[] } };
  assert.equal(gateway.spec.listeners[0]?.protocol, 'HTTPS');
  assert.equal(gateway.spec.listeners[0]?.tls?.certificateRefs[0]?.name, 'bench-tls');
  const secret = cluster?.objects.find((o) => o.object.kind === 'Secret')?.object as unknown as { type: string; data: Record<string, string> };
  assert.equal(secret.type, 'kubernetes.io/tls');
  assert.equal(Buffer.from(secret.data['tls.crt'] ?? '', 'base64').toString(), 'CERT PEM');
});
