/**
 * `lintas failover status|propose|approve|reject|execute|abort|failback` against a
 * running `lintas serve` (issue 6), and `registerFailoverCommands`, which adds these
 * plus `drain`, `undrain`, `weights` and `audit` to the program. Exit 0 on success; a refused
 * call (401/403/409) prints the server's reason and exits 1.
 * @module
 */
import { Option, type Command } from 'commander';
import type { BlockingGuardrail, PendingProposal, PolicyStatus } from '../../controllers/index.ts';
import { FAILOVER_VERBS, type FailoverVerb } from '../../runtime/index.ts';
import { addClientOptions, adminClient, seg, splitNsName, type ClientFlags } from '../admin-client.ts';
import { EXIT, type CliIO } from '../io.ts';
import { renderTable } from '../printers.ts';
import { registerAuditCommands } from './audit.ts';
import { registerDrainCommands } from './drain.ts';
import { registerWeightsCommands } from './weights.ts';

/** Flags of `failover status`. */
export interface FailoverStatusOptions extends ClientFlags {
  readonly output: string;
}

/** Flags of the failover verbs. */
export interface FailoverActionOptions extends ClientFlags {
  readonly reason: string;
  readonly to?: string;
  readonly changeRequest?: string;
  readonly from?: string;
  readonly output: string;
}

export { FAILOVER_VERBS, type FailoverVerb };

const none = '<none>';

function ownerCell(s: PolicyStatus): string {
  return Object.entries(s.owner).map(([from, now]) => (from === now ? from : `${from}→${now}`)).join(',') || none;
}

function pendingCell(p: PendingProposal): string {
  return `${p.direction.toLowerCase()}→${p.target} ${p.approvals.length}/${p.approvalsRequired} by ${p.proposer}`;
}

function blockingCell(b: BlockingGuardrail): string {
  return `${b.cluster}:${b.check}=${b.observed === null ? 'unknown' : String(b.observed)}`;
}

/** The one-line-per-policy table of `failover status`. */
export function statusTable(policies: readonly PolicyStatus[]): string {
  const rows = policies.map((s) => [
    s.namespace,
    s.name,
    s.mode,
    s.state,
    ownerCell(s),
    String(s.epoch),
    s.pending.map(pendingCell).join('; ') || none,
    s.blocking.map(blockingCell).join(',') || none,
  ]);
  return renderTable(['NAMESPACE', 'NAME', 'MODE', 'STATE', 'OWNER', 'EPOCH', 'PENDING', 'BLOCKING'], rows);
}

/** The detailed view of one policy: proposal, approvals, blocking guardrails with evidence, each owner's machine. */
export function statusDetail(s: PolicyStatus): string {
  const lines = [
    `Policy:         ${s.policy} (TrafficPolicy ${s.trafficPolicy})`,
    `Mode:           ${s.mode} (failback ${s.failbackMode})`,
    `State:          ${s.state}`,
    `Epoch:          ${s.epoch}`,
    `Owner:          ${ownerCell(s)}`,
  ];
  if (s.pending.length === 0) lines.push(`Pending:        ${none}`);
  for (const p of s.pending) {
    lines.push(`Pending:        ${p.direction.toLowerCase()} of ${p.primary}'s keys to ${p.target}, proposed by ${p.proposer} at ${p.at}${p.changeRequest ? ` (${p.changeRequest})` : ''}`);
    lines.push(`  Reason:       ${p.reason}`);
    lines.push(`  Approvals:    ${p.approvals.length}/${p.approvalsRequired}${p.approvals.map((a) => `\n    ${a.by} at ${a.at}: ${a.reason}`).join('')}`);
  }
  if (s.blocking.length > 0) {
    lines.push('Blocking guardrails:');
    const rows = s.blocking.map((b) => [b.cluster, b.check, b.observed === null ? 'unknown' : String(b.observed), String(b.threshold), b.message]);
    lines.push(indent(renderTable(['CLUSTER', 'CHECK', 'OBSERVED', 'THRESHOLD', 'EVIDENCE'], rows)));
  }
  lines.push('Owners:');
  const rows = s.machines.map((m) => [m.primary, m.phase, m.owner, String(m.epoch), m.phaseSince, m.nextDeadline ?? none]);
  lines.push(indent(renderTable(['FROM', 'PHASE', 'OWNER', 'MOVES', 'SINCE', 'NEXT-DEADLINE'], rows)));
  return lines.join('\n');
}

const indent = (text: string): string => text.split('\n').map((l) => `  ${l}`).join('\n');

