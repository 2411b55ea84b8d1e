/**
 * Config push latency (issue 15): from a write of the per-cluster config map
 * to every gateway whose slice changed serving it (its ACK back at the control
 * plane), over N changes of the capstone fleet, with each cluster's data plane
 * a real `lintas gateway` process.
 *
 * The control plane side runs in this process: the capstone is loaded and
 * translated once (MCS, gateway translator with east-west), then each change
 * edits the fleet IR, slices and versions it (`nextClusterConfigs`, timed on
 * its own), writes the config map, and waits for the ACKs, which the stream's
 * admin server records in the acknowledgement map. Changes cycle through an
 * ownership epoch bump (every cluster's slice changes, like a failover), an
 * endpoint readiness flip in a shared ServiceImport upstream (every cluster),
 * and a response header on one cluster's Gateway route (that cluster only).
 * Listener ports are made ephemeral so a `lintas up` running on the machine
 * does not collide, and only the first cluster serves the ClusterSetIP
 * listeners (three processes on one loopback cannot all bind them).
 *
 * Loopback only; every wait is bounded, the run has a watchdog, and the
 * gateways are stopped on exit and on SIGINT/SIGTERM.
 *
 * Usage: npx node --import tsx bench/config-push/run.ts [--changes 200] [--gap-ms 10] [--lintas auto|dist|src] [--json]
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import type { Cluster } from '../../src/api/index.ts';
import { EMPTY_MCS_STATE, nextClusterConfigs, translateGateway, translateMcs } from '../../src/controllers/index.ts';
import type { ClusterConfig, DataPlaneAck, GatewayIR } from '../../src/ir/index.ts';
import { configStreamRoutes, createAuthenticator, generateToken, silentLogger, startAdminServer, type AdminServer } from '../../src/observability/index.ts';
import { loadFleet } from '../../src/sources/index.ts';
import { WatchableMap } from '../../src/store/index.ts';
import { lintasArgv } from '../gateway/servers.ts';
import { benchOptionChecks } from '../lib/options.ts';
import { createSupervisor, lintasEntry, waitFor } from '../lib/procs.ts';
import { runBench } from '../lib/run-bench.ts';
import { summarize, type Summary } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE = 'usage: npx node --import tsx bench/config-push/run.ts [--changes 200] [--gap-ms 10] [--lintas auto|dist|src] [--json]';
const START_TIMEOUT_MS = 60_000;
const CHANGE_TIMEOUT_MS = 10_000;
/** The issue's target for the p99 after translation. */
const TARGET_P99_MS = 50;

const { intOption, lintasOption, usageError } = benchOptionChecks('bench:config-push', USAGE);

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({ options: { changes: { type: 'string', default: '200' }, 'gap-ms': { type: 'string', default: '10' }, lintas: { type: 'string', default: 'auto' }, json: { type: 'boolean', default: false } } }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  return { changes: intOption(values.changes, 'changes', 100, 100_000), gapMs: intOption(values['gap-ms'], 'gap-ms', 0, 10_000), lintas: lintasOption(values.lintas), json: values.json === true };
}

/** The capstone's fleet IR as `lintas serve` computes it, with ephemeral listener ports, and its clusters. */
async function capstone(): Promise<{ ir: GatewayIR; clusters: string[] }> {
  const { snapshot, issues } = await loadFleet(join(ROOT, 'examples', 'capstone'));
  if (issues.some((i) => i.severity === 'error')) throw new Error('examples/capstone has errors (lintas validate examples/capstone)');
  const now = new Date().toISOString();
  const mcs = translateMcs({ snapshot, now, state: EMPTY_MCS_STATE });
  const ir = translateGateway({ snapshot, mcs, now, eastWest: true }).ir;
  const ephemeral = <T extends { key: string; address: string; port: number }>(l: T): T => ({ ...l, port: 0, key: `${l.address}:0` });
  const clusters = snapshot.fleetObjects.filter((o) => o.object.kind === 'Cluster').map((o) => (o.object as Cluster).metadata.name).sort();
  return { ir: { ...ir, listeners: ir.listeners.map(ephemeral), tcpListeners: (ir.tcpListeners ?? []).map(ephemeral) }, clusters };
}

