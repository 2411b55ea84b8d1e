/**
 * The translation of one exported Service (`ns/name`) across the ClusterSet: everything the MCS
 * translator produces for it depends only on that Service's {@link ServiceInputs} (its exports,
 * Services and slices in every member, and which members have its namespace), the ClusterSetIP
 * allocated to it and the persisted state of its keys. That is what lets the translator redo
 * only the Services whose inputs changed (translate.ts). Pure.
 *
 * Two steps, because allocation needs every Service's plan first: {@link planService} (assess
 * the exports, merge the valid ones) and {@link translateService} (ServiceImport, imported
 * slices, DNS IR and the exports' conditions, given the allocation outcome).
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { MCS_GROUP, type ClusterName, type Condition, type EndpointSlice, type Service, type ServiceExport, type ServiceImport } from '../../api/index.ts';
import type { DnsServiceIR } from '../../ir/index.ts';
import type { AllocationOutcome } from './allocate.ts';
import { exportConditions, importReadyCondition, settleConditions, type ConflictFinding, type ExportVerdict } from './conditions.ts';
import { dnsService } from './dns-ir.ts';
import { importEndpointSlices } from './endpoints.ts';
import { assessExport, type AssessedExport } from './exports.ts';
import { mergeExports, type MergedSpec } from './merge.ts';
import { orderByPrecedence } from './order.ts';
import type { Constituent, McsState, ServiceExportWithStatus } from './types.ts';
import { compareStrings } from '../../lib/index.ts';

/** One member's export of the Service, with what the translation reads of that member. */
export interface ExporterInput {
  readonly cluster: ClusterName;
  readonly region: string | undefined;
  readonly network: string | undefined;
  readonly export: ServiceExport;
  /** The member's Service of that name (undefined: none, the export is invalid). */
  readonly service: Service | undefined;
  /** The member's source EndpointSlices of that Service. */
  readonly slices: readonly EndpointSlice[];
}

/** Everything the translation of one Service reads from the fleet. */
export interface ServiceInputs {
  /** `ns/name`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** In member (cluster name) order. */
  readonly exporters: readonly ExporterInput[];
  /** Members where the namespace exists (namespace sameness): only they import the Service. */
  readonly importers: readonly ClusterName[];
}

/** The Service's valid exports merged (absent when none is valid). */
export interface PlannedImport {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** Valid exports, oldest first. */
  readonly ordered: readonly Constituent[];
  readonly spec: MergedSpec;
  readonly conflicts: readonly ConflictFinding[];
  readonly importers: readonly ClusterName[];
}

/** Step one: every export assessed (with its first-seen entry), and the merge of the valid ones. */
export interface ServicePlan {
  readonly exports: readonly { readonly assessed: AssessedExport; readonly firstSeen?: string }[];
  readonly plan?: PlannedImport;
}

/** One export's status as translated. */
export interface ExportOutput {
  readonly cluster: ClusterName;
  /** `cluster/ns/name`. */
  readonly key: string;
  readonly serviceExport: ServiceExportWithStatus;
}

/** Step two: what the Service contributes to the result. */
export interface ServiceOutput {
  /** Set when some member imports the Service. */
  readonly serviceImport?: ServiceImport;
  readonly endpointSlices: readonly EndpointSlice[];
  readonly dns?: DnsServiceIR;
  readonly exports: readonly ExportOutput[];
}

/** Whether the plan becomes a ServiceImport somewhere (some member has the namespace). */
export function materialized(plan: ServicePlan): plan is ServicePlan & { plan: PlannedImport } {
  return plan.plan !== undefined && plan.plan.importers.length > 0;
}

/** Same object, or (re-decoded, say) the same content. */
function same<T>(a: T, b: T): boolean {
  return a === b || (a !== undefined && b !== undefined && isDeepStrictEqual(a, b));
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => same(x, b[i])));
}

/** True when two inputs of the same Service give the same translation (objects compared by reference, then by content). */
export function sameInputs(a: ServiceInputs, b: ServiceInputs): boolean {
  if (a === b) return true;
  if (a.exporters.length !== b.exporters.length || !sameList(a.importers, b.importers)) return false;
  return a.exporters.every((x, i) => {
    const y = b.exporters[i];
    return (
      x === y ||
      (y !== undefined &&
      x.cluster === y.cluster &&
      x.region === y.region &&
      x.network === y.network &&
      same(x.export, y.export) &&
      same(x.service, y.service) &&
      sameList(x.slices, y.slices))
    );
  });
}

