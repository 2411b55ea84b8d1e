/**
 * `lintas serve`: the control plane on a live fleet directory, with its data planes embedded.
 * This file only parses flags, opens the audit store, builds the runtime's typed config and
 * prints; the components and their wiring are in src/runtime (serve-runtime.ts).
 * @module
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Issue } from '../../api/index.ts';
import { createAuthenticator, createLogger, isLoopbackHost, loadAuthFile, type Authenticator, type LogLevel } from '../../observability/index.ts';
import { ComponentStartError, startServeRuntime, type Bus, type RuntimeConfig, type SandboxExtensions, type ServeRuntime } from '../../runtime/index.ts';
import { parseGatewayDuration } from '../../lib/index.ts';
import { assertFleetRoot } from '../../sources/index.ts';
import { openStore, type LintasStore } from '../../store/index.ts';
import { formatIssue } from '../../validation/index.ts';
import { CliError, EXIT, abortOnSignals, type CliIO } from '../io.ts';

/** Options of `serve`. */
export interface ServeOptions {
  readonly dns: string;
  readonly admin: string;
  readonly stateDir: string;
  /** Quiet period after a file change before reloading (ms). */
  readonly debounce?: string;
  readonly logFormat: string;
  readonly logLevel: string;
  /** Access log file (JSON lines); stdout when absent. */
  readonly accessLog?: string;
  /** Token file for the mutating admin API (absent: read-only). */
  readonly authFile?: string;
  /** Where the embedded audit store lives (default: the state dir). */
  readonly dataDir?: string;
  /** `postgres://…`: the audit store on PostgreSQL, shared by several replicas. */
  readonly store?: string;
  /** Accept a non-loopback `--admin` address without TLS (tokens travel in clear text). */
  readonly insecureAdmin?: boolean;
  /** `Host` names the admin server accepts besides loopback and its bound address (comma-separated). */
  readonly adminAllowedHosts?: string;
  /** Run the clusters' gateways in this process (default true; `--no-embedded-gateways`). */
  readonly embeddedGateways?: boolean;
  /** `--gateway-workers N`: worker threads the embedded gateways proxy on (default 1; 0: the control plane's thread). */
  readonly gatewayWorkers?: string;
  /** Names this DNS instance in the audit records of its answer moves (one instance per region). */
  readonly dnsInstance?: string;
  /** How long the leader's lease lasts (a duration, e.g. `15s`): a dead leader is replaced within about this. */
  readonly leaseDuration?: string;
  /** A kubeconfig: the Clusters with a context in it are read from their API servers. */
  readonly kubeconfig?: string;
  /** False (`--no-kube-write`): read the clusters only, write nothing back. */
  readonly kubeWrite?: boolean;
  /** `--in-cluster`: the pod's service account reaches its own cluster as the context `in-cluster` (the default management cluster). */
  readonly inCluster?: boolean;
  /** `--management-context`: the context holding the lintas.dev CRs and the leader Lease. */
  readonly managementContext?: string;
  /** `--lintas-namespace`: Lintas's namespace in the management cluster. */
  readonly lintasNamespace?: string;
  readonly signal?: AbortSignal;
}

/** At most this many embedded gateway workers (as `lintas gateway --workers`). */
const MAX_GATEWAY_WORKERS = 256;

/** Splits `host:port` / `[v6]:port`; usage error when malformed. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new CliError(`error: ${flag} must be HOST:PORT (e.g. 127.0.0.1:5353), got "${value}"`);
  return { host: match[1] ?? match[2] ?? '', port };
}

/**
 * Refuses (usage error, exit 2) a non-loopback `--admin` address unless `insecure`: the admin
 * API has no TLS, so its bearer tokens would cross the network in clear text.
 */
export function checkAdminAddress(admin: string, insecure: boolean | undefined): void {
  const { host } = parseHostPort(admin, '--admin');
  if (insecure === true || isLoopbackHost(host)) return;
  throw new CliError(
    `error: --admin ${admin} is not a loopback address: the admin API has no TLS, so bearer tokens would cross the network in clear text; ` +
      'bind it to 127.0.0.1 (and reach it through an SSH tunnel or a TLS-terminating proxy), or pass --insecure-admin to accept the risk',
    EXIT.usage,
  );
}

/** Opens the audit store `serve` was told to use (SQLite in the data dir, or PostgreSQL); exit 1 with the reason when it cannot. */
async function openAuditStore(options: Pick<ServeOptions, 'store' | 'dataDir' | 'stateDir'>): Promise<LintasStore> {
  try {
    if (options.store === undefined) mkdirSync(options.dataDir ?? options.stateDir, { recursive: true });
    return await openStore({ dataDir: options.dataDir ?? options.stateDir, ...(options.store !== undefined ? { url: options.store } : {}) });
  } catch (error) {
    throw new CliError(`error: cannot open the audit store: ${(error as Error).message}`, EXIT.invalid);
  }
}

