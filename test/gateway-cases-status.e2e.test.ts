/**
 * Gateway API status reasons through a running `lintas serve`, read back both from
 * the admin API (`GET /api/v1/gateway`) and from `lintas get ... -o yaml --server`:
 * route parent `Accepted` (NotAllowedByListeners for namespaces and kinds,
 * NoMatchingListenerHostname, NoMatchingParent by sectionName and port) and
 * `ResolvedRefs` (BackendNotFound, InvalidKind, RefNotPermitted: a near-miss grant,
 * then a matching ReferenceGrant added and removed again while serving), listener
 * `attachedRoutes`, `observedGeneration`, and the traffic each status implies.
 * One fleet on loopback 127.95.0.0/16.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { lintas } from '../src/cli/test-cli.ts';
import {
  clusterObject,
  freePort,
  gatewayClassObject,
  gatewayObject,
  httpRoute,
  manifests,
  namespaceObject,
  removeDir,
  request,
  serviceObjects,
  startEcho,
  startServe,
  writeFiles,
  type Echo,
  type Serve,
} from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

const GW_IP = '127.95.0.1';
const ECHO_IP = '127.95.0.10';
const NAMESPACES = ['infra', 'apps', 'blue', 'green', 'backends'] as const;
const GRANT_FILE = 'clusters/a/grant-apps.yaml';
const BAD_FILE = 'clusters/a/bad-route.yaml';

const okRule = [{ matches: [{ path: { type: 'Exact', value: '/ok' } }], backendRefs: [{ name: 'echo', port: 8080 }] }];
const parent = (section?: string, extra: object = {}): object => ({ name: 'status-gw', namespace: 'infra', ...(section ? { sectionName: section } : {}), ...extra });
const route = (ns: string, name: string, parentRef: object, rules: readonly object[] = okRule, hostnames?: readonly string[], metadata: object = {}): object =>
  httpRoute(ns, name, { parentRefs: [parentRef], ...(hostnames ? { hostnames } : {}), rules }, metadata);
const onPath = (path: string, backendRef: object): object[] => [{ matches: [{ path: { type: 'Exact', value: path } }], backendRefs: [backendRef] }];
/** A grant in `backends`; `from`/`to` override single fields to build near misses. */
const grant = (name: string, fromNamespace: string, from: object = {}, to: object = {}): object => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { name, namespace: 'backends' },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: fromNamespace, ...from }], to: [{ group: '', kind: 'Service', ...to }] },
});
const extensionRef = { type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Plugin', name: 'p' } };

function fleetFiles(port: number, echo: Echo): Record<string, string> {
  const listener = (name: string, hostname: string, allowedRoutes?: object): object => ({ name, protocol: 'HTTP', port, hostname, ...(allowedRoutes ? { allowedRoutes } : {}) });
  return {
    'fleet.yaml': manifests(clusterObject('a', 'r1', 'r1a', '127.95.0.0/16')),
    'clusters/a/base.yaml': manifests(
      gatewayClassObject(),
      ...NAMESPACES.flatMap((ns) => [namespaceObject(ns, ns === 'blue' || ns === 'green' ? { team: ns } : undefined), ...serviceObjects(ns, 'echo', [{ address: echo.address, port: echo.port }])]),
      gatewayObject(
        'infra',
        'status-gw',
        GW_IP,
        [
          listener('same', 'same.status.test'),
          listener('all', 'all.status.test', { namespaces: { from: 'All' } }),
          listener('sel', 'sel.status.test', { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'blue' } } } }),
          listener('host', 'a.status.test', { namespaces: { from: 'All' } }),
          listener('tcp-kinds', 'kinds.status.test', { namespaces: { from: 'All' }, kinds: [{ kind: 'TCPRoute' }] }),
        ],
        { generation: 3 },
      ),
      // Near misses, none of which lets apps/cross-ns refer to backends/echo: another
      // namespace, another target name, another referring kind, another target group.
      grant('blue-only', 'blue'),
      grant('other-name', 'apps', {}, { name: 'not-echo' }),
      grant('other-kind', 'apps', { kind: 'GRPCRoute' }),
      grant('other-group', 'apps', {}, { group: 'multicluster.x-k8s.io' }),
    ),
    'clusters/a/routes.yaml': manifests(
      route('infra', 'same-ok', parent('same')),
      route('apps', 'same-denied', parent('same'), onPath('/denied', { name: 'echo', port: 8080 })),
      route('apps', 'all-ok', parent('all'), okRule, undefined, { generation: 7 }),
      route('blue', 'sel-ok', parent('sel')),
      route('green', 'sel-denied', parent('sel'), onPath('/green', { name: 'echo', port: 8080 })),
      route('apps', 'kind-denied', parent('tcp-kinds')),
      route('apps', 'hostname-miss', parent('host'), okRule, ['b.status.test']),
      route('apps', 'host-ok', parent('host'), okRule, ['a.status.test']),
      route('apps', 'no-section', parent('nope')),
      route('apps', 'no-port', parent(undefined, { port: 1 })),
      route('apps', 'backend-missing', parent('all'), onPath('/missing', { name: 'ghost', port: 8080 })),
      route('apps', 'invalid-kind', parent('all'), onPath('/kind', { group: 'example.com', kind: 'Widget', name: 'w' })),
      route('apps', 'ext-ref', parent('all'), [{ matches: [{ path: { type: 'Exact', value: '/ext-ok' } }], backendRefs: [{ name: 'echo', port: 8080 }] }, { matches: [{ path: { type: 'Exact', value: '/ext' } }], filters: [extensionRef], backendRefs: [{ name: 'echo', port: 8080 }] }]),
      route('apps', 'ext-only', parent('all'), [{ matches: [{ path: { type: 'Exact', value: '/ext-only' } }], filters: [extensionRef], backendRefs: [{ name: 'echo', port: 8080 }] }]),
      route('apps', 'cross-ns', parent('all'), onPath('/cross', { name: 'echo', namespace: 'backends', port: 8080 })),
    ),
  };
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  observedGeneration?: number;
}
interface Named {
  metadata: { namespace?: string; name: string };
}
type RouteObject = Named & { status?: { parents: { conditions: Condition[] }[] } };
type GatewayObject = Named & { status?: { conditions: Condition[]; listeners: { name: string; attachedRoutes: number; conditions: Condition[] }[] } };
interface GatewayApi {
  gateways: { gateway: GatewayObject }[];
  httpRoutes: { route: RouteObject }[];
}

