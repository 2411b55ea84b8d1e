/**
 * Test helper shared by the controllers' golden cases: a multi-document YAML bundle
 * becomes a FleetSnapshot plus the case's header document.
 *
 * Every cluster object names its cluster in the annotation `lintas.dev/cluster`
 * (removed before decoding with the real `src/api` schemas); fleet-scoped objects
 * have none. An optional first document of kind `headerKind` (e.g. `McsTestCase`)
 * carries case settings. An object annotated `lintas.dev/test-raw: "true"` skips
 * schema decoding, so a case can feed a translator what the validator would refuse;
 * such objects must spell out every default. Every Cluster gets a snapshot, even an
 * empty one (as a cluster folder would), except the clusters listed in `absent`.
 * @module
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { clusterName, lookupKind, type ClusterName, type ClusterSnapshot, type FleetObject, type FleetSnapshot, type Sourced } from '../src/api/index.ts';

/** The annotation that places an object in a cluster. */
export const CLUSTER_ANNOTATION = 'lintas.dev/cluster';
/** The annotation that makes the loader take an object as written. */
export const RAW_ANNOTATION = 'lintas.dev/test-raw';
/** `now` when a case does not set it. */
export const DEFAULT_NOW = '2026-05-01T12:00:00Z';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Removes the loader's annotations, returning them and a copy of the object without them. */
function takeAnnotations(raw: Record<string, unknown>): { cluster?: string; rawObject: boolean; object: Record<string, unknown> } {
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  if (!isRecord(metadata.annotations)) return { rawObject: false, object: raw };
  const annotations = { ...metadata.annotations };
  const cluster = annotations[CLUSTER_ANNOTATION];
  const rawObject = annotations[RAW_ANNOTATION] === 'true';
  delete annotations[CLUSTER_ANNOTATION];
  delete annotations[RAW_ANNOTATION];
  const { annotations: _dropped, ...rest } = metadata;
  const nextMetadata = Object.keys(annotations).length > 0 ? { ...rest, annotations } : rest;
  return { ...(typeof cluster === 'string' ? { cluster } : {}), rawObject, object: { ...raw, metadata: nextMetadata } };
}

function compareSourced(a: Sourced, b: Sourced): number {
  const key = (s: Sourced): string => `${s.object.kind}\u0000${s.object.metadata.namespace ?? ''}\u0000${s.object.metadata.name}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** Decodes a case bundle; throws on anything malformed, naming the line. `absent(header)` lists clusters with no snapshot. */
export function loadFleetCase<H extends object>(text: string, file: string, headerKind: string, absent: (header: Partial<H>) => readonly string[] = () => []): { header: Partial<H>; snapshot: FleetSnapshot } {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(documents)) throw new Error(`${file}: not a YAML stream`);
  let header: Partial<H> = {};
  const fleetObjects: Sourced[] = [];
  const perCluster = new Map<string, Sourced[]>();

  documents.forEach((document, i) => {
    const line = lineCounter.linePos(document.range[0]).line;
    const where = `${file}:${line}`;
    if (document.errors.length > 0) throw new Error(`${where}: ${document.errors[0]?.message ?? 'YAML error'}`);
    const raw: unknown = document.toJS();
    if (raw === null || raw === undefined) return;
    if (!isRecord(raw)) throw new Error(`${where}: a document must be a map`);
    if (raw.kind === headerKind) {
      if (i !== 0) throw new Error(`${where}: ${headerKind} must be the first document`);
      header = raw as Partial<H>;
      return;
    }
    const lookup = lookupKind(String(raw.apiVersion), String(raw.kind));
    if (lookup.status !== 'known' || lookup.info.schema === undefined) throw new Error(`${where}: ${String(raw.apiVersion)} ${String(raw.kind)} is not an input kind`);
    const { cluster, rawObject, object } = takeAnnotations(raw);
    let decoded: FleetObject;
    if (rawObject) {
      decoded = object as unknown as FleetObject;
    } else {
      const parsed = lookup.info.schema.safeParse(object);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `.${issue.path.join('.')}: ${issue.message}`).join('; ');
        throw new Error(`${where}: ${String(raw.kind)} does not decode: ${problems}`);
      }
      decoded = parsed.data as FleetObject;
    }
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

  const missing = new Set(absent(header));
  for (const { object } of fleetObjects) {
    if (object.kind === 'Cluster' && !perCluster.has(object.metadata.name)) perCluster.set(object.metadata.name, []);
  }
  const clusters = new Map<ClusterName, ClusterSnapshot>();
  for (const name of [...perCluster.keys()].sort()) {
    if (missing.has(name)) continue;
    clusters.set(clusterName(name), { cluster: clusterName(name), objects: (perCluster.get(name) ?? []).sort(compareSourced) });
  }
  return { header, snapshot: { fleetObjects: fleetObjects.sort(compareSourced), clusters } };
}
