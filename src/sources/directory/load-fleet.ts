/**
 * Loads a fleet directory into a snapshot plus every located issue:
 * read the tree → parse documents → decode → fleet-wide checks.
 * @module
 */
import { clusterName, KINDS, type ClusterName, type ClusterSnapshot, type FleetSnapshot, type Issue, type Sourced } from '../../api/index.ts';
import { checkFleet, decodeDocument, hasErrors, sortIssues, type DecodeResult } from '../../validation/index.ts';
import { createLastGoodWriter, readLastGood, type LastGoodMissing } from './last-good.ts';
import { parseManifestChunks, type Chunk, type ParsedChunk, type RawDocument } from './parse-manifests.ts';
import { createTextCache, readTree, type ManifestFile, type ReadTreeOptions, type TreeContents } from './read-tree.ts';

/** Counters that tell the user how much was read. */
export interface LoadStats {
  readonly files: number;
  readonly documents: number;
  readonly objects: number;
  readonly bytes: number;
}

/** A loaded fleet: the snapshot of every valid object, and all issues sorted by file and line. */
export interface LoadResult {
  readonly root: string;
  readonly snapshot: FleetSnapshot;
  readonly issues: readonly Issue[];
  readonly stats: LoadStats;
  /** Set when this is the persisted last good tree (see {@link FleetLoader.restore}), not the directory as it is. */
  readonly restored?: { readonly savedAt: string };
  /** Why the last good tree could not be persisted after this clean load (the load itself is fine). */
  readonly lastGoodError?: string;
  /** The tree's {@link TreeContents.identity} (absent for a restored copy): a watcher re-arms only when it changed. */
  readonly treeIdentity?: string;
}

/** Options of {@link createFleetLoader}. */
export interface LoaderOptions extends ReadTreeOptions {
  /** Where every load without errors persists its tree (`<state dir>/last-good-fleet.json` and `.d/`); absent: nothing is persisted. */
  readonly lastGoodPath?: string;
}

const KIND_ORDER = new Map(KINDS.map((k, i) => [k.kind, i]));

/** Canonical order of objects: kind (registry order), namespace, name, then origin. */
export function compareSourced(a: Sourced, b: Sourced): number {
  const ka = KIND_ORDER.get(a.object.kind) ?? 99;
  const kb = KIND_ORDER.get(b.object.kind) ?? 99;
  if (ka !== kb) return ka - kb;
  const na = `${a.object.metadata.namespace ?? ''}/${a.object.metadata.name}`;
  const nb = `${b.object.metadata.namespace ?? ''}/${b.object.metadata.name}`;
  if (na !== nb) return na < nb ? -1 : 1;
  if (a.origin.file !== b.origin.file) return a.origin.file < b.origin.file ? -1 : 1;
  return a.origin.line - b.origin.line;
}

/** One document's parse and decode results, reusable while its text and first line are unchanged. */
interface ChunkResult {
  readonly parsed: ParsedChunk;
  readonly decoded: readonly { readonly doc: RawDocument; readonly result: DecodeResult }[];
}

/** One file's parse and decode results, reusable while its text is unchanged. */
interface FileResult {
  readonly text: string;
  readonly chunks: readonly ChunkResult[];
  readonly issues: readonly Issue[];
  readonly decoded: readonly { readonly doc: RawDocument; readonly result: DecodeResult }[];
}

const chunkKey = (chunk: Chunk): string => `${String(chunk.startLine)}\n${chunk.text}`;

/** Parses and decodes `file`, reusing `before`'s results for every document whose text and first line did not change. */
function parseFile(file: ManifestFile, before: FileResult | undefined): FileResult {
  const old = new Map((before?.chunks ?? []).map((c) => [chunkKey(c.parsed.chunk), c]));
  const chunks = parseManifestChunks(file, (chunk) => old.get(chunkKey(chunk))?.parsed).map((parsed): ChunkResult => {
    const kept = old.get(chunkKey(parsed.chunk));
    return kept?.parsed === parsed ? kept : { parsed, decoded: parsed.documents.map((doc) => ({ doc, result: decodeDocument(doc) })) };
  });
  return { text: file.text, chunks, issues: chunks.flatMap((c) => c.parsed.issues), decoded: chunks.flatMap((c) => c.decoded) };
}

/** A loader that remembers each file's decoded objects, so a reload re-parses only the files whose text changed. */
export interface FleetLoader {
  /** Reads, decodes and checks the tree at `root`. Throws SourceError only when `root` itself is unusable. */
  load(root: string): Promise<LoadResult>;
  /** Loads the persisted last good tree of `root` through the same checks (result has `restored`), or says why there is none. */
  restore(root: string): Promise<LoadResult | LastGoodMissing>;
  /** Releases what the loader holds (a worker thread); loads after close fail. */
  close(): void;
}

