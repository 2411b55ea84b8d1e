/**
 * Config-edit benchmark (issue 14 item 5): does loading the fleet stall the
 * gateway? `lintas serve` proxies a constant-rate load (open loop, a fixed
 * number of requests) while nothing changes, then the same load while a
 * one-line edit lands every `--edit-every-ms`, for `--rounds` rounds; the
 * gateway's p99 with edits (every round's requests pooled) should stay within
 * 1.5× of its p99 without. Two cases:
 *
 *   1. a fleet of about 1,500 objects (three MCS clusters + the gateway's
 *      cluster), edits flipping one endpoint's readiness in a cluster's
 *      EndpointSlice file;
 *   2. the same plus a file holding a 10,000-endpoint Service, edits to that file.
 *
 * Inside the serve process, bench/config-edits/loop-delay.ts samples the main
 * thread's event-loop delay (perf_hooks.monitorEventLoopDelay) per phase.
 * The edits are written by a thread of their own (editor.ts), so that rewriting a
 * big file does not stall the loop that sends the load and times the answers.
 * The origin is an HTTP server in this process on 127.77.0.1 answering 200
 * "ok\n". Loopback only; every wait is bounded, the whole run has a watchdog,
 * and everything started is stopped in `finally` and on SIGINT/SIGTERM.
 *
 * Usage: node --import tsx bench/config-edits/run.ts [--rate 200] [--seconds 10]
 *          [--warmup 2] [--edit-every-ms 500] [--services 163] [--big-endpoints 10000]
 *          [--lintas auto|dist|src] [--root DIR] [--keep] [--json]
 * `--root` runs the Lintas of another checkout (e.g. an older commit, for before/after).
 */
