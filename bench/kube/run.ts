/**
 * The Kubernetes source and write-back measured against three real kube-apiservers (issue 16,
 * "Measured"): the test fleet of test/kube/fleet.ts (one etcd, three API servers on loopback), N
 * Services with one EndpointSlice each per cluster, and an in-process `serve --kubeconfig` runtime
 * with write-back on (serve's defaults: 200 ms directory debounce, 50 write-back requests/s, burst 100, per cluster).
 *
 *  1. `3 × N` ServiceExports created at once (an admin client, 16 in flight) → every cluster's API
 *     server holds every ServiceImport of its MCS result (with its IP) and every imported slice.
 *  2. `--changes` EndpointSlice changes (one endpoint added, then removed again), rotating over the
 *     clusters and the headless probe Services; per change, from just before the apply: → the
 *     imported slice written in both other API servers (seen on a watch of each), → Lintas's DNS
 *     answering the new address set (UDP, polled every 2 ms), and → the MCS result carrying it
 *     in-process (the breakdown: what is left is the write-back).
 *
 * Also: RSS per watched cluster and the write rate each API server saw (lintas_kube_writes_total).
 * The gateway upstream is not measured: it needs Gateway API objects and a gateway per cluster,
 * which this fleet does not have. No reference peer exists, so the figures are absolute.
 *
 * Loopback only; every wait is bounded, the run has a watchdog, and the API servers and etcd are
 * stopped on exit and on SIGINT/SIGTERM.
 *
 * Usage: npm run bench:kube -- [--services 100] [--changes 100] [--probes 10] [--change-timeout-ms 15000] [--json]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { appendFileSync } from 'node:fs';
import { createLogger, silentLogger } from '../../src/observability/index.ts';
import { follow, startServeRuntime, type ServeRuntime } from '../../src/runtime/index.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { OWNED_RESOURCES, OWNER_LABEL } from '../../src/api/index.ts';
import { Informer, kubeconfigTransport, withLabelSelector, type WatchedResource } from '../../src/sources/index.ts';
import { openStore, type LintasStore } from '../../src/store/index.ts';
import { installSharedCrds, kubeBinariesMissing, startKubeFleet, TEST_CLUSTERS, type TestKubeFleet } from '../../test/kube/fleet.ts';
import { DnsClient } from '../mcs/dns-client.ts';
import { benchOptionChecks } from '../lib/options.ts';
import { waitFor } from '../lib/procs.ts';
import { runBench } from '../lib/run-bench.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { EXPORTS, fleetYaml, NAMESPACE, podIP, pool, service, serviceExport, serviceName, SERVICES, slice, SLICES } from './objects.ts';
import { importedEverywhere, writesPerCluster, type WatchedImports } from './observe.ts';

const USAGE = 'usage: npm run bench:kube -- [--services 100] [--changes 100] [--probes 10] [--change-timeout-ms 15000] [--json]';
const { intOption, usageError } = benchOptionChecks('bench:kube', USAGE);
const CLUSTERS = TEST_CLUSTERS.map((c) => c.name);
/** Set to a file to keep the runtime's debug log (every write-back sync and write, with times). */
const LOG_FILE = process.env['LINTAS_BENCH_KUBE_LOG'];
const TARGET_REMOTE_P99_MS = 250;
const TARGET_DNS_P99_MS = 100;

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        services: { type: 'string', default: '100' },
        changes: { type: 'string', default: '100' },
        probes: { type: 'string', default: '10' },
        'change-timeout-ms': { type: 'string', default: '15000' },
        'import-timeout-s': { type: 'string', default: '1800' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  const services = intOption(values.services, 'services', 1, 1_000);
  return {
    services,
    changes: intOption(values.changes, 'changes', 1, 10_000),
    probes: Math.min(services, intOption(values.probes, 'probes', 1, 100)),
    changeTimeoutMs: intOption(values['change-timeout-ms'], 'change-timeout-ms', 100, 120_000),
    importTimeoutMs: intOption(values['import-timeout-s'], 'import-timeout-s', 10, 7_200) * 1000,
    json: values.json === true,
  };
}

