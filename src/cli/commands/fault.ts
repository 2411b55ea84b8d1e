/**
 * `lintas fault …`: break the local fleet of `lintas up` for real (issue 7,
 * "Faults that are real") through its admin API, and print what changed.
 * Finds the running fleet through `<state-dir>/up.json` unless `--server` is
 * given. Every fault carries a reason and is audited by the server.
 * @module
 */
import { resolve } from 'node:path';
import { Argument, Option, type Command } from 'commander';
import { parseGatewayDuration } from '../../lib/index.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';
import { processAlive, readUpFile, upFilePath, type UpFile } from '../up-file.ts';
import { CLUSTER_FAULTS, type FaultResult, type FaultsView } from '../../sandbox/index.ts';

/** The reason sent when `--reason` is not given. */
export const DEFAULT_FAULT_REASON = 'lintas fault (sandbox)';
/** How long a fault call may take: `cluster up` waits for every process to start. */
const REQUEST_TIMEOUT_MS = 60_000;

/** Flags every `fault` subcommand takes. */
export interface FaultConnectionOptions {
  /** Absent only for `fault list`, which changes nothing. */
  readonly reason?: string;
  readonly server?: string;
  readonly token?: string;
  readonly stateDir: string;
  readonly output: string;
}

/** Where the fleet's admin API is and how to authenticate to it. */
interface Target {
  readonly server: string;
  readonly token?: string;
}


/** Resolves `--server`/`--token`, or the running fleet's `up.json`; says clearly when no fleet is running. */
export function resolveTarget(options: Pick<FaultConnectionOptions, 'server' | 'token' | 'stateDir'>, io: CliIO): Target {
  const path = upFilePath(resolve(io.cwd, options.stateDir));
  const strip = (url: string): string => url.replace(/\/+$/, '');
  if (options.server !== undefined) {
    const server = strip(options.server);
    if (options.token !== undefined) return { server, token: options.token };
    // The local fleet's token goes only to the local fleet's own admin URL, never elsewhere.
    let up: UpFile | undefined;
    try {
      up = readUpFile(path);
    } catch {
      up = undefined;
    }
    return typeof up?.admin === 'string' && strip(up.admin) === server && typeof up.token === 'string' ? { server, token: up.token } : { server };
  }
  const up = readUpFile(path);
  if (up === undefined) {
    throw new CliError(`error: no fleet is running here (no ${path}); start one with "lintas up" in this directory, or pass --server URL --token TOKEN`, EXIT.invalid);
  }
  if (typeof up.pid === 'number' && !processAlive(up.pid)) {
    throw new CliError(`error: no fleet is running: ${path} was left by lintas up (pid ${String(up.pid)}), which is no longer running; start it again with "lintas up"`, EXIT.invalid);
  }
  if (typeof up.admin !== 'string' || typeof up.token !== 'string') throw new CliError(`error: ${path} has no admin URL or token; pass --server URL --token TOKEN`, EXIT.invalid);
  return { server: strip(up.admin), ...(options.token !== undefined ? { token: options.token } : { token: up.token }) };
}

