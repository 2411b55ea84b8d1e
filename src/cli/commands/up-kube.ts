/**
 * `lintas up --kube`: the parts of `up` that differ when every cluster is a real kube-apiserver and
 * a network namespace (issue 16 item 5). `up` plans the fleet on private pod ranges, and this file
 * starts the API servers and namespaces (src/sandbox/kube), applies each cluster's objects, writes
 * the fleet directory the control plane reads its fleet-scoped objects from, and hands `up` what
 * it runs differently: app and gateway processes inside their cluster's namespace, probes made from
 * the fabric namespace, EndpointSlices written into the API servers, partitions as cut links.
 * @module
 */
import { existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { FleetSnapshot } from '../../api/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { SnapshotOverlay } from '../../runtime/index.ts';
import {
  cleanLeftovers,
  clusterNetworks,
  createSliceWriter,
  FABRIC_NETNS,
  generateSlices,
  inNetns,
  kubeClustersFor,
  kubeSandboxUnavailable,
  objectsToApply,
  planKubeSnapshot,
  startKubeSandbox,
  type ChildCommand,
  type KubeSandbox,
  type ReplicaPlan,
  type SliceWriter,
} from '../../sandbox/index.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';

/** The repository (or installed package) root: deploy/ and the sibling ../shared/crds are found from here. */
function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  // src/cli/commands/up-kube.ts under tsx, dist/lintas.js in the bundle.
  return here.endsWith('.ts') ? resolve(dirname(here), '..', '..', '..') : resolve(dirname(here), '..');
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^[a-z].*\.ya?ml$/.test(f) && f.includes('_') && !f.includes('_vap_'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * The CRDs every API server gets: deploy/crds (the MCS kinds and the lintas.dev kinds) and, when the
 * Gateway API's standard channel is beside the checkout (`../shared/crds`, or `LINTAS_SHARED_CRDS`),
 * its CRDs; without them the Gateway API objects stay in the control plane's overlay instead.
 */
export function kubeCrdFiles(): { files: string[]; gatewayApi: boolean } {
  const root = packageRoot();
  const own = yamlFiles(join(root, 'deploy', 'crds'));
  const shared = process.env.LINTAS_SHARED_CRDS ?? resolve(root, '..', 'shared', 'crds');
  const gateway = join(shared, 'gateway-api', 'standard');
  return existsSync(gateway) ? { files: [...own, ...yamlFiles(gateway)], gatewayApi: true } : { files: own, gatewayApi: false };
}

/** How to run the network agent: the bundle's hidden `__netns-agent`, or its TypeScript entry under tsx. */
function agentCommand(cli: ChildCommand): ChildCommand {
  if (!import.meta.url.endsWith('.ts')) return { file: cli.file, args: [...cli.args, '__netns-agent'] };
  return { file: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('../../sandbox/kube/agent-main.ts', import.meta.url))] };
}