/**
 * Creates a caching loader. Parsing dominates load time, and a watcher reloads the
 * whole tree on every edit: reusing unchanged files' results keeps an edit's cost
 * proportional to that file. Fleet-wide checks still run over every object.
 */
export function createFleetLoader(options: LoaderOptions = {}): FleetLoader {
  let cache = new Map<string, FileResult>();
  // Unchanged files keep their text strings across loads: nothing to decode, and `entry.text !== file.text` below is an identity check.
  let texts = createTextCache();
  const lastGood = options.lastGoodPath === undefined ? undefined : createLastGoodWriter(options.lastGoodPath);
  const fromTree = (root: string, tree: Pick<TreeContents, 'files' | 'clusterFolders'> & Partial<Pick<TreeContents, 'issues'>>): LoadResult => {
    const next = new Map<string, FileResult>();
    const issues: Issue[] = [...(tree.issues ?? [])];
    const objects: Sourced[] = [];
    const documents = new WeakMap<Sourced, RawDocument>();
    const invalidClusters = new Set<string>();
    let documentCount = 0;
    let bytes = 0;
    for (const file of tree.files) {
      bytes += file.text.length;
      let entry = cache.get(file.path);
      // A changed file re-parses only its changed documents: a one-line edit of a 10,000-endpoint file, one slice.
      if (!entry || entry.text !== file.text) entry = parseFile(file, entry);
      next.set(file.path, entry);
      issues.push(...entry.issues);
      for (const { doc, result } of entry.decoded) {
        documentCount++;
        issues.push(...result.issues);
        if (!result.object && result.declared?.kind === 'Cluster') invalidClusters.add(result.declared.name);
        if (result.object) {
          objects.push(result.object);
          documents.set(result.object, doc);
        }
      }
    }
    cache = next; // files that vanished are forgotten
    issues.push(...checkFleet(objects, tree.clusterFolders, (s, path) => documents.get(s)?.lineOf(path) ?? s.origin.line, invalidClusters));
    return { root, snapshot: buildSnapshot(objects, tree.clusterFolders), issues: sortIssues(issues), stats: { files: tree.files.length, documents: documentCount, objects: objects.length, bytes } };
  };
  return {
    async load(root) {
      const tree = await readTree(root, options, texts);
      const result: LoadResult = { ...fromTree(root, tree), treeIdentity: tree.identity };
      if (lastGood === undefined || hasErrors(result.issues)) return result;
      try {
        // Writes only what changed since the last save: nothing for an edit that changes nothing.
        lastGood.save(root, tree, new Date());
        return result;
      } catch (error) {
        return { ...result, lastGoodError: `cannot persist the last good fleet to ${options.lastGoodPath}: ${(error as Error).message}` };
      }
    },
    async restore(root) {
      if (options.lastGoodPath === undefined) return { reason: 'none', detail: 'no state directory to restore from' };
      const stored = readLastGood(options.lastGoodPath, root);
      if ('reason' in stored) return stored;
      return { ...fromTree(root, stored.tree), restored: { savedAt: stored.savedAt } };
    },
    close() {
      cache = new Map();
      texts = createTextCache();
    },
  };
}

/** Reads, decodes and checks the fleet at `root`. Throws SourceError only when `root` itself is unusable. */
export async function loadFleet(root: string, options: ReadTreeOptions = {}): Promise<LoadResult> {
  return createFleetLoader(options).load(root);
}

/** Groups objects into the fleet-scoped list and one sorted snapshot per cluster folder. */
export function buildSnapshot(objects: readonly Sourced[], clusterFolders: readonly string[] = []): FleetSnapshot {
  const perCluster = new Map<ClusterName, Sourced[]>(clusterFolders.map((name) => [clusterName(name), []]));
  const fleetObjects: Sourced[] = [];
  for (const s of objects) {
    if (s.cluster === undefined) fleetObjects.push(s);
    else {
      const list = perCluster.get(s.cluster);
      if (list) list.push(s);
      else perCluster.set(s.cluster, [s]);
    }
  }
  const clusters = new Map<ClusterName, ClusterSnapshot>();
  for (const name of [...perCluster.keys()].sort()) {
    clusters.set(name, { cluster: name, objects: (perCluster.get(name) ?? []).sort(compareSourced) });
  }
  return { fleetObjects: fleetObjects.sort(compareSourced), clusters };
}
