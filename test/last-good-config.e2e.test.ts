/**
 * End to end (issue 14 item 3): a restart with one bad file is not an outage.
 * `lintas serve` runs on a good one-cluster fleet (loopback 127.96/16, a Gateway
 * and an echo backend), stops, a file is broken, and serve starts again: it
 * starts from the last good fleet it persisted in its state directory, so the
 * gateway is bound and answers, DNS answers, `/readyz` says "serving last good
 * config from <time>", the config metrics say so, and the ConfigLoadFailing
 * alert is active. Fixing the file clears all of it. Bounded waits only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/cli/main.ts';
import { clusterObject, freePort, gatewayClassObject, gatewayObject, httpRoute, manifests, namespaceObject, removeDir, request, serviceObjects, startEcho, writeFiles, type Echo } from './gateway-fleet.ts';
import { waitFor } from './wait.ts';

const VIEWER = 'viewer-token-0123456789abcdef';
const HOST = 'app.test';
const SERVICE_FILE = 'clusters/a/web.yaml';

function fleetFiles(gwPort: number, backendPort: number): Record<string, string> {
  return {
    'fleet.yaml': manifests(clusterObject('a', 'r1', 'r1a', '127.96.0.0/16'), { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'e2e' }, spec: { clusters: ['a'], clusterSetIPRange: '127.97.0.0/24' } }),
    [SERVICE_FILE]: manifests(
      namespaceObject('demo'),
      ...serviceObjects('demo', 'web', [{ address: '127.96.0.10', port: backendPort }]),
      { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name: 'web', namespace: 'demo' } },
    ),
    'clusters/a/gateway.yaml': manifests(
      gatewayClassObject(),
      gatewayObject('demo', 'edge', '127.96.255.1', [{ name: 'http', protocol: 'HTTP', port: gwPort }]),
      httpRoute('demo', 'web', { parentRefs: [{ name: 'edge' }], hostnames: [HOST], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] }),
    ),
  };
}

/** One `lintas serve` run (in-process) on the fleet, with its stderr. */
interface Run {
  readonly errors: string[];
  stop(): Promise<number>;
}

