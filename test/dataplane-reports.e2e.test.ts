/**
 * Gateway processes report back (issue 15): the control plane runs no gateway of its own
 * (`embeddedGateways: 'none'`), each cluster's gateway is a `lintas gateway` role fed by the config
 * stream, and what they count reaches the control plane's typed readers: the web console's traffic
 * edges, and the alerts (a destination answering 5xx raises DestinationErrorRateHigh), as they do
 * for the embedded gateways. A report for another cluster's traffic is refused.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlertsAnswer } from '../src/runtime/index.ts';
import type { ConsoleSnapshot } from '../src/runtime/console-contract.ts';
import { gatewayAddress, GSLB_OPERATOR, startGslbBackends, startGslbServe, type GslbBackends, type GslbServe } from './gslb-fleet.ts';
import { waitFor } from './wait.ts';

/** GET `path` through cluster `n`'s gateway; the status. */
function get(n: number, port: number, path: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: gatewayAddress(n), port, path, headers: { host: 'rr.example.com' }, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('lintas gateway processes report their counters to the control plane', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-reports-'));
  const errors: string[] = [];
  let backends: GslbBackends;
  let serve: GslbServe;
  const viewer = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${serve.runtime.adminUrl}${path}`, { headers: { authorization: `Bearer ${GSLB_OPERATOR}` } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  };

  before(async () => {
    backends = await startGslbBackends();
    serve = await startGslbServe(root, backends, errors);
  });
  after(async () => {
    await serve.close();
    await backends.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('traffic through a gateway process shows as the console\'s edge, and 5xx from its destination raise the alert', async () => {
    const agent = new http.Agent({ keepAlive: true });
    await waitFor('c1\'s gateway routes', async () => ((await get(1, serve.gwPort, '/', agent).catch(() => 0)) === 200 ? true : undefined), 30_000);
    // c1's database is down: its /db answers 503, so c1 answers 5xx to everything asking for /db.
    backends.dbDown.add('c1');
    for (let i = 0; i < 120; i++) assert.equal(await get(1, serve.gwPort, '/db', agent), 503);
    for (let i = 0; i < 30; i++) assert.equal(await get(1, serve.gwPort, '/', agent), 200);
    agent.destroy();

    const edge = await waitFor('the c1 → c1 edge in the console snapshot', async () => {
      const snapshot = await viewer<ConsoleSnapshot>('/api/v1/console/snapshot');
      const e = snapshot.traffic.edges.find((x) => x.entry === 'c1' && x.destination === 'c1');
      return e !== undefined && e.requests >= 150 ? e : undefined;
    }, 30_000);
    assert.ok(edge.errorRatio > 0.5, `most requests answered 5xx (${String(edge.errorRatio)})`);
    assert.equal(serve.runtime.bus.reports.get('c1')?.cluster, 'c1');
    // Each report is contact: the acknowledgement record is as recent as the last report.
    const reported = Date.parse(serve.runtime.bus.reports.get('c1')?.at ?? '');
    assert.ok(Date.parse(serve.runtime.bus.streamAcks.get('c1')?.lastContact ?? '') >= reported, 'lastContact follows the reports');

    const alerts = await waitFor('DestinationErrorRateHigh for c1', async () => {
      const answer = await viewer<AlertsAnswer>('/api/v1/alerts');
      return answer.active.find((a) => a.alert === 'DestinationErrorRateHigh' && a.cluster === 'c1');
    }, 30_000);
    assert.equal(alerts.source, 'metrics');
  });

  it('refuses a report that speaks for another cluster\'s traffic, naming the field', async () => {
    const token = 'gslb-e2e-gateway-c2-0123456789abcdef';
    const body = { traffic: { bucketBoundsMs: [1], pairs: [{ entry: 'c1', destination: 'c1', requests: 5, errors5xx: 5, buckets: [5, 0] }] }, observation: { endpoints: [], attemptsByCluster: {} }, nonOwnerMutations: [], certificates: [] };
    const res = await fetch(`${serve.runtime.adminUrl}/api/v1/config-stream/c2/report`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /^\.traffic\.pairs\[0\]\.entry: a gateway of cluster c2 reports only traffic that entered c2/);
  });
});