import http from 'node:http';
import { mkdirSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_NAMESPACE, originAddress, targetPath } from '../gateway/fleet.ts';
import { ORIGIN_BODY } from '../gateway/nginx.ts';
import { startLintas } from '../gateway/servers.ts';
import { benchOptionChecks } from '../lib/options.ts';
import { runBench } from '../lib/run-bench.ts';
import { createSupervisor, freePort, lintasEntry, namedThreadsTimes, threadCpuSeconds, threadTimesByName, waitFor, type Proc, type ThreadTimes } from '../lib/procs.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { BIG_FILE, DEFAULT_SERVICES, SMALL_FILE, flipReady, writeEditFleet } from './fleet.ts';
import { startEditor, type Editor } from './editor.ts';
import { constantRate, parseLoopDelays, type LoopDelay } from './load.ts';
import { constantRateDns } from './dns-load.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const USAGE = `usage: node --import tsx bench/config-edits/run.ts [--rate 200] [--seconds 10] [--rounds 3] [--warmup 2] [--edit-every-ms 500]
                 [--services ${DEFAULT_SERVICES}] [--big-endpoints 10000] [--lintas auto|dist|src] [--root DIR] [--keep] [--json]
                 [--gateway-workers N]   (serve's flag; 0: the gateways on serve's main thread, as before issue 14 item 5)
                 [--dns-rate 100]        (DNS queries per second to serve, sent with the GETs)`;
const REQUEST_TIMEOUT_MS = 5_000;
/** p99 with edits over p99 without (issue 14 item 5). */
const TARGET_RATIO = 1.5;

const { intOption, lintasOption, usageError } = benchOptionChecks('bench:config-edits', USAGE);

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        rate: { type: 'string', default: '200' },
        seconds: { type: 'string', default: '10' },
        rounds: { type: 'string', default: '3' },
        warmup: { type: 'string', default: '2' },
        'edit-every-ms': { type: 'string', default: '500' },
        services: { type: 'string', default: String(DEFAULT_SERVICES) },
        'big-endpoints': { type: 'string', default: '10000' },
        lintas: { type: 'string', default: 'auto' },
        'gateway-workers': { type: 'string' },
        'dns-rate': { type: 'string', default: '100' },
        root: { type: 'string', default: fileURLToPath(new URL('../../', import.meta.url)) },
        keep: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    rate: intOption(values.rate, 'rate', 1, 5_000),
    dnsRate: intOption(values['dns-rate'], 'dns-rate', 1, 5_000),
    seconds: intOption(values.seconds, 'seconds', 1, 120),
    rounds: intOption(values.rounds, 'rounds', 1, 20),
    warmup: intOption(values.warmup, 'warmup', 0, 30),
    editEveryMs: intOption(values['edit-every-ms'], 'edit-every-ms', 50, 60_000),
    services: intOption(values.services, 'services', 1, 3_000),
    bigEndpoints: intOption(values['big-endpoints'], 'big-endpoints', 1, 30_000),
    lintas: lintasOption(values.lintas),
    gatewayWorkers: values['gateway-workers'] === undefined ? undefined : intOption(values['gateway-workers'], 'gateway-workers', 0, 16),
    root: resolve(values.root),
    keep: values.keep,
    json: values.json,
  };
}

const options = parseOptions();
const say = (line: string): void => void (options.json ? process.stderr : process.stdout).write(`${line}\n`);
const sv = createSupervisor('bench:config-edits', (line) => console.error(line));
// The thread that writes the edits (editor.ts), started in main().
let editor: Editor;
const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** What a phase measured besides its latencies. */
interface PhaseFigures {
  readonly errors: number;
  /** The errors by kind (load.ts). */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** The serve process's main-thread event-loop delay during the phase. */
  readonly loopDelay: LoopDelay | undefined;
  /** Edits written, and fleet loads that reached DNS (lintas_mcs_propagation_lag_seconds_count). */
  readonly edits: number;
  readonly loads: number;
  /** CPU seconds the serve process's main thread used during the phase (Linux; a loader worker's are not counted). */
  readonly mainThreadCpuSeconds: number | undefined;
  /** CPU seconds of the embedded gateways' worker threads (`lintas-gw-*`) during the phase; 0 when they run on the main thread. */
  readonly gatewayWorkersCpuSeconds: number | undefined;
  /** CPU seconds of the fleet loader's thread (`lintas-loader`) during the phase. */
  readonly loaderCpuSeconds: number | undefined;
  /** Seconds the gateway workers were runnable but waited for a CPU during the phase (schedstat). */
  readonly gatewayRunqueueSeconds: number | undefined;
  /** Every thread's CPU and run-queue seconds during the phase, by process (`serve`, `bench`) and thread name. */
  readonly threads: ReadonlyMap<string, ThreadTimes>;
}

/** What one phase measured, before the rounds are pooled. */
interface RawPhase extends PhaseFigures {
  readonly latencies: readonly number[];
  /** Of the DNS queries sent meanwhile (dns-load.ts). */
  readonly dnsLatencies: readonly number[];
  readonly dnsLost: number;
}

/** The phases of one kind (quiet, or with edits) of a case, every round pooled. */
interface Phase extends PhaseFigures {
  readonly requests: number;
  readonly latency: Summary;
  /** serve's DNS answers during the phase (TXT queries at --dns-rate, sent → answer). */
  readonly dns: { readonly queries: number; readonly lost: number; readonly latency: Summary };
}

interface CaseResult {
  readonly name: string;
  readonly objects: number;
  readonly quiet: Phase;
  readonly edits: Phase;
  readonly ratio: number;
  /** The same ratio of serve's DNS answers. */
  readonly dnsRatio: number;
  /** Extra main-thread CPU per edit: (edit phase − quiet phase) / edits, ms. */
  readonly mainThreadMsPerEdit: number | undefined;
  /** Extra CPU per edit of the thread(s) that proxy: the gateway workers, or the main thread when there are none, ms. */
  readonly proxyThreadMsPerEdit: number | undefined;
  /** Extra CPU per edit of the fleet loader's thread, ms. */
  readonly loaderMsPerEdit: number | undefined;
  /** Extra run-queue wait per edit of the gateway workers (runnable, no CPU), ms. */
  readonly gatewayWaitMsPerEdit: number | undefined;
  /** Extra CPU and run-queue wait per edit of every thread, by `process/thread name`, ms (the largest first). */
  readonly threadsPerEdit: readonly { readonly thread: string; readonly cpuMs: number; readonly waitMs: number }[];
}

/** The embedded gateways' worker threads' name prefix (dataplanes/gateway-role/worker-pool.ts). */
const GATEWAY_THREADS = 'lintas-gw-';
/** The fleet loader's thread name (sources/directory/load-worker.ts). */
const LOADER_THREAD = 'lintas-loader';

/** (edit phase − quiet phase) / edits of a CPU figure, ms. */
function perEditMs(quiet: number | undefined, edited: number | undefined, edits: number): number | undefined {
  return quiet === undefined || edited === undefined || edits === 0 ? undefined : ((edited - quiet) * 1000) / edits;
}

/** Both processes' threads by `process/name`: serve's and the bench's own (load generator, origin, DNS client, editor). */
function threadTimes(servePid: number | undefined): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>();
  for (const [label, pid] of [['serve', servePid], ['bench', process.pid]] as const) for (const [name, t] of threadTimesByName(pid)) out.set(`${label}/${name}`, t);
  return out;
}

/** b − a per thread name (a thread that appeared counts from 0). */
function threadDiff(a: ReadonlyMap<string, ThreadTimes>, b: ReadonlyMap<string, ThreadTimes>): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>();
  for (const [name, t] of b) out.set(name, { cpu: t.cpu - (a.get(name)?.cpu ?? 0), wait: t.wait - (a.get(name)?.wait ?? 0) });
  return out;
}

/** The sum per thread name over phases. */
function threadSum(phases: readonly ReadonlyMap<string, ThreadTimes>[]): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>();
  for (const p of phases) for (const [name, t] of p) out.set(name, { cpu: (out.get(name)?.cpu ?? 0) + t.cpu, wait: (out.get(name)?.wait ?? 0) + t.wait });
  return out;
}

/** Asks the serve process for its loop delay since the previous ask (SIGUSR2 → one stderr line). */
async function loopDelay(proc: Proc): Promise<LoopDelay | undefined> {
  const before = parseLoopDelays(proc.output()).length;
  proc.child.kill('SIGUSR2');
  const reports = await waitFor('the loop-delay report', 10_000, () => {
    const all = parseLoopDelays(proc.output());
    return all.length > before ? all : undefined;
  }, proc);
  return reports[reports.length - 1];
}

async function loadsSoFar(admin: string): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  return Number(/^lintas_mcs_propagation_lag_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
}

async function runCase(temp: string, originPort: number, entry: 'dist' | 'src', index: number, big: boolean): Promise<CaseResult> {
  const dir = join(temp, `case-${index}`);
  const fleet = join(dir, 'fleet');
  const listenerPort = await freePort('127.0.0.1');
  const objects = writeEditFleet(fleet, { services: options.services, bigEndpoints: big ? options.bigEndpoints : 0, listenerPort, originPort });
  const file = big ? BIG_FILE : SMALL_FILE;
  const name = big ? `${objects} objects incl. a ${options.bigEndpoints}-endpoint file; edits to that file` : `${objects} objects; edits to ${file}`;
  mkdirSync(join(dir, 'state'), { recursive: true });
  const path = targetPath(1);
  const lintas = await startLintas(sv, {
    root: options.root,
    entry,
    fleet,
    stateDir: join(dir, 'state'),
    accessLog: join(dir, 'access.log'),
    listenerPort,
    path,
    scheme: 'http',
    nodeArgs: ['--import', 'tsx', '--import', join(HERE, 'loop-delay.ts')],
    ...(options.gatewayWorkers !== undefined ? { serveArgs: ['--gateway-workers', String(options.gatewayWorkers)] } : {}),
  });
  const url = `http://127.0.0.1:${listenerPort}${path}`;
  const dnsPort = Number(/DNS udp\+tcp [^\s,]+:(\d+)/.exec(lintas.proc.output())?.[1] ?? NaN);
  const requests = options.rate * options.seconds;
  const load = (onTick?: () => void) =>
    constantRate({ url, requests, ratePerSecond: options.rate, timeoutMs: REQUEST_TIMEOUT_MS, body: ORIGIN_BODY, ...(onTick ? { onTick, tickMs: options.editEveryMs } : {}) });
  try {
    say(`\n[${name}] lintas gateway ${url} (admin ${lintas.admin}); ${requests} requests per phase at ${options.rate}/s, ${String(options.rounds)} rounds`);
    if (lintas.proc.output().includes('cannot start the fleet loader worker')) say('  note: this serve loads the fleet on its main thread (its loader worker could not start; see its log)');
    if (options.warmup > 0) await constantRate({ url, requests: options.rate * options.warmup, ratePerSecond: options.rate, timeoutMs: REQUEST_TIMEOUT_MS, body: ORIGIN_BODY });
    await loopDelay(lintas.proc);

    const pid = lintas.proc.child.pid;
    const gatewayCpu = (): number => namedThreadsTimes(pid, GATEWAY_THREADS).cpu;
    const loaderCpu = (): number => namedThreadsTimes(pid, LOADER_THREAD).cpu;
    const gatewayWait = (): number => namedThreadsTimes(pid, GATEWAY_THREADS).wait;
    const diff = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : b - a);
    const sum = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a + b);
    let edits = 0;
    /** One phase: the load, with an edit every --edit-every-ms when `editing`. */
    const phase = async (editing: boolean): Promise<RawPhase> => {
      const [loads0, cpu0, gw0, ld0, wait0, edits0, threads0] = [await loadsSoFar(lintas.admin), threadCpuSeconds(pid), gatewayCpu(), loaderCpu(), gatewayWait(), edits, threadTimes(pid)];
      const [run, dns] = await Promise.all([
        load(editing ? () => editor.edit(fleet, file, edits++) : undefined),
        constantRateDns({ port: dnsPort, queries: options.dnsRate * options.seconds, ratePerSecond: options.dnsRate, timeoutMs: REQUEST_TIMEOUT_MS }),
      ]);
      if (editing) await editor.drain();
      const [cpu1, gw1, ld1, wait1, threads1] = [threadCpuSeconds(pid), gatewayCpu(), loaderCpu(), gatewayWait(), threadTimes(pid)];
      return { latencies: run.latencies, dnsLatencies: dns.latencies, dnsLost: dns.lost, errors: run.errors, errorKinds: run.errorKinds, loopDelay: await loopDelay(lintas.proc), edits: edits - edits0, loads: (await loadsSoFar(lintas.admin)) - loads0, mainThreadCpuSeconds: diff(cpu0, cpu1), gatewayWorkersCpuSeconds: diff(gw0, gw1), loaderCpuSeconds: diff(ld0, ld1), gatewayRunqueueSeconds: diff(wait0, wait1), threads: threadDiff(threads0, threads1) };
    };
    // Rounds of a quiet phase then an edit phase: both kinds sample the same stretches of the
    // machine's load, which on a shared 2-core machine drifts more than an edit moves the p99.
    const quietRounds: RawPhase[] = [];
    const editRounds: RawPhase[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const q = await phase(false);
      const e = await phase(true);
      quietRounds.push(q);
      editRounds.push(e);
      say(`  round ${String(r + 1)}: p99 ${fmt(summarize(q.latencies).p99, 2)} ms without edits, ${fmt(summarize(e.latencies).p99, 2)} ms with ${String(e.edits)} edits (${fmt(summarize(e.latencies).p99 / summarize(q.latencies).p99, 2)}×); DNS p99 ${fmt(summarize(q.dnsLatencies).p99, 2)} → ${fmt(summarize(e.dnsLatencies).p99, 2)} ms`);
    }
    if (edits % 2 === 1) flipReady(fleet, file, edits++); // leave the file as it started
    const pool = (rounds: readonly RawPhase[]): Phase => {
      const latencies = rounds.flatMap((p) => p.latencies);
      const worst = (pick: (d: LoopDelay) => number): number => Math.max(...rounds.map((p) => (p.loopDelay === undefined ? NaN : pick(p.loopDelay))));
      return {
        requests: latencies.length + rounds.reduce((n, p) => n + p.errors, 0),
        errors: rounds.reduce((n, p) => n + p.errors, 0),
        errorKinds: rounds.reduce<Record<string, number>>((kinds, p) => {
          for (const [kind, n] of Object.entries(p.errorKinds)) kinds[kind] = (kinds[kind] ?? 0) + n;
          return kinds;
        }, {}),
        latency: summarize(latencies),
        dns: { queries: rounds.reduce((n, p) => n + p.dnsLatencies.length + p.dnsLost, 0), lost: rounds.reduce((n, p) => n + p.dnsLost, 0), latency: summarize(rounds.flatMap((p) => p.dnsLatencies)) },
        loopDelay: { p50: worst((d) => d.p50), p99: worst((d) => d.p99), max: worst((d) => d.max), samples: rounds.reduce((n, p) => n + (p.loopDelay?.samples ?? 0), 0) },
        edits: rounds.reduce((n, p) => n + p.edits, 0),
        loads: rounds.reduce((n, p) => n + p.loads, 0),
        mainThreadCpuSeconds: rounds.map((p) => p.mainThreadCpuSeconds).reduce(sum),
        gatewayWorkersCpuSeconds: rounds.map((p) => p.gatewayWorkersCpuSeconds).reduce(sum),
        loaderCpuSeconds: rounds.map((p) => p.loaderCpuSeconds).reduce(sum),
        gatewayRunqueueSeconds: rounds.map((p) => p.gatewayRunqueueSeconds).reduce(sum),
        threads: threadSum(rounds.map((p) => p.threads)),
      };
    };
    const quiet = pool(quietRounds);
    const edited = pool(editRounds);
    for (const [label, p] of [['no edits', quiet], ['edits', edited]] as const) {
      say(
        `  ${label.padEnd(8)} p50 ${fmt(p.latency.p50, 2)} ms, p99 ${fmt(p.latency.p99, 2)} ms, max ${fmt(p.latency.max)} ms (${String(p.requests)} requests), ${p.errors} errors${p.errors > 0 ? ` (${Object.entries(p.errorKinds).map(([k, n]) => `${k}: ${String(n)}`).join(', ')})` : ''}; ` +
          `serve event-loop delay p99 ${fmt(p.loopDelay?.p99 ?? NaN)} ms, max ${fmt(p.loopDelay?.max ?? NaN)} ms; main thread CPU ${fmt((p.mainThreadCpuSeconds ?? NaN) * 1000, 0)} ms, gateway workers' ${fmt((p.gatewayWorkersCpuSeconds ?? NaN) * 1000, 0)} ms (waited for a CPU ${fmt((p.gatewayRunqueueSeconds ?? NaN) * 1000, 0)} ms); ${p.edits} edits, ${p.loads} loads reached DNS; ` +
          `DNS p50 ${fmt(p.dns.latency.p50, 2)} ms, p99 ${fmt(p.dns.latency.p99, 2)} ms, max ${fmt(p.dns.latency.max)} ms (${String(p.dns.queries)} queries, ${String(p.dns.lost)} lost)`,
      );
    }
    const perEdit = perEditMs(quiet.mainThreadCpuSeconds, edited.mainThreadCpuSeconds, edits);
    const workers = (quiet.gatewayWorkersCpuSeconds ?? 0) + (edited.gatewayWorkersCpuSeconds ?? 0) > 0;
    const proxyPerEdit = workers ? perEditMs(quiet.gatewayWorkersCpuSeconds, edited.gatewayWorkersCpuSeconds, edits) : perEdit;
    const loaderPerEdit = perEditMs(quiet.loaderCpuSeconds, edited.loaderCpuSeconds, edits);
    const waitPerEdit = perEditMs(quiet.gatewayRunqueueSeconds, edited.gatewayRunqueueSeconds, edits);
    const threadsPerEdit = [...new Set([...quiet.threads.keys(), ...edited.threads.keys()])]
      .map((thread) => ({ thread, cpuMs: perEditMs(quiet.threads.get(thread)?.cpu ?? 0, edited.threads.get(thread)?.cpu ?? 0, edits) ?? NaN, waitMs: perEditMs(quiet.threads.get(thread)?.wait ?? 0, edited.threads.get(thread)?.wait ?? 0, edits) ?? NaN }))
      .sort((a, b) => Math.abs(b.cpuMs) + Math.abs(b.waitMs) - Math.abs(a.cpuMs) - Math.abs(a.waitMs) || a.thread.localeCompare(b.thread));
    say(`  per edit, by thread (extra CPU / extra wait for a CPU, ms): ${threadsPerEdit.filter((t) => Math.abs(t.cpuMs) >= 0.1 || Math.abs(t.waitMs) >= 0.1).map((t) => `${t.thread} ${fmt(t.cpuMs, 2)}/${fmt(t.waitMs, 2)}`).join(', ')}`);
    say(`  serve main thread: ${fmt(perEdit ?? NaN, 0)} ms of CPU per edit (edit phase − quiet phase, / edits); the loader thread: ${fmt(loaderPerEdit ?? NaN, 0)} ms; the thread that proxies (${workers ? 'the gateway worker' : 'the main thread'}): ${fmt(proxyPerEdit ?? NaN, 1)} ms; the gateway workers' extra wait for a CPU: ${fmt(waitPerEdit ?? NaN, 2)} ms per edit`);
    return { name, objects, quiet, edits: edited, ratio: edited.latency.p99 / quiet.latency.p99, dnsRatio: edited.dns.latency.p99 / quiet.dns.latency.p99, mainThreadMsPerEdit: perEdit, proxyThreadMsPerEdit: proxyPerEdit, loaderMsPerEdit: loaderPerEdit, gatewayWaitMsPerEdit: waitPerEdit, threadsPerEdit };
  } finally {
    await sv.stop(lintas.proc);
  }
}