describe('lintas serve restarted with a bad file (end to end)', () => {
  const root = mkdtempSync(join(tmpdir(), 'lintas-last-good-'));
  const fleet = join(root, 'fleet');
  let backend: Echo | undefined;
  let gateway = '';
  let admin = '';
  let adminPort = 0;
  let current: Run | undefined;

  const start = (): Run => {
    const controller = new AbortController();
    const errors: string[] = [];
    const io = { out: () => undefined, err: (t: string) => void errors.push(t), env: {}, cwd: root };
    const argv = ['serve', '--config', fleet, '--dns', '127.0.0.1:0', '--admin', `127.0.0.1:${adminPort}`, '--state-dir', join(root, '.lintas'), '--auth-file', join(root, 'auth.yaml'), '--log-level', 'warn'];
    const exited = run(argv, io, controller.signal);
    return {
      errors,
      stop: () => {
        controller.abort();
        return exited;
      },
    };
  };
  const dnsPort = (r: Run): number => Number(/udp\+tcp 127\.0\.0\.1:(\d+)/.exec(r.errors.find((l) => l.startsWith('lintas serve:')) ?? '')?.[1]);
  const readyz = async (): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${admin}/readyz`);
    return { status: res.status, text: await res.text() };
  };
  const metrics = async (): Promise<string> => (await fetch(`${admin}/metrics`)).text();
  // A read evaluates the alerts (besides every 15 s), and lintas_alert then shows that evaluation.
  const activeAlerts = async (): Promise<{ alert: string; message: string }[]> =>
    ((await (await fetch(`${admin}/api/v1/alerts`, { headers: { authorization: `Bearer ${VIEWER}` } })).json()) as { active: { alert: string; message: string }[] }).active;

  before(async () => {
    backend = await startEcho('127.96.0.10', 'web');
    const gwPort = await freePort('127.96.255.1');
    gateway = `http://127.96.255.1:${gwPort}`;
    adminPort = await freePort('127.0.0.1');
    admin = `http://127.0.0.1:${adminPort}`;
    writeFiles(fleet, fleetFiles(gwPort, backend.port));
    writeFileSync(join(root, 'auth.yaml'), `tokens:\n  - { token: "${VIEWER}", subject: vera, roles: [viewer] }\n`);
  });

  after(async () => {
    try {
      if (current !== undefined) assert.equal(await current.stop(), 0, current.errors.join('\n'));
    } finally {
      await backend?.close();
      removeDir(root);
    }
  });

  it('starts from the last good fleet: gateway bound, DNS answering, and /readyz, metrics and the alert say so', async () => {
    // 1. A good start persists the fleet; then stop.
    const first = start();
    await waitFor('the first serve ready', async () => ((await readyz()).status === 200 ? true : undefined), 60_000);
    await waitFor('the gateway answers', async () => ((await request(`${gateway}/`, { host: HOST })).status === 200 ? true : undefined), 30_000);
    assert.equal((await readyz()).text, 'ok\n', 'a clean config: no warning');
    const goodUntil = Date.now();
    assert.equal(await first.stop(), 0, first.errors.join('\n'));

    // 2. One bad file, then restart.
    const service = join(fleet, SERVICE_FILE);
    writeFileSync(service, readFileSync(service, 'utf8').replace('"port": 8080', '"port": 70000'));
    current = start();
    const ready = await waitFor('serve ready on the last good fleet', async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    }, 60_000);
    const from = /^warning: serving last good config from (\S+) \(persisted before this restart\): the fleet directory has 1 error\(s\); first: clusters\/a\/web\.yaml:\d+: Service demo\/web: \.spec\.ports\[0\]\.port: /m.exec(ready.text);
    assert.ok(from, ready.text);
    assert.ok(Date.parse(from[1] ?? '') <= goodUntil, `${String(from[1])} is the time of the first run's good load`);

    // The data plane serves the last good config.
    const reply = await waitFor('the gateway answers', async () => {
      const r = await request(`${gateway}/`, { host: HOST });
      return r.status === 200 ? r : undefined;
    }, 30_000);
    assert.equal(reply.body.name, 'web');
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`127.0.0.1:${dnsPort(current)}`]);
    assert.match((await resolver.resolve4('web.demo.svc.clusterset.local'))[0] ?? '', /^127\.97\.0\.\d+$/);

    // Metrics and the alert.
    const text = await metrics();
    assert.match(text, /^lintas_config_load_errors 1$/m);
    const success = Number(/^lintas_config_last_success_timestamp_seconds (\S+)$/m.exec(text)?.[1]);
    assert.equal(success * 1000, Date.parse(from[1] ?? ''), 'the metric and /readyz name the same time');
    const active = (await activeAlerts()).find((a) => a.alert === 'ConfigLoadFailing');
    assert.match(active?.message ?? '', /1 error\(s\) and its changes are not applied; serving the last good config from /);
    assert.match(await metrics(), /^lintas_alert\{alert="ConfigLoadFailing",severity="warning"[^}]*\} 1$/m);

    // 3. The fix is loaded live: the warning, the error gauge and the alert go away.
    writeFileSync(service, readFileSync(service, 'utf8').replace('"port": 70000', '"port": 8080'));
    await waitFor('a clean /readyz', async () => ((await readyz()).text === 'ok\n' ? true : undefined));
    assert.equal((await activeAlerts()).find((a) => a.alert === 'ConfigLoadFailing'), undefined);
    const cleared = await metrics();
    assert.match(cleared, /^lintas_config_load_errors 0$/m);
    assert.doesNotMatch(cleared, /alert="ConfigLoadFailing"/);
  });
});
