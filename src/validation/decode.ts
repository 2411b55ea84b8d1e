/**
 * Decodes raw documents into typed objects: kind lookup, placement rules
 * (fleet-scoped vs cluster-scoped) and schema checks, collecting every
 * problem with its line instead of stopping at the first.
 * @module
 */
import { clusterName, lookupKind, type ClusterName, type FleetObject, type Issue, type KindInfo, type Sourced } from '../api/index.ts';
import { formatFieldPath } from './issues.ts';
import { messageFor } from './zod-messages.ts';

/** A parsed document as decode needs it (the directory source's RawDocument satisfies it). */
export interface DocumentInput {
  readonly file: string;
  readonly line: number;
  readonly value: unknown;
  readonly lineOf: (path: readonly (string | number)[]) => number;
}

/** What decoding one document produced. */
export interface DecodeResult {
  readonly object?: Sourced;
  /** Kind and name of a recognised object, even when it failed validation (to avoid cascading errors). */
  readonly declared?: { readonly kind: string; readonly name: string };
  readonly issues: readonly Issue[];
}

/** The cluster a manifest path belongs to: `clusters/<name>/...` → name; anything else is fleet-scoped. */
export function clusterOfPath(path: string): ClusterName | undefined {
  const parts = path.split('/');
  return parts.length >= 3 && parts[0] === 'clusters' && parts[1] ? clusterName(parts[1]) : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (!isRecord(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Decodes one document found in `doc.file`. */
export function decodeDocument(doc: DocumentInput): DecodeResult {
  const issues: Issue[] = [];
  const cluster = clusterOfPath(doc.file);
  const raw = doc.value;
  if (!isRecord(raw)) {
    return { issues: [{ severity: 'error', file: doc.file, line: doc.line, message: 'a manifest must be a map with apiVersion, kind and metadata' }] };
  }
  const kind = typeof raw['kind'] === 'string' ? raw['kind'] : undefined;
  const apiVersion = typeof raw['apiVersion'] === 'string' ? raw['apiVersion'] : undefined;
  const metadata = isRecord(raw['metadata']) ? raw['metadata'] : {};
  const subject = {
    kind,
    name: typeof metadata['name'] === 'string' ? metadata['name'] : undefined,
    namespace: typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined,
  };
  const report = (path: readonly PropertyKey[], message: string, severity: Issue['severity'] = 'error'): void => {
    const located = path.filter((p): p is string | number => typeof p !== 'symbol');
    issues.push({ severity, file: doc.file, line: located.length ? doc.lineOf(located) : doc.line, ...subject, field: path.length ? formatFieldPath(path) : undefined, message });
  };

  if (!kind) report(['kind'], 'is required');
  if (!apiVersion) report(['apiVersion'], 'is required');
  if (!kind || !apiVersion) return { issues };

  const lookup = lookupKind(apiVersion, kind);
  if (lookup.status === 'unknown') {
    report([], `unknown kind "${kind}" (apiVersion ${apiVersion}); Lintas ignores it`, 'warning');
    return { issues };
  }
  const info: KindInfo = lookup.info;
  // Name the object as the API server would store it: namespaced kinds default to "default".
  subject.namespace = info.namespaced ? (subject.namespace ?? 'default') : undefined;
  if (lookup.status === 'badVersion') {
    const served = info.versions.map((v) => (info.group ? `${info.group}/${v}` : v)).join(', ');
    report(['apiVersion'], `${kind} is not served as ${apiVersion}; use ${served}`);
    return { issues };
  }
  if (info.refusal !== undefined || info.schema === undefined) {
    report([], info.refusal ?? `${kind} cannot be supplied as input`);
    return { issues };
  }
  if (info.scope === 'Fleet' && cluster !== undefined) {
    report([], `${kind} is fleet-scoped: put it outside clusters/ (for example in fleet/${info.plural}.yaml)`);
  }
  if (info.scope === 'Cluster' && cluster === undefined) {
    report([], `${kind} lives in a cluster: put it under clusters/<cluster-name>/`);
  }
  if (!info.namespaced && metadata['namespace'] !== undefined) {
    report(['metadata', 'namespace'], `${kind} is not namespaced; the namespace is ignored`, 'warning');
  }

  const parsed = info.schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) report(issue.path, messageFor(issue, valueAt(raw, issue.path)));
  }
  const declared = subject.name === undefined ? undefined : { kind, name: subject.name };
  if (!parsed.success || issues.some((i) => i.severity === 'error')) return declared ? { issues, declared } : { issues };

  const object = parsed.data as FleetObject;
  if (info.namespaced && !object.metadata.namespace) object.metadata.namespace = 'default';
  if (!info.namespaced) delete object.metadata.namespace;
  const sourced: Sourced = cluster === undefined ? { object, origin: { file: doc.file, line: doc.line } } : { object, origin: { file: doc.file, line: doc.line }, cluster };
  return { object: sourced, issues };
}