/** True when two allocation outcomes give the same ServiceImport. */
export function sameOutcome(a: AllocationOutcome | undefined, b: AllocationOutcome | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && isDeepStrictEqual(a, b));
}

/** Step one of one Service (see the module comment). */
export function planService(inputs: ServiceInputs, previousFirstSeen: Readonly<Record<string, string>>, now: string): ServicePlan {
  const exports = inputs.exporters.map((e) => assessExport(e.cluster, e.export, e.service, previousFirstSeen, now));
  const constituents = exports.flatMap((e) => (e.assessed.constituent === undefined ? [] : [e.assessed.constituent]));
  if (constituents.length === 0) return { exports };
  const ordered = orderByPrecedence(constituents);
  const { spec, conflicts } = mergeExports(ordered);
  return { exports, plan: { key: inputs.key, namespace: inputs.namespace, name: inputs.name, ordered, spec, conflicts, importers: inputs.importers } };
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
function importSlices(plan: PlannedImport, inputs: ServiceInputs): EndpointSlice[] {
  const sources = [...plan.ordered].sort((a, b) => compareStrings(a.cluster, b.cluster));
  return sources.flatMap((constituent) => {
    const exporter = inputs.exporters.find((e) => e.cluster === constituent.cluster);
    return importEndpointSlices({
      namespace: plan.namespace,
      name: plan.name,
      cluster: { name: constituent.cluster, ...(exporter?.region !== undefined ? { region: exporter.region } : {}), ...(exporter?.network !== undefined ? { network: exporter.network } : {}) },
      service: constituent.service,
      slices: exporter?.slices ?? [],
      importPorts: plan.spec.ports,
    });
  });
}

/**
 * `next` with every part equal to `previous`'s replaced by `previous`'s object (ServiceImport, each
 * slice, the DNS IR, each export's status), so that what did not change keeps its identity: the result
 * patch, the state records and the DNS index then only touch what really changed.
 */
export function keepUnchanged(previous: ServiceOutput | undefined, next: ServiceOutput): ServiceOutput {
  if (previous === undefined) return next;
  const keep = <T>(a: T | undefined, b: T): T => (a !== undefined && isDeepStrictEqual(a, b) ? a : b);
  const serviceImport = next.serviceImport === undefined ? undefined : keep(previous.serviceImport, next.serviceImport);
  return {
    ...(serviceImport !== undefined ? { serviceImport } : {}),
    endpointSlices: next.endpointSlices.map((slice, i) => keep(previous.endpointSlices[i], slice)),
    ...(next.dns !== undefined ? { dns: keep(previous.dns, next.dns) } : {}),
    exports: next.exports.map((e, i) => keep(previous.exports[i], e)),
  };
}

/** Step two of one Service: its import (one object shared by every importing cluster), slices, DNS IR and export status. */
export function translateService(inputs: ServiceInputs, planned: ServicePlan, outcome: AllocationOutcome | undefined, state: McsState, now: string): ServiceOutput {
  const { plan } = planned;
  let imported: Pick<ServiceOutput, 'serviceImport' | 'endpointSlices' | 'dns'> = { endpointSlices: [] };
  if (materialized(planned)) {
    const serviceImport = buildServiceImport(planned.plan, outcome, state.importConditions, now);
    const endpointSlices = importSlices(planned.plan, inputs);
    imported = { serviceImport, endpointSlices, dns: dnsService({ serviceImport, endpointSlices }) };
  }
  const exports = planned.exports.map(({ assessed: e }): ExportOutput => {
    const verdict: ExportVerdict =
      e.invalid !== undefined ? { valid: false, ...e.invalid } : { valid: true, conflicts: plan?.conflicts ?? [], clusterCount: plan?.ordered.length ?? 1 };
    const conditions: Condition[] = settleConditions(exportConditions(verdict, e.export.metadata.generation), state.conditions?.[e.key], now);
    return { cluster: e.cluster, key: e.key, serviceExport: { ...e.export, status: { conditions } } };
  });
  return { ...imported, exports };
}