async function startOrigin(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(ORIGIN_BODY);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, originAddress(0), resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<number> {
  const picked = lintasEntry(options.root, options.lintas);
  if ('error' in picked) return usageError(picked.error);
  const temp = mkdtempSync(join(tmpdir(), 'lintas-config-edits-bench-'));
  sv.addTempDir(temp);
  const load0 = loadavg()[0] ?? 0;
  say(`config-edit benchmark: ${options.root} (${picked.mode}: ${picked.why}), node ${process.version}, ${availableParallelism()} CPUs, load average ${load0.toFixed(2)}`);
  say(`load: ${options.rate} GET/s, open loop, ${options.rounds} rounds of ${options.seconds} s without edits then ${options.seconds} s with a one-line edit every ${options.editEveryMs} ms (serve's debounce 200 ms), after a ${options.warmup} s warm-up`);
  say(`embedded gateways: ${options.gatewayWorkers === undefined ? "serve's default" : options.gatewayWorkers === 0 ? "on serve's main thread (--gateway-workers 0)" : `--gateway-workers ${String(options.gatewayWorkers)}`}`);
  const origin = await startOrigin();
  editor = startEditor();
  try {
    const cases = [await runCase(temp, origin.port, picked.mode, 1, false), await runCase(temp, origin.port, picked.mode, 2, true)];
    const load1 = loadavg()[0] ?? 0;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ root: options.root, lintas: picked.mode, namespace: BENCH_NAMESPACE, params: options, loadAverage: [load0, load1], target: TARGET_RATIO, cases }, (_key, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value), 2)}\n`);
    } else {
      say('');
      for (const c of cases) say(`${c.name}: p99 with edits / without = ${fmt(c.ratio, 2)}× (target ≤ ${TARGET_RATIO}×: ${c.ratio <= TARGET_RATIO ? 'met' : 'NOT met'}); serve main thread ${fmt(c.mainThreadMsPerEdit ?? NaN, 0)} ms CPU per edit, the thread that proxies ${fmt(c.proxyThreadMsPerEdit ?? NaN, 1)} ms; DNS p99 with edits / without = ${fmt(c.dnsRatio, 2)}×`);
      say(`load average ${load0.toFixed(2)} → ${load1.toFixed(2)} (${availableParallelism()} CPUs shared with the load generator and the origin)`);
    }
    return cases.some((c) => c.quiet.errors + c.edits.errors > 0) ? 1 : 0;
  } finally {
    await editor.close();
    await origin.close();
  }
}

// Bounded whatever happens: two start-ups, and per case a warm-up and two phases plus their drains.
const WATCHDOG_MS = 2 * (60_000 + (options.warmup + 2 * options.rounds * options.seconds) * 1000 + (1 + 2 * options.rounds) * (REQUEST_TIMEOUT_MS + 10_000));
await runBench('bench:config-edits', { watchdogMs: WATCHDOG_MS, cleanup: () => sv.cleanup(options.keep), main });
