/**
 * The last good fleet, persisted (issue 14 item 3): after every load without
 * errors the tree's manifests (paths and texts, plus the cluster folders) are
 * written to the state directory, atomically and durably. When the directory is
 * invalid at start, the loader runs this copy through the same parse, decode and
 * checks as a live tree, so a restart with one bad file serves the last good
 * config instead of nothing, and a copy that this version of Lintas no longer
 * accepts is refused like any invalid tree.
 *
 * The texts are kept rather than the decoded snapshot so that the copy never
 * skips validation and its objects keep their `file:line` origins.
 *
 * Layout (v2): `last-good-fleet.json` is a small index (paths, each text's
 * SHA-256, the cluster folders, a digest over them) and `last-good-fleet.d/`
 * holds each text once, named by its SHA-256. A one-line edit writes one text
 * and the index, not the whole tree: rewriting and fsyncing every manifest
 * cost the loader about 14 ms of CPU per edit on a 1,500-object fleet (issue 14
 * item 5). The texts are written before the index that names them and removed
 * only after an index that no longer names them, so a crash leaves the old copy
 * or the new one. A v1 index (the texts inline) is still read, so an upgrade
 * restores the copy the previous version saved.
 * @module
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sha256hex, writeFileAtomicSync, writeFilesAtomicSync } from '../../store/index.ts';
import type { TreeContents } from './read-tree.ts';

/** The file name of the persisted last good fleet's index inside the state directory. */
export const LAST_GOOD_FILE = 'last-good-fleet.json';

const FORMAT_V1 = 'lintas.dev/last-good-fleet/v1';
const FORMAT = 'lintas.dev/last-good-fleet/v2';

/** A persisted last good tree. */
export interface LastGood {
  /** RFC 3339: when the tree was loaded without errors. */
  readonly savedAt: string;
  /** The fleet root it was read from (a copy of another fleet is never restored). */
  readonly root: string;
  readonly tree: Pick<TreeContents, 'files' | 'clusterFolders'>;
}

/** Why there is no usable persisted copy. */
export type LastGoodMissing = { readonly reason: 'none' | 'unreadable' | 'other-root'; readonly detail: string };

/** The v2 index. */
interface Stored {
  readonly format: string;
  readonly savedAt: string;
  readonly root: string;
  readonly digest: string;
  readonly clusterFolders: readonly string[];
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
}

/** The v1 file, read only (an upgrade restores it). */
interface StoredV1 extends Omit<Stored, 'files'> {
  readonly files: readonly { readonly path: string; readonly text: string }[];
}

type Tree = Pick<TreeContents, 'files' | 'clusterFolders'>;

/** The directory of the texts beside the index at `path`: `last-good-fleet.json` → `last-good-fleet.d`. */
export function lastGoodTextsDir(path: string): string {
  return join(dirname(path), `${basename(path).replace(/\.json$/, '')}.d`);
}

/** The v2 digest: over the paths and their texts' hashes, so it costs nothing per unchanged text. */
const indexDigest = (clusterFolders: readonly string[], files: readonly (readonly [string, string])[]): string => sha256hex(JSON.stringify([clusterFolders, files]));

/** The v1 digest, over the texts themselves. */
const treeDigestV1 = (tree: Tree): string => sha256hex(JSON.stringify([tree.clusterFolders, tree.files.map((f) => [f.path, f.text])]));

/** Saves good trees to one index path; it remembers each text's hash and what is on disk, so an edit costs its changed texts. */
export interface LastGoodWriter {
  /** Persists `tree` as the last good fleet of `root`; false when it is the tree saved last (nothing written). */
  save(root: string, tree: Tree, savedAt: Date): boolean;
}

