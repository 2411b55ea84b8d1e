/**
 * `lintas up [DIR]`: the capstone fleet on this machine (issue 7). Plans the
 * Workloads of every cluster onto its loopback pod range, runs them as real
 * processes, generates their EndpointSlices from readiness probes, and runs
 * the whole of `serve` (MCS, DNS, gateways, ClusterSetIP proxy, admin) on the
 * result, with progress output, a summary with copy-pasteable commands, and
 * `.lintas/up.json` for `fault`/`failover`/`audit` to find the fleet.
 * Ctrl-C stops everything; a second `up` while one runs says so.
 * @module
 */
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetSnapshot, Gateway } from '../../api/index.ts';
import { createAuthenticator, createLogger, generateToken } from '../../observability/index.ts';
import { createSupervisor, faultActions, faultRoutes, gatewayFaults, generateSlices, startGatewayProcesses, type GatewayProcesses, overlaySlices, planFleet, type ChildCommand, type Supervisor } from '../../sandbox/index.ts';
import { formatIssue, hasErrors } from '../../validation/index.ts';
import { lastGoodConfig, loadConfig } from '../fleet-config.ts';
import { processAlive, readUpFile, upFilePath, writeUpFile, type UpInfo } from '../up-file.ts';
import { CliError, EXIT, abortOnSignals, type CliIO } from '../io.ts';
import { openStore, type LintasStore } from '../../store/index.ts';
import { createBus, type ServeRuntime, type SnapshotOverlay } from '../../runtime/index.ts';
import { checkAdminAddress, runtimeConfig, startRuntimeOrExplain } from './serve.ts';
import { checkKubeUp, kubeSnapshot, startKubeUp, type KubeUp } from './up-kube.ts';

/** Options of `up`. */
export interface UpOptions {
  readonly admin: string;
  readonly dns: string;
  readonly stateDir: string;
  readonly logLevel: string;
  /** Accept a non-loopback `--admin` address without TLS. */
  readonly insecureAdmin?: boolean;
  /** Extra `Host` names the admin server accepts (comma-separated). */
  readonly adminAllowedHosts?: string;
  readonly signal?: AbortSignal;
  /** How app processes are started (tests); default: this CLI's hidden `__app` command. */
  readonly childCommand?: ChildCommand;
  /** Run each cluster's gateways as a `lintas gateway` process fed by the config stream (default true; false: in the control plane's process). */
  readonly gatewayProcesses?: boolean;
  /** Every cluster on a real kube-apiserver and in a network namespace of its own (up-kube.ts). */
  readonly kube?: boolean;
  /** `--gateway-workers N`: worker threads the embedded gateways proxy on (default 1; 0: the control plane's thread). */
  readonly gatewayWorkers?: string;
}

/** The default way to start an app process: the bundled CLI's `__app`, or the TypeScript entry under tsx. */
export function defaultChildCommand(): ChildCommand {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { file: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('../../sandbox/apps/child-main.ts', here))] };
  }
  return { file: process.execPath, args: [fileURLToPath(new URL('../bin/lintas.js', here)), '__app'] };
}

/** How to run this CLI in a child process: the bundle through bin/lintas.js, or the TypeScript entry under tsx. */
export function cliCommand(): ChildCommand {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { file: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('../main.ts', here))] };
  return { file: process.execPath, args: [fileURLToPath(new URL('../bin/lintas.js', here))] };
}

