/**
 * The per-cluster gateway processes of `lintas up` (issue 15 part 4): one `lintas gateway --cluster C`
 * per cluster with Gateways, fed by the control plane's config stream. Cluster faults act on them
 * for real: `down` kills the process (SIGKILL: its address refuses at once), `up` starts a new one, `partition`
 * SIGSTOPs it (its listening socket stays, so clients connect and then time out, as behind a
 * partition), `heal` resumes it.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Logger } from '../observability/index.ts';
import type { ChildCommand } from './supervisor.ts';

/** Options of {@link startGatewayProcesses}. */
export interface GatewayProcessesOptions {
  /** How to run the `lintas` CLI (its `gateway` command is appended). */
  readonly command: ChildCommand;
  /** The command of one cluster's gateway when it differs from `command` (`up --kube`: inside the cluster's network namespace). */
  readonly commandFor?: (cluster: string) => ChildCommand;
  /** The control plane's admin URL (the config stream). */
  readonly controlPlaneUrl: string;
  /** The token of each cluster's gateway (role `gateway:<cluster>`), passed in the environment, never on the command line. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly accessLog: string;
  /** Where each process's stderr goes (an open file descriptor per cluster). */
  readonly stderr: (cluster: string) => number;
  readonly log: Logger;
}

/** The running gateway processes, and the cluster faults that act on them. */
export interface GatewayProcesses {
  /** Stops (`true`) the cluster's gateway process, or starts a new one. */
  setGatewayDown(cluster: string, down: boolean): Promise<void>;
  /** SIGSTOPs (`true`) the cluster's gateway process, or resumes it. */
  setGatewayPartitioned(cluster: string, partitioned: boolean): Promise<void>;
  /** Stops every process. */
  close(): Promise<void>;
  /** Process ids by cluster (running or stopped). */
  pids(): Record<string, number>;
}

/** How long a gateway gets to stop after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/** Stops `child` (SIGCONT first: a stopped process cannot handle SIGTERM), SIGKILL after the grace period. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Starts one gateway process per cluster of `tokens`. */
export function startGatewayProcesses(options: GatewayProcessesOptions): GatewayProcesses {
  const children = new Map<string, ChildProcess>();
  const paused = new Set<string>();
  const start = (cluster: string): void => {
    const token = options.tokens[cluster];
    if (token === undefined) return;
    // One data-plane thread each: a laptop's demo fleet runs a gateway per cluster, and a worker per core in each would be cores × clusters threads.
    const command = options.commandFor?.(cluster) ?? options.command;
    const child = spawn(command.file, [...command.args, 'gateway', '--cluster', cluster, '--control-plane', options.controlPlaneUrl, '--access-log', options.accessLog, '--log-level', 'warn', '--workers', '1'], {
      env: { ...process.env, LINTAS_GATEWAY_TOKEN: token },
      // The IPC channel is a lifeline: the gateway stops when this process dies, whatever killed it.
      stdio: ['ignore', 'ignore', options.stderr(cluster), 'ipc'],
    });
    child.on('exit', (code, signal) => {
      if (children.get(cluster) === child && code !== 0 && signal !== 'SIGTERM') options.log.warn('gateway process exited', { cluster, code, signal });
    });
    children.set(cluster, child);
  };
  for (const cluster of Object.keys(options.tokens).sort()) start(cluster);
  return {
    async setGatewayDown(cluster, down) {
      const child = children.get(cluster);
      if (down) {
        paused.delete(cluster);
        // A lost region is not a graceful stop: killed at once, its address refuses from the next connection.
        if (child !== undefined && child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        }
        return;
      }
      if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
      start(cluster);
    },
    async setGatewayPartitioned(cluster, partitioned) {
      const child = children.get(cluster);
      if (child === undefined) return;
      if (partitioned) {
        child.kill('SIGSTOP');
        paused.add(cluster);
      } else {
        child.kill('SIGCONT');
        paused.delete(cluster);
      }
    },
    pids: () => Object.fromEntries([...children].flatMap(([c, child]) => (child.pid === undefined ? [] : [[c, child.pid] as const]))),
    async close() {
      await Promise.all([...children.values()].map(stopChild));
    },
  };
}
