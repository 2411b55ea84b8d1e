/**
 * A stand-in admin server for the web console's scale test: serves the built app (dist/console)
 * at /ui and the read-only console routes of src/runtime/console-contract.ts from a synthetic
 * fleet of any size (20 clusters × 1,000 services), which `lintas up` cannot make. Loopback only.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicyStatus } from '../src/controllers/index.ts';
import type { ClusterView, ConsoleSnapshot, ServiceRow, TrafficEdge, WhoAmI } from '../src/runtime/console-contract.ts';

const DIST = fileURLToPath(new URL('../dist/console/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const APPROVER_ROUTES = ['/api/v1/failover/:namespace/:name/approve', '/api/v1/failover/:namespace/:name/reject'];

/** The fixture's size and tokens. */
export interface FixtureOptions {
  readonly regions: readonly string[];
  readonly clustersPerRegion: number;
  readonly services: number;
}

/** A running fixture. */
export interface ConsoleFixture {
  readonly url: string;
  readonly tokens: { readonly viewer: string; readonly approver: string; readonly admin: string };
  close(): Promise<void>;
}

const POLICY = 'cases/case-writes';

/** Starts the fixture on 127.0.0.1 (port 0). */
export async function startConsoleFixture(options: FixtureOptions): Promise<ConsoleFixture> {
  const tokens = { viewer: 'fixture-viewer', approver: 'fixture-approver', admin: 'fixture-admin' };
  const who: Record<string, WhoAmI> = {
    [tokens.viewer]: { subject: 'local-viewer', roles: ['viewer'], actions: [] },
    [tokens.approver]: { subject: 'local-approver', roles: ['approver'], actions: APPROVER_ROUTES },
    [tokens.admin]: { subject: 'local-admin', roles: ['admin'], actions: [...APPROVER_ROUTES, '/api/v1/drain/:cluster', '/api/v1/undrain/:cluster'] },
  };
  const clusters = options.regions.flatMap((region) => Array.from({ length: options.clustersPerRegion }, (_, i) => `${region}-prod-${String(i + 1)}`));
  const primary = clusters.find((c) => c.startsWith('sgp')) ?? clusters[0] ?? 'none';
  const secondary = clusters.find((c) => c !== primary) ?? primary;
  const streams = new Set<ServerResponse>();

  const services: ServiceRow[] = Array.from({ length: options.services }, (_, i) => {
    const source = clusters[i % clusters.length] ?? primary;
    return {
      service: `ns-${String(i % 50).padStart(2, '0')}/svc-${String(i).padStart(4, '0')}`,
      type: 'ClusterSetIP',
      ports: ['80/TCP'],
      importedBy: clusters.slice(0, 3),
      sources: [{ cluster: source, endpoints: [{ address: `10.0.${String(i % 250)}.1`, port: 8080, ready: i % 97 !== 0 }] }],
      ...(i === 0 ? { trafficPolicy: { name: 'cases/cases', mode: 'Strict', owners: { [primary]: primary } } } : {}),
    };
  });

  const clusterView = (name: string, region: string): ClusterView => {
    const failing = name === primary;
    return {
      name,
      region,
      layers: { ready: failing ? 'failing' : 'ok', regional: failing ? 'failing' : 'ok', failover: 'ok', business: name.startsWith('tyo') ? 'unknown' : 'ok' },
      failing: failing ? [{ service: 'cases/public-case-api', layer: 'regional', check: { name: 'ready fraction', ok: false, detail: '0/2 endpoints' } }] : [],
      drained: false,
      dataplane: { cluster: name, mode: 'embedded', version: 1, state: 'acked', ownership: { 'cases/cases': 1 }, at: new Date().toISOString() },
      gateways: [{ name: 'edge/public', address: '127.0.0.1:8080', programmed: true }],
      exports: 6,
      imports: 12,
    };
  };
  // Every cluster answers locally and sends some traffic to the next one (the primary's inbound drained to 0).
  const edges = (): TrafficEdge[] =>
    clusters
      .flatMap((entry, i) => {
        const next = clusters[(i + 1) % clusters.length] ?? entry;
        const rps = next === primary ? 0 : 2 + (i % 5);
        return [
          { entry, destination: entry, rps: 6, errorRatio: 0, requests: 60, p99Ms: 12 },
          ...(next === entry ? [] : [{ entry, destination: next, rps, errorRatio: (i % 7) / 100, requests: rps * 10, ...(rps > 0 ? { p99Ms: 40 } : {}) }]),
        ];
      })
      .sort((a, b) => (a.entry + a.destination < b.entry + b.destination ? -1 : 1));
  const policy = (): PolicyStatus => {
    const now = new Date().toISOString();
    const proposal = { direction: 'Failover' as const, proposer: 'system:lintas', at: now, target: secondary, reason: `${primary} is not regionally ready`, approvals: [] };
    const pending = [{ ...proposal, primary, approvalsRequired: 1 }];
    return {
      namespace: 'cases', name: 'case-writes', policy: POLICY, trafficPolicy: 'cases/cases', mode: 'Guarded', failbackMode: 'Manual', state: 'FailoverPending', epoch: 1,
      owner: { [primary]: primary }, moved: [], pending, blocking: [],
      machines: [{ primary, phase: 'FailoverPending', owner: primary, epoch: 0, revision: 3, phaseSince: now, state: { phase: 'FailoverPending', primary, owner: primary, epoch: 0, revision: 3, phaseSince: now, observations: {}, proposal } }],
    };
  };
  const snapshot = (): ConsoleSnapshot => ({
    version: 1,
    generatedAt: new Date().toISOString(),
    fleet: { regions: options.regions.map((r) => ({ name: r, clusters: clusters.filter((c) => c.startsWith(`${r}-`)).map((c) => clusterView(c, r)) })) },
    traffic: { windowSeconds: 10, edges: edges() },
    failover: [policy()],
    alerts: { active: [{ alert: 'FailoverPendingApproval', severity: 'warning', source: 'failover', policy: POLICY, primary, cluster: secondary, message: 'failover awaits 1 approval', since: new Date().toISOString() }], recent: [] },
  });
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fixture');
      if (url.pathname === '/ui' || url.pathname.startsWith('/ui/')) {
        const rel = normalize(url.pathname.slice('/ui/'.length) || 'index.html').replace(/^(\.\.[/\\])+/, '');
        const file = rel.startsWith('assets/') ? rel : 'index.html';
        try {
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(join(DIST, file)));
        } catch {
          json(res, 404, { error: 'not_found', message: file });
        }
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const me = who[token];
      if (me === undefined) return json(res, 401, { error: 'unauthorized', message: 'a valid bearer token is required' });
      const p = url.pathname;
      if (req.method !== 'GET') return json(res, 405, { error: 'method_not_allowed', message: 'the fixture is read-only' });
      if (p === '/api/v1/console/whoami') return json(res, 200, me);
      if (p === '/api/v1/console/snapshot') return json(res, 200, snapshot());
      if (p === '/api/v1/console/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot())}\n\n`);
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (p === '/api/v1/console/services') {
        const q = (url.searchParams.get('q') ?? '').toLowerCase();
        const cluster = url.searchParams.get('cluster') ?? '';
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const rows = services.filter((s) => s.service.includes(q) && (cluster === '' || s.sources.some((x) => x.cluster === cluster) || s.importedBy.includes(cluster)));
        return json(res, 200, { total: rows.length, offset, rows: rows.slice(offset, offset + limit) });
      }
      if (p === '/api/v1/audit') return json(res, 200, { records: [], truncated: false });
      if (p === '/api/v1/audit/verify') return json(res, 200, { ok: true, count: 0 });
      if (p === '/api/v1/explain') return json(res, 200, []);
      return json(res, 404, { error: 'not_found', message: p });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    tokens,
    close: async () => {
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