/** `ns/name` → "Accepted=<status>/<reason> ResolvedRefs=<status>/<reason>" of the first parent. */
function routeSummary(routes: readonly RouteObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of routes) {
    const conditions = r.status?.parents[0]?.conditions ?? [];
    const show = (type: string): string => {
      const c = conditions.find((x) => x.type === type);
      return `${type}=${c?.status}/${c?.reason}`;
    };
    out[`${r.metadata.namespace}/${r.metadata.name}`] = `${show('Accepted')} ${show('ResolvedRefs')}`;
  }
  return out;
}

const OK = 'Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs';
const EXPECTED: Readonly<Record<string, string>> = {
  'apps/all-ok': OK,
  'apps/backend-missing': 'Accepted=True/Accepted ResolvedRefs=False/BackendNotFound',
  'apps/cross-ns': 'Accepted=True/Accepted ResolvedRefs=False/RefNotPermitted',
  'apps/ext-only': 'Accepted=False/UnsupportedValue ResolvedRefs=True/ResolvedRefs',
  'apps/ext-ref': OK,
  'apps/host-ok': OK,
  'apps/hostname-miss': 'Accepted=False/NoMatchingListenerHostname ResolvedRefs=True/ResolvedRefs',
  'apps/invalid-kind': 'Accepted=True/Accepted ResolvedRefs=False/InvalidKind',
  'apps/kind-denied': 'Accepted=False/NotAllowedByListeners ResolvedRefs=True/ResolvedRefs',
  'apps/no-port': 'Accepted=False/NoMatchingParent ResolvedRefs=True/ResolvedRefs',
  'apps/no-section': 'Accepted=False/NoMatchingParent ResolvedRefs=True/ResolvedRefs',
  'apps/same-denied': 'Accepted=False/NotAllowedByListeners ResolvedRefs=True/ResolvedRefs',
  'blue/sel-ok': OK,
  'green/sel-denied': 'Accepted=False/NotAllowedByListeners ResolvedRefs=True/ResolvedRefs',
  'infra/same-ok': OK,
};