const MIB = 1024 * 1024;
/** RSS after a full GC when node runs with --expose-gc (the script does): garbage not yet collected is not memory held. */
const rss = (): { rss: number; heap: number } => {
  global.gc?.();
  const m = process.memoryUsage();
  // RSS keeps pages V8 freed but did not hand back; the heap in use (plus buffers) is what is held.
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
};
let fleet: TestKubeFleet | undefined;
let runtime: ServeRuntime | undefined;
let audit: LintasStore | undefined;
let dir: string | undefined;
const stopping = new AbortController();
const informers: Informer[] = [];

async function apply(cluster: string, path: string, object: Record<string, unknown>): Promise<void> {
  const name = (object['metadata'] as { name: string }).name;
  const res = await fleet!.request(cluster, 'PATCH', `${path}/${name}?fieldManager=bench&force=true`, object, 'application/apply-patch+yaml');
  if (res.status >= 300) throw new Error(`apply ${path}/${name} in ${cluster}: ${String(res.status)} ${JSON.stringify(res.body).slice(0, 300)}`);
}

/** Sorted addresses of a slice-like object, joined by `,`. */
const addressKey = (endpoints: unknown): string => ((endpoints ?? []) as { addresses?: string[] }[]).flatMap((e) => e.addresses ?? []).sort().join(',');

