/**
 * Incremental MCS bench (issue 16, "Measured", the DNS half): a change to one EndpointSlice in one
 * member cluster → the new MCS result and → the changed DNS answer, at 3 clusters × 1,000 exported
 * Services, with the whole-fleet translation (main's code path: `runMcs({ incremental: false })`)
 * and the incremental one measured in the same run, each in its own child process.
 *
 * The pipeline in the child is serve's from the Kubernetes source on: per cluster a ClusterWatch (the
 * informers and decoding of `serve --kubeconfig`) over a FakeApiServer (no kube-apiserver: this is
 * about Lintas's own work) → FleetStore → runMcs → bus.mcs (+ the MCS metrics pass, as mcsComponent
 * does) → the DNS component, answering on loopback UDP. Each change adds a third endpoint to (or
 * removes it from) a headless probe Service's slice; the bench polls that Service's
 * `clusterset.local` name every `--poll-ms` until the answer is the new set. Change → MCS result is
 * the first result whose DNS IR holds the new set (looked up after the answer matched, so the
 * bookkeeping is not on the measured path). Also the process's CPU time per change: on a shared
 * machine the wall-clock figures are mostly waiting for a core.
 *
 * Mode `serve` runs the same changes through the whole `startServeRuntime` (the watched clusters laid
 * over a fleet directory as an overlay, as `serve --kubeconfig` does): everything else that reacts to
 * each MCS result (gateway translation and config stream, health, console) shares the event loop.
 *
 * Usage: npx node --import tsx bench/mcs/incremental.ts [--services 1000] [--changes 100] [--probes 10]
 *        [--modes full,incremental,serve] [--change-timeout-ms 5000] [--budget-s 300] [--cpu-prof-dir DIR]
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { parseArgs, promisify } from 'node:util';
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Cluster, ClusterSet, clusterName, type ClusterFreshness, type ClusterSnapshot, type Sourced } from '../../src/api/index.ts';
import { runMcs, type McsResult } from '../../src/controllers/index.ts';
import { silentLogger } from '../../src/observability/index.ts';
import { createBus, follow, startServeRuntime, type SnapshotOverlay } from '../../src/runtime/index.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { openStore } from '../../src/store/index.ts';
import { dnsComponent } from '../../src/runtime/data-plane.ts';
import { createMcsMetrics } from '../../src/runtime/mcs-metrics.ts';
import { ClusterWatch } from '../../src/sources/index.ts';
import { FakeApiServer } from '../../src/sources/kubernetes/fake-api-server.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { DnsClient } from './dns-client.ts';

const CLUSTERS = ['c1', 'c2', 'c3'] as const;
const NAMESPACE = 'bench';
const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const SERVICES = '/api/v1/services';
const EXPORTS = '/apis/multicluster.x-k8s.io/v1beta1/serviceexports';
const NAMESPACES = '/api/v1/namespaces';
const TARGET_DNS_P99_MS = 100;

/** `serve`: the incremental translation inside the whole `serve` runtime (gateway translation, health, console... all on bus.mcs). */
type Mode = 'full' | 'incremental' | 'serve';
const MODES: readonly Mode[] = ['full', 'incremental', 'serve'];

/** What a child reports (one JSON line). */
interface ModeReport {
  readonly mode: Mode;
  readonly startupMs: number;
  readonly toResult: readonly number[];
  readonly toDns: readonly number[];
  /** CPU time (user + system) this process spent from the change to the matching answer, polling included. */
  readonly cpu: readonly number[];
  readonly timeouts: number;
  readonly translations: number;
  readonly queries: number;
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    services: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '100' },
    probes: { type: 'string', default: '10' },
    modes: { type: 'string', default: 'full,incremental,serve' },
    'change-timeout-ms': { type: 'string', default: '5000' },
    'poll-ms': { type: 'string', default: '2' },
    'settle-ms': { type: 'string', default: '20' },
    'budget-s': { type: 'string', default: '300' },
    'cpu-prof-dir': { type: 'string' },
  },
});
const int = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    process.exit(2);
  }
  return n;
};
const options = {
  services: int('services', values.services, 1, 5000),
  changes: int('changes', values.changes, 1, 10_000),
  probes: int('probes', values.probes, 1, 100),
  changeTimeoutMs: int('change-timeout-ms', values['change-timeout-ms'], 100, 120_000),
  pollMs: int('poll-ms', values['poll-ms'], 0, 1000),
  settleMs: int('settle-ms', values['settle-ms'], 0, 10_000),
  budgetMs: int('budget-s', values['budget-s'], 10, 3600) * 1000,
};

