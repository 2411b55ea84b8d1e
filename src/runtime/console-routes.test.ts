/**
 * The console routes on a running capstone runtime: the snapshot (three clusters with their
 * Gateways programmed and data planes), traffic edges from requests sent through a gateway,
 * the event stream, the Services page with its query checks, and whoami per role.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuthenticator } from '../observability/index.ts';
import { openStore, type LintasStore } from '../store/index.ts';
import type { ConsoleSnapshot, ServicesPage, WhoAmI } from './console-contract.ts';
import { startServeRuntime, type ServeRuntime } from './serve-runtime.ts';
import { capstoneConfig } from './test-runtime.ts';
import { waitFor } from '../../test/wait.ts';

const VIEWER = 'viewer-token-0123456789abcdef';
const OPERATOR = 'operator-token-0123456789abcdef';

describe('console routes on the capstone runtime', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-console-'));
  let store: LintasStore;
  let runtime: ServeRuntime;
  const get = (path: string, token = VIEWER): Promise<Response> => fetch(`${runtime.adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const json = async <T>(path: string, token = VIEWER): Promise<T> => {
    const res = await get(path, token);
    assert.equal(res.status, 200, `${path}: ${String(res.status)}`);
    return (await res.json()) as T;
  };

  before(async () => {
    store = await openStore({ dataDir: root });
    const auth = createAuthenticator({
      tokens: [
        { token: VIEWER, subject: 'ada', roles: ['viewer'] },
        { token: OPERATOR, subject: 'otto', roles: ['operator'] },
      ],
    });
    runtime = await startServeRuntime({ ...capstoneConfig(root, store), auth, consoleDir: join(root, 'not-built') });
    await waitFor('/readyz 200', async () => ((await fetch(`${runtime.adminUrl}/readyz`)).status === 200 ? true : undefined), 60_000);
  });
  after(async () => {
    await runtime.stop();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('/ui says how to build the console while it is not built (and needs no token)', async () => {
    const res = await fetch(`${runtime.adminUrl}/ui`);
    assert.equal(res.status, 503);
    assert.equal(await res.text(), 'the web console is not built: run npm run build:console (npm install does it)\n');
  });

  it('every console route needs a token', async () => {
    for (const path of ['/api/v1/console/snapshot', '/api/v1/console/stream', '/api/v1/console/services', '/api/v1/console/whoami']) {
      assert.equal((await fetch(`${runtime.adminUrl}${path}`)).status, 401, path);
    }
  });

  it('the snapshot: regions, clusters, their Gateways programmed and data planes; the version moves only on change', async () => {
    const s = await waitFor('gateways programmed', async () => {
      const snap = await json<ConsoleSnapshot>('/api/v1/console/snapshot');
      return snap.fleet.regions.flatMap((r) => r.clusters).every((c) => c.gateways.some((g) => g.programmed)) ? snap : undefined;
    });
    const clusters = s.fleet.regions.flatMap((r) => r.clusters);
    assert.deepEqual(clusters.map((c) => c.name).sort(), ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']);
    for (const c of clusters) {
      assert.notEqual(c.region, '');
      assert.equal(c.dataplane?.state, 'acked');
      assert.ok(c.imports > 0 && c.exports > 0, `${c.name} imports and exports`);
    }
    assert.ok(s.failover.length > 0);
    const again = await json<ConsoleSnapshot>('/api/v1/console/snapshot');
    assert.ok(again.version >= s.version);
  });

  it('traffic through a gateway becomes an edge from its cluster', async () => {
    for (let i = 0; i < 5; i++) await fetch('http://127.1.255.1:8080/cases', { headers: { host: 'cases.example.com' } }).then((r) => r.arrayBuffer());
    const edge = await waitFor('an edge from jkt-prod-1', async () => {
      const snap = await json<ConsoleSnapshot>('/api/v1/console/snapshot');
      return snap.traffic.edges.find((e) => e.entry === 'jkt-prod-1' && e.requests > 0);
    });
    assert.ok(edge.rps > 0);
    assert.ok(edge.errorRatio >= 0 && edge.errorRatio <= 1);
  });

  it('the stream sends a snapshot event at once', async () => {
    const abort = new AbortController();
    try {
      const res = await fetch(`${runtime.adminUrl}/api/v1/console/stream`, { headers: { authorization: `Bearer ${VIEWER}` }, signal: abort.signal });
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
      assert.match(text, /^event: snapshot\nid: \d+\ndata: \{/);
      const data = JSON.parse(text.split('\n\n')[0]?.split('\ndata: ')[1] ?? '') as ConsoleSnapshot;
      assert.equal(data.fleet.regions.flatMap((r) => r.clusters).length, 3);
      await reader.cancel();
    } finally {
      abort.abort();
    }
  });

  it('services: filtered and paged on the server; bad paging refused', async () => {
    const all = await json<ServicesPage>('/api/v1/console/services');
    assert.ok(all.total > 0);
    const cases = await json<ServicesPage>('/api/v1/console/services?q=CASE&cluster=jkt-prod-1&limit=1');
    assert.equal(cases.rows.length, 1);
    assert.match(cases.rows[0]?.service ?? '', /case/);
    assert.equal((await get('/api/v1/console/services?offset=-1')).status, 400);
    assert.equal((await get('/api/v1/console/services?limit=abc')).status, 400);
  });

  it('whoami lists only the actions the subject may take', async () => {
    const viewer = await json<WhoAmI>('/api/v1/console/whoami');
    assert.deepEqual(viewer, { subject: 'ada', roles: ['viewer'], actions: [] });
    const operator = await json<WhoAmI>('/api/v1/console/whoami', OPERATOR);
    assert.ok(operator.actions.includes('/api/v1/drain/:cluster'));
    assert.ok(!operator.actions.includes('/api/v1/failover/:namespace/:name/approve'), 'approve needs the approver role');
  });

  it('the audit timeline filters by actor, action, target and time on the server', async () => {
    const post = (path: string) => fetch(`${runtime.adminUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'console test' }) });
    const start = new Date().toISOString();
    assert.equal((await post('/api/v1/drain/tyo-prod-1')).status, 200);
    assert.equal((await post('/api/v1/undrain/tyo-prod-1')).status, 200);
    type Page = { records: { actor: string; action: string; target: string; time: string }[] };
    const mine = await json<Page>('/api/v1/audit?actor=otto');
    assert.equal(mine.records.length, 2);
    const [drain, undrain] = mine.records;
    assert.ok(drain !== undefined && undrain !== undefined && drain.action !== undrain.action);
    assert.deepEqual((await json<Page>(`/api/v1/audit?actor=otto&action=${encodeURIComponent(undrain.action)}`)).records.map((r) => r.action), [undrain.action]);
    assert.equal((await json<Page>(`/api/v1/audit?actor=otto&target=${encodeURIComponent(drain.target)}`)).records.length, 2);
    assert.equal((await json<Page>('/api/v1/audit?actor=nobody')).records.length, 0);
    assert.equal((await json<Page>(`/api/v1/audit?actor=otto&until=${encodeURIComponent(new Date(Date.parse(start) - 1000).toISOString())}`)).records.length, 0, 'until is an upper bound');
    const bounded = (await json<Page>(`/api/v1/audit?actor=otto&since=${encodeURIComponent(start)}&until=${encodeURIComponent(drain.time)}`)).records;
    assert.ok(bounded.some((r) => r.action === drain.action), 'both bounds inclusive');
    assert.ok(bounded.every((r) => r.time <= drain.time && r.time >= start));
    assert.equal((await get('/api/v1/audit?until=someday')).status, 400);
  });
});