async function main(): Promise<number> {
  const o = parseOptions();
  const missing = kubeBinariesMissing();
  if (missing !== undefined) {
    console.error(`bench:kube: ${missing}`);
    return 2;
  }
  const log = (line: string): void => void (o.json ? console.error(line) : console.log(line));
  const t = performance.now();
  fleet = await startKubeFleet();
  const f = fleet;
  await Promise.all(CLUSTERS.map((c) => installSharedCrds(f, c)));
  for (const c of CLUSTERS) await apply(c, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  log(`bench:kube: fleet of ${String(CLUSTERS.length)} kube-apiservers up in ${((performance.now() - t) / 1000).toFixed(1)} s; creating ${String(o.services)} Services + EndpointSlices per cluster`);
  // Current endpoints of every probe slice, by `cluster/service`.
  const current = new Map<string, string[]>();
  await pool(CLUSTERS.flatMap((c, ci) => Array.from({ length: o.services }, (_, i) => ({ c, ci, i }))), 16, async ({ c, ci, i }) => {
    const svc = serviceName(c, i);
    const addresses = [podIP(ci, i, 0), podIP(ci, i, 1)];
    if (i < o.probes) current.set(`${c}/${svc}`, addresses);
    await apply(c, SERVICES, service(svc, i < o.probes));
    await apply(c, SLICES, slice(svc, addresses));
  });

  dir = await mkdtemp(join(tmpdir(), 'lintas-bench-kube-'));
  await mkdir(join(dir, 'fleet', 'fleet'), { recursive: true });
  await writeFile(join(dir, 'fleet', 'fleet', 'clusters.yaml'), fleetYaml());
  audit = await openStore({ dataDir: join(dir, 'state') });
  const rssBefore = rss();
  runtime = await startServeRuntime({ ...testRuntimeConfig(join(dir, 'fleet'), join(dir, 'state'), audit, LOG_FILE === undefined ? silentLogger : createLogger({ level: 'debug', format: 'json', write: (l) => appendFileSync(LOG_FILE, `${l}\n`) })), debounceMs: 200, kubeconfigPath: f.kubeconfigPath, kubeWrite: true, embeddedGateways: 'none' });
  const rt = runtime;
  await waitFor('the runtime ready', 120_000, async () => ((await fetch(`${rt.adminUrl}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined));
  const metrics = async (): Promise<string> => (await fetch(`${rt.adminUrl}/metrics`)).text();
  const rssIdle = rss();

  // The bench's watches of Lintas's objects in every API server (owner label): the import check and the changes read them.
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(f.kubeconfigPath);
  const seen = new Map<string, string>(); // `cluster|service|source` → addresses, filled during the changes
  const waiters = new Set<() => void>();
  let watchingChanges = false;
  const probeSlices = new Set<string>(); // `ns/name` of the probes' imported slices, filled before the changes
  for (const c of CLUSTERS) {
    const transport = withLabelSelector(kubeconfigTransport(kubeconfig, c), `${OWNER_LABEL}=lintas`);
    const resource = (kind: string): WatchedResource => {
      const r = OWNED_RESOURCES.find((x) => x.kind === kind);
      if (r === undefined) throw new Error(`${kind} is not an owned resource`);
      return { kind, group: r.group, versions: [r.version], plural: r.plural, namespaced: true };
    };
    const imports: Informer = new Informer({ transport, resource: resource('ServiceImport'), onChange: () => undefined, onStatus: () => undefined });
    const slices: Informer = new Informer({
      transport,
      resource: resource('EndpointSlice'),
      onChange: () => {
        if (!watchingChanges) return;
        // Only the probes change: look at theirs (every slice of the cluster would be thousands per event).
        for (const key of probeSlices) {
          const object = slices.objects().get(key);
          if (object === undefined) continue;
          const labels = (object.metadata as { labels?: Record<string, string> }).labels ?? {};
          seen.set(`${c}|${labels['multicluster.kubernetes.io/service-name'] ?? ''}|${labels['multicluster.kubernetes.io/source-cluster'] ?? ''}`, addressKey(object['endpoints']));
        }
        for (const w of waiters) w();
      },
      onStatus: () => undefined,
    });
    informers.push(imports, slices);
    imports.start();
    slices.start();
  }
  await waitFor('the bench\'s informers synced', 60_000, () => (informers.every((i) => i.status().synced) ? true : undefined));
  // The informers replace their maps on a relist: read them through the informers.
  const watchedNow = (): Map<string, WatchedImports> => new Map(CLUSTERS.map((c, i) => [c, { imports: (informers[2 * i] as Informer).objects(), slices: (informers[2 * i + 1] as Informer).objects() }]));

  // 1. Every export at once.
  const exportsTotal = CLUSTERS.length * o.services;
  const writes0 = writesPerCluster(await metrics());
  const writes0ByKind = writesPerCluster(await metrics(), true);
  const t0 = performance.now();
  await pool(CLUSTERS.flatMap((c) => Array.from({ length: o.services }, (_, i) => ({ c, i }))), 16, ({ c, i }) => apply(c, EXPORTS, serviceExport(serviceName(c, i))));
  const createdMs = performance.now() - t0;
  log(`  ${String(exportsTotal)} ServiceExports created in ${createdMs.toFixed(0)} ms; waiting until all are imported everywhere`);
  const importedMs = await waitFor('every export imported everywhere', o.importTimeoutMs, () => (importedEverywhere(watchedNow(), rt, CLUSTERS, exportsTotal, (line) => log(`    ${line}`)) ? performance.now() - t0 : undefined));
  log(`  all imported everywhere after ${(importedMs / 1000).toFixed(1)} s`);
  // The exports' own status is written after the imports: let the write-back go quiet (no write for
  // 3 s) so that the changes are not measured behind the tail of the import.
  let lastWrites = '';
  let quietSince = performance.now();
  const settledMs = await waitFor('the write-back quiet for 3 s', o.importTimeoutMs, async () => {
    const now = JSON.stringify([...writesPerCluster(await metrics())]);
    if (now !== lastWrites) {
      lastWrites = now;
      quietSince = performance.now();
    }
    return performance.now() - quietSince >= 3_000 ? quietSince - t0 : undefined;
  });
  log(`  write-back quiet (export status written too) ${(settledMs / 1000).toFixed(1)} s after the exports`);
  const writes1 = writesPerCluster(await metrics());
  const importByKind = Object.fromEntries([...writesPerCluster(await metrics(), true)].map(([k, n]) => [k, n - (writes0ByKind.get(k) ?? 0)]).filter(([, n]) => (n as number) > 0));
  const rssImported = rss();

  // 2. Changes, watched in every API server (the informers above).
  for (const result of rt.bus.mcs.get('latest')?.result.clusters ?? []) {
    for (const sl of result.endpointSlices) {
      const source = sl.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] ?? '';
      const svc = sl.metadata.labels?.['multicluster.kubernetes.io/service-name'] ?? '';
      if (Array.from({ length: o.probes }, (_, i) => serviceName(source, i)).includes(svc)) probeSlices.add(`${sl.metadata.namespace ?? ''}/${sl.metadata.name}`);
    }
  }
  watchingChanges = true;
  let mcsCheck: (() => void) | undefined;
  void follow(rt.bus.mcs, stopping.signal, () => mcsCheck?.(), () => undefined);
  const dns = new DnsClient('127.0.0.1', rt.dnsPort);
  const samples = { remote: [] as number[], dns: [] as number[], mcs: [] as number[], applyRtt: [] as number[] };
  let timeouts = 0;
  const until = (check: () => boolean): Promise<number> =>
    new Promise((resolve) => {
      const w = (): void => {
        if (!check()) return;
        waiters.delete(w);
        resolve(performance.now());
      };
      waiters.add(w);
      w();
    });
  const tc0 = performance.now();
  for (let n = 0; n < o.changes; n++) {
    const ci = n % CLUSTERS.length;
    const c = CLUSTERS[ci] as string;
    const i = Math.floor(n / CLUSTERS.length) % o.probes;
    const svc = serviceName(c, i);
    const before = current.get(`${c}/${svc}`) ?? [];
    const next = before.length === 2 ? [...before, podIP(ci, i, 2)] : before.slice(0, 2);
    const want = [...next].sort().join(',');
    const others = CLUSTERS.filter((x) => x !== c);
    const abort = new AbortController();
    const timeout = delay(o.changeTimeoutMs, 'timeout' as const, { signal: abort.signal }).catch(() => 'aborted' as const);
    const mcsAt = new Promise<number>((resolve) => {
      mcsCheck = () => {
        const result = rt.bus.mcs.get('latest')?.result;
        const got = result?.clusters.find((r) => r.cluster === others[0])?.endpointSlices.find((s) => s.metadata.labels?.['multicluster.kubernetes.io/service-name'] === svc && s.metadata.labels['multicluster.kubernetes.io/source-cluster'] === c);
        if (got !== undefined && addressKey(got.endpoints) === want) {
          mcsCheck = undefined;
          resolve(performance.now());
        }
      };
    });
    const remoteAt = Promise.all(others.map((x) => until(() => seen.get(`${x}|${svc}|${c}`) === want))).then((ts) => Math.max(...ts));
    const dnsAt = (async () => {
      while (!abort.signal.aborted) {
        const answer = await dns.queryA(`${svc}.${NAMESPACE}.svc.clusterset.local`, 1000).catch(() => undefined);
        if (answer?.key === want) return performance.now();
        await delay(2);
      }
      return NaN;
    })();
    if (LOG_FILE !== undefined) appendFileSync(LOG_FILE, `${JSON.stringify({ time: new Date().toISOString(), msg: 'bench: change', n, cluster: c, service: svc })}\n`);
    const started = performance.now();
    await apply(c, SLICES, slice(svc, next));
    samples.applyRtt.push(performance.now() - started);
    current.set(`${c}/${svc}`, next);
    const outcome = await Promise.race([Promise.all([remoteAt, dnsAt, mcsAt]), timeout]);
    abort.abort();
    if (outcome === 'timeout' || outcome === 'aborted') {
      timeouts++;
      waiters.clear();
      mcsCheck = undefined;
      log(`    change ${String(n)} (${c} ${svc}) timed out after ${String(o.changeTimeoutMs)} ms`);
      continue;
    }
    const [remote, answered, translated] = outcome;
    samples.remote.push(remote - started);
    samples.dns.push(answered - started);
    samples.mcs.push(translated - started);
    if ((n + 1) % 10 === 0) log(`    ${String(n + 1)} changes: last → remote ${(remote - started).toFixed(0)} ms, → DNS ${(answered - started).toFixed(0)} ms`);
    await delay(50);
  }
  const changesMs = performance.now() - tc0;
  dns.close();
  const writes2 = writesPerCluster(await metrics());
  const rssEnd = rss();
  // The bench's own informers hold every object Lintas wrote too: their share, to leave out of the runtime's.
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  seen.clear();
  const dropped = rss();
  const benchInformers = { rss: Math.max(0, rssEnd.rss - dropped.rss), heap: Math.max(0, rssEnd.heap - dropped.heap) };

  const rate = (a: Map<string, number>, b: Map<string, number>, ms: number): Record<string, { writes: number; perSecond: number }> =>
    Object.fromEntries(CLUSTERS.map((c) => {
      const w = (b.get(c) ?? 0) - (a.get(c) ?? 0);
      return [c, { writes: w, perSecond: Number(((w * 1000) / ms).toFixed(1)) }];
    }));
  const result = {
    servicesPerCluster: o.services,
    exports: exportsTotal,
    probes: o.probes,
    exportsCreatedMs: Math.round(createdMs),
    allImportedEverywhereMs: Math.round(importedMs),
    writeBackQuietMs: Math.round(settledMs),
    changes: o.changes,
    completed: samples.remote.length,
    timeouts,
    toRemoteApiServersMs: summarize(samples.remote),
    toDnsMs: summarize(samples.dns),
    toMcsResultMs: summarize(samples.mcs),
    applyRttMs: summarize(samples.applyRtt),
    rssMiB: { beforeRuntime: rssBefore.rss / MIB, runtimeIdle: rssIdle.rss / MIB, allImported: rssImported.rss / MIB, afterChanges: rssEnd.rss / MIB },
    heapMiB: { beforeRuntime: rssBefore.heap / MIB, runtimeIdle: rssIdle.heap / MIB, allImported: rssImported.heap / MIB, afterChanges: rssEnd.heap / MIB, benchInformers: benchInformers.heap / MIB },
    rssPerWatchedClusterMiB: (rssImported.rss - rssBefore.rss) / MIB / CLUSTERS.length,
    heapPerWatchedClusterMiB: (rssImported.heap - benchInformers.heap - rssBefore.heap) / MIB / CLUSTERS.length,
    writesDuringImport: rate(writes0, writes1, settledMs),
    importWritesByKind: importByKind,
    writesDuringChanges: rate(writes1, writes2, changesMs),
  };
  const ms = (s: Summary): string => `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
  if (o.json) {
    console.log(JSON.stringify({ ...result, node: process.version, cores: availableParallelism(), loadavg: loadavg() }, null, 2));
  } else {
    console.log(`bench:kube: ${String(CLUSTERS.length)} kube-apiservers × ${String(o.services)} exported Services (${String(o.probes)} headless probes each); node ${process.version}, ${String(availableParallelism())} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  ${String(exportsTotal)} exports created at once (${String(Math.round(createdMs))} ms) → all imported everywhere: ${(importedMs / 1000).toFixed(1)} s; write-back quiet after ${(settledMs / 1000).toFixed(1)} s`);
    console.log(`  ${String(result.completed)}/${String(o.changes)} EndpointSlice changes (${String(timeouts)} timed out):`);
    console.log(`    → both other API servers written:  ${ms(result.toRemoteApiServersMs)}  (target p99 < ${String(TARGET_REMOTE_P99_MS)} ms)`);
    console.log(`    → DNS answer changed:               ${ms(result.toDnsMs)}  (target p99 < ${String(TARGET_DNS_P99_MS)} ms)`);
    console.log(`    → MCS result (in-process):          ${ms(result.toMcsResultMs)}`);
    console.log(`    apply round trip (the change itself): ${ms(result.applyRttMs)}`);
    console.log(`  RSS: ${result.rssMiB.beforeRuntime.toFixed(0)} MiB before the runtime, ${result.rssMiB.runtimeIdle.toFixed(0)} idle, ${result.rssMiB.allImported.toFixed(0)} all imported, ${result.rssMiB.afterChanges.toFixed(0)} after the changes → ${result.rssPerWatchedClusterMiB.toFixed(1)} MiB per watched cluster (the bench's own informers included)`);
    console.log(`  heap in use: ${result.heapMiB.beforeRuntime.toFixed(0)} MiB before the runtime, ${result.heapMiB.allImported.toFixed(0)} all imported, the bench's informers ${result.heapMiB.benchInformers.toFixed(0)} → ${result.heapPerWatchedClusterMiB.toFixed(1)} MiB per watched cluster (without them)`);
    console.log(`  import writes by cluster, kind and verb: ${Object.entries(importByKind).map(([k, n]) => `${k} ${String(n)}`).join(', ')}`);
    for (const [phase, rates] of [['import', result.writesDuringImport], ['changes', result.writesDuringChanges]] as const) {
      console.log(`  writes during ${phase}: ${CLUSTERS.map((c) => `${c} ${String(rates[c]?.writes)} (${String(rates[c]?.perSecond)}/s)`).join(', ')}`);
    }
  }
  const met = result.timeouts === 0 && result.toRemoteApiServersMs.p99 < TARGET_REMOTE_P99_MS && result.toDnsMs.p99 < TARGET_DNS_P99_MS;
  return met ? 0 : 1;
}

await runBench('bench:kube', {
  watchdogMs: 90 * 60_000,
  cleanup: async () => {
    stopping.abort();
    await Promise.all(informers.map((i) => i.stop()));
    await runtime?.stop().catch(() => undefined);
    runtime = undefined;
    await audit?.close().catch(() => undefined);
    audit = undefined;
    await fleet?.stop();
    fleet = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  },
  main,
});
