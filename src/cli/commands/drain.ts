/**
 * `lintas drain cluster NAME --reason TEXT` and `lintas undrain cluster NAME --reason TEXT`:
 * take a cluster out of all routing (weights to 0, in-flight requests finish) and bring it
 * back, as audited changes on a running `lintas serve`.
 * @module
 */
import { Option, type Command } from 'commander';
import { addClientOptions, adminClient, seg, type ClientFlags } from '../admin-client.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';

/** Flags of `drain` and `undrain`. */
export interface DrainOptions extends ClientFlags {
  readonly reason: string;
  readonly changeRequest?: string;
  readonly output: string;
}

const CLUSTER_KINDS = new Set(['cluster', 'clusters', 'cl']);

/** Runs `drain` (`drain` true) or `undrain` of one cluster. */
export async function drainCommand(drain: boolean, kind: string, name: string, options: DrainOptions, io: CliIO): Promise<number> {
  const verb = drain ? 'drain' : 'undrain';
  if (!CLUSTER_KINDS.has(kind)) throw new CliError(`error: ${verb} takes "cluster NAME", got "${kind}"`, EXIT.usage);
  const client = adminClient(options, io);
  const body = { reason: options.reason, ...(options.changeRequest === undefined ? {} : { changeRequest: options.changeRequest }) };
  const answer = await client.post<{ cluster: string; drained: string[]; record: { id: string } }>(`/api/v1/${verb}/${seg(name)}`, body);
  if (options.output === 'json') {
    io.out(JSON.stringify(answer, null, 2));
    return EXIT.ok;
  }
  io.out(`cluster/${answer.cluster} ${drain ? 'drained: weights to 0 in every route, in-flight requests finish' : 'undrained: routed to again'} (${answer.record.id})`);
  io.out(`drained clusters: ${answer.drained.join(', ') || '<none>'}`);
  return EXIT.ok;
}

/** Adds `drain` and `undrain` to `program`. */
export function registerDrainCommands(program: Command, io: CliIO, exit: (code: number) => void): void {
  for (const drain of [true, false]) {
    const verb = drain ? 'drain' : 'undrain';
    const command = program
      .command(verb)
      .description(drain ? 'take a cluster out of all routing gracefully, as an audited change (operator)' : 'bring a drained cluster back into routing (operator)')
      .argument('<kind>', 'cluster')
      .argument('<name>', 'cluster name')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
      .option('--change-request <id>', 'the change request this belongs to')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
      .addHelpText('after', `\nExample:\n  lintas ${verb} cluster sgp-prod-1 --reason "kernel upgrade" --change-request CHG-1234`);
    addClientOptions(command).action(async (kind: string, name: string, opts: DrainOptions) => exit(await drainCommand(drain, kind, name, opts, io)));
  }
}