/** Change `i` of the fleet IR (see the module doc); never mutates `base`. */
function change(base: GatewayIR, i: number, clusters: readonly string[]): GatewayIR {
  const ir = structuredClone(base) as { -readonly [K in keyof GatewayIR]: GatewayIR[K] };
  const kind = i % 3;
  if (kind === 0) {
    ir.policies = (ir.policies ?? []).map((p) => (p.ownership === undefined ? p : { ...p, ownership: { ...p.ownership, epoch: p.ownership.epoch + i } }));
  } else if (kind === 1) {
    const u = ir.upstreams.find((x) => x.endpoints.length > 1);
    if (u === undefined) throw new Error('the capstone has no upstream with two endpoints');
    ir.upstreams = ir.upstreams.map((x) => (x !== u ? x : { ...x, endpoints: x.endpoints.map((e, n) => (n === i % x.endpoints.length ? { ...e, ready: !e.ready } : e)) }));
  } else {
    const cluster = clusters[Math.floor(i / 3) % clusters.length];
    ir.listeners = ir.listeners.map((l) =>
      l.cluster !== cluster ? l : { ...l, virtualHosts: l.virtualHosts.map((vh) => ({ ...vh, routes: vh.routes.map((r) => ({ ...r, filters: { ...r.filters, responseHeaders: { set: [{ name: 'x-bench-change', value: String(i) }], add: [], remove: [] } } })) })) },
    );
  }
  return ir;
}

interface Result {
  readonly changes: number;
  readonly entry: string;
  readonly sliceMs: Summary;
  readonly allAckedMs: Summary;
  readonly perClusterMs: Record<string, Summary>;
  readonly applyMs: Summary;
  readonly targetP99Ms: number;
}

