/**
 * `lintas alerts`: the Prometheus rules file (parsed back with `yaml`: every
 * alert with its expr, for and severity, over the metric names and thresholds
 * the evaluator uses), and `alerts list` against a real admin server (loopback,
 * port 0, bearer auth) serving the alert service's `/api/v1/alerts`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import {
  ALERT_METRICS,
  createAuthenticator,
  ENDPOINT_AGE_THRESHOLD_SECONDS,
  ERROR_RATE_MIN_REQUESTS,
  ERROR_RATE_THRESHOLD,
  silentLogger,
  startAdminServer,
  type AdminServer,
  type PrometheusRulesFile,
} from '../../observability/index.ts';
import { EXIT } from '../io.ts';
import { lintas } from '../test-cli.ts';
import { EMPTY_REPORT, type DataPlaneReport } from '../../ir/index.ts';
import { startAlertService, type AlertService, type AlertsAnswer } from '../../runtime/index.ts';

const VIEWER = 'viewer-token-0123456789abcdef';

describe('lintas alerts rules', () => {
  it('prints a Prometheus rules file with one rule per alert, each with expr, for, severity and annotations', async () => {
    const r = await lintas(['alerts', 'rules']);
    assert.equal(r.code, EXIT.ok, r.stderr);
    const file = parse(r.stdout) as PrometheusRulesFile;
    assert.equal(file.groups.length, 1);
    const group = file.groups[0];
    assert.equal(group?.name, 'lintas');
    const rules = new Map((group?.rules ?? []).map((rule) => [rule.alert, rule]));
    const want = {
      MutationToNonOwner: 'critical',
      DestinationErrorRateHigh: 'warning',
      ImportedEndpointsStale: 'warning',
      CertificateExpiringSoon: 'warning',
      ConfigLoadFailing: 'warning',
      FailoverPendingApproval: 'warning',
      GuardrailBlocking: 'warning',
      OwnerUnhealthy: 'critical',
      GslbNoHealthyRegion: 'critical',
    };
    assert.deepEqual([...rules.keys()].sort(), Object.keys(want).sort());
    for (const [alert, severity] of Object.entries(want)) {
      const rule = rules.get(alert);
      assert.equal(rule?.labels.severity, severity, alert);
      assert.match(rule?.for ?? '', /^\d+[smh]$/, alert);
      assert.ok((rule?.expr ?? '').length > 0, alert);
      assert.ok(rule?.annotations.summary && rule.annotations.description, alert);
    }
    const expr = (alert: string): string => rules.get(alert)?.expr ?? '';
    assert.match(expr('MutationToNonOwner'), new RegExp(`increase\\(${ALERT_METRICS.nonOwnerMutations}\\[5m\\]\\)\\) > 0`));
    assert.match(expr('DestinationErrorRateHigh'), /code_class="5xx"/);
    assert.ok(expr('DestinationErrorRateHigh').includes(`> ${String(ERROR_RATE_THRESHOLD)} and `));
    assert.ok(expr('DestinationErrorRateHigh').endsWith(`>= ${String(ERROR_RATE_MIN_REQUESTS)}`));
    assert.ok(expr('DestinationErrorRateHigh').includes(`sum by (destination_cluster) (increase(${ALERT_METRICS.requests}{destination_cluster!=""}[5m]))`));
    assert.equal(expr('ImportedEndpointsStale'), `max by (source_cluster) (${ALERT_METRICS.endpointAge}) > ${String(ENDPOINT_AGE_THRESHOLD_SECONDS)}`);
    assert.equal(expr('ConfigLoadFailing'), `max(${ALERT_METRICS.configErrors}) > 0`);
    assert.equal(expr('GuardrailBlocking'), `max by (policy, owner, cluster) (${ALERT_METRICS.alert}{alert="GuardrailBlocking"}) > 0`);
  });

  it('-o json is the same file', async () => {
    const [yaml, json] = await Promise.all([lintas(['alerts', 'rules']), lintas(['alerts', 'rules', '-o', 'json'])]);
    assert.deepEqual(JSON.parse(json.stdout), parse(yaml.stdout));
  });

  it('--help lists the alerts and the rules example', async () => {
    const r = await lintas(['alerts', '--help']);
    assert.equal(r.code, EXIT.ok);
    assert.match(r.stdout, /^Usage: lintas alerts /);
    assert.match(r.stdout, /MutationToNonOwner/);
    assert.match(r.stdout, /lintas alerts rules > lintas-rules\.yaml/);
    assert.match((await lintas(['--help'])).stdout, /^ {2}alerts\b/m);
  });
});

describe('lintas alerts list against a real admin server', () => {
  let admin: AdminServer;
  let service: AlertService;
  let dir: string;
  let now = Date.parse('2026-03-01T10:00:00Z');
  const registry = new Registry();
  // The data planes' typed counters: none until the test counts two mutations to a non-owner.
  let nonOwnerMutations: DataPlaneReport['nonOwnerMutations'] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lintas-alerts-'));
    service = startAlertService({
      registry,
      log: silentLogger,
      now: () => now,
      intervalMs: 0,
      dataPlane: () => ({ ...EMPTY_REPORT, nonOwnerMutations }),
      failover: () => ({
        active: [{ alert: 'GuardrailBlocking', severity: 'warning', policy: 'cases/case-writes', primary: 'sgp-prod-1', cluster: 'jkt-prod-1', message: 'headroom 0.1 < 0.3', since: '2026-03-01T09:58:00.000Z' }],
        recent: [],
      }),
    });
    admin = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      registry,
      notReady: () => undefined,
      auth: createAuthenticator({ tokens: [{ token: VIEWER, subject: 'vic', roles: ['viewer'] }] }),
      protectedRoutes: service.protectedRoutes,
    });
    await service.evaluate();
    now += 60_000;
    nonOwnerMutations = [{ owner: 'sgp-prod-1', destination: 'jkt-prod-1', count: 2 }];
    await service.evaluate();
  });
  after(async () => {
    service.close();
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) => lintas(['alerts', ...args, '--server', admin.url, '--token', VIEWER], { cwd: dir });

  it('prints the active alerts as a table (list is the default subcommand)', async () => {
    const r = await run();
    assert.equal(r.code, EXIT.ok, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ALERT +SEVERITY +CLUSTER +POLICY\/OWNER +SINCE +MESSAGE$/);
    assert.match(lines[1] ?? '', /^GuardrailBlocking +warning +jkt-prod-1 +cases\/case-writes \(sgp-prod-1\) +2026-03-01T09:58:00\.000Z +headroom/);
    assert.match(lines[2] ?? '', /^MutationToNonOwner +critical +jkt-prod-1 +owner sgp-prod-1 +2026-03-01T10:01:00\.000Z +2 mutation\(s\) owned by sgp-prod-1/);
    assert.equal(lines.length, 3);
  });

  it('-o json and -o yaml give the API answer', async () => {
    const json = await run('list', '-o', 'json');
    assert.equal(json.code, EXIT.ok, json.stderr);
    const answer = JSON.parse(json.stdout) as AlertsAnswer;
    assert.deepEqual(answer.active.map((a) => [a.alert, a.source, a.value ?? null]), [
      ['GuardrailBlocking', 'failover', null],
      ['MutationToNonOwner', 'metrics', 2],
    ]);
    assert.deepEqual(answer.recent.map((a) => a.alert), ['MutationToNonOwner']);
    const yaml = await run('-o', 'yaml');
    assert.deepEqual((parse(yaml.stdout) as AlertsAnswer).active.map((a) => a.alert), ['GuardrailBlocking', 'MutationToNonOwner']);
  });

  it('needs a token (401 → exit 1 with the reason) and finds no server without --server or up.json (exit 2)', async () => {
    const anonymous = await lintas(['alerts', '--server', admin.url], { cwd: dir });
    assert.equal(anonymous.code, EXIT.invalid);
    assert.match(anonymous.stderr, /HTTP 401/);
    const nowhere = await lintas(['alerts'], { cwd: dir });
    assert.equal(nowhere.code, EXIT.usage);
    assert.match(nowhere.stderr, /no admin server/);
  });

  it('serves lintas_alert on /metrics', async () => {
    const text = await (await fetch(`${admin.url}/metrics`)).text();
    assert.match(text, /^lintas_alert\{alert="MutationToNonOwner",severity="critical",cluster="jkt-prod-1",policy="",owner="sgp-prod-1",certificate=""\} 1$/m);
    assert.match(text, /^lintas_alert\{alert="GuardrailBlocking",severity="warning",cluster="jkt-prod-1",policy="cases\/case-writes",owner="sgp-prod-1",certificate=""\} 1$/m);
  });
});