/** The runtime config of `serve`'s flags (checked: a bad flag is a usage error). */
export async function runtimeConfig(dir: string, options: ServeOptions, io: CliIO, store: LintasStore, extra: { auth?: Authenticator; sandbox?: SandboxExtensions } = {}): Promise<RuntimeConfig> {
  await assertFleetRoot(dir).catch((error: unknown) => {
    throw new CliError(`error: ${(error as Error).message}`, EXIT.usage);
  });
  const debounceMs = Number(options.debounce ?? 200);
  const lease = leaseTimings(options.leaseDuration);
  if (!Number.isInteger(debounceMs) || debounceMs < 0) throw new CliError(`error: --debounce must be a whole number of milliseconds, got "${options.debounce}"`);
  const gatewayWorkers = options.gatewayWorkers === undefined ? undefined : Number(options.gatewayWorkers);
  if (gatewayWorkers !== undefined && (!/^\d+$/.test(options.gatewayWorkers ?? '') || gatewayWorkers > MAX_GATEWAY_WORKERS)) {
    throw new CliError(`error: --gateway-workers must be a whole number from 0 to ${String(MAX_GATEWAY_WORKERS)}, got "${options.gatewayWorkers}"`, EXIT.usage);
  }
  if (options.kubeconfig !== undefined) {
    try {
      readFileSync(options.kubeconfig);
    } catch (error) {
      throw new CliError(`error: --kubeconfig ${options.kubeconfig}: ${(error as Error).message}`, EXIT.usage);
    }
  }
  if (options.managementContext !== undefined && options.kubeconfig === undefined && options.inCluster !== true) throw new CliError(`error: --management-context ${options.managementContext} needs --kubeconfig or --in-cluster`, EXIT.usage);
  return {
    fleetDir: dir,
    ...(options.kubeconfig !== undefined ? { kubeconfigPath: options.kubeconfig } : {}),
    ...(options.kubeconfig !== undefined || options.inCluster === true ? { kubeWrite: options.kubeWrite !== false } : {}),
    ...(options.inCluster === true ? { inCluster: {} } : {}),
    ...(options.managementContext !== undefined ? { managementContext: options.managementContext } : {}),
    ...(options.lintasNamespace !== undefined ? { lintasNamespace: options.lintasNamespace } : {}),
    stateDir: options.stateDir,
    dns: parseHostPort(options.dns, '--dns'),
    admin: parseHostPort(options.admin, '--admin'),
    adminAllowedHosts: (options.adminAllowedHosts ?? '').split(',').map((h) => h.trim()).filter((h) => h !== ''),
    debounceMs,
    ...(options.accessLog !== undefined ? { accessLogPath: options.accessLog } : {}),
    writeAccessLog: io.out,
    ...(options.embeddedGateways === false ? { embeddedGateways: 'none' as const } : {}),
    ...(gatewayWorkers !== undefined ? { gatewayWorkers } : {}),
    ...(options.dnsInstance !== undefined ? { dnsInstance: options.dnsInstance } : {}),
    ...(lease !== undefined ? { lease } : {}),
    log: createLogger({ format: options.logFormat === 'json' ? 'json' : 'text', level: options.logLevel as LogLevel, write: io.err }),
    store,
    ...(extra.auth !== undefined ? { auth: extra.auth } : {}),
    ...(extra.sandbox !== undefined ? { sandbox: extra.sandbox } : {}),
  };
}

/** The leader lease's timings from `--lease-duration` (renewed five times per lease), or undefined for the default. */
export function leaseTimings(value: string | undefined): { ttlMs: number; renewMs: number } | undefined {
  if (value === undefined) return undefined;
  const ttlMs = parseGatewayDuration(value);
  if (ttlMs === undefined || ttlMs < 1_000 || ttlMs > 300_000) throw new CliError(`error: --lease-duration must be a duration from 1s to 5m, such as 15s, got "${value}"`, EXIT.usage);
  return { ttlMs, renewMs: Math.floor(ttlMs / 5) };
}

/** Starts the runtime, turning a component that cannot start into the CLI's error (exit 1, naming what failed). */
export async function startRuntimeOrExplain(config: RuntimeConfig, options: Pick<ServeOptions, 'dns' | 'admin' | 'accessLog'>, bus?: Bus): Promise<ServeRuntime> {
  try {
    return await startServeRuntime(config, bus);
  } catch (error) {
    if (!(error instanceof ComponentStartError)) throw error;
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    const what: Record<string, string> = {
      dns: `cannot serve DNS on ${options.dns}`,
      admin: `cannot serve admin on ${options.admin}`,
      gateway: `cannot open --access-log ${options.accessLog ?? ''}`,
    };
    throw new CliError(`error: ${what[error.component] ?? `cannot start ${error.component}`}: ${cause}`, EXIT.invalid);
  }
}

/** Runs `serve` until the signal aborts (Ctrl-C); returns the exit code. */
export async function serveCommand(dir: string, options: ServeOptions, io: CliIO): Promise<number> {
  checkAdminAddress(options.admin, options.insecureAdmin);
  const stop = options.signal ?? abortOnSignals();
  let auth: Authenticator | undefined;
  if (options.authFile !== undefined) {
    try {
      auth = createAuthenticator(await loadAuthFile(options.authFile));
    } catch (error) {
      const problems = (error as { problems?: readonly Issue[] }).problems ?? [];
      throw new CliError([`error: --auth-file ${options.authFile}: ${(error as Error).message}`, ...problems.map(formatIssue)].join('\n'), EXIT.invalid);
    }
  }
  const store = await openAuditStore(options);
  let runtime: ServeRuntime;
  try {
    const config = await runtimeConfig(dir, options, io, store, auth !== undefined ? { auth } : {});
    runtime = await startRuntimeOrExplain(config, options);
  } catch (error) {
    await store.close();
    throw error;
  }
  io.err(`lintas serve: DNS udp+tcp ${parseHostPort(options.dns, '--dns').host}:${runtime.dnsPort}, admin ${runtime.adminUrl} (/readyz, /metrics${auth === undefined ? '; read-only: no --auth-file' : ''}); Ctrl-C to stop`);
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  await runtime.stop();
  await store.close();
  return EXIT.ok;
}
