/**
 * The network of `lintas up --kube`: one network namespace per cluster, each linked by a veth pair
 * to a bridge in a "fabric" namespace of its own. Every private address lives inside these
 * namespaces (the cluster's pod addresses on its `eth0`, the fabric's dialing address on its
 * bridge); the machine's own namespace gets no address, no route and no interface. Cutting a
 * cluster's veth on the fabric side is a real partition: nothing reaches it, and it reaches nothing.
 * @module
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The fabric namespace: the bridge every cluster's link is plugged into. */
export const FABRIC_NETNS = 'lintas-fabric';
/** The fabric's own address on its bridge, from which the dialer agent connects (inside the fabric namespace only). */
export const FABRIC_ADDRESS = '10.255.0.1';
/** Every sandbox address is on-link in this prefix: one L2 segment, no router. */
const PREFIX_LENGTH = 8;

/** One cluster's namespace and addresses. */
export interface ClusterNetwork {
  readonly cluster: string;
  /** e.g. `lintas-jkt-prod-1`. */
  readonly netns: string;
  /** The fabric-side end of its veth (≤ 15 characters, e.g. `vc0`). */
  readonly veth: string;
  /** Every address its apps and gateway bind, first the namespace's primary one. */
  readonly addresses: readonly string[];
}

/** Runs `ip ARGS`; an error names the command and ip's message. */
export async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await run('ip', [...args])).stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr !== '' ? stderr : (error as Error).message}`, { cause: error });
  }
}

/** The namespaces that exist now. */
export async function listNetns(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(' ')[0] ?? '')
    .filter((n) => n !== '');
}

/** Deletes the namespaces of `names` that exist (their veths go with them). */
export async function deleteNetns(names: readonly string[]): Promise<string[]> {
  const existing = new Set(await listNetns());
  const deleted: string[] = [];
  for (const name of names) {
    if (!existing.has(name)) continue;
    await ip(['netns', 'del', name]);
    deleted.push(name);
  }
  return deleted;
}

/** Creates the fabric and every cluster's namespace, link and addresses. */
export async function createNetworks(clusters: readonly ClusterNetwork[]): Promise<void> {
  const f = ['-n', FABRIC_NETNS];
  await ip(['netns', 'add', FABRIC_NETNS]);
  await ip([...f, 'link', 'set', 'lo', 'up']);
  await ip([...f, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip([...f, 'addr', 'add', `${FABRIC_ADDRESS}/${String(PREFIX_LENGTH)}`, 'dev', 'br0']);
  await ip([...f, 'link', 'set', 'br0', 'up']);
  for (const c of clusters) {
    const n = ['-n', c.netns];
    await ip(['netns', 'add', c.netns]);
    await ip([...n, 'link', 'set', 'lo', 'up']);
    await ip([...f, 'link', 'add', c.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', c.netns]);
    await ip([...f, 'link', 'set', c.veth, 'master', 'br0']);
    await ip([...f, 'link', 'set', c.veth, 'up']);
    for (const address of c.addresses) await ip([...n, 'addr', 'add', `${address}/${String(PREFIX_LENGTH)}`, 'dev', 'eth0']);
    await ip([...n, 'link', 'set', 'eth0', 'up']);
  }
}

/** Cuts (`true`) or restores a cluster's link to the fabric. */
export async function setLinkCut(cluster: ClusterNetwork, cut: boolean): Promise<void> {
  await ip(['-n', FABRIC_NETNS, 'link', 'set', cluster.veth, cut ? 'down' : 'up']);
}

/** Why `up --kube` cannot build its network here (not root, or no `ip`), or undefined when it can. */
export async function networkUnavailable(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'lintas up --kube needs root: it creates network namespaces (run it as root, e.g. with sudo)';
  try {
    await run('ip', ['netns', 'list']);
  } catch {
    return "lintas up --kube needs the 'ip' command (Debian package iproute2) to create network namespaces";
  }
  return undefined;
}