const serviceName = (ci: number, i: number): string => `c${ci + 1}-s${String(i).padStart(4, '0')}`;
const podIP = (ci: number, i: number, k: number): string => `10.${ci + 1}.${Math.floor(i / 200)}.${(i % 200) + k * 50 + 1}`;

function slice(name: string, addresses: readonly string[]): Record<string, unknown> {
  return {
    metadata: { name: `${name}-abc`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** One cluster's API server with `services` exported Services (the first `probes` headless), one slice of two endpoints each. */
function apiServer(ci: number): FakeApiServer {
  const server = new FakeApiServer();
  server.write(NAMESPACES, NAMESPACE, {});
  for (let i = 0; i < options.services; i++) {
    const name = serviceName(ci, i);
    server.write(SERVICES, name, { metadata: { namespace: NAMESPACE }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...(i < options.probes ? { clusterIP: 'None' } : {}) } });
    server.write(SLICES, `${name}-abc`, slice(name, [podIP(ci, i, 0), podIP(ci, i, 1)]));
    server.write(EXPORTS, name, { metadata: { namespace: NAMESPACE, creationTimestamp: '2026-01-01T00:00:00Z' } });
  }
  return server;
}

function fleetObjects(): Sourced[] {
  const origin = { file: 'fleet.yaml', line: 1 };
  return [
    ...CLUSTERS.map((c) => ({ object: Cluster.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c }, spec: { region: `r-${c}` } }), origin })),
    { object: ClusterSet.parse({ apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'bench' }, spec: { clusters: [...CLUSTERS], clusterSetIPRange: '10.250.0.0/16' } }), origin },
  ];
}

/** Sorted ready addresses of a probe in a result's DNS IR (undefined: not there). */
function answerIn(result: McsResult, name: string): string | undefined {
  const service = result.dns.services.find((s) => s.namespace === NAMESPACE && s.name === name);
  return service?.endpoints.filter((e) => e.ready).flatMap((e) => e.ips).sort().join(',');
}

/** What a mode runs: the MCS results as they come (with a timestamp), the DNS port, and how to stop. */
interface Pipeline {
  readonly results: { at: number; result: McsResult }[];
  readonly dnsPort: number;
  stop(): Promise<void>;
}


/** One ClusterWatch per bench cluster over its fake API server, handing snapshots and freshness to the pipeline. */
function clusterWatches(servers: readonly FakeApiServer[], onSnapshot: (cluster: string, snapshot: ClusterSnapshot) => void, onFreshness: (cluster: string, freshness: ClusterFreshness) => void): ClusterWatch[] {
  return CLUSTERS.map(
    (c, ci) =>
      new ClusterWatch({
        cluster: clusterName(c),
        transport: (servers[ci] as FakeApiServer).transport,
        log: silentLogger,
        heartbeatMs: 60_000,
        onSnapshot: (snapshot) => onSnapshot(c, snapshot),
        onFreshness: (freshness) => onFreshness(c, freshness),
      }),
  );
}
/** The pipeline of the `full` and `incremental` modes: serve's wiring from the source to the DNS component. */
async function mcsPipeline(mode: Mode, servers: readonly FakeApiServer[]): Promise<Pipeline> {
  const bus = createBus();
  const registry = new Registry();
  const metrics = createMcsMetrics(registry, bus.fleet, () => Date.now());
  bus.fleet.publish({ fleetObjects: fleetObjects(), clusters: new Map() });
  const stop = new AbortController();
  const results: Pipeline['results'] = [];
  const running = runMcs({
    store: bus.fleet,
    log: silentLogger,
    signal: stop.signal,
    incremental: mode === 'incremental',
    onResult: (result, version, snapshot) => {
      // As mcsComponent does (src/runtime/control-plane.ts), then a timestamp for the bench.
      bus.mcs.set('latest', { version, result, snapshot });
      metrics.record(result);
      results.push({ at: performance.now(), result });
    },
  });
  const watches = clusterWatches(servers, (_, snapshot) => bus.fleet.publishCluster(snapshot), (c, freshness) => bus.fleet.heartbeat(clusterName(c), freshness));
  const dns = dnsComponent({ bus, address: { host: '127.0.0.1', port: 0 }, registry, log: silentLogger });
  await dns.start();
  for (const w of watches) w.start();
  return {
    results,
    dnsPort: dns.port(),
    stop: async () => {
      await Promise.all(watches.map((w) => w.stop()));
      stop.abort();
      await running;
      await dns.stop();
    },
  };
}

