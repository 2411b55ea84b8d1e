/**
 * A stand-in admin server for the web console's browser tests: serves the built app
 * (dist/console) at /ui and the console routes of src/runtime/console-contract.ts from a small
 * in-memory fleet of any size (the scale test draws 20 clusters × 1,000 services). Loopback only.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicyStatus } from '../src/controllers/index.ts';
import type { ClusterView, ConsoleSnapshot, ServiceRow, TrafficEdge, WhoAmI } from '../src/runtime/console-contract.ts';
import type { AuditRecord } from '../src/store/index.ts';

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
  const world = { version: 1, down: false, phase: 'Normal' as 'Normal' | 'FailoverPending' | 'FailedOver', epoch: 1, approvals: [] as string[] };
  const records: AuditRecord[] = [];
  const streams = new Set<ServerResponse>();
  const audit = (actor: string, action: string, reason: string, before: unknown, after: unknown): void => {
    const seq = records.length + 1;
    records.push({ seq, id: `a-${String(seq).padStart(6, '0')}`, time: new Date().toISOString(), actor, action, target: POLICY, reason, before, after, prevHash: '0'.repeat(64), hash: String(seq).padStart(64, '0') });
  };

  const services: ServiceRow[] = Array.from({ length: options.services }, (_, i) => {
    const source = clusters[i % clusters.length] ?? primary;
    return {
      service: `ns-${String(i % 50).padStart(2, '0')}/svc-${String(i).padStart(4, '0')}`,
      type: 'ClusterSetIP',
      ports: ['80/TCP'],
      importedBy: clusters.slice(0, 3),
      sources: [{ cluster: source, endpoints: [{ address: `10.0.${String(i % 250)}.1`, port: 8080, ready: !(world.down && source === primary) }] }],
      ...(i === 0 ? { trafficPolicy: { name: 'cases/cases', mode: 'Strict', owners: { [primary]: primary } } } : {}),
    };
  });

  const clusterView = (name: string, region: string): ClusterView => {
    const failing = world.down && name === primary;
    return {
      name,
      region,
      layers: { ready: failing ? 'failing' : 'ok', regional: failing ? 'failing' : 'ok', failover: 'ok', business: name.startsWith('tyo') ? 'unknown' : 'ok' },
      failing: failing ? [{ service: 'cases/public-case-api', layer: 'regional', check: { name: 'ready fraction', ok: false, detail: '0/2 endpoints' } }] : [],
      drained: false,
      dataplane: { cluster: name, mode: 'embedded', version: world.version, state: 'acked', ownership: { 'cases/cases': world.epoch }, at: new Date().toISOString() },
      gateways: [{ name: 'edge/public', address: '127.0.0.1:8080', programmed: true }],
      exports: 6,
      imports: 12,
    };
  };
  const edges = (): TrafficEdge[] => {
    const out: TrafficEdge[] = [];
    for (const entry of clusters) {
      const local = entry === primary && world.down ? 0 : 6;
      out.push({ entry, destination: entry, rps: local, errorRatio: 0, requests: local * 10, ...(local > 0 ? { p99Ms: 12 } : {}) });
      if (entry !== primary) {
        const toPrimary = world.down ? 0 : 2;
        out.push({ entry, destination: primary, rps: toPrimary, errorRatio: 0, requests: toPrimary * 10, ...(toPrimary > 0 ? { p99Ms: 40 } : {}) });
      }
    }
    return out.sort((a, b) => (a.entry + a.destination < b.entry + b.destination ? -1 : 1));
  };
  const policy = (): PolicyStatus => {
    const pending = world.phase === 'FailoverPending' ? [{ direction: 'Failover' as const, proposer: 'system:lintas', at: new Date().toISOString(), target: secondary, reason: `${primary} is not regionally ready`, approvals: world.approvals.map((by) => ({ by, at: new Date().toISOString(), reason: 'ok' })), primary, approvalsRequired: 1 }] : [];
    const owner = world.phase === 'FailedOver' ? secondary : primary;
    const now = new Date().toISOString();
    return {
      namespace: 'cases', name: 'case-writes', policy: POLICY, trafficPolicy: 'cases/cases', mode: 'Guarded', failbackMode: 'Manual', state: world.phase, epoch: world.epoch,
      owner: { [primary]: owner }, moved: owner === primary ? [] : [{ from: primary, to: owner }], pending, blocking: [],
      machines: [{ primary, phase: world.phase, owner, epoch: world.epoch - 1, revision: world.version, phaseSince: now, state: { phase: 'Normal', primary, owner, epoch: world.epoch - 1, revision: world.version, phaseSince: now, observations: {} } }],
    };
  };
  const snapshot = (): ConsoleSnapshot => ({
    version: world.version,
    generatedAt: new Date().toISOString(),
    fleet: { regions: options.regions.map((r) => ({ name: r, clusters: clusters.filter((c) => c.startsWith(`${r}-`)).map((c) => clusterView(c, r)) })) },
    traffic: { windowSeconds: 10, edges: edges() },
    failover: [policy()],
    alerts: { active: world.phase === 'FailoverPending' ? [{ alert: 'FailoverPendingApproval', severity: 'warning', policy: POLICY, primary, cluster: secondary, message: 'failover awaits 1 approval', since: new Date().toISOString() }] : [], recent: [] },
  });
  const changed = (): void => {
    world.version += 1;
    const text = `event: snapshot\ndata: ${JSON.stringify(snapshot())}\n\n`;
    for (const res of streams) res.write(text);
  };

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const body = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
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
      if (req.method === 'POST') {
        const b = await body(req);
        if (typeof b['reason'] !== 'string' || b['reason'].trim() === '') return json(res, 400, { error: 'bad_request', message: '"reason" is required' });
        if (p === '/api/v1/faults/cluster/' + primary + '/down' && me.roles.includes('admin')) {
          world.down = true;
          world.phase = 'FailoverPending';
          audit('system:lintas', 'Propose', `${primary} is not regionally ready`, { phase: 'Normal' }, { phase: 'FailoverPending' });
          changed();
          return json(res, 200, {});
        }
        if (p === `/api/v1/failover/${POLICY}/approve` && me.actions.includes(APPROVER_ROUTES[0] ?? '')) {
          if (world.phase !== 'FailoverPending') return json(res, 409, { error: 'invalid_in_phase', message: `cannot approve in phase ${world.phase}` });
          const before = { phase: world.phase, owner: primary, epoch: 0 };
          world.approvals.push(me.subject);
          audit(me.subject, 'Approve', String(b['reason']), before, before);
          world.phase = 'FailedOver';
          world.epoch = 2;
          audit(me.subject, 'MoveOwnership', String(b['reason']), before, { phase: 'FailingOver', owner: secondary, epoch: 1 });
          changed();
          return json(res, 200, { policy: policy(), records: records.slice(-2).map((r) => ({ id: r.id, time: r.time, actor: r.actor, action: r.action })) });
        }
        return json(res, 403, { error: 'forbidden', message: `${me.subject} may not ${p}` });
      }
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
      if (p === '/api/v1/audit') {
        const target = url.searchParams.get('target') ?? '';
        const after = Number(url.searchParams.get('after') ?? 0);
        return json(res, 200, { records: records.filter((r) => r.seq > after && (target === '' || r.target === target)), truncated: false });
      }
      if (p === '/api/v1/audit/verify') return json(res, 200, { ok: true, count: records.length });
      if (p === '/api/v1/audit/export') return json(res, 200, { generatedAt: new Date().toISOString(), records, chain: { ok: true, count: records.length } });
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