/** Creates the writer of the last good fleet at `path` (`<state dir>/last-good-fleet.json`). */
export function createLastGoodWriter(path: string): LastGoodWriter {
  const textsDir = lastGoodTextsDir(path);
  // The hash of each path's text as last seen: an unchanged text (compared, not hashed) is not hashed again.
  let hashes = new Map<string, { readonly text: string; readonly sha256: string }>();
  // Texts known to be in textsDir; undefined until the first save lists it (leftovers of an earlier run are found then).
  let onDisk: Set<string> | undefined;
  // The root and digest of the tree saved last: the same again writes nothing.
  let saved: string | undefined;
  return {
    save(root, tree, savedAt) {
      const next = new Map<string, { readonly text: string; readonly sha256: string }>();
      const entries = tree.files.map((f): [string, string] => {
        const seen = hashes.get(f.path);
        const hashed = seen !== undefined && seen.text === f.text ? seen : { text: f.text, sha256: sha256hex(f.text) };
        next.set(f.path, hashed);
        return [f.path, hashed.sha256];
      });
      hashes = next;
      const digest = indexDigest(tree.clusterFolders, entries);
      if (`${root}\n${digest}` === saved) return false;
      onDisk ??= listTexts(textsDir);
      const known = onDisk;
      const missing = new Map<string, string>();
      for (const { text, sha256 } of next.values()) if (!known.has(sha256)) missing.set(sha256, text);
      writeFilesAtomicSync(textsDir, [...missing]);
      for (const sha of missing.keys()) known.add(sha);
      const stored: Stored = { format: FORMAT, savedAt: savedAt.toISOString(), root, digest, clusterFolders: tree.clusterFolders, files: entries.map(([p, sha256]) => ({ path: p, sha256 })) };
      writeFileAtomicSync(path, JSON.stringify(stored));
      saved = `${root}\n${digest}`;
      // Only now, with an index that no longer names them, may the texts it replaced go.
      const named = new Set(entries.map(([, sha]) => sha));
      for (const sha of [...known]) {
        if (named.has(sha)) continue;
        rmSync(join(textsDir, sha), { force: true });
        known.delete(sha);
      }
      return true;
    },
  };
}

/** The texts in `dir` (file names that are SHA-256 hex); empty when it does not exist. */
function listTexts(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n)));
  } catch {
    return new Set();
  }
}

/** Reads the last good fleet of `root` from `path` (v2, or a v1 file an earlier version wrote), or says why there is none. */
export function readLastGood(path: string, root: string): LastGood | LastGoodMissing {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { reason: 'none', detail: `no ${path} yet` } : { reason: 'unreadable', detail: `cannot read ${path}: ${code ?? (error as Error).message}` };
  }
  let stored: Partial<Stored> | Partial<StoredV1>;
  try {
    stored = JSON.parse(text) as Partial<Stored> | Partial<StoredV1>;
  } catch (error) {
    return { reason: 'unreadable', detail: `${path} is not JSON: ${(error as Error).message}` };
  }
  const files: unknown = stored.files;
  const header = typeof stored.savedAt === 'string' && !Number.isNaN(Date.parse(stored.savedAt)) && Array.isArray(files) && Array.isArray(stored.clusterFolders);
  if (!header || (stored.format !== FORMAT && stored.format !== FORMAT_V1)) return { reason: 'unreadable', detail: `${path} is not a ${FORMAT} file` };
  if (stored.root !== root) return { reason: 'other-root', detail: `${path} holds the fleet of ${String(stored.root)}, not ${root}` };
  const clusterFolders = (stored.clusterFolders ?? []).map(String);
  const damaged: LastGoodMissing = { reason: 'unreadable', detail: `${path} does not match its digest (changed or damaged on disk)` };
  if (stored.format === FORMAT_V1) {
    const v1 = files as StoredV1['files'];
    if (!v1.every((f) => typeof f?.path === 'string' && typeof f.text === 'string')) return { reason: 'unreadable', detail: `${path} is not a ${FORMAT_V1} file` };
    const tree = { files: v1, clusterFolders };
    return treeDigestV1(tree) === stored.digest ? { savedAt: stored.savedAt as string, root, tree } : damaged;
  }
  const v2 = files as Stored['files'];
  if (!v2.every((f) => typeof f?.path === 'string' && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256))) return { reason: 'unreadable', detail: `${path} is not a ${FORMAT} file` };
  if (indexDigest(clusterFolders, v2.map((f) => [f.path, f.sha256])) !== stored.digest) return damaged;
  const textsDir = lastGoodTextsDir(path);
  const out: { path: string; text: string }[] = [];
  for (const f of v2) {
    let body: string;
    try {
      body = readFileSync(join(textsDir, f.sha256), 'utf8');
    } catch (error) {
      return { reason: 'unreadable', detail: `cannot read the text of ${f.path} (${join(textsDir, f.sha256)}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
    if (sha256hex(body) !== f.sha256) return { reason: 'unreadable', detail: `the text of ${f.path} in ${textsDir} does not match its digest (changed or damaged on disk)` };
    out.push({ path: f.path, text: body });
  }
  return { savedAt: stored.savedAt as string, root, tree: { files: out, clusterFolders } };
}