/** `lintas failover status [NS/NAME]`. */
export async function failoverStatusCommand(target: string | undefined, options: FailoverStatusOptions, io: CliIO): Promise<number> {
  const client = adminClient(options, io);
  if (target !== undefined) {
    const { namespace, name } = splitNsName(target, 'the policy');
    const status = await client.get<PolicyStatus>(`/api/v1/failover/${seg(namespace)}/${seg(name)}`);
    io.out(options.output === 'json' ? JSON.stringify(status, null, 2) : statusDetail(status));
    return EXIT.ok;
  }
  const { policies } = await client.get<{ policies: PolicyStatus[] }>('/api/v1/failover');
  if (options.output === 'json') io.out(JSON.stringify({ policies }, null, 2));
  else if (policies.length === 0) io.err('No FailoverPolicies are governed by this server.');
  else io.out(statusTable(policies));
  return EXIT.ok;
}

/** `lintas failover VERB NS/NAME --reason TEXT`. */
export async function failoverActionCommand(verb: FailoverVerb, target: string, options: FailoverActionOptions, io: CliIO): Promise<number> {
  const { namespace, name } = splitNsName(target, 'the policy');
  const client = adminClient(options, io);
  const body = {
    reason: options.reason,
    ...(options.to === undefined ? {} : { to: options.to }),
    ...(options.changeRequest === undefined ? {} : { changeRequest: options.changeRequest }),
    ...(options.from === undefined ? {} : { from: options.from }),
  };
  const answer = await client.post<{ policy: PolicyStatus; records: { id: string; action: string; actor: string }[] }>(`/api/v1/failover/${seg(namespace)}/${seg(name)}/${verb}`, body);
  if (options.output === 'json') {
    io.out(JSON.stringify(answer, null, 2));
    return EXIT.ok;
  }
  const s = answer.policy;
  const records = answer.records.map((r) => `${r.id} ${r.action} by ${r.actor}`).join(', ') || 'no change';
  io.out(`${s.policy}: ${verb} accepted (${records})`);
  io.out(`state ${s.state}, owner ${ownerCell(s)}, epoch ${s.epoch}`);
  for (const b of s.blocking) io.out(`blocked by guardrail ${b.check} on ${b.cluster}: ${b.message}`);
  return EXIT.ok;
}

const outputOption = (): Option => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

/** Adds `failover`, `drain`, `undrain`, `weights` and `audit` to `program`; `exit` receives each command's exit code. */
export function registerFailoverCommands(program: Command, io: CliIO, exit: (code: number) => void): void {
  const failover = program.command('failover').description('governed failover of ownership domains (FailoverPolicy) on a running lintas serve');
  addClientOptions(
    failover
      .command('status')
      .description('per policy: state, owner mapping, epoch, pending proposal and blocking guardrails with evidence')
      .argument('[ns/name]', 'one FailoverPolicy (detailed view)')
      .addOption(outputOption()),
  )
    .addHelpText('after', '\nExamples:\n  lintas failover status\n  lintas failover status cases/case-writes --server http://127.0.0.1:7070 --token $TOKEN -o json')
    .action(async (target: string | undefined, opts: FailoverStatusOptions) => exit(await failoverStatusCommand(target, opts, io)));

  const help: Record<FailoverVerb, string> = {
    propose: 'propose moving the policy owner\'s keys to a destination (operator)',
    approve: 'approve the pending proposal; never your own when distinctFromProposer (approver)',
    reject: 'reject the pending proposal (approver)',
    execute: 'move ownership now for an approved proposal whose guardrails pass (operator)',
    abort: 'stop a pending failover or failback (operator)',
    failback: 'propose returning ownership to the original owner once it is stable (operator)',
  };
  for (const verb of Object.keys(FAILOVER_VERBS) as FailoverVerb[]) {
    const command = failover
      .command(verb)
      .description(help[verb])
      .argument('<ns/name>', 'the FailoverPolicy')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
      .option('--change-request <id>', 'the change request this belongs to')
      .option('--from <cluster>', 'which owner, when the policy fails over several (.spec.from)')
      .addOption(outputOption());
    if (verb === 'propose') command.option('--to <cluster>', 'destination (default: the first of .spec.to whose guardrails pass)');
    addClientOptions(command).action(async (target: string, opts: FailoverActionOptions) => exit(await failoverActionCommand(verb, target, opts, io)));
  }
  registerDrainCommands(program, io, exit);
  registerWeightsCommands(program, io, exit);
  registerAuditCommands(program, io, exit);
}
