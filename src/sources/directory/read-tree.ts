/**
 * Walks a fleet directory and reads its manifest files, turning every I/O
 * problem (huge or binary files, symlink loops, unreadable entries) into a
 * located issue instead of an exception, so one bad file never hides the rest.
 * @module
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Issue } from '../../api/index.ts';
import { SourceError } from '../errors.ts';

/** Extensions Lintas reads as manifests. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;
/** Default per-file size limit: manifests larger than this are refused, not parsed. */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;

/** A manifest file's text and where it sits in the fleet. */
export interface ManifestFile {
  /** Path relative to the fleet root, with `/` separators. */
  readonly path: string;
  readonly text: string;
}

/** Options of {@link readTree}. */
export interface ReadTreeOptions {
  readonly maxFileBytes?: number;
}

/** What {@link readTree} found: the readable manifests and one issue per unreadable one. */
export interface TreeContents {
  readonly files: readonly ManifestFile[];
  /** Every directory under `clusters/` that names a cluster (even one with no readable files). */
  readonly clusterFolders: readonly string[];
  readonly issues: readonly Issue[];
  /**
   * Which inode every path walked resolved to, the root's included: equal identities mean the
   * same files and folders, edited in place at most, so a watcher armed on them still sees them.
   */
  readonly identity: string;
}

const toPosix = (p: string): string => p.split(sep).join('/');

/** The file system calls of a walk. */
interface TreeIo {
  stat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  readdir(path: string): Promise<Dirent[]>;
  /** Reads a file from its start into `allocate(min(limit, size + 1))`: the buffer and the bytes read. */
  readHead(path: string, limit: number, allocate: (size: number) => Buffer): Promise<{ readonly buffer: Buffer; readonly bytesRead: number }>;
}

/** Through the libuv pool: the calling thread keeps serving meanwhile. */
const asyncIo: TreeIo = {
  stat: (path) => stat(path),
  realpath: (path) => realpath(path),
  readdir: (path) => readdir(path, { withFileTypes: true }),
  async readHead(path, limit, allocate) {
    const handle = await open(path, 'r');
    try {
      const size = Math.min(limit, (await handle.stat()).size + 1);
      const buffer = allocate(size);
      const { bytesRead } = await handle.read(buffer, 0, size, 0);
      return { buffer, bytesRead };
    } finally {
      await handle.close();
    }
  },
};

/**
 * On the calling thread. The fleet loader's thread has nothing else to do, and the libuv pool's
 * threads, shared by the process, run at normal priority beside the data planes' (issue 14 item 5).
 */
const syncIo: TreeIo = {
  stat: async (path) => statSync(path),
  realpath: async (path) => realpathSync(path),
  readdir: async (path) => readdirSync(path, { withFileTypes: true }),
  async readHead(path, limit, allocate) {
    const fd = openSync(path, 'r');
    try {
      const size = Math.min(limit, fstatSync(fd).size + 1);
      const buffer = allocate(size);
      return { buffer, bytesRead: readSync(fd, buffer, 0, size, 0) };
    } finally {
      closeSync(fd);
    }
  },
};

// A worker thread is the fleet loader's own (load-worker.ts): its calls are made there, at its priority.
const io = isMainThread ? asyncIo : syncIo;

/** Throws a SourceError unless `root` is an existing directory; returns its inode number. */
export async function assertFleetRoot(root: string): Promise<number> {
  let info;
  try {
    info = await stat(root);
  } catch (error) {
    throw new SourceError('LINTAS_ERR_NOT_FOUND', root, `fleet directory ${root} does not exist`, { cause: error });
  }
  if (!info.isDirectory()) throw new SourceError('LINTAS_ERR_NOT_A_DIRECTORY', root, `${root} is not a directory`);
  return info.ino;
}

/** One file's bytes as last read and the text decoded from them. */
interface CachedText {
  readonly bytes: Buffer;
  readonly text: string;
}

/**
 * What a caller that reads the same tree again keeps between reads (see {@link readTree}):
 * each file's last bytes and text, and one scratch buffer to read into.
 */
export interface TextCache {
  readonly files: Map<string, CachedText>;
  scratch: Buffer;
}

/** An empty {@link TextCache}. */
export function createTextCache(): TextCache {
  return { files: new Map(), scratch: Buffer.allocUnsafe(64 * 1024) };
}

