/**
 * The machinery of `lintas up --kube` below the CLI: checks that it can run here, cleans what a
 * crashed run left (its API server processes and network namespaces, recorded in
 * `<state>/kube/state.json`), starts the API servers with the CRDs, writes the kubeconfig, builds
 * the clusters' network namespaces, starts the fabric's dialer agent, applies each cluster's objects,
 * and tears all of it down again.
 * @module
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import type { Agent } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../../observability/index.ts';
import type { ChildCommand } from '../supervisor.ts';
import { installCrds, kubeBinariesMissing, startKubeFleet, type KubeClusterSpec, type KubeFleet } from './api-servers.ts';
import { applyObject, type KubeRequest } from './kube-apply.ts';
import type { KubeObject } from './kube-plan.ts';
import { dialAgent, startNetnsAgent, startRelayListener, type NetnsAgent } from './netns-agent.ts';
import { createNetworks, deleteNetns, FABRIC_NETNS, networkUnavailable, setLinkCut, type ClusterNetwork } from './netns.ts';

/** What a run records for the next one to clean up after a crash. */
interface KubeState {
  readonly pids: readonly number[];
  readonly netns: readonly string[];
}

/**
 * The machine-wide claim on the sandbox's namespace names (they are global, whatever the state
 * dir): one `up --kube` at a time, so that a second one never deletes a running one's network.
 */
export const KUBE_SANDBOX_LOCK = process.env.LINTAS_KUBE_SANDBOX_LOCK ?? '/run/lintas-up-kube.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The `up --kube` that holds the claim now (another process, still running), if any. */
export function runningKubeSandbox(): { readonly pid: number; readonly stateDir: string } | undefined {
  try {
    const held = JSON.parse(readFileSync(KUBE_SANDBOX_LOCK, 'utf8')) as { pid: number; stateDir: string };
    return held.pid !== process.pid && alive(held.pid) ? held : undefined;
  } catch {
    return undefined;
  }
}

/** Why `up --kube` cannot run on this machine now (one sentence), or undefined. */
export async function kubeSandboxUnavailable(): Promise<string | undefined> {
  const running = runningKubeSandbox();
  if (running !== undefined) return `another lintas up --kube is running (pid ${String(running.pid)}, state dir ${running.stateDir}); stop it first: its network namespaces have the same names`;
  return (await networkUnavailable()) ?? kubeBinariesMissing();
}

/** `command` run inside `netns` (`ip netns exec NETNS …`: the process itself, not a shell, so its pid and signals are the command's). */
export function inNetns(netns: string, command: ChildCommand): ChildCommand {
  return { file: 'ip', args: ['netns', 'exec', netns, command.file, ...command.args] };
}

function processIsOurs(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8');
    return /kube-apiserver|etcd|lintas|netns/.test(cmdline);
  } catch {
    return false;
  }
}

/** Kills the processes and deletes the namespaces a previous run recorded (and any of `netns`, the planned ones, still there); returns what it removed. */
export async function cleanLeftovers(stateDir: string, netns: readonly string[]): Promise<{ pids: number[]; netns: string[] }> {
  const file = join(stateDir, 'kube', 'state.json');
  let state: KubeState = { pids: [], netns: [] };
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as KubeState;
  } catch {
    // no record: nothing crashed, or it never got that far
  }
  const killed = state.pids.filter((pid) => pid !== process.pid && processIsOurs(pid));
  for (const pid of killed) process.kill(pid, 'SIGKILL');
  const deleted = await deleteNetns([...new Set([...state.netns, ...netns])]);
  rmSync(file, { force: true });
  return { pids: killed, netns: deleted };
}

/** Options of {@link startKubeSandbox}. */
export interface KubeSandboxOptions {
  readonly stateDir: string;
  readonly clusters: readonly KubeClusterSpec[];
  /** CRD manifests to install in every API server. */
  readonly crdFiles: readonly string[];
  readonly networks: readonly ClusterNetwork[];
  /** How to run the network agent (this CLI's hidden `__netns-agent`). */
  readonly agentCommand: ChildCommand;
  /** Where the agents' stderr goes. */
  readonly agentStderr: (name: string) => number | 'ignore';
  readonly log: Logger;
  /** Reports each step (the CLI's progress lines). */
  readonly progress?: (line: string) => void;
}

