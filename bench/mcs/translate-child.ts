/**
 * Child process of the MCS bench, part 1 (full translate). Loads one fleet with
 * `loadFleet`, then runs one of:
 *
 *   lintas             `translateMcs` cold (first call in the process), then warm
 *                      (second call, fed the first call's state, as the runner does)
 *   clone-once         reference peer: `structuredClone` every source EndpointSlice
 *                      once, stamp the three MCS labels, and fan the copies out by
 *                      reference into every member cluster's list (Lintas shares its
 *                      imported slices between clusters the same way)
 *   clone-per-cluster  reference peer, literal: `structuredClone` every source
 *                      EndpointSlice into every member cluster
 *
 *   reload-breakdown   what one `lintas serve` reload costs on this fleet: loadFleet,
 *                      translateMcs and indexZone, 8 rounds, medians of rounds 4-8
 *                      (the process is warm by then, as a long-running serve is)
 *
 * and prints one JSON line. Runs in its own process so that peak RSS
 * (`process.resourceUsage().maxRSS`) belongs to this fleet and this mode alone.
 * Started with `--expose-gc`: a full GC runs after the load and between the two
 * runs, so neither run pays for the loader's (or the other run's) garbage.
 *
 * Usage: node --expose-gc --import tsx bench/mcs/translate-child.ts MODE DIR
 * @module
 */
import { MANAGED_BY_LABEL, MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, type EndpointSlice, type FleetSnapshot } from '../../src/api/index.ts';
import { EMPTY_MCS_STATE, translateMcs, type McsResult } from '../../src/controllers/mcs/index.ts';
import { indexZone } from '../../src/dataplanes/index.ts';
import { loadFleet } from '../../src/sources/index.ts';

export type TranslateMode = 'lintas' | 'clone-once' | 'clone-per-cluster';

/** The JSON line of the `reload-breakdown` mode (medians, ms). */
export interface ReloadBreakdown {
  readonly mode: 'reload-breakdown';
  readonly loadMs: number;
  readonly translateMs: number;
  readonly indexMs: number;
}

/** The JSON line this child prints. */
export interface TranslateReport {
  readonly mode: TranslateMode;
  readonly loadMs: number;
  readonly objects: number;
  readonly errors: number;
  /** Peak RSS when the load finished, before any translation (MiB). */
  readonly maxRssAfterLoadMiB: number;
  readonly coldMs: number;
  readonly warmMs: number;
  /** Peak RSS of the whole process: load + both runs (MiB). */
  readonly maxRssMiB: number;
  /** V8 heap in use after the warm run, with its result still referenced (MiB). */
  readonly heapUsedMiB: number;
  readonly imports: number;
  /** Distinct imported EndpointSlice objects produced. */
  readonly importedSlices: number;
  /** Imported endpoints in those distinct slices. */
  readonly importedEndpoints: number;
  /** Slice references summed over every member cluster's list. */
  readonly sliceRefs: number;
}

const MODES: readonly TranslateMode[] = ['lintas', 'clone-once', 'clone-per-cluster'];

const isMode = (m: string | undefined): m is TranslateMode => MODES.some((x) => x === m);
const mib = (bytes: number): number => Math.round(bytes / 1048576);
const maxRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

interface Output {
  readonly imports: number;
  readonly slices: ReadonlySet<EndpointSlice>;
  readonly sliceRefs: number;
}

function summarizeLintas(result: McsResult): Output {
  const slices = new Set<EndpointSlice>();
  let sliceRefs = 0;
  for (const c of result.clusters) {
    sliceRefs += c.endpointSlices.length;
    for (const s of c.endpointSlices) slices.add(s);
  }
  return { imports: result.dns.services.length, slices, sliceRefs };
}

/** Every source EndpointSlice of every cluster, with the cluster it came from. */
function sourceSlices(snapshot: FleetSnapshot): { cluster: string; slice: EndpointSlice }[] {
  const out: { cluster: string; slice: EndpointSlice }[] = [];
  for (const [cluster, snap] of snapshot.clusters) {
    for (const { object } of snap.objects) if (object.kind === 'EndpointSlice') out.push({ cluster, slice: object });
  }
  return out;
}

function stamp(copy: EndpointSlice, cluster: string, source: EndpointSlice): EndpointSlice {
  copy.metadata.labels = {
    [MANAGED_BY_LABEL]: 'lintas.dev',
    [MCS_SERVICE_NAME_LABEL]: source.metadata.labels?.['kubernetes.io/service-name'] ?? source.metadata.name,
    [MCS_SOURCE_CLUSTER_LABEL]: cluster,
  };
  return copy;
}