/**
 * Reads every manifest under `root`, sorted by path. With a `cache` (a watcher's loader), a file
 * whose bytes are those of the previous read is read into a reused buffer and keeps the text
 * string of then: a reload of a large tree for a one-line edit then decodes and allocates only
 * the changed file, and callers can compare texts by identity (issue 14 item 5).
 */
export async function readTree(root: string, options: ReadTreeOptions = {}, cache?: TextCache): Promise<TreeContents> {
  const inodes = [String(await assertFleetRoot(root))];
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const files: ManifestFile[] = [];
  const issues: Issue[] = [];
  const clusterFolders = new Set<string>();
  // Real paths of the directories on the current walk: a symlink back to one of them is a loop.
  const ancestors = new Set<string>();

  const problem = (path: string, message: string): void => {
    issues.push({ severity: 'error', file: path, line: 0, message });
  };

  async function walk(dir: string): Promise<void> {
    const rel = toPosix(relative(root, dir));
    let real: string;
    try {
      real = await io.realpath(dir);
    } catch (error) {
      problem(rel || '.', describeIoError(error));
      return;
    }
    if (ancestors.has(real)) {
      problem(rel, `symlink loop: ${rel} points back to one of its parent directories; skipped`);
      return;
    }
    const parts = rel.split('/');
    if (parts.length === 2 && parts[0] === 'clusters') clusterFolders.add(parts[1] ?? '');
    let entries;
    try {
      entries = await io.readdir(dir);
    } catch (error) {
      problem(rel || '.', describeIoError(error));
      return;
    }
    ancestors.add(real);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // Hidden entries (.git, .lintas) and node_modules are never fleet content.
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      const relPath = toPosix(relative(root, full));
      let info;
      try {
        info = await io.stat(full); // follows symlinks on purpose: GitOps trees use them
        inodes.push(`${relPath}:${String(info.ino)}`);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') problem(relPath, 'symlink loop: the link resolves to itself; skipped');
        else if (code === 'ENOENT') problem(relPath, 'dangling symlink; skipped');
        else problem(relPath, describeIoError(error));
        continue;
      }
      if (info.isDirectory()) {
        await walk(full);
        continue;
      }
      if (!MANIFEST_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) continue;
      if (!info.isFile()) {
        problem(relPath, 'not a regular file (a device, FIFO or socket); skipped');
        continue;
      }
      if (info.size > maxBytes) {
        problem(relPath, `file is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit for one manifest file; skipped`);
        continue;
      }
      const text = await readText(full, relPath, maxBytes, cache).catch((error: unknown) => {
        problem(relPath, error instanceof SourceError ? error.message : describeIoError(error));
        return undefined;
      });
      if (text !== undefined) files.push({ path: relPath, text });
    }
    ancestors.delete(real);
  }

  await walk(root);
  if (cache) {
    // Files gone or unreadable now are forgotten.
    const read = new Set(files.map((f) => f.path));
    for (const path of [...cache.files.keys()]) if (!read.has(path)) cache.files.delete(path);
  }
  return { files, clusterFolders: [...clusterFolders].sort(), issues, identity: inodes.join('\n') };
}

async function readText(full: string, relPath: string, maxBytes: number, cache: TextCache | undefined): Promise<string> {
  // Read at most maxBytes+1 so a file that grew after stat() is still refused, not slurped.
  const { buffer, bytesRead } = await io.readHead(full, maxBytes + 1, (size) => {
    if (!cache) return Buffer.alloc(size);
    if (cache.scratch.length < size) cache.scratch = Buffer.allocUnsafe(size);
    return cache.scratch;
  });
  if (bytesRead > maxBytes) throw new SourceError('LINTAS_ERR_TOO_LARGE', relPath, `file is over the ${formatBytes(maxBytes)} limit; skipped`);
  const bytes = buffer.subarray(0, bytesRead);
  const seen = cache?.files.get(relPath);
  if (seen !== undefined && seen.bytes.equals(bytes)) return seen.text;
  if (bytes.includes(0)) throw new SourceError('LINTAS_ERR_BINARY', relPath, 'binary file (contains NUL bytes), not a manifest; skipped');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new SourceError('LINTAS_ERR_BINARY', relPath, 'not valid UTF-8 text, not a manifest; skipped');
  }
  // The scratch buffer is read into again: the cache keeps a copy.
  cache?.files.set(relPath, { bytes: Buffer.from(bytes), text });
  return text;
}

function describeIoError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; skipped';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'symlink loop; skipped';
    default:
      return `cannot read (${e.code ?? e.message}); skipped`;
  }
}

/** Human-readable byte count (`12.0 MiB`). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