/** Gateway URLs by cluster, from the Gateways' first address and HTTP listener. */
function gatewayUrls(snapshot: FleetSnapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [cluster, c] of snapshot.clusters) {
    for (const s of c.objects) {
      if (s.object.kind !== 'Gateway' || out[cluster] !== undefined) continue;
      const g = s.object as Gateway;
      const address = g.spec.addresses?.[0]?.value;
      const listener = g.spec.listeners.find((l) => l.protocol === 'HTTP');
      if (address !== undefined && listener !== undefined) out[cluster] = `http://${address}:${String(listener.port)}`;
    }
  }
  return out;
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, stop: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!stop.aborted && Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Runs `up` until the signal aborts; returns the exit code. */
export async function upCommand(dir: string, options: UpOptions, io: CliIO): Promise<number> {
  checkAdminAddress(options.admin, options.insecureAdmin);
  if (options.kube === true) {
    if (options.gatewayProcesses === false) throw new CliError('error: --kube runs every gateway as a process inside its cluster\'s network namespace; drop --no-gateway-processes', EXIT.usage);
    await checkKubeUp();
  }
  const stop = options.signal ?? abortOnSignals();
  const started = Date.now();
  const stateDir = options.stateDir;
  // An unreadable or stale up.json is what a crashed `up` leaves behind: start over it.
  const running = (() => {
    try {
      return readUpFile(upFilePath(stateDir));
    } catch {
      return undefined;
    }
  })();
  if (typeof running?.pid === 'number' && running.pid !== process.pid && processAlive(running.pid)) {
    throw new CliError(`error: lintas up is already running (pid ${String(running.pid)}, admin ${String(running.admin)}); stop it with Ctrl-C first`, EXIT.invalid);
  }
  mkdirSync(stateDir, { recursive: true });

  io.err(`lintas up: loading ${dir}`);
  let loaded = await loadConfig(dir);
  if (hasErrors(loaded.issues)) {
    for (const issue of loaded.issues) io.err(formatIssue(issue));
    // A restart with one bad file is not an outage: start from the last good config, as serve does.
    const lastGood = await lastGoodConfig(dir, stateDir);
    if (lastGood === undefined) throw new CliError(`error: ${dir} has errors; fix them and run lintas up again`, EXIT.invalid);
    io.err(`lintas up: ${dir} has errors; starting from the last good config, saved ${lastGood.restored.savedAt} in ${stateDir}; fix the files and the fleet reloads`);
    loaded = lastGood;
  }
  // --kube: the same fleet on private pod ranges inside network namespaces.
  const kubePlan = options.kube === true ? kubeSnapshot(loaded.snapshot) : undefined;
  const fleet = kubePlan?.snapshot ?? loaded.snapshot;
  const plan = planFleet(fleet);
  if (plan.problems.length > 0) {
    for (const p of plan.problems) io.err(`${p.cluster}: ${p.object}: ${p.message}`);
    throw new CliError('error: the fleet cannot run locally', EXIT.invalid);
  }
  const clusters = [...new Set(plan.replicas.map((r) => r.cluster))];
  io.err(`lintas up: starting ${String(plan.replicas.length)} replicas in ${String(clusters.length)} clusters`);

  const listeners = new Set<() => void>();
  let notify: NodeJS.Timeout | undefined;
  const logFiles = join(stateDir, 'logs');
  mkdirSync(logFiles, { recursive: true });
  const appCommand = options.childCommand ?? defaultChildCommand();
  let kube: KubeUp | undefined;
  if (kubePlan !== undefined) {
    kube = await startKubeUp({ snapshot: kubePlan, replicas: plan.replicas, ready: () => supervisor.ready(), stateDir, appCommand, cliCommand: cliCommand(), log: createLogger({ format: 'text', level: 'warn', write: io.err }).child({ component: 'kube-sandbox' }), io });
  }
  const kubeUp = kube;
  const supervisor: Supervisor = createSupervisor({
    log: createLogger({ format: 'text', level: 'warn', write: io.err }).child({ component: 'supervisor' }),
    replicas: plan.replicas,
    command: appCommand,
    ...(kubeUp !== undefined ? { commandFor: kubeUp.commandFor, probeAgent: kubeUp.sandbox.dialer } : {}),
    stderr: (r) => openSync(join(logFiles, `${r.id.replaceAll('/', '_')}.log`), 'a'),
    onChange: () => {
      kubeUp?.slices.sync();
      // Coalesce a burst of readiness flips into one republish.
      notify ??= setTimeout(() => {
        notify = undefined;
        for (const l of listeners) l();
      }, 20);
    },
  });
  const overlay: SnapshotOverlay = kubeUp?.overlay ?? {
    apply: (snapshot) => overlaySlices(snapshot, generateSlices(plan.replicas, supervisor.ready())),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const perCluster = new Map<string, { total: number; done: number }>();
  for (const r of plan.replicas) {
    const c = perCluster.get(r.cluster) ?? { total: 0, done: 0 };
    c.total += 1;
    perCluster.set(r.cluster, c);
  }
  let failed = 0;
  await supervisor.start((replica, outcome, detail) => {
    const c = perCluster.get(replica.cluster);
    if (c === undefined) return;
    c.done += 1;
    if (outcome === 'failed') {
      failed += 1;
      io.err(`  ✗ ${replica.id} failed to start${detail !== undefined ? `: ${detail}` : ''} (log: ${join(logFiles, `${replica.id.replaceAll('/', '_')}.log`)})`);
    }
    if (c.done === c.total) {
      const apps = plan.replicas.filter((r) => r.cluster === replica.cluster);
      const counts = new Map<string, number>();
      for (const a of apps) counts.set(a.app, (counts.get(a.app) ?? 0) + 1);
      io.err(`  ✓ ${replica.cluster}: ${String(c.total)} replicas running (${[...counts].map(([app, n]) => `${app}×${String(n)}`).join(', ')})`);
    }
  });
  if (failed > 0) {
    await supervisor.stop();
    await kubeUp?.stop();
    throw new CliError(`error: ${String(failed)} replica(s) failed to start`, EXIT.invalid);
  }

  const accessLog = join(stateDir, 'access.log');
  // The local admin (every role), a second subject that may approve what the admin proposed
  // (distinctFromProposer) and a viewer (the console's read-only sign-in), handed out through up.json (mode 0600).
  const token = generateToken();
  const approverToken = generateToken();
  const viewerToken = generateToken();
  // One gateway process per cluster with Gateways, each with a token that reads only its cluster's config stream.
  // One `lintas gateway` process per cluster unless asked otherwise (issue 15).
  const split = options.gatewayProcesses !== false;
  const gatewayTokens: Record<string, string> = split ? Object.fromEntries(Object.keys(gatewayUrls(fleet)).map((cluster) => [cluster, generateToken()])) : {};
  const auth = createAuthenticator({
    tokens: [
      { token, subject: 'local-admin', roles: ['admin'] },
      { token: approverToken, subject: 'local-approver', roles: ['approver'] },
      { token: viewerToken, subject: 'local-viewer', roles: ['viewer'] },
      ...Object.entries(gatewayTokens).map(([cluster, t]) => ({ token: t, subject: `gateway-${cluster}`, roles: [`gateway:${cluster}` as const] })),
    ],
  });
  // The durable audit trail and failover state (SQLite in the state dir).
  let store: LintasStore;
  try {
    store = await openStore({ dataDir: stateDir });
  } catch (error) {
    await supervisor.stop();
    await kubeUp?.stop();
    throw new CliError(`error: cannot open the audit store in ${stateDir}: ${(error as Error).message}`, EXIT.invalid);
  }
  const bus = createBus();
  // The gateway processes start once the control plane listens (they need its address); a fault before that finds none.
  // Cluster faults act on the gateway processes (started once the control plane listens), or on the embedded
  // gateways through the bus, with a blackhole holding a partitioned gateway's address.
  const gatewayHolder: { processes?: GatewayProcesses } = {};
  const embeddedFaults = gatewayFaults({
    setClusterDown: (cluster, down) => void (down ? bus.clusterDown.set(cluster, true) : bus.clusterDown.delete(cluster)),
    gatewayUrl: (cluster) => gatewayUrls(bus.fleet.version > 0 ? bus.fleet.current() : fleet)[cluster],
  });
  const faults = faultActions({
    // --kube: a partition cuts the cluster's link to the fabric (a real one); its processes keep running behind it.
    supervisor: kubeUp === undefined ? supervisor : { ...supervisor, partition: () => 0, heal: () => 0 },
    setGatewayDown: (cluster, down) => (split ? gatewayHolder.processes?.setGatewayDown(cluster, down) : embeddedFaults.setGatewayDown(cluster, down)),
    setGatewayPartitioned: (cluster, partitioned) =>
      kubeUp !== undefined ? kubeUp.sandbox.setPartitioned(cluster, partitioned) : split ? gatewayHolder.processes?.setGatewayPartitioned(cluster, partitioned) : embeddedFaults.setGatewayPartitioned(cluster, partitioned),
    onAudit: async (e) => {
      await store.append([{ actor: e.actor, action: e.action, target: e.target, reason: e.reason, evidence: e.detail }]);
    },
    clusters: () => [...loaded.snapshot.clusters.keys()],
  });
  let serving: ServeRuntime;
  try {
    const adminHosts = options.adminAllowedHosts === undefined ? {} : { adminAllowedHosts: options.adminAllowedHosts };
    const kubeconfig = kubeUp !== undefined ? { kubeconfig: kubeUp.sandbox.kubeconfigPath } : {};
    const serveOptions = { dns: options.dns, admin: options.admin, stateDir, logFormat: 'text', logLevel: options.logLevel, accessLog, debounce: '25', ...adminHosts, ...kubeconfig, ...(options.gatewayWorkers !== undefined ? { gatewayWorkers: options.gatewayWorkers } : {}) };
    const base = await runtimeConfig(kubeUp?.fleetDir ?? dir, serveOptions, io, store, {
      auth,
      sandbox: { overlay, actions: faults, routes: { '/api/v1/up': () => ({ replicas: supervisor.status() }), ...faultRoutes({ supervisor }) }, ...(kubeUp !== undefined ? { probeAgent: kubeUp.sandbox.dialer } : {}) },
    });
    // The ClusterSetIP proxies stay in this process; every cluster's own Gateways are a process of their own.
    // Split: the ClusterSetIP proxies stay in this process, every cluster's own Gateways are a process of their own.
    // --kube: no ClusterSetIP proxies here, in the machine's namespace (they would connect to pod addresses from it).
    serving = await startRuntimeOrExplain({ ...base, embeddedGateways: kubeUp !== undefined ? 'none' : split ? 'east-west' : 'all' }, serveOptions, bus);
    // The gateways inside the namespaces reach the config stream at the same URL, through a relay.
    await kubeUp?.sandbox.startRelays(Number(new URL(serving.adminUrl).port));
  } catch (error) {
    await supervisor.stop();
    await store.close();
    await kubeUp?.stop();
    throw error;
  }
  const gatewayProcesses = split ? startGatewayProcesses({
    command: cliCommand(),
    ...(kubeUp !== undefined ? { commandFor: kubeUp.gatewayCommandFor } : {}),
    controlPlaneUrl: serving.adminUrl,
    tokens: gatewayTokens,
    accessLog,
    stderr: (cluster) => openSync(join(logFiles, `gateway_${cluster}.log`), 'a'),
    log: createLogger({ format: 'text', level: 'warn', write: io.err }).child({ component: 'gateways' }),
  }) : undefined;
  gatewayHolder.processes = gatewayProcesses;
  io.err(split ? `lintas up: control plane, DNS and ${String(Object.keys(gatewayTokens).length)} gateway processes starting` : 'lintas up: control plane, DNS and gateways starting');
  const ready = await waitUntil(
    async () => {
      const r = await fetch(`${serving.adminUrl}/readyz`).catch(() => undefined);
      const allReady = [...(supervisor.ready().values())].every(Boolean);
      // Every gateway process acknowledged its cluster's config (it serves it).
      const gatewaysReady = Object.keys(gatewayTokens).every((c) => {
        const d = bus.dataplanes.get(c);
        return d?.mode === 'remote' && d.state === 'acked' && d.version !== '';
      });
      return r?.status === 200 && allReady && gatewaysReady;
    },
    kubeUp !== undefined ? 90_000 : 30_000,
    stop,
  );
  const gateways = gatewayUrls(fleet);
  const dnsHost = options.dns.slice(0, options.dns.lastIndexOf(':'));
  const kubeInfo = kubeUp === undefined ? {} : { kube: { kubeconfig: kubeUp.sandbox.kubeconfigPath, contexts: kubeUp.contexts, netns: kubeUp.netns } };
  const info: UpInfo = { admin: serving.adminUrl, token, approverToken, viewerToken, dns: `${dnsHost}:${String(serving.dnsPort)}`, gateways, accessLog, pid: process.pid, publicHostnames: serving.gslb.hostnames(), ...kubeInfo };
  if (!stop.aborted) {
    writeUpFile(upFilePath(stateDir), info);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    io.err(ready ? `lintas up: fleet ready in ${secs}s` : `lintas up: fleet started in ${secs}s, but not everything is ready yet (see ${info.admin}/readyz)`);
    io.out(upSummary(info, upFilePath(stateDir)));
    await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
  }
  io.err('lintas up: stopping');
  await gatewayProcesses?.close();
  await embeddedFaults.close();
  await serving.stop();
  await supervisor.stop();
  await kubeUp?.stop();
  await store.close();
  if (notify !== undefined) clearTimeout(notify);
  rmSync(upFilePath(stateDir), { force: true });
  io.err('lintas up: stopped');
  return EXIT.ok;
}

/** The summary `up` prints once ready: addresses and commands to try; never a token (they are in `upFile`, mode 0600). */
export function upSummary(info: UpInfo, upFile: string): string {
  const gw = Object.entries(info.gateways)
    .map(([cluster, url]) => `  ${cluster.padEnd(12)} ${url}`)
    .join('\n');
  const [firstCluster = '', first = 'http://127.1.255.1:8080'] = Object.entries(info.gateways)[0] ?? [];
  const [dnsHost, dnsPort] = [info.dns.slice(0, info.dns.lastIndexOf(':')), info.dns.slice(info.dns.lastIndexOf(':') + 1)];
  const kube = info.kube;
  // --kube: pod and gateway addresses exist only inside their cluster's network namespace.
  const inNs = kube?.netns[firstCluster] !== undefined ? `ip netns exec ${kube.netns[firstCluster] ?? ''} ` : '';
  const kubeLines =
    kube === undefined
      ? []
      : [
          `Kubernetes: ${String(kube.contexts.length)} kube-apiservers, one context per cluster (${kube.contexts.join(', ')}):`,
          `  export KUBECONFIG=${kube.kubeconfig}`,
          `  kubectl --context ${kube.contexts[1] ?? kube.contexts[0] ?? ''} get serviceimports -A`,
          `Namespaces: ${Object.entries(kube.netns).map(([c, n]) => `${c}=${n}`).join(' ')} (gateway and pod addresses answer only inside them)`,
        ];
  return [
    '',
    ...kubeLines,
    'Gateways:',
    gw,
    `DNS:        ${info.dns} (clusterset.local${(info.publicHostnames ?? []).length > 0 ? `; public: ${(info.publicHostnames ?? []).join(', ')}` : ''})`,
    `Admin:      ${info.admin}   tokens: in ${upFile} (mode 0600; the CLI reads them from there)`,
    `            read one with: node -p "require('${upFile}').token"   (approverToken: the second subject; viewerToken: read-only)`,
    `Console:    ${info.admin}/ui (sign in with a token from up.json)`,
    `Access log: ${info.accessLog}`,
    '',
    'Try:',
    `  ${inNs}curl -s -H 'Host: search.example.com' ${first}/search?q=fraud`,
    `  ${inNs}curl -s -X POST -H 'Host: cases.example.com' -H 'X-Case-Id: SGP-1' -H 'Idempotency-Key: k1' -H 'content-type: application/json' -d '{"id":"SGP-1","title":"demo"}' ${first}/cases`,
    `  ${inNs}curl -s -H 'Host: cases.example.com' -H 'X-Case-Id: SGP-1' ${first}/cases/SGP-1`,
    `  dig @${dnsHost} -p ${dnsPort} public-case-api.cases.svc.clusterset.local +short`,
    ...(info.publicHostnames ?? []).slice(0, 1).flatMap((h) => [`  dig @${dnsHost} -p ${dnsPort} ${h} +short          # one A record per healthy region (DNSPolicy)`, `  npx lintas dns explain ${h}`]),
    `  tail -f ${info.accessLog}`,
    '',
    'Ctrl-C stops the fleet.',
    '',
  ].join('\n');
}
