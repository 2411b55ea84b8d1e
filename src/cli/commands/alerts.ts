/**
 * `lintas alerts [list]` against a running `lintas serve` (the alerts of
 * `/api/v1/alerts`: failover alerts and the metric alerts, seed 000 §24.3), and
 * `lintas alerts rules`, which prints the equivalent Prometheus alerting rules
 * offline (`lintas alerts rules > lintas-rules.yaml`).
 * @module
 */
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { prometheusRules } from '../../observability/index.ts';
import { addClientOptions, adminClient, type ClientFlags } from '../admin-client.ts';
import { EXIT, type CliIO } from '../io.ts';
import { renderTable } from '../printers.ts';
import type { AlertsAnswer } from '../../runtime/index.ts';

/** Flags of `alerts list`. */
export interface AlertsListOptions extends ClientFlags {
  readonly output: string;
}

/** Flags of `alerts rules`. */
export interface AlertsRulesOptions {
  readonly output: string;
}

const MAX_MESSAGE = 100;

/** The table of `alerts list`: one line per active alert. */
export function alertsTable(active: AlertsAnswer['active']): string {
  const rows = active.map((a) => {
    const about = a.policy !== undefined ? `${a.policy} (${a.primary ?? '-'})` : a.owner !== undefined ? `owner ${a.owner}` : '-';
    const message = a.message.length > MAX_MESSAGE ? `${a.message.slice(0, MAX_MESSAGE - 1)}…` : a.message;
    return [a.alert, a.severity, a.cluster, about, a.since, message];
  });
  return renderTable(['ALERT', 'SEVERITY', 'CLUSTER', 'POLICY/OWNER', 'SINCE', 'MESSAGE'], rows);
}

/** `lintas alerts list`: exit 0 whether or not alerts are active (the list is the answer). */
export async function alertsListCommand(options: AlertsListOptions, io: CliIO): Promise<number> {
  const answer = await adminClient(options, io).get<AlertsAnswer>('/api/v1/alerts');
  if (options.output === 'json') io.out(JSON.stringify(answer, null, 2));
  else if (options.output === 'yaml') io.out(stringify(answer, { lineWidth: 0 }).trimEnd());
  else if (answer.active.length === 0) io.err('No active alerts.');
  else io.out(alertsTable(answer.active));
  return EXIT.ok;
}

/** `lintas alerts rules`: the Prometheus rules file on stdout. */
export function alertsRulesCommand(options: AlertsRulesOptions, io: CliIO): number {
  const rules = prometheusRules();
  io.out(options.output === 'json' ? JSON.stringify(rules, null, 2) : stringify(rules, { lineWidth: 0 }).trimEnd());
  return EXIT.ok;
}

const ALERTS_HELP = `
Alerts (evaluated every 15 s and on every read; also the gauge lintas_alert on /metrics):
  MutationToNonOwner        critical  a mutation reached a cluster that does not own its key (5 m; must be 0)
  DestinationErrorRateHigh  warning   5xx > 2 % of requests to a destination cluster over 5 m (≥ 100 requests)
  ImportedEndpointsStale    warning   endpoints imported from a cluster last confirmed > 10 m ago
  ConfigLoadFailing         warning   the fleet config has errors: edits are not applied, the last good config is served
  FailoverPendingApproval   warning   a failover or failback waits for approvals
  GuardrailBlocking         warning   a failing guardrail blocks a failover
  OwnerUnhealthy            critical  an owner is not regionally ready (mode Manual waits, or the new owner after a failover)

Examples:
  lintas alerts
  lintas alerts list --server http://127.0.0.1:7070 --token $TOKEN -o json
  lintas alerts rules > lintas-rules.yaml`;

/** Adds `alerts list|rules` to `program`; `exit` receives each command's exit code. */
export function registerAlertCommands(program: Command, io: CliIO, exit: (code: number) => void): void {
  const alerts = program
    .command('alerts')
    .description('active alerts of a running lintas serve (role viewer), and the equivalent Prometheus rules')
    .addHelpText('after', ALERTS_HELP);
  addClientOptions(
    alerts
      .command('list', { isDefault: true })
      .description('active alerts: what, severity, cluster, policy or owner, since when, why (the default)')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table')),
  ).action(async (opts: AlertsListOptions) => exit(await alertsListCommand(opts, io)));
  alerts
    .command('rules')
    .description('print Prometheus alerting rules equivalent to these alerts (offline; no server needed)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .addHelpText('after', '\nExample:\n  lintas alerts rules > lintas-rules.yaml     # then rule_files: [lintas-rules.yaml] in prometheus.yml')
    .action((opts: AlertsRulesOptions) => exit(alertsRulesCommand(opts, io)));
}
