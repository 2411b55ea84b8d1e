/**
 * `lintas audit list|show|export|verify` against a running `lintas serve`: the
 * hash-chained audit trail of failover transitions, approvals, refusals and drains.
 * `verify` exits 0 only when the chain is intact; `export` writes the evidence bundle
 * (timeline, approvals, guardrail evidence, route diffs) as JSON.
 * @module
 */
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { AuditRecord, ChainVerification } from '../../store/index.ts';
import { addClientOptions, adminClient, seg, type ClientFlags } from '../admin-client.ts';
import { EXIT, type CliIO } from '../io.ts';
import { renderTable } from '../printers.ts';

/** Flags of `audit list`. */
export interface AuditListOptions extends ClientFlags {
  readonly since?: string;
  readonly target?: string;
  readonly limit?: string;
  readonly output: string;
}

/** Flags of `audit show`, `export` and `verify`. */
export interface AuditOptions extends ClientFlags {
  readonly output?: string;
  readonly target?: string;
}

const MAX_REASON = 60;

function change(r: AuditRecord): string {
  const phase = (v: unknown): unknown => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['phase'] : undefined);
  const before = phase(r.before);
  const after = phase(r.after);
  if (typeof before === 'string' && typeof after === 'string') return before === after ? before : `${before}→${after}`;
  return '-';
}

/** The table of `audit list`. */
export function auditTable(records: readonly AuditRecord[]): string {
  const rows = records.map((r) => {
    const reason = r.reason ?? '';
    return [r.id, r.time, r.actor, r.action, r.target, change(r), r.changeRequest ?? '-', reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason];
  });
  return renderTable(['ID', 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'PHASE', 'CHANGE-REQUEST', 'REASON'], rows);
}

/** `lintas audit list`. */
export async function auditListCommand(options: AuditListOptions, io: CliIO): Promise<number> {
  const client = adminClient(options, io);
  const answer = await client.get<{ records: AuditRecord[]; truncated: boolean; next?: number }>('/api/v1/audit', { since: options.since, target: options.target, limit: options.limit });
  if (options.output === 'json') {
    io.out(JSON.stringify(answer, null, 2));
    return EXIT.ok;
  }
  if (answer.records.length === 0) io.err('No audit records.');
  else io.out(auditTable(answer.records));
  if (answer.truncated) io.err(`(more records follow; raise --limit or query ?after=${String(answer.next)})`);
  return EXIT.ok;
}

/** `lintas audit show ID`. */
export async function auditShowCommand(id: string, options: AuditOptions, io: CliIO): Promise<number> {
  const record = await adminClient(options, io).get<AuditRecord>(`/api/v1/audit/${seg(id)}`);
  io.out(options.output === 'json' ? JSON.stringify(record, null, 2) : stringify(record, { lineWidth: 0 }).trimEnd());
  return EXIT.ok;
}

/** `lintas audit export [--target NS/NAME]`: the evidence bundle as JSON on stdout. */
export async function auditExportCommand(options: AuditOptions, io: CliIO): Promise<number> {
  const bundle = await adminClient(options, io).get<unknown>('/api/v1/audit/export', { target: options.target });
  io.out(JSON.stringify(bundle, null, 2));
  return EXIT.ok;
}

/** `lintas audit verify`: exit 0 when the hash chain is intact, 1 when it is broken. */
export async function auditVerifyCommand(options: AuditOptions, io: CliIO): Promise<number> {
  const result = await adminClient(options, io).get<ChainVerification>('/api/v1/audit/verify');
  if (options.output === 'json') io.out(JSON.stringify(result, null, 2));
  if (result.ok) {
    if (options.output !== 'json') io.out(`audit chain intact: ${result.count} record(s)`);
    return EXIT.ok;
  }
  io.err(`audit chain BROKEN at record ${result.seq}: ${result.reason}`);
  return EXIT.invalid;
}

/** Adds `audit list|show|export|verify` to `program`. */
export function registerAuditCommands(program: Command, io: CliIO, exit: (code: number) => void): void {
  const audit = program.command('audit').description('the hash-chained audit trail of a running lintas serve (role viewer)');
  addClientOptions(
    audit
      .command('list')
      .description('audit records in order: time, actor, action, target, phase change, change request, reason')
      .option('--since <time>', 'only records from this RFC 3339 time, or this long ago (e.g. 1h, 30m)')
      .option('--target <target>', 'only records about NS/NAME (a FailoverPolicy) or cluster/NAME')
      .option('--limit <n>', 'at most this many records (default 1000)')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table')),
  ).action(async (opts: AuditListOptions) => exit(await auditListCommand(opts, io)));
  addClientOptions(
    audit
      .command('show')
      .description('one audit record with its before/after and evidence')
      .argument('<id>', 'record id, e.g. a-000042')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml')),
  ).action(async (id: string, opts: AuditOptions) => exit(await auditShowCommand(id, opts, io)));
  addClientOptions(
    audit
      .command('export')
      .description('the evidence bundle (timeline, approvals, guardrail evidence, route diffs, chain check) as JSON')
      .option('--target <target>', 'only NS/NAME (a FailoverPolicy) or cluster/NAME')
      .addHelpText('after', '\nExample:\n  lintas audit export --target cases/case-writes > evidence.json'),
  ).action(async (opts: AuditOptions) => exit(await auditExportCommand(opts, io)));
  addClientOptions(
    audit
      .command('verify')
      .description('re-walk the hash chain from the first record (exit 0 intact, 1 broken)')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text')),
  ).action(async (opts: AuditOptions) => exit(await auditVerifyCommand(opts, io)));
}
