/**
 * The MCS translator: ServiceExports of the ClusterSet's members in, per-cluster
 * ServiceImports, imported EndpointSlices and ServiceExport status out, plus the DNS
 * IR and the state to persist. Pure: no I/O, no clock (`now` is an input), inputs are
 * never mutated, every list is sorted.
 *
 * Lifecycle is level-triggered: a ServiceImport exists while at least one valid export
 * of its Service exists, and an unexported cluster's slices are simply not produced.
 * Endpoint TTL (KEP "Endpoint TTL"): a source cluster whose freshness report is older
 * than the ClusterSet's TTL is dropped from the members here, which withdraws its
 * endpoints; the runner re-translates at `nextExpiry`. A member with no snapshot is
 * treated as unknown rather than empty, so its persisted first-seen times and
 * conditions are kept.
 *
 * Incremental: {@link translateMcsIncremental} takes the cache of the previous translation and
 * redoes only the Services whose inputs changed (service-translation.ts); the rest reuse their
 * previous output objects. The result is the same as a translation from scratch (tested on seeded
 * random edits); the cache is only trusted when the state given is the one it produced.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import type { ClusterSet, Condition, EndpointSlice, ServiceImport } from '../../api/index.ts';
import type { DnsServiceIR } from '../../ir/index.ts';
import { allocateClusterSetIPs, type AllocationOutcome, type AllocationRequest, type AllocationResult } from './allocate.ts';
import { buildDnsZone, DEFAULT_DNS_TTL_SECONDS, DEFAULT_DNS_ZONE } from './dns-ir.ts';
import { keptForUnreported, sortRecord, stableRecord } from './exports.ts';
import { indexFleet, nsName, type FleetIndex, type MemberCluster } from './fleet-index.ts';
import { assessFreshness, DEFAULT_ENDPOINT_TTL_SECONDS } from './freshness.ts';
import { patchResult, sameLayout } from './result-patch.ts';
import { keepUnchanged, materialized, planService, sameInputs, sameOutcome, translateService, type ExporterInput, type ServiceInputs, type ServiceOutput, type ServicePlan } from './service-translation.ts';
import type { McsClusterResult, McsInput, McsResult, McsState, ServiceExportWithStatus } from './types.ts';
import { compareStrings } from '../../lib/index.ts';

/** One Service's inputs and what was made of them. */
interface ServiceEntry {
  readonly inputs: ServiceInputs;
  readonly plan: ServicePlan;
  /** Step two, with the allocation outcome it was made with. */
  readonly outcome?: ServiceOutput & { readonly allocated: AllocationOutcome | undefined };
}

/** What a translation keeps for the next one (opaque to callers; pass back what the last call returned). */
export interface McsCache {
  readonly index: FleetIndex;
  readonly clusterSet: ClusterSet;
  /** The state this translation produced: the cache holds only for a next call given that state. */
  readonly state: McsState;
  readonly services: ReadonlyMap<string, ServiceEntry>;
  /** Every member's exports as Service inputs, by member (an unchanged member is the same object). */
  readonly members: ReadonlyMap<MemberCluster, MemberExports>;
  /** The Services' keys in namespace, then name order. */
  readonly order: readonly string[];
  readonly requests: readonly AllocationRequest[];
  readonly allocation: AllocationResult;
  /** The result this translation returned (patched by the next one when it can be). */
  readonly result: McsResult;
}

/** A translation, the cache for the next one, and which Services were translated anew (`ns/name`, sorted). */
export interface IncrementalTranslation {
  readonly result: McsResult;
  readonly cache?: McsCache;
  readonly recomputed: readonly string[];
}

interface MutableClusterResult {
  readonly cluster: MemberCluster['name'];
  readonly serviceImports: ServiceImport[];
  readonly endpointSlices: EndpointSlice[];
  readonly serviceExports: ServiceExportWithStatus[];
}

/** Orders namespaced objects by namespace, then name (not by `ns/name`, where `-` sorts before `/`). */
function compareObjects(a: { metadata: { namespace?: string; name: string } }, b: { metadata: { namespace?: string; name: string } }): number {
  return compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compareStrings(a.metadata.name, b.metadata.name);
}

function emptyResult(): McsResult {
  return {
    clusters: [],
    dns: buildDnsZone(DEFAULT_DNS_ZONE, DEFAULT_DNS_TTL_SECONDS, []),
    state: { firstSeen: {}, allocations: {}, conditions: {}, importConditions: {} },
    sources: [],
  };
}

/** One member's exports as Service inputs, with their `ns/name` keys (reused while the member is). */
interface MemberExports {
  readonly keys: readonly string[];
  readonly exporters: readonly ExporterInput[];
}

