/**
 * Output formats of `get`: table, wide, json (a `v1` List), yaml, name.
 * @module
 */
import { stringify } from 'yaml';
import { lookupKind, splitApiVersion, type AnyObject, type Sourced } from '../api/index.ts';
import { KIND_COLUMNS } from './columns.ts';

/** The `-o` formats. */
export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;
/** One `-o` format. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Annotation naming the cluster an object lives in, added to printed copies only. */
export const CLUSTER_ANNOTATION = 'lintas.dev/cluster';
/** Annotation naming the file and line an object came from, added to printed copies only. */
export const SOURCE_ANNOTATION = 'lintas.dev/source';

/**
 * A Secret's values replaced by their sizes (`<redacted: 1164 bytes>`), as `kubectl describe secret`
 * shows them: `get` and `describe` never print key material. Other objects are returned as they are.
 */
export function redacted<T extends { kind: string }>(o: T): T {
  if (o.kind !== 'Secret') return o;
  const s = o as T & { data?: Record<string, string>; stringData?: Record<string, string> };
  const size = (n: number): string => `<redacted: ${String(n)} bytes>`;
  const map = (m: Record<string, string> | undefined, bytes: (v: string) => number): Record<string, string> | undefined =>
    m === undefined ? undefined : Object.fromEntries(Object.entries(m).map(([k, v]) => [k, size(bytes(v))]));
  const data = map(s.data, (v) => Buffer.from(v, 'base64').length);
  const stringData = map(s.stringData, (v) => Buffer.byteLength(v));
  return { ...s, ...(data !== undefined ? { data } : {}), ...(stringData !== undefined ? { stringData } : {}) };
}

/** A printable copy of an object, annotated with its cluster and origin (the stored object is never mutated; Secrets redacted). */
export function annotated(s: Sourced<AnyObject>): Record<string, unknown> {
  const copy = structuredClone(redacted(s.object)) as { metadata: { annotations?: Record<string, string> } } & Record<string, unknown>;
  copy.metadata.annotations = {
    ...copy.metadata.annotations,
    ...(s.cluster ? { [CLUSTER_ANNOTATION]: s.cluster } : {}),
    [SOURCE_ANNOTATION]: `${s.origin.file}:${s.origin.line}`,
  };
  return copy;
}

/** `{"apiVersion":"v1","kind":"List","items":[...]}` as kubectl prints for several objects. */
export function toList(objects: readonly Sourced<AnyObject>[]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objects.map(annotated) };
}

/** kubectl's `-o name` form: `service/foo`, `serviceexport.multicluster.x-k8s.io/foo`. */
export function resourceName(s: Sourced<AnyObject>): string {
  const { group } = splitApiVersion(s.object.apiVersion);
  const kind = s.object.kind.toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${s.object.metadata.name}`;
}

/** Renders rows as kubectl does: left-aligned columns separated by three spaces. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Options of {@link printObjects}. */
export interface PrintOptions {
  readonly format: OutputFormat;
  /** Show the NAMESPACE column (with -A). */
  readonly allNamespaces: boolean;
  /** Show the CLUSTER column (no --cluster given). */
  readonly showCluster: boolean;
}

/** Prints objects in the requested format. Tables print one block per kind, as kubectl does. */
export function printObjects(objects: readonly Sourced<AnyObject>[], options: PrintOptions): string {
  switch (options.format) {
    case 'json':
      return JSON.stringify(toList(objects), null, 2);
    case 'yaml':
      return stringify(toList(objects), { lineWidth: 0 }).trimEnd();
    case 'name':
      return objects.map(resourceName).join('\n');
    case 'table':
    case 'wide': {
      const blocks: string[] = [];
      const kinds = [...new Set(objects.map((s) => s.object.kind))];
      for (const kind of kinds) {
        const ofKind = objects.filter((s) => s.object.kind === kind);
        const first = ofKind[0];
        const info = first ? lookupKind(first.object.apiVersion, kind) : undefined;
        const namespaced = info !== undefined && info.status !== 'unknown' && info.info.namespaced;
        const scopedToCluster = info !== undefined && info.status !== 'unknown' && info.info.scope === 'Cluster';
        const columns = (KIND_COLUMNS[kind] ?? []).filter((c) => options.format === 'wide' || !c.wide);
        const header = [
          ...(options.showCluster && scopedToCluster ? ['CLUSTER'] : []),
          ...(options.allNamespaces && namespaced ? ['NAMESPACE'] : []),
          kinds.length > 1 ? `NAME` : 'NAME',
          ...columns.map((c) => c.header),
        ];
        const rows = ofKind.map((s) => [
          ...(options.showCluster && scopedToCluster ? [s.cluster ?? ''] : []),
          ...(options.allNamespaces && namespaced ? [s.object.metadata.namespace ?? ''] : []),
          kinds.length > 1 ? resourceName(s) : s.object.metadata.name,
          ...columns.map((c) => c.cell(s)),
        ]);
        blocks.push(renderTable(header, rows));
      }
      return blocks.join('\n\n');
    }
  }
}
