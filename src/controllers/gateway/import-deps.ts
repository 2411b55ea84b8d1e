/**
 * What the east-west upstream of a ServiceImport is computed from (`importUpstream` in
 * upstreams.ts, without a variant), as a flat list of objects and strings: equal lists
 * element by element (`===`) mean an equal upstream, so east-west.ts can hand back last
 * result's object without building and comparing it again. It must name every input
 * `importUpstream` reads: the imported slices, and for every source and exporting cluster
 * its region, its Service, ServiceExport and own EndpointSlices, and the export's
 * first-seen time. Objects are compared by reference: the sources and the MCS translator
 * keep unchanged objects, and a changed one is always a new object. Pure.
 * @module
 */
import { MCS_SOURCE_CLUSTER_LABEL, type ServiceImport } from '../../api/index.ts';
import { compareStrings } from '../../lib/index.ts';
import { nsName, type ClusterIndex, type FleetIndex } from './fleet-index.ts';

/** The inputs of the import's upstream as seen from `cluster` (see the module doc). */
export function importUpstreamDeps(index: FleetIndex, cluster: ClusterIndex, serviceImport: ServiceImport): readonly unknown[] {
  const namespace = serviceImport.metadata.namespace ?? 'default';
  const name = serviceImport.metadata.name;
  const key = nsName(namespace, name);
  const imported = cluster.importSlices.get(key) ?? [];
  // Lengths go in first: two lists that differ only in where one part ends cannot compare equal.
  const deps: unknown[] = [imported.length, ...imported];
  const related = new Set<string>();
  for (const slice of imported) {
    const source = slice.metadata.labels?.[MCS_SOURCE_CLUSTER_LABEL];
    if (source !== undefined) related.add(source);
  }
  for (const { cluster: exporter } of serviceImport.status?.clusters ?? []) related.add(exporter);
  for (const other of [...related].sort(compareStrings)) {
    const c = index.clusters.get(other);
    const own = c?.slices.get(key) ?? [];
    deps.push(other, c === undefined, c?.locality.region, c?.services.get(key), c?.serviceExports.get(key), index.firstSeen[`${other}/${namespace}/${name}`], own.length, ...own);
  }
  return deps;
}

/** True when two dependency lists are equal element by element (`===`). */
export function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
