/**
 * The last good fleet, persisted (issue 14 item 3): after every load without
 * errors the tree's manifests (paths and texts, plus the cluster folders) are
 * written to one JSON file in the state directory, atomically and durably. When
 * the directory is invalid at start, the loader runs this copy through the same
 * parse, decode and checks as a live tree, so a restart with one bad file serves
 * the last good config instead of nothing, and a copy that this version of
 * Lintas no longer accepts is refused like any invalid tree.
 *
 * The texts are kept rather than the decoded snapshot so that the copy never
 * skips validation and its objects keep their `file:line` origins.
 * @module
 */
import { readFileSync } from 'node:fs';
import { sha256hex, writeFileAtomicSync } from '../../store/index.ts';
import type { TreeContents } from './read-tree.ts';

/** The file name of the persisted last good fleet inside the state directory. */
export const LAST_GOOD_FILE = 'last-good-fleet.json';

const FORMAT = 'lintas.dev/last-good-fleet/v1';

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

interface Stored {
  readonly format: string;
  readonly savedAt: string;
  readonly root: string;
  readonly digest: string;
  readonly clusterFolders: readonly string[];
  readonly files: readonly { readonly path: string; readonly text: string }[];
}

/** A digest of the tree's content: a load that changed nothing is not written again. */
export function treeDigest(tree: Pick<TreeContents, 'files' | 'clusterFolders'>): string {
  return sha256hex(JSON.stringify([tree.clusterFolders, tree.files.map((f) => [f.path, f.text])]));
}

/** Writes `tree` as the last good fleet of `root` to `path` (temp + fsync + rename). */
export function saveLastGood(path: string, root: string, tree: Pick<TreeContents, 'files' | 'clusterFolders'>, savedAt: Date, digest = treeDigest(tree)): void {
  const stored: Stored = { format: FORMAT, savedAt: savedAt.toISOString(), root, digest, clusterFolders: tree.clusterFolders, files: tree.files.map((f) => ({ path: f.path, text: f.text })) };
  writeFileAtomicSync(path, JSON.stringify(stored));
}

/** Reads the last good fleet of `root` from `path`, or says why there is none. */
export function readLastGood(path: string, root: string): LastGood | LastGoodMissing {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { reason: 'none', detail: `no ${path} yet` } : { reason: 'unreadable', detail: `cannot read ${path}: ${code ?? (error as Error).message}` };
  }
  let stored: Partial<Stored>;
  try {
    stored = JSON.parse(text) as Partial<Stored>;
  } catch (error) {
    return { reason: 'unreadable', detail: `${path} is not JSON: ${(error as Error).message}` };
  }
  const files = stored.files;
  if (stored.format !== FORMAT || typeof stored.savedAt !== 'string' || Number.isNaN(Date.parse(stored.savedAt)) || !Array.isArray(files) || !Array.isArray(stored.clusterFolders) || !files.every((f) => typeof f?.path === 'string' && typeof f.text === 'string')) {
    return { reason: 'unreadable', detail: `${path} is not a ${FORMAT} file` };
  }
  if (stored.root !== root) return { reason: 'other-root', detail: `${path} holds the fleet of ${String(stored.root)}, not ${root}` };
  const tree = { files, clusterFolders: stored.clusterFolders.map(String) };
  if (treeDigest(tree) !== stored.digest) return { reason: 'unreadable', detail: `${path} does not match its digest (changed or damaged on disk)` };
  return { savedAt: stored.savedAt, root, tree };
}