/** What `up` runs differently in kube mode. */
export interface KubeUp {
  readonly sandbox: KubeSandbox;
  /** The fleet directory the control plane reads (fleet-scoped objects on the private ranges). */
  readonly fleetDir: string;
  readonly commandFor: (replica: ReplicaPlan) => ChildCommand;
  readonly gatewayCommandFor: (cluster: string) => ChildCommand;
  /** What the control plane lays over the API servers' objects: the Gateway API objects where no API server serves them. */
  readonly overlay: SnapshotOverlay;
  readonly slices: SliceWriter;
  readonly contexts: readonly string[];
  /** Each cluster's network namespace. */
  readonly netns: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Exit 2 with one line when `up --kube` cannot run here (not root, no `ip`, no binaries). */
export async function checkKubeUp(): Promise<void> {
  const why = await kubeSandboxUnavailable();
  if (why !== undefined) throw new CliError(`error: ${why}`, EXIT.usage);
}

/** The fleet moved to private ranges (exit 1 naming the cluster when it cannot be). */
export function kubeSnapshot(snapshot: FleetSnapshot): { snapshot: FleetSnapshot; clusters: ReturnType<typeof kubeClustersFor>; ranges: ReturnType<typeof planKubeSnapshot>['ranges'] } {
  const clusters = kubeClustersFor([...snapshot.clusters.keys()].map(String).sort());
  const plan = planKubeSnapshot(snapshot, new Map(clusters.map((c) => [c.name, c.serviceCidr])));
  if (plan.problems.length > 0) throw new CliError(plan.problems.map((p) => `error: ${p.cluster}: ${p.message}`).join('\n'), EXIT.invalid);
  return { snapshot: plan.snapshot, clusters, ranges: plan.ranges };
}

/** Starts the API servers and namespaces for the planned replicas and applies every cluster's objects. */
export async function startKubeUp(options: { snapshot: ReturnType<typeof kubeSnapshot>; replicas: readonly ReplicaPlan[]; ready: () => ReadonlyMap<string, boolean>; stateDir: string; appCommand: ChildCommand; cliCommand: ChildCommand; log: Logger; io: CliIO }): Promise<KubeUp> {
  const { snapshot, clusters, ranges } = options.snapshot;
  const networks = clusterNetworks(ranges, snapshot, options.replicas);
  const left = await cleanLeftovers(options.stateDir, [FABRIC_NETNS, ...networks.map((n) => n.netns)]);
  if (left.pids.length + left.netns.length > 0) options.io.err(`lintas up: cleaned what a previous run left: ${[...left.pids.map((p) => `pid ${String(p)}`), ...left.netns].join(', ')}`);
  const { files, gatewayApi } = kubeCrdFiles();
  const logs = join(options.stateDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const sandbox = await startKubeSandbox({
    stateDir: options.stateDir,
    clusters,
    crdFiles: files,
    networks,
    agentCommand: agentCommand(options.cliCommand),
    agentStderr: (name) => openSync(join(logs, `netns-agent_${name}.log`), 'a'),
    log: options.log,
    progress: (line) => options.io.err(`lintas up: ${line}`),
  });
  try {
    options.io.err(`lintas up: applying each cluster's objects to its API server${gatewayApi ? '' : ' (no Gateway API CRDs beside the checkout: Gateway objects stay in the control plane)'}`);
    await Promise.all([...snapshot.clusters].map(([name, c]) => sandbox.apply(name, objectsToApply(c.objects, gatewayApi))));
    // The control plane reads fleet-scoped objects from a directory: this run's, on the private ranges.
    const fleetDir = join(options.stateDir, 'kube', 'fleet');
    rmSync(fleetDir, { recursive: true, force: true });
    mkdirSync(join(fleetDir, 'fleet'), { recursive: true });
    writeFileSync(join(fleetDir, 'fleet', 'fleet.yaml'), `# Written by lintas up --kube from the fleet directory (pod ranges moved into network namespaces).\n${snapshot.fleetObjects.map((s) => stringify(s.object)).join('---\n')}`);
    const byCluster = new Map(networks.map((n) => [n.cluster, n.netns]));
    const netnsOf = (cluster: string): string => byCluster.get(cluster) ?? `lintas-${cluster}`;
    const gatewayObjects = gatewayApi ? new Map() : new Map([...snapshot.clusters].map(([name, c]) => [name, c.objects.filter((s) => ['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant'].includes(s.object.kind))]));
    const slices = createSliceWriter({ request: sandbox.request, generate: () => generateSlices(options.replicas, options.ready()), log: options.log });
    return {
      sandbox,
      fleetDir,
      commandFor: (replica) => inNetns(netnsOf(replica.cluster), options.appCommand),
      gatewayCommandFor: (cluster) => inNetns(netnsOf(cluster), options.cliCommand),
      overlay: {
        apply: (fleet) => {
          if (gatewayObjects.size === 0) return fleet;
          const out = new Map(fleet.clusters);
          for (const [name, objects] of gatewayObjects) {
            const c = out.get(name);
            if (c !== undefined) out.set(name, { ...c, objects: [...c.objects, ...objects] });
          }
          return { ...fleet, clusters: out };
        },
        subscribe: () => () => undefined,
      },
      slices,
      contexts: clusters.map((c) => c.name),
      netns: Object.fromEntries(byCluster),
      async stop() {
        await slices.close();
        await sandbox.stop();
      },
    };
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}
