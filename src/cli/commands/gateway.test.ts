/**
 * `lintas gateway`: flag errors are usage errors naming the flag; a real run against an
 * in-process control plane turns ready once its first config is applied (admin `/readyz`,
 * `/metrics`, its two workers' counters summed), writes the access log to the file given, and
 * stops cleanly on abort.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishClusterConfigs } from '../../controllers/index.ts';
import type { ClusterConfig, DataPlaneAck, GatewayIR } from '../../ir/index.ts';
import { configStreamRoutes, createAuthenticator, silentLogger, startAdminServer, type AdminServer } from '../../observability/index.ts';
import { WatchableMap } from '../../store/index.ts';
import { waitFor } from '../../../test/wait.ts';
import { run } from '../main.ts';
import { capture, lintas } from '../test-cli.ts';

const TOKEN = 'gateway-c1-token-0123456789';

describe('lintas gateway', { timeout: 60_000 }, () => {
  it('refuses bad flags with exit 2, naming the flag', async () => {
    const base = ['gateway', '--cluster', 'c1', '--control-plane', 'http://127.0.0.1:1'];
    const cases: [string[], RegExp][] = [
      [['gateway', '--control-plane', 'http://127.0.0.1:1'], /required option '--cluster <name>'/],
      [['gateway', '--cluster', 'C_1', '--control-plane', 'http://127.0.0.1:1', '--token', TOKEN], /--cluster C_1 is not a valid cluster name/],
      [[...base.slice(0, 3), '--control-plane', 'nope', '--token', TOKEN], /--control-plane nope is not a URL/],
      [base, /a token is required: --token TOKEN or \$LINTAS_GATEWAY_TOKEN .*gateway:c1/],
      [[...base, '--token', TOKEN, '--stale-after', '30'], /--stale-after must be a duration such as 30s/],
      [[...base, '--token', TOKEN, '--admin', 'localhost'], /--admin must be HOST:PORT/],
      [[...base, '--token', TOKEN, '--workers', '0'], /--workers must be a whole number from 1 to 256, got "0"/],
      [[...base, '--token', TOKEN, '--workers', 'two'], /--workers must be a whole number from 1 to 256, got "two"/],
    ];
    for (const [argv, message] of cases) {
      const r = await lintas(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  describe('against a control plane', () => {
    let app: http.Server;
    let cp: AdminServer;
    let dir: string;
    const configs = new WatchableMap<string, ClusterConfig>();
    const acks = new WatchableMap<string, DataPlaneAck>();
    before(async () => {
      app = http.createServer((_req, res) => res.end('from app'));
      await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
      dir = mkdtempSync(join(tmpdir(), 'lintas-gateway-cli-'));
      cp = await startAdminServer({
        host: '127.0.0.1',
        port: 0,
        log: silentLogger,
        notReady: () => undefined,
        auth: createAuthenticator({ tokens: [{ token: TOKEN, subject: 'gw-c1', roles: ['gateway:c1'] }] }),
        rawRoutes: configStreamRoutes({ configs, acks, log: silentLogger }),
      });
    });
    after(async () => {
      await cp.close();
      await new Promise<void>((resolve) => app.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves its cluster once the first config arrives, ready only then, and stops on abort', async () => {
      const stop = new AbortController();
      const c = capture({ LINTAS_GATEWAY_TOKEN: TOKEN });
      const accessLog = join(dir, 'access.log');
      const running = run(['gateway', '--cluster', 'c1', '--control-plane', cp.url, '--admin', '127.0.0.1:0', '--access-log', accessLog, '--stale-after', '10s', '--log-level', 'error', '--workers', '2'], c.io, stop.signal);
      const adminUrl = await waitFor('the admin URL', () => /admin (http:\/\/\S+) /.exec(c.stderr())?.[1]);
      assert.match(c.stderr(), /cluster c1, control plane http:\/\/127\.0\.0\.1:\d+, .*2 workers, stale after 10s/);
      const notYet = await fetch(`${adminUrl}/readyz`);
      assert.equal(notYet.status, 503);
      assert.match(await notYet.text(), /waiting for the first config of cluster c1|not connected/);
      publishClusterConfigs(configs, oneRoute((app.address() as AddressInfo).port), ['c1'], new Date().toISOString());
      await waitFor('ready', async () => ((await fetch(`${adminUrl}/readyz`)).status === 200 ? true : undefined));
      const status = (await (await fetch(`${adminUrl}/api/v1/gateway-role`)).json()) as { bound: string[]; serving: { generation: number } };
      assert.equal(status.serving.generation, 1);
      const port = Number(status.bound[0]?.split(':')[1]);
      assert.equal(await (await fetch(`http://127.0.0.1:${String(port)}/hello`)).text(), 'from app');
      const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
      assert.match(metrics, /lintas_gateway_config_versions_total\{result="ack"\} 1/);
      assert.match(metrics, /^lintas_gateway_workers 2$/m);
      assert.match(metrics, /lintas_gateway_requests_total\{[^}]*\} 1$/m, 'the workers\' counters, summed');
      assert.equal(acks.get('c1')?.acked?.version, configs.get('c1')?.version);
      stop.abort();
      assert.equal(await running, 0);
      assert.match(readFileSync(accessLog, 'utf8'), /"path":"\/hello"/);
      await assert.rejects(fetch(`${adminUrl}/readyz`), 'the admin server is closed');
    });
  });
});

/** One listener of cluster c1 on 127.0.0.1 (ephemeral port) routing everything to 127.0.0.1:`port`. */
function oneRoute(port: number): GatewayIR {
  return {
    listeners: [
      {
        key: '127.0.0.1:0',
        address: '127.0.0.1',
        port: 0,
        cluster: 'c1',
        virtualHosts: [
          {
            hostname: '*',
            gateway: 'ns/gw',
            listener: 'http',
            routes: [{ name: 'httproute/ns/r/rule/0/match/0', route: { namespace: 'ns', name: 'r' }, ruleIndex: 0, matchIndex: 0, match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }, filters: {}, backends: [{ weight: 1, kind: 'Service', namespace: 'ns', name: 'app', port: 80, upstream: 'app' }] }],
          },
        ],
      },
    ],
    upstreams: [{ key: 'app', kind: 'Service', namespace: 'ns', name: 'app', port: 80, protocol: 'http', endpoints: [{ address: '127.0.0.1', port, cluster: 'c1', ready: true, serving: true, terminating: false }] }],
  };
}
