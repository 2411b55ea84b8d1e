/**
 * The incremental translator's last step: when the Services translated anew put out objects with the
 * same names in the same clusters as before (an endpoint changed, a condition moved: the common case),
 * the previous result is patched in place of being rebuilt. Every list keeps its order (sorted by
 * namespace, then name), so each replaced object is found by binary search and put where its
 * predecessor was; unchanged lists and records are the previous ones (same objects). Pure.
 * @module
 */
import type { Condition } from '../../api/index.ts';
import type { DnsServiceIR } from '../../ir/index.ts';
import { compareStrings } from '../../lib/index.ts';
import type { ServiceOutput, ServicePlan, ServiceInputs } from './service-translation.ts';
import type { McsClusterResult, McsResult, McsState } from './types.ts';

/** A Service's translation: its inputs, step one and step two. */
export interface TranslatedService {
  readonly inputs: ServiceInputs;
  readonly plan: ServicePlan;
  readonly outcome?: ServiceOutput;
}

/** Whether `after` (translated anew) puts its objects exactly where `before` had its own: same names, same clusters, same state keys. */
export function sameLayout(before: TranslatedService, after: TranslatedService): boolean {
  const [a, b] = [before.outcome, after.outcome];
  if (a === undefined || b === undefined) return false;
  const importers = before.inputs.importers;
  return (
    importers.length === after.inputs.importers.length &&
    importers.every((c, i) => c === after.inputs.importers[i]) &&
    (a.serviceImport === undefined) === (b.serviceImport === undefined) &&
    (a.dns === undefined) === (b.dns === undefined) &&
    a.endpointSlices.length === b.endpointSlices.length &&
    a.endpointSlices.every((s, i) => s.metadata.name === b.endpointSlices[i]?.metadata.name) &&
    a.exports.length === b.exports.length &&
    a.exports.every((e, i) => e.key === b.exports[i]?.key) &&
    before.plan.exports.every((e, i) => (e.firstSeen === undefined) === (after.plan.exports[i]?.firstSeen === undefined))
  );
}

type Named = { readonly metadata: { readonly namespace?: string; readonly name: string } };

/** Where `namespace/name` sits in `list`, sorted by namespace, then name (-1: absent). */
function positionOf<T>(list: readonly T[], namespace: string, name: string, key: (item: T) => readonly [string, string]): number {
  let [low, high] = [0, list.length - 1];
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const [ns, n] = key(list[mid] as T);
    const order = compareStrings(ns, namespace) || compareStrings(n, name);
    if (order === 0) return mid;
    if (order < 0) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

const objectKey = (o: Named): readonly [string, string] => [o.metadata.namespace ?? '', o.metadata.name];
const dnsKey = (s: DnsServiceIR): readonly [string, string] => [s.namespace, s.name];

/** `list` with `from[i]` replaced by `to[i]` (copied on the first replacement; `list` itself when nothing moved). */
function replaced<T extends Named>(list: readonly T[], from: readonly T[], to: readonly T[], copy: T[] | undefined): T[] | undefined {
  let out = copy;
  from.forEach((old, i) => {
    const next = to[i] as T;
    if (old === next) return;
    const at = positionOf(list, old.metadata.namespace ?? '', old.metadata.name, objectKey);
    if (at < 0) throw new RangeError(`result patch: ${old.metadata.namespace ?? ''}/${old.metadata.name} is not in the previous result`);
    out ??= [...list];
    out[at] = next;
  });
  return out;
}

function patchRecord<V>(previous: Readonly<Record<string, V>>, updates: Iterable<readonly [string, V]>): Readonly<Record<string, V>> {
  let out: Record<string, V> | undefined;
  for (const [key, value] of updates) {
    if (previous[key] === value) continue;
    out ??= { ...previous };
    // Only keys already there are assigned (sameLayout), so the sorted key order stays.
    out[key] = value;
  }
  return out ?? previous;
}

/**
 * The previous result with the Services in `changed` (before, after: all of them {@link sameLayout})
 * replaced. `allocations` is the next state's allocation record.
 */
export function patchResult(
  previous: McsResult,
  changed: readonly (readonly [TranslatedService, TranslatedService])[],
  allocations: McsState['allocations'],
  freshness: Pick<McsResult, 'sources' | 'nextExpiry'>,
): McsResult {
  const outputs = changed.map(([before, after]) => [before.outcome as ServiceOutput, after.outcome as ServiceOutput, after] as const);
  const clusters = previous.clusters.map((cluster): McsClusterResult => {
    let imports: McsClusterResult['serviceImports'][number][] | undefined;
    let slices: McsClusterResult['endpointSlices'][number][] | undefined;
    let exports: McsClusterResult['serviceExports'][number][] | undefined;
    for (const [before, after, service] of outputs) {
      if (after.serviceImport !== undefined && before.serviceImport !== undefined && service.inputs.importers.includes(cluster.cluster)) {
        imports = replaced(cluster.serviceImports, [before.serviceImport], [after.serviceImport], imports);
        slices = replaced(cluster.endpointSlices, before.endpointSlices, after.endpointSlices, slices);
      }
      const mine = (o: ServiceOutput): McsClusterResult['serviceExports'][number][] => o.exports.filter((e) => e.cluster === cluster.cluster).map((e) => e.serviceExport);
      exports = replaced(cluster.serviceExports, mine(before), mine(after), exports);
    }
    if (imports === undefined && slices === undefined && exports === undefined) return cluster;
    return { cluster: cluster.cluster, serviceImports: imports ?? cluster.serviceImports, endpointSlices: slices ?? cluster.endpointSlices, serviceExports: exports ?? cluster.serviceExports };
  });

  let services: DnsServiceIR[] | undefined;
  for (const [before, after] of outputs) {
    if (before.dns === undefined || after.dns === undefined || before.dns === after.dns) continue;
    const at = positionOf(previous.dns.services, before.dns.namespace, before.dns.name, dnsKey);
    if (at < 0) throw new RangeError(`result patch: DNS service ${before.dns.namespace}/${before.dns.name} is not in the previous result`);
    services ??= [...previous.dns.services];
    services[at] = after.dns;
  }

  const state: McsState = {
    firstSeen: patchRecord(previous.state.firstSeen, changed.flatMap(([, after]) => after.plan.exports.flatMap((e) => (e.firstSeen === undefined ? [] : [[e.assessed.key, e.firstSeen] as const])))),
    allocations,
    conditions: patchRecord(previous.state.conditions ?? {}, outputs.flatMap(([, after]) => after.exports.map((e) => [e.key, e.serviceExport.status.conditions] as const))),
    importConditions: patchRecord(
      previous.state.importConditions ?? {},
      outputs.flatMap(([, after, service]) => (after.serviceImport === undefined ? [] : [[service.inputs.key, (after.serviceImport.status?.conditions ?? []) as readonly Condition[]] as const])),
    ),
  };
  const unchanged = (Object.keys(state) as (keyof McsState)[]).every((k) => state[k] === previous.state[k]);
  return {
    clusters,
    dns: services === undefined ? previous.dns : { ...previous.dns, services },
    state: unchanged ? previous.state : state,
    sources: freshness.sources,
    ...(freshness.nextExpiry !== undefined ? { nextExpiry: freshness.nextExpiry } : {}),
  };
}