/** Calls the admin API; a refusal or an unreachable server becomes a CliError with the server's message. */
async function callAdmin(target: Target, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${target.server}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(target.token !== undefined ? { authorization: `Bearer ${target.token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(`error: cannot reach the fleet's admin API at ${target.server}: ${detail} (is lintas up still running?)`, EXIT.invalid);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const { error, message } = (json ?? {}) as { error?: unknown; message?: unknown };
    const what = typeof message === 'string' && message !== '' ? message : text.trim() || res.statusText;
    const hint = res.status === 401 ? '\nhint: pass --token TOKEN (lintas up prints it, and writes it to .lintas/up.json)' : '';
    throw new CliError(`error: ${what} (HTTP ${String(res.status)}${typeof error === 'string' ? ` ${error}` : ''})${hint}`, EXIT.invalid);
  }
  return json;
}

function describeFault(fault: object): string {
  const parts = Object.entries(fault).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? 'no fault' : parts.join(' ');
}

/** The text a fault result prints: one summary line, then one line per replica changed. */
export function formatFaultResult(result: FaultResult): string {
  const lines: string[] = [];
  const n = result.replicas.length;
  const gateway = result.gateway !== undefined ? `, gateway ${result.gateway}` : '';
  const fault = result.fault !== undefined ? ` (${describeFault(result.fault)})` : '';
  lines.push(`${result.action} ${result.target}${fault}: ${String(n)} replica${n === 1 ? '' : 's'} changed${gateway}`);
  if (n === 0 && result.gateway === undefined) lines.push('  nothing to change (already in that state)');
  const width = Math.max(0, ...result.replicas.map((r) => r.id.length));
  for (const r of result.replicas) {
    const state = r.previousState === r.state ? r.state : `${r.previousState} → ${r.state}`;
    lines.push(`  ${r.id.padEnd(width)}  ${state}  ${describeFault(r.fault)}`);
  }
  return lines.join('\n');
}

function formatFaults(view: FaultsView): string {
  const width = Math.max(7, ...view.replicas.map((r) => r.id.length));
  const rows = view.replicas.map((r) => `${r.id.padEnd(width)}  ${r.state.padEnd(8)}  ${(r.ready ? 'yes' : 'no').padEnd(5)}  ${describeFault(r.fault)}`);
  return [`${'REPLICA'.padEnd(width)}  ${'STATE'.padEnd(8)}  READY  FAULT`, ...rows].join('\n');
}

async function post(path: string, body: Record<string, unknown>, options: FaultConnectionOptions, io: CliIO): Promise<number> {
  const target = resolveTarget(options, io);
  const result = (await callAdmin(target, 'POST', path, { ...body, reason: options.reason ?? DEFAULT_FAULT_REASON })) as FaultResult;
  io.out(options.output === 'json' ? JSON.stringify(result, null, 2) : formatFaultResult(result));
  return EXIT.ok;
}

/** Parses `--error-rate`: a fraction 0..1 or a percentage such as `30%`. */
export function parseErrorRate(text: string): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  const value = pct ? Number(pct[1]) / 100 : Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new CliError(`error: --error-rate must be a fraction from 0 to 1 (or 0%–100%), got "${text}"`);
  return value;
}

/** Parses a Gateway API duration (`400ms`, `30s`, `0s`) for `flag`; usage error when invalid. */
export function parseDurationFlag(text: string, flag: string): number {
  const ms = parseGatewayDuration(text.trim());
  if (ms === undefined) throw new CliError(`error: ${flag} must be a duration such as 400ms, 30s or 1m, got "${text}"`);
  return ms;
}

function splitNamespacedName(text: string): { namespace: string; name: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(text);
  if (!match) throw new CliError(`error: the Service must be NAMESPACE/NAME (e.g. cases/public-case-api), got "${text}"`);
  return { namespace: match[1] as string, name: match[2] as string };
}

const seg = encodeURIComponent;

