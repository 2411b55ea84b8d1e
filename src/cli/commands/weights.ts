/**
 * `lintas weights set|clear|list`: operator weight overrides of a TrafficPolicy on a running
 * `lintas serve` (issue 6). While an override is set, the policy's targets route as Weighted
 * with its weights (drained, excluded and unhealthy clusters still get nothing); clearing it
 * restores the configured mode. Every set and clear is an audited change. Exit 0 on success,
 * 1 when the server refuses (401/403/404/409/400), 2 on a usage error.
 * @module
 */
import { Option, type Command } from 'commander';
import type { WeightOverride } from '../../controllers/index.ts';
import { dns1123Label } from '../../lib/index.ts';
import { addClientOptions, adminClient, seg, splitNsName, type ClientFlags } from '../admin-client.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';
import { renderTable } from '../printers.ts';

/** Flags of `weights set` and `weights clear`. */
export interface WeightsChangeOptions extends ClientFlags {
  readonly reason: string;
  readonly changeRequest?: string;
  readonly output: string;
}

/** Flags of `weights list`. */
export interface WeightsListOptions extends ClientFlags {
  readonly output: string;
}

/** What the API answers to a set or clear. */
interface WeightAnswer {
  readonly policy: string;
  readonly override?: WeightOverride;
  readonly overrides: Readonly<Record<string, WeightOverride>>;
  readonly record: { readonly id: string };
}

const MAX_WEIGHT = 1_000_000;

/** Parses `CLUSTER=W` arguments into weights; a usage error names the bad one. */
export function parseWeightArgs(args: readonly string[]): Record<string, number> {
  if (args.length === 0) throw new CliError('error: weights set needs at least one CLUSTER=WEIGHT, e.g. jkt-prod-1=3 sgp-prod-1=1', EXIT.usage);
  const weights: Record<string, number> = {};
  for (const arg of args) {
    const eq = arg.lastIndexOf('=');
    const cluster = arg.slice(0, Math.max(0, eq));
    const raw = arg.slice(eq + 1);
    if (eq <= 0 || !/^\d+$/.test(raw) || Number(raw) > MAX_WEIGHT) {
      throw new CliError(`error: ${JSON.stringify(arg)} must be CLUSTER=WEIGHT with WEIGHT an integer from 0 to ${MAX_WEIGHT}`, EXIT.usage);
    }
    const problem = dns1123Label(cluster);
    if (problem !== undefined) throw new CliError(`error: cluster name ${JSON.stringify(cluster)}: ${problem}`, EXIT.usage);
    if (cluster in weights) throw new CliError(`error: cluster ${cluster} is given twice`, EXIT.usage);
    weights[cluster] = Number(raw);
  }
  if (!Object.values(weights).some((w) => w > 0)) throw new CliError('error: give at least one cluster a weight above 0 (to take a cluster out everywhere, use lintas drain)', EXIT.usage);
  return weights;
}

const formatWeights = (weights: Readonly<Record<string, number>>): string => Object.entries(weights).map(([c, w]) => `${c}=${w}`).join(' ');

/** Runs `weights set` (weights given) or `weights clear` (undefined) on `ns/name`. */
export async function weightsChangeCommand(target: string, weights: Record<string, number> | undefined, options: WeightsChangeOptions, io: CliIO): Promise<number> {
  const { namespace, name } = splitNsName(target, 'the TrafficPolicy');
  const client = adminClient(options, io);
  const body = { reason: options.reason, ...(weights === undefined ? {} : { weights }), ...(options.changeRequest === undefined ? {} : { changeRequest: options.changeRequest }) };
  const answer = await client.post<WeightAnswer>(`/api/v1/weights/${seg(namespace)}/${seg(name)}${weights === undefined ? '/clear' : ''}`, body);
  if (options.output === 'json') {
    io.out(JSON.stringify(answer, null, 2));
    return EXIT.ok;
  }
  io.out(
    answer.override === undefined
      ? `trafficpolicy/${answer.policy} weight override cleared: routes by its configured mode again (${answer.record.id})`
      : `trafficpolicy/${answer.policy} routes as Weighted ${formatWeights(answer.override.weights)} (${answer.record.id})`,
  );
  return EXIT.ok;
}

/** Runs `weights list`. */
export async function weightsListCommand(options: WeightsListOptions, io: CliIO): Promise<number> {
  const answer = await adminClient(options, io).get<{ overrides: Readonly<Record<string, WeightOverride>> }>('/api/v1/weights');
  if (options.output === 'json') {
    io.out(JSON.stringify(answer, null, 2));
    return EXIT.ok;
  }
  const rows = Object.entries(answer.overrides).map(([policy, o]) => [policy, formatWeights(o.weights), o.actor, o.at, o.changeRequest ?? '', o.reason]);
  io.out(rows.length === 0 ? 'No weight overrides.' : renderTable(['POLICY', 'WEIGHTS', 'BY', 'SINCE', 'CHANGE', 'REASON'], rows));
  return EXIT.ok;
}

const outputOption = (): Option => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

/** Adds `weights set|clear|list` to `program`; `exit` receives each command's exit code. */
export function registerWeightsCommands(program: Command, io: CliIO, exit: (code: number) => void): void {
  const weights = program.command('weights').description('operator weight overrides of a TrafficPolicy on a running lintas serve (audited)');
  addClientOptions(
    weights
      .command('set')
      .description('route the policy\'s targets as Weighted with these weights until cleared (operator)')
      .argument('<ns/name>', 'the TrafficPolicy')
      .argument('<cluster=weight...>', 'relative weight per cluster (integers ≥ 0, at least one above 0; unlisted clusters get nothing)')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
      .option('--change-request <id>', 'the change request this belongs to')
      .addOption(outputOption())
      .addHelpText('after', '\nExample:\n  lintas weights set cases/cases jkt-prod-1=3 sgp-prod-1=1 tyo-prod-1=0 --reason "shift load off tyo" --change-request CHG-1234'),
  ).action(async (target: string, args: string[], opts: WeightsChangeOptions) => exit(await weightsChangeCommand(target, parseWeightArgs(args), opts, io)));
  addClientOptions(
    weights
      .command('clear')
      .description('remove the override: the policy routes by its configured mode again (operator)')
      .argument('<ns/name>', 'the TrafficPolicy')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
      .option('--change-request <id>', 'the change request this belongs to')
      .addOption(outputOption())
      .addHelpText('after', '\nExample:\n  lintas weights clear cases/cases --reason "tyo capacity restored"'),
  ).action(async (target: string, opts: WeightsChangeOptions) => exit(await weightsChangeCommand(target, undefined, opts, io)));
  addClientOptions(weights.command('list').description('the weight overrides in force (viewer)').addOption(outputOption()))
    .addHelpText('after', '\nExamples:\n  lintas weights list\n  lintas weights list --server http://127.0.0.1:7070 --token $TOKEN -o json')
    .action(async (opts: WeightsListOptions) => exit(await weightsListCommand(opts, io)));
}
