/**
 * `lintas gateway --cluster NAME --control-plane URL --token T`: the data plane
 * of one cluster as its own process (issue 15), fed by the config stream of
 * `lintas serve`. Parses the flags, starts the gateway role, prints where it
 * serves, and stops it on Ctrl-C / SIGTERM.
 * @module
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { dns1123Label, parseGatewayDuration } from '../../lib/index.ts';
import type { LogLevel } from '../../observability/index.ts';
import { abortOnSignals, CliError, EXIT, type CliIO } from '../io.ts';

/** Flags of `lintas gateway`. */
export interface GatewayFlags {
  readonly cluster: string;
  /** One URL per `--control-plane` (each may also list several, comma-separated). */
  readonly controlPlane: readonly string[];
  readonly token?: string;
  readonly accessLog?: string;
  readonly staleAfter: string;
  readonly admin?: string;
  readonly logFormat: string;
  readonly logLevel: string;
  readonly workers: string;
}

/** More worker threads than this is a typo, not a machine. */
const MAX_WORKERS = 256;

/** The environment variable read when `--token` is not given (keeps the token out of `ps`). */
export const GATEWAY_TOKEN_ENV = 'LINTAS_GATEWAY_TOKEN';

/** Registers `lintas gateway`. */
export function registerGatewayCommand(program: Command, io: CliIO, exit: (code: number) => void, signal?: AbortSignal): void {
  program
    .command('gateway')
    .description("run one cluster's data plane (its Gateway listeners and ClusterSetIP proxies), fed by the config stream of lintas serve")
    .requiredOption('--cluster <name>', 'the cluster this gateway serves')
    .requiredOption('--control-plane <url>', 'admin URL of lintas serve, e.g. http://127.0.0.1:7070; repeat it (or separate with commas) for each control-plane replica: the stream follows the leader', (value: string, previous: readonly string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')])
    .option('--token <token>', `bearer token with the role gateway:<cluster> (default: $${GATEWAY_TOKEN_ENV})`)
    .option('--access-log <file>', 'access log (JSON lines); stdout when not given')
    .option('--stale-after <duration>', 'staleness budget: without a word from the control plane for this long, Owner-mode mutations fail closed (503 config_stale)', '30s')
    .option('--workers <n>', 'data-plane worker threads sharing the listeners (SO_REUSEPORT); 1 runs the data plane on the main thread', String(availableParallelism()))
    .option('--admin <host:port>', 'serve /readyz (ready once the first config is applied), /healthz, /metrics and /api/v1/gateway-role here')
    .addOption(new Option('--log-format <format>', 'log format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .addHelpText('after', `\nExamples:\n  ${GATEWAY_TOKEN_ENV}=… lintas gateway --cluster jkt-prod-1 --control-plane http://127.0.0.1:7070 --admin 127.0.0.1:7071\n  lintas gateway --cluster sgp-prod-1 --control-plane http://127.0.0.1:7070 --token "$(cat sgp.token)" --stale-after 10s\n  lintas gateway --cluster tyo-prod-1 --control-plane http://cp-0:7070 --control-plane http://cp-1:7070   # two replicas`)
    .action(async (flags: GatewayFlags) => {
      exit(await gatewayCommand(flags, io, signal));
    });
}

/** Runs the gateway until the signal aborts; returns the exit code. */
export async function gatewayCommand(flags: GatewayFlags, io: CliIO, signal?: AbortSignal): Promise<number> {
  const bad = dns1123Label(flags.cluster);
  if (bad !== undefined) throw new CliError(`error: --cluster ${flags.cluster} is not a valid cluster name: ${bad}`);
  if (flags.controlPlane.length === 0) throw new CliError('error: --control-plane needs a URL (e.g. http://127.0.0.1:7070)');
  const controlPlanes = flags.controlPlane.map((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new CliError(`error: --control-plane ${value} is not a URL (e.g. http://127.0.0.1:7070)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`error: --control-plane must be an http:// or https:// URL, got ${value}`);
    return url;
  });
  const token = flags.token ?? io.env[GATEWAY_TOKEN_ENV];
  if (token === undefined || token === '') throw new CliError(`error: a token is required: --token TOKEN or $${GATEWAY_TOKEN_ENV} (a token of the control plane's auth file with the role gateway:${flags.cluster})`);
  const workers = Number(flags.workers);
  if (!/^\d+$/.test(flags.workers) || workers < 1 || workers > MAX_WORKERS) throw new CliError(`error: --workers must be a whole number from 1 to ${String(MAX_WORKERS)}, got "${flags.workers}"`);
  const staleAfterMs = parseGatewayDuration(flags.staleAfter);
  if (staleAfterMs === undefined || staleAfterMs === 0) throw new CliError(`error: --stale-after must be a duration such as 30s or 1m30s, got "${flags.staleAfter}"`);
  // Loaded here, not at the top: every other command would pay for loading the data plane.
  const [{ startGatewayRole }, { createLogger }, { parseHostPort }] = await Promise.all([import('../../dataplanes/index.ts'), import('../../observability/index.ts'), import('./serve.ts')]);
  const admin = flags.admin === undefined ? undefined : parseHostPort(flags.admin, '--admin');
  const stop = signal ?? abortOnSignals();
  const log = createLogger({ format: flags.logFormat === 'json' ? 'json' : 'text', level: flags.logLevel as LogLevel, write: io.err }).child({ cluster: flags.cluster });
  const accessLogPath = flags.accessLog === undefined ? undefined : resolve(io.cwd, flags.accessLog);
  let role;
  try {
    role = await startGatewayRole({
      cluster: flags.cluster,
      controlPlaneUrls: controlPlanes.map((u) => u.href),
      token,
      log,
      staleAfterMs,
      workers,
      logLevel: flags.logLevel as LogLevel,
      write: io.out,
      ...(accessLogPath !== undefined ? { accessLogPath } : {}),
      ...(admin !== undefined ? { admin } : {}),
    });
  } catch (error) {
    throw new CliError(`error: cannot start the gateway: ${(error as Error).message}`, EXIT.invalid);
  }
  io.err(`lintas gateway: cluster ${flags.cluster}, control plane ${controlPlanes.map((u) => u.origin).join(', ')}${role.adminUrl !== undefined ? `, admin ${role.adminUrl} (/readyz, /metrics)` : ''}, ${String(workers)} worker${workers === 1 ? '' : 's'}, stale after ${flags.staleAfter}; Ctrl-C to stop`);
  if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  await role.close();
  return EXIT.ok;
}
