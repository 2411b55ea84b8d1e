/**
 * What bench/kube reads back: whether every API server holds what the runtime's MCS result says it
 * should (the "imported everywhere" condition), and the write counter per cluster from /metrics.
 * @module
 */
import type { ServeRuntime } from '../../src/runtime/index.ts';
import type { KubeObject } from '../../src/sources/index.ts';

/** What the bench watches in one cluster's API server (Lintas's objects only: the owner label). */
export interface WatchedImports {
  readonly imports: ReadonlyMap<string, KubeObject>;
  readonly slices: ReadonlyMap<string, KubeObject>;
}

let lastProgress = 0;

/**
 * True once the MCS result covers all `exportsTotal` exports and every cluster's API server holds
 * each ServiceImport of that result (a ClusterSetIP one with its IP) and each imported slice, as the
 * bench's watches of the API servers see them (a watch, not a list per check: listing thousands of
 * objects every 500 ms loaded the API servers more than the write-back did). Logs progress at most every 10 s.
 */
export function importedEverywhere(watched: ReadonlyMap<string, WatchedImports>, runtime: ServeRuntime, clusters: readonly string[], exportsTotal: number, progress: (line: string) => void): boolean {
  const result = runtime.bus.mcs.get('latest')?.result;
  const exportsSeen = result?.clusters.reduce((n, c) => n + c.serviceExports.length, 0) ?? 0;
  const counts = clusters.map((cluster) => {
    const want = result?.clusters.find((c) => c.cluster === cluster);
    const w = watched.get(cluster);
    const imports = [...(w?.imports.values() ?? [])] as { spec?: { type?: string; ips?: string[] } }[];
    const ready = imports.filter((si) => si.spec?.type === 'Headless' || (si.spec?.ips?.length ?? 0) > 0).length;
    return { cluster, ready, slices: w?.slices.size ?? 0, wantImports: want?.serviceImports.length ?? -1, wantSlices: want?.endpointSlices.length ?? -1 };
  });
  const done = exportsSeen === exportsTotal && counts.every((c) => c.ready === c.wantImports && c.slices === c.wantSlices);
  if (!done && performance.now() - lastProgress > 10_000) {
    lastProgress = performance.now();
    progress(`exports in the MCS result ${String(exportsSeen)}/${String(exportsTotal)}; ${counts.map((c) => `${c.cluster}: imports ${String(c.ready)}/${String(c.wantImports)}, slices ${String(c.slices)}/${String(c.wantSlices)}`).join('; ')}`);
  }
  return done;
}

/** lintas_kube_writes_total summed per cluster (every kind and verb), or with `byKind` per `cluster kind verb`. */
export function writesPerCluster(metrics: string, byKind = false): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('lintas_kube_writes_total{')) continue;
    const label = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    const key = byKind ? `${label('cluster')} ${label('kind')} ${label('verb')}` : label('cluster');
    out.set(key, (out.get(key) ?? 0) + Number(line.split(' ').at(-1)));
  }
  return out;
}