/** Adds `lintas fault …` to the program; `exit` receives each command's exit code. */
export function registerFaultCommands(program: Command, io: CliIO, exit: (code: number) => void): void {
  const fault = program
    .command('fault')
    .description('inject real faults into the fleet of lintas up (stop, pause, fail, slow down); each is audited')
    .addHelpText(
      'after',
      "\nExamples:\n  lintas fault cluster sgp-prod-1 down --reason 'game day'\n  lintas fault cluster sgp-prod-1 partition\n  lintas fault service cases/public-case-api --cluster jkt-prod-1 --error-rate 0.3 --latency 400ms\n  lintas fault dependency case-db --cluster sgp-prod-1 down\n  lintas fault replication-lag --cluster sgp-prod-1 30s\n  lintas fault list",
    );
  const common = (cmd: Command, mutating = true): Command =>
    (mutating ? cmd.option('--reason <text>', 'why (recorded in the audit trail)', DEFAULT_FAULT_REASON) : cmd)
      .option('--server <url>', 'admin URL of the fleet (default: from <state-dir>/up.json)')
      .option('--token <token>', 'admin bearer token (default: from up.json when it is that fleet)')
      .option('--state-dir <dir>', 'state directory of lintas up', '.lintas')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));

  common(
    fault
      .command('cluster')
      .description('down|up: stop/start every process of the cluster, gateway included; partition|heal: pause/resume them and hold the gateway address unanswered (clients time out)')
      .argument('<name>', 'cluster name')
      .addArgument(new Argument('<action>', 'what to do').choices([...CLUSTER_FAULTS])),
  ).action(async (name: string, action: string, opts: FaultConnectionOptions) => {
    exit(await post(`/api/v1/faults/cluster/${seg(name)}/${seg(action)}`, {}, opts, io));
  });

  common(
    fault
      .command('service')
      .description("make a Service's replicas in one cluster fail and/or slow down (0 or 0s clears)")
      .argument('<namespace/name>', 'the Service, e.g. cases/public-case-api')
      .requiredOption('--cluster <name>', 'cluster whose replicas get the fault')
      .option('--error-rate <rate>', 'fraction of requests answered 500/503, e.g. 0.3 or 30%')
      .option('--latency <duration>', 'delay added to every request, e.g. 400ms')
      .option('--clear', 'remove the error rate and latency'),
  ).action(async (ref: string, opts: FaultConnectionOptions & { cluster: string; errorRate?: string; latency?: string; clear?: boolean }) => {
    const { namespace, name } = splitNamespacedName(ref);
    if (opts.clear && (opts.errorRate !== undefined || opts.latency !== undefined)) throw new CliError('error: --clear cannot be combined with --error-rate or --latency');
    if (!opts.clear && opts.errorRate === undefined && opts.latency === undefined) throw new CliError('error: give --error-rate and/or --latency (or --clear)');
    const body: Record<string, unknown> = opts.clear
      ? { cluster: opts.cluster, errorRate: 0, latencyMs: 0 }
      : {
          cluster: opts.cluster,
          ...(opts.errorRate !== undefined ? { errorRate: parseErrorRate(opts.errorRate) } : {}),
          ...(opts.latency !== undefined ? { latencyMs: parseDurationFlag(opts.latency, '--latency') } : {}),
        };
    exit(await post(`/api/v1/faults/service/${seg(namespace)}/${seg(name)}`, body, opts, io));
  });

  common(
    fault
      .command('dependency')
      .description("take a dependency (the apps' backing store) down or bring it back on every replica of a cluster")
      .argument('<name>', 'dependency name, e.g. case-db')
      .addArgument(new Argument('<state>', 'down or up').choices(['down', 'up']))
      .requiredOption('--cluster <name>', 'cluster whose replicas lose the dependency'),
  ).action(async (name: string, state: string, opts: FaultConnectionOptions & { cluster: string }) => {
    exit(await post(`/api/v1/faults/dependency/${seg(name)}`, { cluster: opts.cluster, down: state === 'down' }, opts, io));
  });

  common(
    fault
      .command('replication-lag')
      .description('delay what a cluster replicates to the other regions (0s restores the normal lag)')
      .argument('<duration>', 'lag, e.g. 30s')
      .requiredOption('--cluster <name>', 'cluster whose outgoing replication lags'),
  ).action(async (duration: string, opts: FaultConnectionOptions & { cluster: string }) => {
    const lagMs = parseDurationFlag(duration, 'the lag');
    exit(await post('/api/v1/faults/replication-lag', { cluster: opts.cluster, lagMs }, opts, io));
  });

  common(fault.command('list').description('show every replica: state, readiness and the fault in force'), false).action(async (opts: FaultConnectionOptions) => {
    const view = (await callAdmin(resolveTarget(opts, io), 'GET', '/api/v1/faults')) as FaultsView;
    io.out(opts.output === 'json' ? JSON.stringify(view, null, 2) : formatFaults(view));
    exit(EXIT.ok);
  });
}