/** The pipeline of the `serve` mode: `startServeRuntime` on a fleet directory (Clusters, ClusterSet) with the watched clusters laid over it, as `serve --kubeconfig` does. */
async function servePipeline(servers: readonly FakeApiServer[]): Promise<Pipeline> {
  const dir = await mkdtemp(join(tmpdir(), 'lintas-bench-mcs-incremental-'));
  await mkdir(join(dir, 'fleet'));
  await writeFile(join(dir, 'fleet', 'fleet.yaml'), fleetObjects().map((o) => stringify(o.object)).join('---\n'));
  const snapshots = new Map<string, ClusterSnapshot>();
  const listeners = new Set<() => void>();
  const watches = clusterWatches(
    servers,
    (c, snapshot) => {
      snapshots.set(c, snapshot);
      for (const listener of listeners) listener();
    },
    () => undefined,
  );
  const overlay: SnapshotOverlay = {
    apply: (snapshot) => ({ fleetObjects: snapshot.fleetObjects, clusters: new Map(CLUSTERS.flatMap((c) => (snapshots.has(c) ? [[clusterName(c), snapshots.get(c) as ClusterSnapshot] as const] : []))) }),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const audit = await openStore({ dataDir: join(dir, 'state') });
  const runtime = await startServeRuntime({ ...testRuntimeConfig(join(dir, 'fleet'), join(dir, 'state'), audit), embeddedGateways: 'none', sandbox: { overlay, actions: {}, routes: {} } });
  const stop = new AbortController();
  const results: Pipeline['results'] = [];
  const following = follow(
    runtime.bus.mcs,
    stop.signal,
    (state) => {
      const latest = state.get('latest');
      if (latest !== undefined) results.push({ at: performance.now(), result: latest.result });
    },
    (error) => console.error(error),
  );
  for (const w of watches) w.start();
  return {
    results,
    dnsPort: runtime.dnsPort,
    stop: async () => {
      await Promise.all(watches.map((w) => w.stop()));
      stop.abort();
      await following;
      await runtime.stop();
      await audit.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function child(mode: Mode): Promise<ModeReport> {
  const started = performance.now();
  const servers = CLUSTERS.map((_, ci) => apiServer(ci));
  const pipeline = mode === 'serve' ? await servePipeline(servers) : await mcsPipeline(mode, servers);
  const { results } = pipeline;
  const client = new DnsClient('127.0.0.1', pipeline.dnsPort);
  const fqdn = (name: string): string => `${name}.${NAMESPACE}.svc.clusterset.local`;
  const report = { mode, startupMs: 0, toResult: [] as number[], toDns: [] as number[], cpu: [] as number[], timeouts: 0, translations: 0, queries: 0 };
  try {
    // Ready: every probe of every cluster answers its two endpoints.
    const deadline = performance.now() + 300_000;
    for (let ci = 0; ci < CLUSTERS.length; ci++) {
      for (let i = 0; i < options.probes; i++) {
        const want = [podIP(ci, i, 0), podIP(ci, i, 1)].sort().join(',');
        while ((await client.queryA(fqdn(serviceName(ci, i)), 2000).catch(() => undefined))?.key !== want) {
          if (performance.now() > deadline) throw new Error(`${mode}: ${serviceName(ci, i)} never answered`);
          await delay(20);
        }
      }
    }
    report.startupMs = performance.now() - started;
    const translationsBefore = results.length;
    const budgetEnd = performance.now() + options.budgetMs;
    for (let n = 0; n < options.changes && performance.now() < budgetEnd; n++) {
      const ci = n % CLUSTERS.length;
      const i = Math.floor(n / CLUSTERS.length) % options.probes;
      const name = serviceName(ci, i);
      // Add a third endpoint, then take it away again the next time this probe comes round.
      const third = Math.floor(n / (CLUSTERS.length * options.probes)) % 2 === 0;
      const addresses = [podIP(ci, i, 0), podIP(ci, i, 1), ...(third ? [podIP(ci, i, 2)] : [])];
      const want = [...addresses].sort().join(',');
      const seen = results.length;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      (servers[ci] as FakeApiServer).write(SLICES, `${name}-abc`, slice(name, addresses));
      let matched: number | undefined;
      while (performance.now() - t0 < options.changeTimeoutMs) {
        report.queries++;
        const answer = await client.queryA(fqdn(name), options.changeTimeoutMs).catch(() => undefined);
        if (answer?.key === want) {
          matched = performance.now();
          const cpu = process.cpuUsage(cpu0);
          report.cpu.push((cpu.user + cpu.system) / 1000);
          break;
        }
        if (options.pollMs > 0) await delay(options.pollMs);
      }
      if (matched === undefined) {
        report.timeouts++;
        continue;
      }
      report.toDns.push(matched - t0);
      const first = results.slice(seen).find((r) => answerIn(r.result, name) === want);
      if (first !== undefined) report.toResult.push(first.at - t0);
      await delay(options.settleMs);
    }
    report.translations = results.length - translationsBefore;
  } finally {
    client.close();
    await pipeline.stop();
  }
  return report;
}

function line(label: string, s: Summary): string {
  const f = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  return `${label}: p50 ${f(s.p50)} ms, p99 ${f(s.p99)} ms, max ${f(s.max)} ms`;
}

async function parent(): Promise<number> {
  const modes = (values.modes ?? '').split(',').filter((m): m is Mode => (MODES as readonly string[]).includes(m));
  console.log(`bench mcs-incremental (node ${process.version}): ${CLUSTERS.length} clusters × ${options.services} exported Services (${options.probes} headless probes each), ${options.changes} changes per mode; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const run = promisify(execFile);
  const reports: ModeReport[] = [];
  for (const mode of modes) {
    const prof = values['cpu-prof-dir'] !== undefined ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof-dir']] : [];
    const args = [...prof, '--import', 'tsx', 'bench/mcs/incremental.ts', '--child', mode, ...process.argv.slice(2)];
    const { stdout } = await run(process.execPath, args, { cwd: new URL('../../', import.meta.url).pathname, timeout: options.budgetMs + 600_000, maxBuffer: 16 << 20 });
    const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ModeReport;
    reports.push(report);
    const label = { full: 'before: whole-fleet translation per change (main)', incremental: 'after: incremental translation', serve: 'after, in the whole serve runtime (gateway translation, health, console... on every result)' }[mode];
    console.log(`\n${label}: ${report.toDns.length} changes answered, ${report.timeouts} timed out (> ${options.changeTimeoutMs} ms); ${report.translations} translations; startup ${(report.startupMs / 1000).toFixed(1)} s`);
    console.log(`  ${line('change → MCS result', summarize(report.toResult))}`);
    const dns = summarize(report.toDns);
    console.log(`  ${line('change → DNS answer', dns)}  (target p99 < ${TARGET_DNS_P99_MS} ms: ${dns.p99 < TARGET_DNS_P99_MS && report.timeouts === 0 ? 'PASS' : 'FAIL'})`);
    // Wall time on a shared machine is mostly waiting for a core; CPU time is the work itself.
    console.log(`  ${line('CPU time of the process per change (until the answer, polling included)', summarize(report.cpu))}`);
  }
  const [before, after] = [reports.find((r) => r.mode === 'full'), reports.find((r) => r.mode === 'incremental')];
  if (before !== undefined && after !== undefined) {
    const [b, a] = [summarize(before.toDns), summarize(after.toDns)];
    console.log(`\nchange → DNS answer, before / after: p50 ${(b.p50 / a.p50).toFixed(1)}×, p99 ${(b.p99 / a.p99).toFixed(1)}×`);
  }
  return reports.every((r) => r.timeouts === 0) ? 0 : 1;
}

if (values.child !== undefined) {
  if (!(MODES as readonly string[]).includes(values.child)) throw new Error(`unknown mode ${values.child}`);
  const report = await child(values.child as Mode);
  console.log(JSON.stringify(report));
  process.exit(0);
} else {
  process.exit(await parent());
}