const ms = (s: Summary): string => `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;

const sv = createSupervisor('bench:config-push', (line) => console.error(line));
let admin: AdminServer | undefined;
const stopAcks = new AbortController();

async function main(): Promise<number> {
  const options = parseOptions();
  const picked = lintasEntry(ROOT, options.lintas);
  if ('error' in picked) return usageError(picked.error);
  const { ir: base, clusters } = await capstone();
  const tokens = new Map(clusters.map((c) => [c, generateToken()]));
  const configs = new WatchableMap<string, ClusterConfig>();
  const acks = new WatchableMap<string, DataPlaneAck>();
  const eastWest = { eastWestClusters: clusters.slice(0, 1) };
  configs.apply(nextClusterConfigs(configs.snapshot(), base, clusters, new Date().toISOString(), eastWest));
  admin = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    notReady: () => undefined,
    auth: createAuthenticator({ tokens: clusters.map((c) => ({ token: tokens.get(c) as string, subject: `gw-${c}`, roles: [`gateway:${c}` as const] })) }),
    rawRoutes: configStreamRoutes({ configs, acks, log: silentLogger }),
  });
  const gateways = clusters.map((c) =>
    sv.launch(`lintas gateway ${c}`, process.execPath, lintasArgv(ROOT, picked.mode, ['gateway', '--cluster', c, '--control-plane', admin?.url ?? '', '--token', tokens.get(c) as string, '--access-log', '/dev/null', '--log-level', 'warn']), ROOT),
  );
  const synced = (c: string): boolean => acks.get(c)?.acked?.version === configs.get(c)?.version;
  await waitFor('every gateway to ACK its first config', START_TIMEOUT_MS, () => (clusters.every(synced) ? true : undefined), gateways[0], () => clusters.map((c) => `\n${c}: ${JSON.stringify(acks.get(c) ?? null)}`).join(''));

  // Waiters on the acknowledgement map: cluster → version awaited, resolved with the time the ACK landed.
  const waiting = new Map<string, { version: string; resolve: (at: number) => void; reject: (e: Error) => void }>();
  void (async () => {
    for await (const update of acks.subscribe(stopAcks.signal)) {
      const at = performance.now();
      for (const c of update.changed) {
        const w = waiting.get(c);
        const a = update.state.get(c);
        if (w === undefined || a === undefined) continue;
        if (a.acked?.version === w.version) {
          waiting.delete(c);
          w.resolve(at);
        } else if (a.nacked?.version === w.version) {
          waiting.delete(c);
          w.reject(new Error(`${c} rejected version ${w.version}: ${a.nacked.error ?? ''}`));
        }
      }
    }
  })();

  const sliceMs: number[] = [];
  const allAckedMs: number[] = [];
  const perCluster = new Map<string, number[]>(clusters.map((c) => [c, []]));
  const applyMs: number[] = [];
  for (let i = 1; i <= options.changes; i++) {
    const ir = change(base, i, clusters);
    const sliceStart = performance.now();
    const writes = nextClusterConfigs(configs.snapshot(), ir, clusters, new Date().toISOString(), eastWest);
    sliceMs.push(performance.now() - sliceStart);
    if (writes.set.length === 0) throw new Error(`change ${String(i)} changed no cluster's slice`);
    const acked = writes.set.map(
      ([c, cfg]) =>
        new Promise<[string, number]>((resolve, reject) => {
          waiting.set(c, { version: cfg.version, resolve: (at) => resolve([c, at]), reject });
        }),
    );
    const written = performance.now();
    configs.apply(writes);
    let landed: [string, number][];
    try {
      landed = await Promise.race([Promise.all(acked), delay(CHANGE_TIMEOUT_MS).then(() => Promise.reject(new Error(`change ${String(i)}: no ACK within ${String(CHANGE_TIMEOUT_MS)} ms from ${[...waiting.keys()].join(', ')}`)))]);
    } finally {
      waiting.clear();
    }
    for (const [c, at] of landed) {
      perCluster.get(c)?.push(at - written);
      const reported = acks.get(c)?.acked?.applyMs;
      if (reported !== undefined) applyMs.push(reported);
    }
    allAckedMs.push(Math.max(...landed.map(([, at]) => at - written)));
    if (options.gapMs > 0) await delay(options.gapMs);
  }

  const result: Result = {
    changes: options.changes,
    entry: `${picked.mode} (${picked.why})`,
    sliceMs: summarize(sliceMs),
    allAckedMs: summarize(allAckedMs),
    perClusterMs: Object.fromEntries([...perCluster].map(([c, xs]) => [c, summarize(xs)])),
    applyMs: summarize(applyMs),
    targetP99Ms: TARGET_P99_MS,
  };
  if (options.json) {
    console.log(JSON.stringify({ ...result, node: process.version, cores: availableParallelism(), loadavg: loadavg() }, null, 2));
  } else {
    console.log(`bench:config-push: ${String(options.changes)} changes of the capstone (${clusters.join(', ')}), each cluster a lintas gateway process (${result.entry}); node ${process.version}, ${String(availableParallelism())} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  slice + version, control plane:            ${ms(result.sliceMs)}`);
    console.log(`  map write → every changed gateway ACKed:   ${ms(result.allAckedMs)}   (target p99 < ${String(TARGET_P99_MS)} ms)`);
    for (const [c, s] of Object.entries(result.perClusterMs)) console.log(`    ${c.padEnd(12)} map write → ACK:        ${ms(s)}`);
    console.log(`  check + apply on the gateway (its report): ${ms(result.applyMs)}`);
  }
  return result.allAckedMs.p99 < TARGET_P99_MS ? 0 : 1;
}

await runBench('bench:config-push', {
  watchdogMs: 10 * 60_000,
  cleanup: async () => {
    stopAcks.abort();
    await sv.cleanup(false);
    await admin?.close();
  },
  main,
});
