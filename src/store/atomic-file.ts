/**
 * Durable whole-file replacement for state that must survive a crash or a power
 * cut intact: the new content goes to a temp file beside the target, is fsynced,
 * renamed over the target (atomic on POSIX), and the directory is fsynced so the
 * rename itself is on disk. A reader sees the old file or the new one, never half.
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

/** Replaces `path` with `data` atomically and durably (creating its directory); the file gets `mode` (default 0600). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o600): void {
  writeFilesAtomicSync(dirname(path), [[basename(path), data]], mode);
}

/**
 * Replaces several files of one directory, each atomically and durably, with one directory fsync
 * for all the renames: each file is whole, old or new (no two of them change together).
 */
export function writeFilesAtomicSync(dir: string, files: readonly (readonly [name: string, data: string | Uint8Array])[], mode = 0o600): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, data] of files) replaceSync(dir, name, data, mode);
  if (files.length > 0) fsyncDir(dir);
}

/** temp file + fsync + rename; the rename is durable once the directory is fsynced. */
function replaceSync(dir: string, name: string, data: string | Uint8Array, mode: number): void {
  const path = join(dir, name);
  // Unique per process and thread: two writers never share a temp file.
  const tmp = join(dir, `.${name}.${process.pid}.${threadId}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** Makes a rename in `dir` durable; a file system that cannot fsync a directory is not an error. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on some platforms: the rename is as durable as they allow.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
