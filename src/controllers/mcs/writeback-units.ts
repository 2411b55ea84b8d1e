/**
 * The write-back cut per service (issue 16, write-back at 1,000 Services per cluster): a cluster's
 * MCS result as independent units, one per imported Service (its derived Service, ServiceImport and
 * imported slices, written in that order) and one per own ServiceExport (its status). A new result
 * is compared unit by unit with the previous one, so only the units whose inputs changed are
 * written; the others cost no request. Pure.
 * @module
 */
import { MCS_SERVICE_NAME_LABEL, type DesiredWrite, type EndpointSlice, type ServiceImport } from '../../api/index.ts';
import type { McsClusterResult, ServiceExportWithStatus } from './types.ts';
import { derivedService, derivedServiceName, exportStatus, importedSlice, importKey, serviceImportWrites } from './writeback-plan.ts';

/** One imported Service, or one own ServiceExport's status: written, diffed and queued as a whole. */
export interface WriteUnit {
  /** `import/<ns>/<name>` or `export/<ns>/<name>`. */
  readonly key: string;
  /** The import (absent for an export unit, or for slices whose import is not in the result). */
  readonly serviceImport?: ServiceImport;
  /** The imported slices of this import, sorted as in the result. */
  readonly slices: readonly EndpointSlice[];
  /** The cluster's own export whose status this unit writes. */
  readonly serviceExport?: ServiceExportWithStatus;
}

/** The key of an import's unit. */
export function importUnitKey(namespace: string, name: string): string {
  return `import/${namespace}/${name}`;
}

/** The key of an export's unit. */
export function exportUnitKey(namespace: string, name: string): string {
  return `export/${namespace}/${name}`;
}

/** A cluster's result as units, sorted by key. */
export function planUnits(result: McsClusterResult): WriteUnit[] {
  const imports = new Map<string, { serviceImport?: ServiceImport; slices: EndpointSlice[] }>();
  for (const si of result.serviceImports) imports.set(importUnitKey(si.metadata.namespace ?? '', si.metadata.name), { serviceImport: si, slices: [] });
  for (const slice of result.endpointSlices) {
    const key = importUnitKey(slice.metadata.namespace ?? '', slice.metadata.labels?.[MCS_SERVICE_NAME_LABEL] ?? '');
    let unit = imports.get(key);
    if (unit === undefined) imports.set(key, (unit = { slices: [] }));
    unit.slices.push(slice);
  }
  const units: WriteUnit[] = [...imports].map(([key, u]) => ({ key, slices: u.slices, ...(u.serviceImport !== undefined ? { serviceImport: u.serviceImport } : {}) }));
  for (const se of result.serviceExports) units.push({ key: exportUnitKey(se.metadata.namespace ?? '', se.metadata.name), slices: [], serviceExport: se });
  return units.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Equality of JSON data (plain objects, arrays, primitives): several times faster than util.isDeepStrictEqual, which a result of thousands of objects per cluster needs. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  return true;
}

/**
 * Objects found equal to an object of an earlier result: every importing cluster's units share the
 * same ServiceImport and slices, so a result is compared once, not once per cluster. Weak both
 * ways: a strong value would keep every earlier result alive through the chain of its keys.
 */
const knownEqual = new WeakMap<object, WeakRef<object>>();

function sameObject(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (knownEqual.get(b)?.deref() === a) return true;
  if (!jsonEqual(a, b)) return false;
  knownEqual.set(b, new WeakRef(a));
  return true;
}

/** Whether two units would be written alike (the same inputs; shared objects compare at once). */
export function sameUnit(a: WriteUnit, b: WriteUnit): boolean {
  if (a === b) return true;
  if (a.slices.length !== b.slices.length) return false;
  if (!sameObject(a.serviceImport, b.serviceImport) || !sameObject(a.serviceExport, b.serviceExport)) return false;
  return a.slices.every((s, i) => sameObject(s, b.slices[i]));
}

/** The keys of the units that are new or changed in `next`, and of those `next` no longer has (both sorted). */
export function diffUnits(previous: ReadonlyMap<string, WriteUnit>, next: readonly WriteUnit[]): { readonly changed: string[]; readonly removed: string[] } {
  const changed: string[] = [];
  const keys = new Set<string>();
  for (const unit of next) {
    keys.add(unit.key);
    const before = previous.get(unit.key);
    if (before === undefined || !sameUnit(before, unit)) changed.push(unit.key);
  }
  const removed = [...previous.keys()].filter((k) => !keys.has(k)).sort();
  return { changed, removed };
}

/** The unit an object Lintas wrote belongs to, from its kind and labels (undefined: none of the write-back's). */
export function unitOfWritten(kind: string, namespace: string, name: string, labels: Readonly<Record<string, string>> | undefined): string | undefined {
  if (kind === 'ServiceImport') return importUnitKey(namespace, name);
  const service = labels?.[MCS_SERVICE_NAME_LABEL];
  return (kind === 'Service' || kind === 'EndpointSlice') && service !== undefined ? importUnitKey(namespace, service) : undefined;
}

/** The writes of a unit's derived Service (first: its ClusterIP feeds {@link unitImportWrites}); undefined for an export unit. */
export function unitDerivedWrite(unit: WriteUnit): DesiredWrite | undefined {
  return unit.serviceImport === undefined ? undefined : derivedService(unit.serviceImport);
}

/** The ServiceImport's object and status writes, given the derived Service's allocated ClusterIPs. */
export function unitImportWrites(unit: WriteUnit, derivedIPs: readonly string[]): DesiredWrite[] {
  const si = unit.serviceImport;
  if (si === undefined) return [];
  return serviceImportWrites(si, new Map([[importKey(si.metadata.namespace ?? '', si.metadata.name), derivedIPs]]));
}

/** The imported slices' writes. */
export function unitSliceWrites(unit: WriteUnit): DesiredWrite[] {
  const si = unit.serviceImport;
  const ports = si === undefined ? new Map<string, number>() : new Map([[importKey(si.metadata.namespace ?? '', si.metadata.name), si.spec.ports.length]]);
  return unit.slices.map((s) => importedSlice(s, ports));
}

/** The export's status write, if this is an export unit. */
export function unitExportWrite(unit: WriteUnit): DesiredWrite | undefined {
  return unit.serviceExport === undefined ? undefined : exportStatus(unit.serviceExport);
}

/** The object keys (`Kind/ns/name`) a unit keeps: everything else of its unit that Lintas wrote is garbage. */
export function unitObjectKeys(unit: WriteUnit): string[] {
  const si = unit.serviceImport;
  const keys = unit.slices.map((s) => `EndpointSlice/${s.metadata.namespace ?? ''}/${s.metadata.name}`);
  if (si !== undefined) {
    const ns = si.metadata.namespace ?? '';
    keys.push(`Service/${ns}/${derivedServiceName(ns, si.metadata.name)}`, `ServiceImport/${ns}/${si.metadata.name}`);
  }
  return keys.sort();
}
