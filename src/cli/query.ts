/**
 * Selecting objects from a loaded fleet the way `kubectl get` selects them:
 * by kind, name, namespace (or all), cluster and label selector.
 * @module
 */
import type { AnyObject, KindInfo, Sourced } from '../api/index.ts';
import type { FleetView } from './view.ts';
import { matchesSelector, type Selector } from '../lib/index.ts';

/** What to select. */
export interface Query {
  readonly kinds: readonly KindInfo[];
  readonly name?: string;
  /** Undefined means all namespaces. */
  readonly namespace?: string;
  readonly cluster?: string;
  readonly selector: Selector;
}

/** Every object matching `query`, in kind, cluster, namespace, name order. */
export function selectObjects(snapshot: FleetView, query: Query): Sourced<AnyObject>[] {
  const out: Sourced<AnyObject>[] = [];
  for (const info of query.kinds) {
    const pool: readonly Sourced<AnyObject>[] =
      info.scope === 'Fleet'
        ? snapshot.fleetObjects
        : [...snapshot.clusters.values()].filter((c) => query.cluster === undefined || c.cluster === query.cluster).flatMap((c) => c.objects);
    for (const s of pool) {
      const o = s.object;
      if (o.kind !== info.kind) continue;
      if (query.name !== undefined && o.metadata.name !== query.name) continue;
      if (info.namespaced && query.namespace !== undefined && o.metadata.namespace !== query.namespace) continue;
      // --cluster on a Cluster listing means "that cluster's inventory record".
      if (info.kind === 'Cluster' && query.cluster !== undefined && o.metadata.name !== query.cluster) continue;
      if (!matchesSelector(query.selector, o.metadata.labels)) continue;
      out.push(s);
    }
  }
  return out;
}