function memberExports(member: MemberCluster): MemberExports {
  const keys: string[] = [];
  const exporters: ExporterInput[] = [];
  for (const serviceExport of member.exports) {
    const key = nsName(serviceExport.metadata.namespace, serviceExport.metadata.name);
    keys.push(key);
    exporters.push({ cluster: member.name, region: member.region, network: member.network, export: serviceExport, service: member.services.get(key), slices: member.slices.get(key) ?? [] });
  }
  return { keys, exporters };
}

/** Every exported Service's inputs, sorted by namespace, then name (the previous order is reused while the Services are the same). */
function gatherInputs(index: FleetIndex, previous: McsCache | undefined): { inputs: ServiceInputs[]; members: Map<MemberCluster, MemberExports>; sameKeys: boolean } {
  const importersByNamespace = new Map<string, MemberCluster['name'][]>();
  const importersOf = (namespace: string): MemberCluster['name'][] => {
    let importers = importersByNamespace.get(namespace);
    if (importers === undefined) {
      importers = index.members.filter((m) => m.namespaces.has(namespace)).map((m) => m.name);
      importersByNamespace.set(namespace, importers);
    }
    return importers;
  };
  const members = new Map<MemberCluster, MemberExports>();
  const groups = new Map<string, { key: string; namespace: string; name: string; exporters: ExporterInput[]; importers: MemberCluster['name'][] }>();
  for (const member of index.members) {
    const exports = previous?.members.get(member) ?? memberExports(member);
    members.set(member, exports);
    exports.exporters.forEach((exporter, i) => {
      const key = exports.keys[i] as string;
      let group = groups.get(key);
      if (group === undefined) {
        const namespace = exporter.export.metadata.namespace ?? '';
        group = { key, namespace, name: exporter.export.metadata.name, exporters: [], importers: importersOf(namespace) };
        groups.set(key, group);
      }
      group.exporters.push(exporter);
    });
  }
  const order = previous?.order;
  if (order !== undefined && order.length === groups.size && order.every((key) => groups.has(key))) return { inputs: order.map((key) => groups.get(key) as ServiceInputs), members, sameKeys: true };
  return { inputs: [...groups.values()].sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name)), members, sameKeys: false };
}

function sameRequests(a: readonly AllocationRequest[], b: readonly AllocationRequest[]): boolean {
  return a.length === b.length && a.every((r, i) => r.key === b[i]?.key && isDeepStrictEqual(r.ipFamilies, b[i]?.ipFamilies));
}

/** Translates the ClusterSet's ServiceExports into per-cluster MCS objects, DNS IR and the next state. */
export function translateMcs(input: McsInput): McsResult {
  return translateMcsIncremental(input).result;
}

/**
 * {@link translateMcs}, reusing what `cache` (the previous call's) says about every Service whose
 * inputs did not change. Pure: the cache given is not modified; a new one is returned.
 */
export function translateMcsIncremental(input: McsInput, cache?: McsCache): IncrementalTranslation {
  const { snapshot, now, state } = input;
  const fullIndex = indexFleet(snapshot, cache?.index);
  if (fullIndex === undefined) return { result: emptyResult(), recomputed: [] };
  // Endpoint TTL: a stale source is treated exactly like a member with no snapshot (unknown, not empty).
  const freshness = assessFreshness(input.freshness, fullIndex.clusterSet.spec.endpointTTLSeconds ?? DEFAULT_ENDPOINT_TTL_SECONDS, now);
  const index: FleetIndex = freshness.stale.size === 0 ? fullIndex : { ...fullIndex, members: fullIndex.members.filter((m) => !freshness.stale.has(m.name)) };
  const clusterSet = index.clusterSet;
  const trusted = cache !== undefined && cache.state === state && (cache.clusterSet === clusterSet || isDeepStrictEqual(cache.clusterSet, clusterSet)) ? cache : undefined;

  // Step one per Service: reused while its inputs are unchanged.
  const services = new Map<string, ServiceEntry>();
  const gathered = gatherInputs(index, trusted);
  for (const inputs of gathered.inputs) {
    const before = trusted?.services.get(inputs.key);
    services.set(inputs.key, before !== undefined && sameInputs(before.inputs, inputs) ? before : { inputs, plan: planService(inputs, state.firstSeen, now) });
  }
  const requests: AllocationRequest[] = [];
  for (const { inputs, plan } of services.values()) {
    if (materialized(plan) && plan.plan.spec.type === 'ClusterSetIP') requests.push({ key: inputs.key, ...(plan.plan.spec.ipFamilies !== undefined ? { ipFamilies: plan.plan.spec.ipFamilies } : {}) });
  }
  const allocation = trusted !== undefined && sameRequests(trusted.requests, requests) ? trusted.allocation : allocateClusterSetIPs(clusterSet.spec.clusterSetIPRange, requests, state.allocations);

  // Step two per Service: redone when step one was, or when its allocation changed.
  const recomputed: string[] = [];
  const changed: (readonly [ServiceEntry, ServiceEntry])[] = [];
  let patchable =
    trusted !== undefined &&
    gathered.sameKeys &&
    allocation === trusted.allocation &&
    trusted.result.clusters.length === index.members.length &&
    trusted.result.clusters.every((c, i) => c.cluster === index.members[i]?.name);
  for (const [key, entry] of services) {
    const allocated = allocation.outcomes.get(key);
    if (entry.outcome !== undefined && sameOutcome(entry.outcome.allocated, allocated)) continue;
    const before = trusted?.services.get(key);
    const output = keepUnchanged(before?.outcome, translateService(entry.inputs, entry.plan, allocated, state, now));
    const current: ServiceEntry = { inputs: entry.inputs, plan: entry.plan, outcome: { ...output, allocated } };
    services.set(key, current);
    recomputed.push(key);
    if (patchable && before !== undefined && sameLayout(before, current)) changed.push([before, current]);
    else patchable = false;
  }
  const result =
    patchable && trusted !== undefined
      ? patchResult(trusted.result, changed, trusted.result.state.allocations, freshness)
      : assemble(index, services, allocation, input, freshness, trusted !== undefined);
  return { result, cache: { index: fullIndex, clusterSet, state: result.state, services, members: gathered.members, order: gathered.inputs.map((i) => i.key), requests, allocation, result }, recomputed: recomputed.sort() };
}