describe('gateway case tables through lintas serve: status reasons', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-gw-cases-status-'));
  const fleet = join(root, 'fleet');
  let echo: Echo | undefined;
  let serve: Serve | undefined;
  let gw = '';
  const api = async (): Promise<GatewayApi> => (await (await fetch(`${serve?.admin}/api/v1/gateway`)).json()) as GatewayApi;
  const status = async (host: string, path: string): Promise<number> => (await request(`${gw}${path}`, { host })).status;
  const crossNs = async (): Promise<string | undefined> => routeSummary((await api()).httpRoutes.map((r) => r.route))['apps/cross-ns'];
  const getYaml = async <T>(kind: string): Promise<T[]> => {
    const r = await lintas(['get', kind, '-A', '-o', 'yaml', '--config', fleet, '--server', serve?.admin ?? ''], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    return (parse(r.stdout) as { items: T[] }).items;
  };

  before(async () => {
    echo = await startEcho(ECHO_IP, 'echo');
    const port = await freePort(GW_IP);
    gw = `http://${GW_IP}:${port}`;
    writeFiles(fleet, fleetFiles(port, echo));
    serve = await startServe(root, fleet);
  });

  after(async () => {
    try {
      if (serve !== undefined) assert.equal(await serve.stop(), 0);
    } finally {
      await echo?.close();
      removeDir(root);
    }
  });

  it('admin API: every route parent has the expected Accepted and ResolvedRefs reason', async () => {
    assert.deepEqual(routeSummary((await api()).httpRoutes.map((r) => r.route)), EXPECTED);
  });

  it('lintas get httproutes -A -o yaml --server shows the same reasons', async () => {
    assert.deepEqual(routeSummary(await getYaml<RouteObject>('httproutes')), EXPECTED);
  });

  it('lintas get gateways -o yaml --server: Gateway Accepted/Programmed, listener conditions and attachedRoutes (accepted routes only)', async () => {
    const gateway = (await getYaml<GatewayObject>('gateways')).find((g) => g.metadata.name === 'status-gw');
    const conditions = Object.fromEntries((gateway?.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}/${c.observedGeneration}`]));
    assert.deepEqual(conditions, { Accepted: 'True/Accepted/3', Programmed: 'True/Programmed/3' });
    const listeners = gateway?.status?.listeners ?? [];
    // same: same-ok; all: all-ok, backend-missing, invalid-kind, cross-ns (invalid refs stay Accepted), ext-ref (one rule valid); sel: sel-ok; host: host-ok.
    assert.deepEqual(Object.fromEntries(listeners.map((l) => [l.name, l.attachedRoutes])), { same: 1, all: 5, sel: 1, host: 1, 'tcp-kinds': 0 });
    const resolved = Object.fromEntries(listeners.map((l) => [l.name, l.conditions.find((c) => c.type === 'ResolvedRefs')?.reason]));
    assert.deepEqual(resolved, { same: 'ResolvedRefs', all: 'ResolvedRefs', sel: 'ResolvedRefs', host: 'ResolvedRefs', 'tcp-kinds': 'InvalidRouteKinds' });
  });

  it('route conditions carry the route observedGeneration', async () => {
    const allOk = (await api()).httpRoutes.find((r) => r.route.metadata.name === 'all-ok');
    assert.deepEqual(allOk?.route.status?.parents[0]?.conditions.map((c) => c.observedGeneration), [7, 7]);
  });

  it('a route with one unimplementable rule (ExtensionRef) stays Accepted with PartiallyInvalid', async () => {
    const extRef = (await api()).httpRoutes.find((r) => r.route.metadata.name === 'ext-ref');
    const partial = extRef?.route.status?.parents[0]?.conditions.find((c) => c.type === 'PartiallyInvalid');
    assert.deepEqual({ status: partial?.status, reason: partial?.reason }, { status: 'True', reason: 'UnsupportedValue' });
  });

  const traffic: readonly { host: string; path: string; status: number; why: string }[] = [
    { host: 'same.status.test', path: '/ok', status: 200, why: 'Same namespace: attached' },
    { host: 'same.status.test', path: '/denied', status: 404, why: 'NotAllowedByListeners (namespace): not served' },
    { host: 'all.status.test', path: '/ok', status: 200, why: 'from: All' },
    { host: 'sel.status.test', path: '/ok', status: 200, why: 'Selector admits namespace blue' },
    { host: 'sel.status.test', path: '/green', status: 404, why: 'Selector rejects namespace green' },
    { host: 'kinds.status.test', path: '/ok', status: 404, why: 'NotAllowedByListeners (kinds): not served' },
    { host: 'a.status.test', path: '/ok', status: 200, why: 'route hostname intersects the listener' },
    { host: 'b.status.test', path: '/ok', status: 404, why: 'NoMatchingListenerHostname: not served' },
    { host: 'all.status.test', path: '/missing', status: 500, why: 'BackendNotFound: 500' },
    { host: 'all.status.test', path: '/kind', status: 500, why: 'InvalidKind: 500' },
    { host: 'all.status.test', path: '/ext-ok', status: 200, why: 'the valid rule of a partially invalid route serves' },
    { host: 'all.status.test', path: '/ext', status: 500, why: 'an ExtensionRef that cannot be honoured is never skipped: 500' },
    { host: 'all.status.test', path: '/ext-only', status: 404, why: 'a route that is not Accepted (UnsupportedValue) is not served' },
    { host: 'all.status.test', path: '/cross', status: 500, why: 'RefNotPermitted (near-miss grants only): 500' },
  ];
  for (const row of traffic) {
    it(`${row.host}${row.path} → ${row.status}: ${row.why}`, async () => {
      assert.equal(await status(row.host, row.path), row.status);
    });
  }

  it('a route the controller cannot honour gets Accepted=False UnsupportedValue while a valid route of the same edit is served', async () => {
    writeFiles(fleet, {
      [BAD_FILE]: manifests(
        route('apps', 'unsupported', parent('all'), [{ matches: [{ path: { type: 'Exact', value: '/unsupported' } }], filters: [extensionRef] }]),
        route('apps', 'added-with-it', parent('all'), onPath('/added', { name: 'echo', port: 8080 })),
      ),
    });
    try {
      // The issue: "a route that fails validation gets its condition while the rest keep serving".
      await waitFor('the valid route of the same edit served', async () => ((await status('all.status.test', '/added')) === 200 ? true : undefined), 5000);
      const summary = routeSummary((await api()).httpRoutes.map((r) => r.route));
      assert.match(summary['apps/unsupported'] ?? '(no status)', /^Accepted=False\/UnsupportedValue /);
      assert.equal(await status('all.status.test', '/unsupported'), 404);
    } finally {
      rmSync(join(fleet, BAD_FILE));
      await waitFor('the fleet reloads without the edit', async () => ((await status('all.status.test', '/added')) === 404 ? true : undefined));
    }
  });

  it('a route the API schema refuses (RequestRedirect with URLRewrite, the CRD rule) is refused like kubectl apply: the last good config keeps serving', async () => {
    const both = [{ type: 'RequestRedirect', requestRedirect: { hostname: 'x.test' } }, { type: 'URLRewrite', urlRewrite: { hostname: 'y.test' } }];
    writeFiles(fleet, {
      [BAD_FILE]: manifests(
        route('apps', 'incompatible', parent('all'), [{ matches: [{ path: { type: 'Exact', value: '/incompatible' } }], filters: both }]),
        route('apps', 'added-with-it', parent('all'), onPath('/added', { name: 'echo', port: 8080 })),
      ),
    });
    try {
      // Give the watcher time to see and refuse the edit, then check nothing of it applied and the rest still serves.
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(await status('all.status.test', '/added'), 404);
      assert.equal(await status('all.status.test', '/ext-ok'), 200);
      const summary = routeSummary((await api()).httpRoutes.map((r) => r.route));
      assert.equal(summary['apps/incompatible'], undefined);
    } finally {
      rmSync(join(fleet, BAD_FILE));
    }
  });

  it('RefNotPermitted → ResolvedRefs once a matching ReferenceGrant is added, and back when it is removed', async () => {
    writeFiles(fleet, { [GRANT_FILE]: manifests(grant('apps-to-services', 'apps')) });
    await waitFor('cross-ns resolved', async () => ((await crossNs()) === OK ? true : undefined));
    await waitFor('cross-ns served', async () => ((await status('all.status.test', '/cross')) === 200 ? true : undefined));
    rmSync(join(fleet, GRANT_FILE));
    await waitFor('cross-ns not permitted again', async () => ((await crossNs()) === EXPECTED['apps/cross-ns'] ? true : undefined));
    await waitFor('cross-ns 500 again', async () => ((await status('all.status.test', '/cross')) === 500 ? true : undefined));
  });
});
