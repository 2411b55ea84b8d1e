/**
 * What bench/kube reads back: whether every API server holds what the runtime's MCS result says it
 * should (the "imported everywhere" condition), and the write counter per cluster from /metrics.
 * @module
 */
import { OWNER_LABEL } from '../../src/api/index.ts';
import type { ServeRuntime } from '../../src/runtime/index.ts';
import type { TestKubeFleet } from '../../test/kube/fleet.ts';
import { IMPORTS, SLICES } from './objects.ts';

interface Listed {
  items?: { spec?: { type?: string; ips?: string[] } }[];
}

let lastProgress = 0;

/**
 * True once the MCS result covers all `exportsTotal` exports and every cluster's API server holds
 * each ServiceImport of that result (a ClusterSetIP one with its IP) and each imported slice. Logs
 * progress at most every 10 s.
 */
export async function importedEverywhere(fleet: TestKubeFleet, runtime: ServeRuntime, clusters: readonly string[], exportsTotal: number, progress: (line: string) => void): Promise<boolean> {
  const result = runtime.bus.mcs.get('latest')?.result;
  const exportsSeen = result?.clusters.reduce((n, c) => n + c.serviceExports.length, 0) ?? 0;
  const counts = await Promise.all(
    clusters.map(async (cluster) => {
      const want = result?.clusters.find((c) => c.cluster === cluster);
      const imports = ((await fleet.request(cluster, 'GET', `${IMPORTS}?labelSelector=${encodeURIComponent(`${OWNER_LABEL}=lintas`)}`)).body as Listed).items ?? [];
      const slices = ((await fleet.request(cluster, 'GET', `${SLICES}?labelSelector=${encodeURIComponent('endpointslice.kubernetes.io/managed-by=lintas.dev')}`)).body as Listed).items ?? [];
      const ready = imports.filter((si) => si.spec?.type === 'Headless' || (si.spec?.ips?.length ?? 0) > 0).length;
      return { cluster, ready, slices: slices.length, wantImports: want?.serviceImports.length ?? -1, wantSlices: want?.endpointSlices.length ?? -1 };
    }),
  );
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
