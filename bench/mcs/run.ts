/**
 * MCS benchmark (issue 3, "Benchmarks"):
 *
 *  1. Full translate on 20 clusters × 1,000 exported Services × 10 endpoints
 *     (200k endpoints): loadFleet time, `translateMcs` cold and warm, peak RSS,
 *     each mode in its own child process; reference peer: a naive fan-out that
 *     structuredClones every source EndpointSlice once and shares the copies
 *     with every cluster (and, with --literal-peer, one clone per cluster).
 *  2. Flip-to-answer latency: `lintas serve` on a generated fleet with headless
 *     Services; ≥100 flips of one endpoint's ready condition in a watched file,
 *     DNS polled until the answer changes; p50/p99/max, against the floor (write
 *     → fs.watch callback). Optionally the same wiring with a shorter watcher
 *     debounce (serve has no flag for it), labelled as a variant.
 *
 * Usage: npm run bench:mcs -- [options]   (see --help)
 * @module
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { generateMcsFleet, type McsFleetOptions } from './generate.ts';
import { measureFlips, stopChild, type FlipReport, type ServerSpec } from './flip.ts';
import type { ReloadBreakdown, TranslateMode, TranslateReport } from './translate-child.ts';
import { summarize, type Summary } from '../lib/stats.ts';

const USAGE = `usage: npm run bench:mcs -- [options]
part 1 (translate):
  --clusters 20 --services 1000 --endpoints 10 --headless-every 10
  --literal-peer            also run the peer that clones every slice into every cluster (~50 s, ~2.8 GiB)
  --skip-translate
part 2 (flip-to-answer):
  --flip-clusters 4 --flip-services 100   flip fleet (same --endpoints and --headless-every)
  --flips 100 --flip-timeout-ms 5000 --poll-ms 2 --settle-ms 50 --flip-budget-s 300
  --variant-debounce 10     also measure serve's wiring with this watcher debounce; "off" to skip
  --serve auto|bin|src      how to start lintas serve (auto: bin/lintas.js when dist/ is current and has serve)
  --skip-flip
  --keep                    keep the temporary fleets`;

const { values } = parseArgs({
  options: {
    clusters: { type: 'string', default: '20' },
    services: { type: 'string', default: '1000' },
    endpoints: { type: 'string', default: '10' },
    'headless-every': { type: 'string', default: '10' },
    'literal-peer': { type: 'boolean', default: false },
    'skip-translate': { type: 'boolean', default: false },
    'flip-clusters': { type: 'string', default: '4' },
    'flip-services': { type: 'string', default: '100' },
    flips: { type: 'string', default: '100' },
    'flip-timeout-ms': { type: 'string', default: '5000' },
    'poll-ms': { type: 'string', default: '2' },
    'settle-ms': { type: 'string', default: '50' },
    'flip-budget-s': { type: 'string', default: '300' },
    'variant-debounce': { type: 'string', default: '10' },
    serve: { type: 'string', default: 'auto' },
    'skip-flip': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const root = new URL('../../', import.meta.url).pathname;
const CHILD_TIMEOUT_MS = 10 * 60 * 1000;
const GIB = 1024;
const TARGET_TRANSLATE_MS = 2000;
const TARGET_RSS_MIB = 1.5 * GIB;
const TARGET_FLIP_P99_MS = 100;

const num = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${v}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const fleetOptions: McsFleetOptions = {
  clusters: num('clusters', values.clusters),
  servicesPerCluster: num('services', values.services),
  endpointsPerSlice: num('endpoints', values.endpoints),
  headlessEvery: num('headless-every', values['headless-every']),
};
const flipFleet: McsFleetOptions = { ...fleetOptions, clusters: num('flip-clusters', values['flip-clusters']), servicesPerCluster: num('flip-services', values['flip-services']) };

const tmp = mkdtempSync(join(tmpdir(), 'lintas-bench-mcs-'));
const children = new Set<ChildProcess>();
const track = (child: ChildProcess): void => {
  children.add(child);
  child.once('exit', () => children.delete(child));
};
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await Promise.all([...children].map((c) => stopChild(c, 2000)));
  if (!values.keep) rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

function generate(dir: string, opts: McsFleetOptions): void {
  const t = performance.now();
  const g = generateMcsFleet(dir, opts);
  console.log(
    `generated ${opts.clusters} clusters × ${opts.servicesPerCluster} Services × ${opts.endpointsPerSlice} endpoints ` +
      `(${g.endpoints} endpoints, ${g.headlessServices} headless Services, ${g.objects} objects, ${(g.bytes / 1048576).toFixed(1)} MiB) in ${Math.round(performance.now() - t)} ms`,
  );
}

// ---------------------------------------------------------------- part 1

async function runChild<T>(mode: TranslateMode | 'reload-breakdown', dir: string): Promise<T> {
  const run = promisify(execFile);
  const promise = run(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/mcs/translate-child.ts', mode, dir], { cwd: root, timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 << 20 });
  track(promise.child);
  const { stdout } = await promise;
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
}

async function translateChild(mode: TranslateMode, dir: string): Promise<TranslateReport> {
  const report = await runChild<TranslateReport>(mode, dir);
  if (report.errors > 0) throw new Error(`the generated fleet has ${report.errors} validation errors`);
  return report;
}

async function partTranslate(): Promise<void> {
  console.log('\n== part 1: full translate ==');
  const dir = join(tmp, 'full');
  generate(dir, fleetOptions);
  const modes: TranslateMode[] = ['lintas', 'clone-once', ...(values['literal-peer'] ? (['clone-per-cluster'] as const) : [])];
  const reports: TranslateReport[] = [];
  for (const mode of modes) {
    console.log(`measuring ${mode} (own process)...`);
    reports.push(await translateChild(mode, dir));
  }
  const names: Record<TranslateMode, string> = {
    lintas: 'lintas translateMcs',
    'clone-once': 'peer: clone each slice once, share',
    'clone-per-cluster': 'peer: clone each slice per cluster',
  };
  const w = Math.max(...reports.map((r) => names[r.mode].length));
  console.log(`\n${'run'.padEnd(w)}  load(ms)  cold(ms)  warm(ms)  RSS after load  peak RSS  heap used  imports  slices  endpoints  slice refs`);
  for (const r of reports) {
    console.log(
      `${names[r.mode].padEnd(w)}  ${String(r.loadMs).padStart(8)}  ${String(r.coldMs).padStart(8)}  ${String(r.warmMs).padStart(8)}  ` +
        `${`${r.maxRssAfterLoadMiB} MiB`.padStart(14)}  ${`${r.maxRssMiB} MiB`.padStart(8)}  ${`${r.heapUsedMiB} MiB`.padStart(9)}  ` +
        `${String(r.imports).padStart(7)}  ${String(r.importedSlices).padStart(6)}  ${String(r.importedEndpoints).padStart(9)}  ${String(r.sliceRefs).padStart(10)}`,
    );
  }
  const lintas = reports[0] as TranslateReport;
  console.log('');
  console.log(`loadFleet (read + parse + validate, not part of translate): ${lintas.loadMs} ms, ${lintas.objects} objects`);
  console.log(`translate cold ${lintas.coldMs} ms, warm ${lintas.warmMs} ms  (target < ${TARGET_TRANSLATE_MS} ms: ${verdict(lintas.coldMs < TARGET_TRANSLATE_MS && lintas.warmMs < TARGET_TRANSLATE_MS)})`);
  console.log(`peak RSS ${lintas.maxRssMiB} MiB, of which the load alone peaked at ${lintas.maxRssAfterLoadMiB} MiB  (target < ${TARGET_RSS_MIB} MiB: ${verdict(lintas.maxRssMiB < TARGET_RSS_MIB)})`);
  for (const peer of reports.slice(1)) {
    console.log(`ratio lintas / ${names[peer.mode].replace('peer: ', '')}: cold ${ratio(lintas.coldMs, peer.coldMs)}, warm ${ratio(lintas.warmMs, peer.warmMs)}, peak RSS ${ratio(lintas.maxRssMiB, peer.maxRssMiB)}`);
  }
}

// ---------------------------------------------------------------- part 2

/** bin/lintas.js runs dist/lintas.js when present; use it only when it is current and has `serve`. */
function serveSpec(fleetDir: string, stateDir: string): ServerSpec {
  const args = ['serve', '--config', fleetDir, '--dns', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--state-dir', stateDir];
  const banner = /lintas serve: DNS udp\+tcp [^\s]+:(\d+), admin (http:\/\/[^\s]+)/;
  const bundle = join(root, 'dist', 'lintas.js');
  let useBin = values.serve === 'bin';
  if (values.serve === 'auto') {
    const hasServe = existsSync(bundle) && readFileSync(bundle, 'utf8').includes('lintas serve:');
    const newest = newestMtime(join(root, 'src'));
    const current = existsSync(bundle) && statSync(bundle).mtimeMs >= newest;
    useBin = hasServe && current;
    if (!useBin) console.log(`note: dist/lintas.js is ${!existsSync(bundle) ? 'missing' : !hasServe ? 'stale (has no serve command)' : 'older than src/'}; running serve from source (node --import tsx src/cli/main.ts serve)`);
  }
  return useBin
    ? { label: 'lintas serve', command: process.execPath, args: ['bin/lintas.js', ...args], cwd: root, banner }
    : { label: 'lintas serve', command: process.execPath, args: ['--import', 'tsx', 'src/cli/main.ts', ...args], cwd: root, banner };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

function printFlip(r: FlipReport): Summary {
  const lat = summarize(r.latencies);
  const floor = summarize(r.floor);
  console.log(`\n${r.label}: ${r.latencies.length}/${r.attempted} flips answered, ${r.timeouts} timed out (> ${values['flip-timeout-ms']} ms)${r.budgetExhausted ? ', stopped by the time budget' : ''}; startup to full answers ${Math.round(r.startupMs)} ms`);
  console.log(`  write → changed DNS answer: p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms, max ${fmt(lat.max)} ms, min ${fmt(lat.min)} ms  (target p99 < ${TARGET_FLIP_P99_MS} ms: ${verdict(lat.p99 < TARGET_FLIP_P99_MS && r.timeouts === 0)})`);
  console.log(`  floor, write → fs.watch fires (${r.floor.length} flips): p50 ${fmt(floor.p50)} ms, p99 ${fmt(floor.p99)} ms, max ${fmt(floor.max)} ms`);
  console.log(`  ratio ${r.label} / fs.watch floor: p50 ${ratio(lat.p50, floor.p50)}, p99 ${ratio(lat.p99, floor.p99)}`);
  console.log(`  DNS: ${r.queries} polling queries (${r.tcpAnswers} over TCP after TC), ${r.queryErrors} timed out; ${r.transientAnswers} answers were neither the old nor the new set`);
  return lat;
}

async function partFlip(): Promise<void> {
  console.log('\n== part 2: flip-to-answer latency ==');
  const dir = join(tmp, 'flip');
  generate(dir, flipFleet);
  const base = {
    dir,
    fleet: flipFleet,
    flips: num('flips', values.flips),
    flipTimeoutMs: num('flip-timeout-ms', values['flip-timeout-ms']),
    pollMs: num('poll-ms', values['poll-ms']),
    settleMs: num('settle-ms', values['settle-ms']),
    budgetMs: num('flip-budget-s', values['flip-budget-s']) * 1000,
    startTimeoutMs: 120_000,
    track,
  };
  const cost = await runChild<ReloadBreakdown>('reload-breakdown', dir);
  console.log(
    `one reload of this fleet, in-process and warm (medians): loadFleet ${fmt(cost.loadMs)} ms + translateMcs ${fmt(cost.translateMs)} ms + indexZone ${fmt(cost.indexMs)} ms = ${fmt(cost.loadMs + cost.translateMs + cost.indexMs)} ms`,
  );
  console.log(`flips: ${base.flips}, poll every ${base.pollMs} ms after each reply, settle ${base.settleMs} ms between flips, per-flip timeout ${base.flipTimeoutMs} ms, budget ${base.budgetMs / 1000} s per server`);
  const stateDir = join(tmp, 'state-serve');
  mkdirSync(stateDir, { recursive: true });
  const serve = printFlip(await measureFlips({ ...base, server: serveSpec(dir, stateDir) }));
  console.log(`  note: lintas serve runs with its default --debounce (the quiet period after a change before reloading); reloads reuse unchanged files' decoded objects.`);

  if (values['variant-debounce'] !== 'off') {
    const debounce = num('variant-debounce', values['variant-debounce']);
    const variantState = join(tmp, 'state-variant');
    mkdirSync(variantState, { recursive: true });
    const variant = printFlip(
      await measureFlips({
        ...base,
        server: {
          label: `variant (serve wiring, debounce ${debounce} ms)`,
          command: process.execPath,
          args: ['--import', 'tsx', 'bench/mcs/serve-variant.ts', dir, variantState, String(debounce)],
          cwd: root,
          banner: /lintas-variant: DNS udp\+tcp [^\s]+:(\d+)/,
        },
      }),
    );
    console.log(`  lintas serve p50 − variant p50 = ${fmt(serve.p50 - variant.p50)} ms (the debounce difference is ${200 - debounce} ms)`);
  }
}

try {
  console.log(`lintas MCS bench (node ${process.version}); temp ${tmp}`);
  if (!values['skip-translate']) await partTranslate();
  if (!values['skip-flip']) await partFlip();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
