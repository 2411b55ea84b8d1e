/**
 * Test helper: turns a golden case (`testdata/<case>.in.yaml`) into an McsInput.
 *
 * A case is a multi-document YAML bundle. Every object names its cluster in the
 * annotation `lintas.dev/cluster` (fleet-scoped Cluster/ClusterSet have none); the
 * annotation is removed before decoding with the real zod schemas of `src/api`, so
 * objects look exactly as the directory source would hand them over. An optional
 * first document `kind: McsTestCase` gives `now`, `state`, `freshness` and `absentClusters`
 * (Cluster objects whose snapshot is missing, as after the runner's endpoint TTL).
 * Every other Cluster gets a snapshot, even an empty one, as a cluster folder would.
 * @module
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { clusterName, lookupKind, type ClusterFreshness, type ClusterName, type ClusterSnapshot, type FleetObject, type Sourced } from '../../api/index.ts';
import { EMPTY_MCS_STATE, type McsInput, type McsState } from './types.ts';

/** The annotation that places an object in a cluster. */
export const CLUSTER_ANNOTATION = 'lintas.dev/cluster';
/** `now` when a case does not set it. */
export const DEFAULT_NOW = '2026-05-01T12:00:00Z';

interface Header {
  readonly now?: string;
  readonly state?: McsState;
  readonly absentClusters?: readonly string[];
  readonly freshness?: Readonly<Record<string, ClusterFreshness>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Splits off the cluster annotation, returning the cluster and a copy of the object without it. */
function takeCluster(raw: Record<string, unknown>): { cluster?: string; object: Record<string, unknown> } {
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  const annotations = isRecord(metadata.annotations) ? { ...metadata.annotations } : undefined;
  const cluster = annotations?.[CLUSTER_ANNOTATION];
  if (annotations === undefined || typeof cluster !== 'string') return { object: raw };
  delete annotations[CLUSTER_ANNOTATION];
  const { annotations: _dropped, ...rest } = metadata;
  const nextMetadata = Object.keys(annotations).length > 0 ? { ...rest, annotations } : rest;
  return { cluster, object: { ...raw, metadata: nextMetadata } };
}

function compareSourced(a: Sourced, b: Sourced): number {
  const key = (s: Sourced): string => `${s.object.kind}\u0000${s.object.metadata.namespace ?? ''}\u0000${s.object.metadata.name}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** Decodes a golden case into the translator's input; throws on anything malformed, naming the line. */
export function loadMcsCase(text: string, file: string): McsInput {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(documents)) throw new Error(`${file}: not a YAML stream`);
  let header: Header = {};
  const fleetObjects: Sourced[] = [];
  const perCluster = new Map<string, Sourced[]>();

  documents.forEach((document, i) => {
    const line = lineCounter.linePos(document.range[0]).line;
    const where = `${file}:${line}`;
    if (document.errors.length > 0) throw new Error(`${where}: ${document.errors[0]?.message ?? 'YAML error'}`);
    const raw: unknown = document.toJS();
    if (raw === null || raw === undefined) return;
    if (!isRecord(raw)) throw new Error(`${where}: a document must be a map`);
    if (raw.kind === 'McsTestCase') {
      if (i !== 0) throw new Error(`${where}: McsTestCase must be the first document`);
      header = raw as Header;
      return;
    }
    const lookup = lookupKind(String(raw.apiVersion), String(raw.kind));
    if (lookup.status !== 'known' || lookup.info.schema === undefined) throw new Error(`${where}: ${String(raw.apiVersion)} ${String(raw.kind)} is not an input kind`);
    const { cluster, object } = takeCluster(raw);
    const parsed = lookup.info.schema.safeParse(object);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `.${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new Error(`${where}: ${String(raw.kind)} does not decode: ${problems}`);
    }
    const decoded = parsed.data as FleetObject;
    const origin = { file, line };
    if (lookup.info.scope === 'Fleet') {
      if (cluster !== undefined) throw new Error(`${where}: fleet-scoped ${decoded.kind} must not name a cluster`);
      fleetObjects.push({ object: decoded, origin });
      return;
    }
    if (cluster === undefined) throw new Error(`${where}: ${decoded.kind} needs the ${CLUSTER_ANNOTATION} annotation`);
    const list = perCluster.get(cluster) ?? [];
    list.push({ object: decoded, origin, cluster: clusterName(cluster) });
    perCluster.set(cluster, list);
  });

  const absent = new Set(header.absentClusters ?? []);
  for (const { object } of fleetObjects) {
    if (object.kind === 'Cluster' && !absent.has(object.metadata.name) && !perCluster.has(object.metadata.name)) perCluster.set(object.metadata.name, []);
  }
  const clusters = new Map<ClusterName, ClusterSnapshot>();
  for (const name of [...perCluster.keys()].sort()) {
    if (absent.has(name)) continue;
    clusters.set(clusterName(name), { cluster: clusterName(name), objects: (perCluster.get(name) ?? []).sort(compareSourced) });
  }
  return {
    snapshot: { fleetObjects: fleetObjects.sort(compareSourced), clusters },
    now: header.now ?? DEFAULT_NOW,
    state: header.state ?? EMPTY_MCS_STATE,
    ...(header.freshness !== undefined ? { freshness: header.freshness } : {}),
  };
}