/** A running kube sandbox. */
export interface KubeSandbox {
  readonly kubeconfigPath: string;
  readonly fleet: KubeFleet;
  readonly request: KubeRequest;
  /** An HTTP agent whose connections are made inside the fabric namespace (probes of pod addresses). */
  readonly dialer: Agent;
  /** Applies objects to a cluster's API server, in order. */
  apply(cluster: string, objects: readonly KubeObject[]): Promise<void>;
  /** Starts, in every cluster's namespace, a relay from its `127.0.0.1:port` to this namespace's `127.0.0.1:port`. */
  startRelays(port: number): Promise<void>;
  /** Cuts (or restores) a cluster's link to the fabric: a real partition. */
  setPartitioned(cluster: string, cut: boolean): Promise<void>;
  /** Stops the agents and the API servers and deletes the namespaces. */
  stop(): Promise<void>;
}

/** Starts the sandbox; on a failure, undoes what it did and rethrows. */
export async function startKubeSandbox(options: KubeSandboxOptions): Promise<KubeSandbox> {
  const dir = join(options.stateDir, 'kube');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stateFile = join(dir, 'state.json');
  const netns = [FABRIC_NETNS, ...options.networks.map((n) => n.netns)];
  const agents: NetnsAgent[] = [];
  const relays: { close(): Promise<void> }[] = [];
  let fleet: KubeFleet | undefined;
  let stopping = false;
  // An agent that dies cuts probes or a gateway's config stream: say so (it is not restarted).
  const watch = (agent: NetnsAgent, name: string): NetnsAgent => {
    void agent.exited.then(() => {
      if (!stopping) options.log.error('a network agent exited; restart lintas up', { agent: name, log: 'see the netns-agent log in the logs directory' });
    });
    return agent;
  };
  const record = (): void => writeFileSync(stateFile, JSON.stringify({ pids: [...(fleet?.pids() ?? []), ...agents.flatMap((a) => (a.pid !== undefined ? [a.pid] : []))], netns } satisfies KubeState), { mode: 0o600 });
  const stop = async (): Promise<void> => {
    stopping = true;
    if (runningKubeSandbox() === undefined) rmSync(KUBE_SANDBOX_LOCK, { force: true });
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await Promise.all(relays.splice(0).map((r) => r.close()));
    await deleteNetns(netns).catch((error: unknown) => options.log.error('cannot delete the network namespaces', { error: (error as Error).message }));
    await fleet?.stop();
    for (const socket of ['dial.sock', 'cp.sock']) rmSync(join(dir, socket), { force: true });
    // Its credentials name API servers that are gone.
    rmSync(join(options.stateDir, 'kubeconfig'), { force: true });
    rmSync(stateFile, { force: true });
  };
  const other = runningKubeSandbox();
  if (other !== undefined) throw new Error(`another lintas up --kube is running (pid ${String(other.pid)}, state dir ${other.stateDir})`);
  writeFileSync(KUBE_SANDBOX_LOCK, JSON.stringify({ pid: process.pid, stateDir: options.stateDir }), { mode: 0o600 });
  try {
    options.progress?.(`starting etcd and ${String(options.clusters.length)} kube-apiservers`);
    fleet = await startKubeFleet({ clusters: options.clusters, dataDir: join(dir, 'apiservers') });
    const started = fleet;
    record();
    await Promise.all(options.clusters.map((c) => installCrds(started, c.name, options.crdFiles)));
    const kubeconfigPath = join(options.stateDir, 'kubeconfig');
    writeFileSync(kubeconfigPath, started.kubeconfig, { mode: 0o600 });
    options.progress?.(`creating network namespaces ${netns.join(', ')}`);
    // Recorded first: a crash half-way leaves namespaces the next run must find.
    record();
    await createNetworks(options.networks);
    const dialSocket = join(dir, 'dial.sock');
    agents.push(watch(await startNetnsAgent(inNetns(FABRIC_NETNS, options.agentCommand), { dialSocket }, options.agentStderr('fabric')), 'fabric'));
    record();
    const request: KubeRequest = (cluster, method, path, body, contentType) => started.request(cluster, method, path, body, contentType);
    return {
      kubeconfigPath,
      fleet: started,
      request,
      dialer: dialAgent(dialSocket),
      async apply(cluster, objects) {
        for (const object of objects) await applyObject(request, cluster, object);
      },
      async startRelays(port) {
        const socket = join(dir, 'cp.sock');
        relays.push(await startRelayListener(socket, port));
        for (const n of options.networks) agents.push(watch(await startNetnsAgent(inNetns(n.netns, options.agentCommand), { relay: { port, socket } }, options.agentStderr(n.cluster)), n.cluster));
        record();
      },
      async setPartitioned(cluster, cut) {
        const network = options.networks.find((n) => n.cluster === cluster);
        if (network !== undefined) await setLinkCut(network, cut);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