/** The result built from every Service's output (when the previous one cannot be patched). */
function assemble(index: FleetIndex, services: ReadonlyMap<string, ServiceEntry>, allocation: AllocationResult, input: McsInput, freshness: Pick<McsResult, 'sources' | 'nextExpiry'>, ownState: boolean): McsResult {
  const { state } = input;
  const clusterSet = index.clusterSet;
  const results = new Map<string, MutableClusterResult>(index.members.map((m) => [m.name, { cluster: m.name, serviceImports: [], endpointSlices: [], serviceExports: [] }]));
  const dns: DnsServiceIR[] = [];
  const firstSeen = keptForUnreported(state.firstSeen, index);
  const conditions: Record<string, Condition[]> = keptForUnreported(state.conditions, index) as Record<string, Condition[]>;
  const importConditions: Record<string, Condition[]> = {};
  for (const [key, current] of services) {
    const output = current.outcome as ServiceOutput;
    for (const e of current.plan.exports) if (e.firstSeen !== undefined) firstSeen[e.assessed.key] = e.firstSeen;
    if (output.serviceImport !== undefined) {
      importConditions[key] = output.serviceImport.status?.conditions ?? [];
      if (output.dns !== undefined) dns.push(output.dns);
      for (const importer of current.inputs.importers) {
        const result = results.get(importer);
        result?.serviceImports.push(output.serviceImport);
        result?.endpointSlices.push(...output.endpointSlices);
      }
    }
    for (const e of output.exports) {
      conditions[e.key] = e.serviceExport.status.conditions;
      results.get(e.cluster)?.serviceExports.push(e.serviceExport);
    }
  }

  const clusters: McsClusterResult[] = [...results.values()].map((r) => ({
    cluster: r.cluster,
    serviceImports: r.serviceImports.sort(compareObjects),
    endpointSlices: r.endpointSlices.sort(compareObjects),
    serviceExports: r.serviceExports.sort(compareObjects),
  }));
  // Our own previous state is sorted: while the keys stay, their order (and unchanged records) are reused.
  const record = <V>(previous: Readonly<Record<string, V>> | undefined, next: Readonly<Record<string, V>>): Record<string, V> => (ownState ? stableRecord(previous, next) : sortRecord(next));
  const nextState: McsState = {
    firstSeen: record(state.firstSeen, firstSeen),
    allocations: record(state.allocations, allocation.allocations),
    conditions: record(state.conditions, conditions),
    importConditions: record(state.importConditions, importConditions),
  };
  const stateUnchanged = (Object.keys(nextState) as (keyof McsState)[]).every((k) => nextState[k] === state[k]);
  return {
    clusters,
    // Services are in namespace, then name order already (gatherInputs).
    dns: { zone: clusterSet.spec.dnsZone ?? DEFAULT_DNS_ZONE, ttlSeconds: clusterSet.spec.dnsTTLSeconds ?? DEFAULT_DNS_TTL_SECONDS, services: dns },
    // The very same object when nothing in it changed: the runner skips persisting it.
    state: stateUnchanged ? state : nextState,
    sources: freshness.sources,
    ...(freshness.nextExpiry !== undefined ? { nextExpiry: freshness.nextExpiry } : {}),
  };
}