/** Peer: one deep copy per source slice, shared by reference by every member cluster. */
function cloneOnce(snapshot: FleetSnapshot): Map<string, EndpointSlice[]> {
  const copies = sourceSlices(snapshot).map(({ cluster, slice }) => stamp(structuredClone(slice), cluster, slice));
  const out = new Map<string, EndpointSlice[]>();
  for (const cluster of snapshot.clusters.keys()) out.set(cluster, copies.slice());
  return out;
}

/** Peer, literal: one deep copy per (source slice, member cluster). */
function clonePerCluster(snapshot: FleetSnapshot): Map<string, EndpointSlice[]> {
  const sources = sourceSlices(snapshot);
  const out = new Map<string, EndpointSlice[]>();
  for (const cluster of snapshot.clusters.keys()) out.set(cluster, sources.map((s) => stamp(structuredClone(s.slice), s.cluster, s.slice)));
  return out;
}

function summarizePeer(out: Map<string, EndpointSlice[]>): Output {
  const slices = new Set<EndpointSlice>();
  let sliceRefs = 0;
  for (const list of out.values()) {
    sliceRefs += list.length;
    for (const s of list) slices.add(s);
  }
  const names = new Set<string>();
  for (const s of slices) names.add(`${s.metadata.namespace}/${s.metadata.labels?.[MCS_SERVICE_NAME_LABEL]}`);
  return { imports: names.size, slices, sliceRefs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

async function reloadBreakdown(dir: string): Promise<ReloadBreakdown> {
  const load: number[] = [];
  const translate: number[] = [];
  const index: number[] = [];
  let state = EMPTY_MCS_STATE;
  for (let round = 0; round < 8; round++) {
    const t = performance.now();
    const { snapshot } = await loadFleet(dir);
    const t1 = performance.now();
    const result = translateMcs({ snapshot, now: new Date(Date.UTC(2026, 0, 1, 0, 0, round)).toISOString(), state });
    const t2 = performance.now();
    indexZone(result.dns);
    const t3 = performance.now();
    state = result.state;
    if (round < 3) continue;
    load.push(t1 - t);
    translate.push(t2 - t1);
    index.push(t3 - t2);
  }
  return { mode: 'reload-breakdown', loadMs: median(load), translateMs: median(translate), indexMs: median(index) };
}

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2) as [TranslateMode | 'reload-breakdown' | undefined, string | undefined];
  if (mode === 'reload-breakdown' && dir !== undefined) {
    console.log(JSON.stringify(await reloadBreakdown(dir)));
    return;
  }
  if (dir === undefined || !isMode(mode)) {
    console.error(`usage: translate-child.ts ${MODES.join('|')}|reload-breakdown DIR`);
    process.exit(2);
  }
  const loadStart = performance.now();
  const loaded = await loadFleet(dir);
  const loadMs = performance.now() - loadStart;
  const errors = loaded.issues.filter((i) => i.severity === 'error').length;
  const snapshot = loaded.snapshot;
  gc();
  const maxRssAfterLoadMiB = maxRssMiB();

  let coldMs: number;
  let warmMs: number;
  let output: Output;
  if (mode === 'lintas') {
    const now = new Date('2026-01-01T00:00:00Z');
    let t = performance.now();
    const cold = translateMcs({ snapshot, now: now.toISOString(), state: EMPTY_MCS_STATE });
    coldMs = performance.now() - t;
    const state = cold.state;
    gc();
    t = performance.now();
    const warm = translateMcs({ snapshot, now: new Date(now.getTime() + 1000).toISOString(), state });
    warmMs = performance.now() - t;
    output = summarizeLintas(warm);
  } else {
    const run = mode === 'clone-once' ? cloneOnce : clonePerCluster;
    let t = performance.now();
    // The cold run's output is dropped before the warm run, as the lintas cold result is.
    if (run(snapshot).size === 0) throw new Error('no member clusters');
    coldMs = performance.now() - t;
    gc();
    t = performance.now();
    const out = run(snapshot);
    warmMs = performance.now() - t;
    output = summarizePeer(out);
  }
  let importedEndpoints = 0;
  for (const s of output.slices) importedEndpoints += s.endpoints.length;
  const report: TranslateReport = {
    mode,
    loadMs: Math.round(loadMs),
    objects: loaded.stats.objects,
    errors,
    maxRssAfterLoadMiB,
    coldMs: Math.round(coldMs),
    warmMs: Math.round(warmMs),
    maxRssMiB: maxRssMiB(),
    heapUsedMiB: mib(process.memoryUsage().heapUsed),
    imports: output.imports,
    importedSlices: output.slices.size,
    importedEndpoints,
    sliceRefs: output.sliceRefs,
  };
  console.log(JSON.stringify(report));
}

await main();
