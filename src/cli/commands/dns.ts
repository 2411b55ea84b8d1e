/**
 * `lintas dns …`: the public DNS (GSLB) commands. Only the command line is declared here;
 * the work (dns-explain.ts) is loaded when a command runs.
 * @module
 */
import { Option, type Command } from 'commander';
import { addClientOptions } from '../admin-client.ts';
import type { CliIO } from '../io.ts';
import type { DnsExplainOptions } from './dns-explain.ts';

/** Adds `dns explain` to `program`. */
export function registerDnsCommands(program: Command, io: CliIO, exit: (code: number) => void): void {
  const dns = program.command('dns').description('inspect the public DNS (GSLB) answers of DNSPolicies');
  const explain = dns
    .command('explain')
    .description('explain what the DNS answers for a public hostname: candidates, health evidence, the strategy\'s choice and the TTL')
    .argument('<host>', 'public hostname, e.g. cases.example.com')
    .option('--client-subnet <cidr>', 'the client subnet (EDNS Client Subnet) to answer for, e.g. 10.2.3.0/24')
    .option('--cluster <name>', 'answer for a client inside this cluster (the first address of its pod CIDRs)')
    .option('--config <dir>', 'translate this fleet directory offline (no probes yet) instead of asking a running server')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .addHelpText('after', '\nExit status: 0 when the answer has records, 1 when it has none (or no zone answers for the name), 2 on usage errors.\n\nExamples:\n  lintas dns explain cases.example.com                       # the lintas up running here\n  lintas dns explain cases.example.com --client-subnet 127.2.0.0/16\n  lintas dns explain search.example.com --cluster tyo-prod-1 --config examples/capstone');
  addClientOptions(explain).action(async (host: string, opts: DnsExplainOptions) => {
    const { dnsExplainCommand } = await import('./dns-explain.ts');
    exit(await dnsExplainCommand(host, opts, io));
  });
}
