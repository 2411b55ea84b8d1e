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
 * @module
 */
import { MCS_GROUP, type Condition, type EndpointSlice, type ServiceImport } from '../../api/index.ts';
import { allocateClusterSetIPs, type AllocationOutcome } from './allocate.ts';
import { exportConditions, importReadyCondition, settleConditions, type ConflictFinding, type ExportVerdict } from './conditions.ts';
import { buildDnsZone, DEFAULT_DNS_TTL_SECONDS, DEFAULT_DNS_ZONE, type ImportedService } from './dns-ir.ts';
import { importEndpointSlices } from './endpoints.ts';
import { assessExports, keptForUnreported, sortRecord, type AssessedExport } from './exports.ts';
import { indexFleet, type FleetIndex, type MemberCluster } from './fleet-index.ts';
import { assessFreshness, DEFAULT_ENDPOINT_TTL_SECONDS } from './freshness.ts';
import { mergeExports, type MergedSpec } from './merge.ts';
import { orderByPrecedence } from './order.ts';
import type { Constituent, McsClusterResult, McsInput, McsResult, McsState, ServiceExportWithStatus } from './types.ts';
import { compareStrings } from '../../lib/index.ts';

/** One Service exported somewhere in the ClusterSet, merged. */
interface PlannedImport {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** Valid exports, oldest first. */
  readonly ordered: readonly Constituent[];
  readonly spec: MergedSpec;
  readonly conflicts: readonly ConflictFinding[];
  /** Members where the namespace exists (namespace sameness): only they import the Service. */
  readonly importers: readonly MemberCluster[];
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

function planImports(index: FleetIndex, exports: readonly AssessedExport[]): PlannedImport[] {
  const groups = new Map<string, { namespace: string; name: string; constituents: Constituent[] }>();
  for (const e of exports) {
    if (e.constituent === undefined) continue;
    const group = groups.get(e.importKey);
    if (group === undefined) {
      groups.set(e.importKey, { namespace: e.export.metadata.namespace ?? '', name: e.export.metadata.name, constituents: [e.constituent] });
    } else {
      group.constituents.push(e.constituent);
    }
  }
  const planned: PlannedImport[] = [];
  for (const [key, group] of groups) {
    const ordered = orderByPrecedence(group.constituents);
    const { spec, conflicts } = mergeExports(ordered);
    const importers = index.members.filter((m) => m.namespaces.has(group.namespace));
    planned.push({ key, namespace: group.namespace, name: group.name, ordered, spec, conflicts, importers });
  }
  return planned.sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
}

function buildServiceImport(plan: PlannedImport, outcome: AllocationOutcome | undefined, previous: McsState['importConditions'], now: string): ServiceImport {
  const { spec } = plan;
  const failure = outcome !== undefined && !outcome.ok ? outcome : undefined;
  const conditions = settleConditions([importReadyCondition(failure)], previous?.[plan.key], now);
  const metadata: ServiceImport['metadata'] = { name: plan.name, namespace: plan.namespace };
  // Only the oldest export's exportedLabels/exportedAnnotations reach the import (KEP "Labels and annotations").
  if (Object.keys(spec.labels).length > 0) metadata.labels = { ...spec.labels };
  if (Object.keys(spec.annotations).length > 0) metadata.annotations = { ...spec.annotations };
  const importSpec: ServiceImport['spec'] = { type: spec.type, ports: spec.ports.map((p) => ({ ...p })) };
  if (outcome?.ok) importSpec.ips = [...outcome.ips];
  if (spec.ipFamilies !== undefined) importSpec.ipFamilies = [...spec.ipFamilies];
  importSpec.sessionAffinity = spec.sessionAffinity;
  if (spec.sessionAffinityConfig !== undefined) importSpec.sessionAffinityConfig = structuredClone(spec.sessionAffinityConfig);
  if (spec.internalTrafficPolicy !== undefined) importSpec.internalTrafficPolicy = spec.internalTrafficPolicy;
  if (spec.trafficDistribution !== undefined) importSpec.trafficDistribution = spec.trafficDistribution;
  const clusters = plan.ordered.map((c) => c.cluster as string).sort();
  return {
    apiVersion: `${MCS_GROUP}/v1beta1`,
    kind: 'ServiceImport',
    metadata,
    spec: importSpec,
    status: { clusters: clusters.map((cluster) => ({ cluster })), conditions },
  };
}

/** Every source cluster's imported slices of one import, in source-cluster order. */
function importSlices(plan: PlannedImport, members: ReadonlyMap<string, MemberCluster>): EndpointSlice[] {
  const sources = [...plan.ordered].sort((a, b) => compareStrings(a.cluster, b.cluster));
  return sources.flatMap((constituent) => {
    const member = members.get(constituent.cluster);
    return importEndpointSlices({
      namespace: plan.namespace,
      name: plan.name,
      cluster: { name: constituent.cluster, ...(member?.region !== undefined ? { region: member.region } : {}), ...(member?.network !== undefined ? { network: member.network } : {}) },
      service: constituent.service,
      slices: member?.slices.get(plan.key) ?? [],
      importPorts: plan.spec.ports,
    });
  });
}

/** Translates the ClusterSet's ServiceExports into per-cluster MCS objects, DNS IR and the next state. */
export function translateMcs(input: McsInput): McsResult {
  const { snapshot, now, state } = input;
  const fullIndex = indexFleet(snapshot);
  if (fullIndex === undefined) return emptyResult();
  // Endpoint TTL: a stale source is treated exactly like a member with no snapshot (unknown, not empty).
  const freshness = assessFreshness(input.freshness, fullIndex.clusterSet.spec.endpointTTLSeconds ?? DEFAULT_ENDPOINT_TTL_SECONDS, now);
  const index: FleetIndex = freshness.stale.size === 0 ? fullIndex : { ...fullIndex, members: fullIndex.members.filter((m) => !freshness.stale.has(m.name)) };

  const { exports, firstSeen } = assessExports(index, state.firstSeen, now);
  const plans = planImports(index, exports);
  const materialized = plans.filter((p) => p.importers.length > 0);
  const allocation = allocateClusterSetIPs(
    index.clusterSet.spec.clusterSetIPRange,
    materialized.filter((p) => p.spec.type === 'ClusterSetIP').map((p) => ({ key: p.key, ...(p.spec.ipFamilies !== undefined ? { ipFamilies: p.spec.ipFamilies } : {}) })),
    state.allocations,
  );

  const results = new Map<string, MutableClusterResult>(
    index.members.map((m) => [m.name, { cluster: m.name, serviceImports: [], endpointSlices: [], serviceExports: [] }]),
  );
  const membersByName = new Map(index.members.map((m) => [m.name as string, m]));
  const imported: ImportedService[] = [];
  const importConditions: Record<string, Condition[]> = {};
  for (const plan of materialized) {
    // One object per import, shared by every importing cluster: they must all see the same thing.
    const serviceImport = buildServiceImport(plan, allocation.outcomes.get(plan.key), state.importConditions, now);
    const endpointSlices = importSlices(plan, membersByName);
    imported.push({ serviceImport, endpointSlices });
    importConditions[plan.key] = serviceImport.status?.conditions ?? [];
    for (const importer of plan.importers) {
      const result = results.get(importer.name);
      result?.serviceImports.push(serviceImport);
      result?.endpointSlices.push(...endpointSlices);
    }
  }

  const plansByKey = new Map(plans.map((p) => [p.key, p]));
  const conditions = keptForUnreported(state.conditions, index);
  for (const e of exports) {
    const plan = plansByKey.get(e.importKey);
    const verdict: ExportVerdict =
      e.invalid !== undefined
        ? { valid: false, ...e.invalid }
        : { valid: true, conflicts: plan?.conflicts ?? [], clusterCount: plan?.ordered.length ?? 1 };
    const settled = settleConditions(exportConditions(verdict, e.export.metadata.generation), state.conditions?.[e.key], now);
    conditions[e.key] = settled;
    results.get(e.cluster)?.serviceExports.push({ ...e.export, status: { conditions: settled } });
  }

  const clusters: McsClusterResult[] = [...results.values()].map((r) => ({
    cluster: r.cluster,
    serviceImports: r.serviceImports.sort(compareObjects),
    endpointSlices: r.endpointSlices.sort(compareObjects),
    serviceExports: r.serviceExports.sort(compareObjects),
  }));
  const zone = index.clusterSet.spec.dnsZone ?? DEFAULT_DNS_ZONE;
  const ttl = index.clusterSet.spec.dnsTTLSeconds ?? DEFAULT_DNS_TTL_SECONDS;
  return {
    clusters,
    dns: buildDnsZone(zone, ttl, imported),
    state: {
      firstSeen,
      allocations: sortRecord(allocation.allocations),
      conditions: sortRecord(conditions),
      importConditions: sortRecord(importConditions),
    },
    sources: freshness.sources,
    ...(freshness.nextExpiry !== undefined ? { nextExpiry: freshness.nextExpiry } : {}),
  };
}
