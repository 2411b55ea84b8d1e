/**
 * Bad-input tests of the directory walker, on real temp directories: every I/O
 * problem must become a located issue while the rest of the tree is still read.
 *
 * Not covered: unreadable files and directories (EACCES). The suite runs as root
 * in CI containers, and root reads through any permission bits, so a chmod 000
 * fixture would be read anyway; describeIoError's EACCES branch is untested here.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Issue } from '../../api/index.ts';
import { SourceError } from '../errors.ts';
import { createTextCache, DEFAULT_MAX_FILE_BYTES, formatBytes, MANIFEST_EXTENSIONS, readTree, type TreeContents } from './read-tree.ts';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fresh temp dir holding `files` (path → text or bytes; a path ending in `/` is an empty dir). */
function fixture(files: Record<string, string | Uint8Array> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'lintas-read-tree-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      mkdirSync(join(root, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function link(root: string, path: string, target: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  symlinkSync(target, join(root, path));
}

const paths = (tree: TreeContents): string[] => tree.files.map((f) => f.path);
const issueFor = (tree: TreeContents, file: string): Issue => {
  const found = tree.issues.filter((i) => i.file === file);
  assert.equal(found.length, 1, `expected one issue for ${file}, got ${JSON.stringify(tree.issues)}`);
  return found[0] as Issue;
};

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n';

describe('readTree: what it reads', () => {
  it('reads manifests recursively, sorted by path, with posix relative paths', async () => {
    const root = fixture({
      'fleet/clusters.yaml': 'a: 1\n',
      'clusters/b/svc.yml': 'b: 1\n',
      'clusters/a/nested/deep/svc.yaml': 'c: 1\n',
      'clusters/a/svc.json': '{"d": 1}\n',
      'top.YAML': 'e: 1\n',
    });
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['clusters/a/nested/deep/svc.yaml', 'clusters/a/svc.json', 'clusters/b/svc.yml', 'fleet/clusters.yaml', 'top.YAML']);
    assert.deepEqual(tree.issues, []);
    assert.equal(tree.files.find((f) => f.path === 'clusters/a/svc.json')?.text, '{"d": 1}\n');
  });

  it('ignores files whose extension is not a manifest extension', async () => {
    const root = fixture({
      'README.md': '# fleet\n',
      'notes.txt': 'x',
      'svc.yaml.bak': SERVICE,
      'svc.yaml.orig': SERVICE,
      'Makefile': 'all:\n',
      'kustomization.yaml': 'resources: []\n',
      'binary.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]),
    });
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['kustomization.yaml']);
    assert.deepEqual(tree.issues, [], 'ignored files are not problems');
    assert.deepEqual([...MANIFEST_EXTENSIONS], ['.yaml', '.yml', '.json']);
  });

  it('skips hidden entries and node_modules at any depth', async () => {
    const root = fixture({
      '.git/config.yaml': 'x: 1\n',
      '.lintas/cache.yaml': 'x: 1\n',
      '.hidden.yaml': 'x: 1\n',
      'node_modules/pkg/manifest.yaml': 'x: 1\n',
      'clusters/a/node_modules/x.yaml': 'x: 1\n',
      'clusters/a/.backup/svc.yaml': 'x: 1\n',
      'clusters/a/svc.yaml': SERVICE,
    });
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['clusters/a/svc.yaml']);
    assert.deepEqual(tree.issues, []);
  });

  it('lists every cluster folder, even empty ones, but not deeper folders or files', async () => {
    const root = fixture({
      'clusters/b/': '',
      'clusters/a/svc.yaml': SERVICE,
      'clusters/a/sub/x.yaml': 'x: 1\n',
      'clusters/stray.yaml': 'x: 1\n',
      'fleet/clusters/c/x.yaml': 'x: 1\n',
    });
    const tree = await readTree(root);
    assert.deepEqual(tree.clusterFolders, ['a', 'b']);
  });

  it('strips a UTF-8 byte order mark and keeps the rest of the text', async () => {
    const root = fixture({ 'bom.yaml': `\uFEFF${SERVICE}` });
    const tree = await readTree(root);
    assert.equal(tree.files[0]?.text, SERVICE);
  });

  it('reads an empty tree as no files and no issues', async () => {
    const root = fixture();
    const { identity, ...tree } = await readTree(root);
    assert.deepEqual(tree, { files: [], clusterFolders: [], issues: [] });
    assert.equal(identity, String(statSync(root).ino), 'the root\'s inode');
  });

  it('has the same identity after an edit in place, another after a rename-save, a new file or a re-created folder', async () => {
    const root = fixture({ 'clusters/a/x.yaml': 'kind: A\n', 'clusters/a/notes.txt': 'n' });
    const first = (await readTree(root)).identity;
    writeFileSync(join(root, 'clusters/a/x.yaml'), 'kind: B\n');
    assert.equal((await readTree(root)).identity, first, 'edited in place');
    writeFileSync(join(root, 'clusters/a/x.yaml.tmp'), 'kind: C\n');
    renameSync(join(root, 'clusters/a/x.yaml.tmp'), join(root, 'clusters/a/x.yaml'));
    const renamed = (await readTree(root)).identity;
    assert.notEqual(renamed, first, 'saved by rename');
    writeFileSync(join(root, 'clusters/a/y.yaml'), 'kind: D\n');
    const added = (await readTree(root)).identity;
    assert.notEqual(added, renamed, 'a new file');
    renameSync(join(root, 'clusters/a'), join(root, 'clusters/old'));
    mkdirSync(join(root, 'clusters/a'));
    renameSync(join(root, 'clusters/old/x.yaml'), join(root, 'clusters/a/x.yaml'));
    renameSync(join(root, 'clusters/old/y.yaml'), join(root, 'clusters/a/y.yaml'));
    renameSync(join(root, 'clusters/old/notes.txt'), join(root, 'clusters/a/notes.txt'));
    rmSync(join(root, 'clusters/old'), { recursive: true });
    assert.notEqual((await readTree(root)).identity, added, 'the same files in a re-created folder');
  });
});

describe('readTree: symlinks', () => {
  it('reports a directory symlink to its parent as a loop and still reads the rest', async () => {
    const root = fixture({ 'clusters/a/svc.yaml': SERVICE, 'clusters/b/svc.yaml': SERVICE, 'fleet/clusters.yaml': 'x: 1\n' });
    link(root, 'clusters/a/loop', '..');
    link(root, 'clusters/b/up', join(root, 'clusters', 'b')); // absolute link to its own directory
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['clusters/a/svc.yaml', 'clusters/b/svc.yaml', 'fleet/clusters.yaml']);
    assert.match(issueFor(tree, 'clusters/a/loop').message, /^symlink loop: clusters\/a\/loop points back to one of its parent directories; skipped$/);
    assert.match(issueFor(tree, 'clusters/b/up').message, /^symlink loop/);
    assert.equal(tree.issues.length, 2);
    assert.ok(tree.issues.every((i) => i.severity === 'error' && i.line === 0));
  });

  it('reports a symlink to the fleet root itself as a loop', async () => {
    const root = fixture({ 'fleet/clusters.yaml': 'x: 1\n' });
    link(root, 'fleet/root', '..');
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['fleet/clusters.yaml']);
    assert.match(issueFor(tree, 'fleet/root').message, /symlink loop/);
  });

  it('follows symlinks that are not loops (GitOps trees share folders that way)', async () => {
    const root = fixture({ 'shared/svc.yaml': SERVICE, 'base.yaml': SERVICE });
    link(root, 'clusters/a/shared', '../../shared');
    link(root, 'clusters/a/base.yaml', '../../base.yaml');
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['base.yaml', 'clusters/a/base.yaml', 'clusters/a/shared/svc.yaml', 'shared/svc.yaml']);
    assert.equal(tree.files.find((f) => f.path === 'clusters/a/base.yaml')?.text, SERVICE);
    assert.deepEqual(tree.issues, []);
  });

  it('reports a file symlink to itself and a dangling symlink, and reads the rest', async () => {
    const root = fixture({ 'a.yaml': SERVICE, 'z.yaml': SERVICE });
    link(root, 'self.yaml', 'self.yaml');
    link(root, 'ping.yaml', 'pong.yaml');
    link(root, 'pong.yaml', 'ping.yaml');
    link(root, 'gone.yaml', 'does-not-exist.yaml');
    link(root, 'gone-dir', 'no-such-dir');
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['a.yaml', 'z.yaml']);
    assert.equal(issueFor(tree, 'self.yaml').message, 'symlink loop: the link resolves to itself; skipped');
    assert.match(issueFor(tree, 'ping.yaml').message, /^symlink loop/);
    assert.match(issueFor(tree, 'pong.yaml').message, /^symlink loop/);
    assert.equal(issueFor(tree, 'gone.yaml').message, 'dangling symlink; skipped');
    assert.equal(issueFor(tree, 'gone-dir').message, 'dangling symlink; skipped');
  });
});

describe('readTree: files that are not manifests', () => {
  it('refuses a file over maxFileBytes with its size and the limit, and reads the others', async () => {
    const root = fixture({ 'big.yaml': `# ${'x'.repeat(2048)}\n`, 'small.yaml': 'a: 1\n', 'exact.yaml': 'x'.repeat(1024) });
    const tree = await readTree(root, { maxFileBytes: 1024 });
    assert.deepEqual(paths(tree), ['exact.yaml', 'small.yaml'], 'a file of exactly the limit is read');
    const issue = issueFor(tree, 'big.yaml');
    assert.equal(issue.severity, 'error');
    assert.equal(issue.message, 'file is 2.0 KiB, over the 1.0 KiB limit for one manifest file; skipped');
  });

  it('has a 32 MiB default limit', () => {
    assert.equal(DEFAULT_MAX_FILE_BYTES, 32 * 1024 * 1024);
  });

  it('refuses binary files (NUL bytes), even with a manifest extension', async () => {
    const root = fixture({ 'image.yaml': new Uint8Array([0x61, 0x3a, 0x20, 0x00, 0x01, 0x02, 0x0a]), 'ok.yaml': 'a: 1\n' });
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['ok.yaml']);
    assert.equal(issueFor(tree, 'image.yaml').message, 'binary file (contains NUL bytes), not a manifest; skipped');
  });

  it('refuses invalid UTF-8 (e.g. a Latin-1 file)', async () => {
    const latin1 = Buffer.from('name: caf\xe9\n', 'latin1');
    const truncated = Buffer.concat([Buffer.from('name: '), Buffer.from('€', 'utf8').subarray(0, 2), Buffer.from('\n')]);
    const root = fixture({ 'latin1.yaml': latin1, 'truncated.yml': truncated, 'utf8.yaml': 'name: café €\n' });
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['utf8.yaml']);
    assert.equal(tree.files[0]?.text, 'name: café €\n');
    assert.equal(issueFor(tree, 'latin1.yaml').message, 'not valid UTF-8 text, not a manifest; skipped');
    assert.equal(issueFor(tree, 'truncated.yml').message, 'not valid UTF-8 text, not a manifest; skipped');
  });

  it('refuses a FIFO named like a manifest without blocking on it', { timeout: 10_000 }, async () => {
    const root = fixture({ 'ok.yaml': 'a: 1\n' });
    execFileSync('mkfifo', [join(root, 'x.yaml')], { timeout: 5_000 });
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['ok.yaml']);
    assert.equal(issueFor(tree, 'x.yaml').message, 'not a regular file (a device, FIFO or socket); skipped');
  });

  it('ignores a FIFO without a manifest extension', { timeout: 10_000 }, async () => {
    const root = fixture();
    execFileSync('mkfifo', [join(root, 'pipe')], { timeout: 5_000 });
    const tree = await readTree(root);
    assert.deepEqual(tree.issues, []);
  });

  it('reads a directory named like a manifest as a directory', async () => {
    const root = fixture({ 'svc.yaml/inner.yaml': 'a: 1\n' });
    const tree = await readTree(root);
    assert.deepEqual(paths(tree), ['svc.yaml/inner.yaml']);
    assert.deepEqual(tree.issues, []);
  });
});

describe('readTree: read again with a text cache', () => {
  it('keeps the text of an unchanged file (the same string), reads a changed one, forgets a removed one, and still refuses a file turned binary', async () => {
    const root = fixture({ 'a.yaml': 'kind: A\n', 'big.yaml': `kind: B\n${'x: 1\n'.repeat(40_000)}`, 'c.yaml': 'kind: C\n' });
    const cache = createTextCache();
    const first = await readTree(root, {}, cache);
    // A marker in place of the unchanged file's text shows that it is reused, not decoded again.
    const big = cache.files.get('big.yaml');
    assert.ok(big !== undefined);
    cache.files.set('big.yaml', { bytes: big.bytes, text: 'kind: B\nmarker' });
    writeFileSync(join(root, 'a.yaml'), 'kind: A2\n');
    rmSync(join(root, 'c.yaml'));
    const second = await readTree(root, {}, cache);
    assert.deepEqual(second.files.map((f) => [f.path, f.text.slice(0, 8)]), [['a.yaml', 'kind: A2'], ['big.yaml', 'kind: B\n']]);
    assert.equal(second.files[1]?.text, 'kind: B\nmarker', 'the unchanged file keeps its text');
    assert.deepEqual([...cache.files.keys()], ['a.yaml', 'big.yaml'], 'the removed file is forgotten');
    writeFileSync(join(root, 'a.yaml'), Buffer.from([0x6b, 0, 0x41]));
    const third = await readTree(root, {}, cache);
    assert.deepEqual(third.issues.map((i) => i.file), ['a.yaml']);
    assert.equal(third.files[0]?.text, 'kind: B\nmarker');
    writeFileSync(join(root, 'a.yaml'), 'k: 1\n');
    assert.equal((await readTree(root, {}, cache)).files[0]?.text, 'k: 1\n', 'a smaller file read into the buffer a larger one filled');
    assert.equal(first.files[1]?.text.length, 8 + 5 * 40_000);
  });
});

describe('readTree: unusable roots', () => {
  it('throws SourceError LINTAS_ERR_NOT_FOUND for a missing root', async () => {
    const missing = join(fixture(), 'nope');
    await assert.rejects(readTree(missing), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'LINTAS_ERR_NOT_FOUND');
      assert.equal(error.path, missing);
      return true;
    });
  });

  it('throws SourceError LINTAS_ERR_NOT_A_DIRECTORY for a file root', async () => {
    const file = join(fixture({ 'f.yaml': 'a: 1\n' }), 'f.yaml');
    await assert.rejects(readTree(file), (error: unknown) => error instanceof SourceError && error.code === 'LINTAS_ERR_NOT_A_DIRECTORY' && error.path === file);
  });

  it('follows a symlinked root', async () => {
    const real = fixture({ 'a.yaml': 'a: 1\n' });
    const holder = fixture();
    link(holder, 'fleet', real);
    const tree = await readTree(join(holder, 'fleet'));
    assert.deepEqual(paths(tree), ['a.yaml']);
  });

  it('throws NOT_FOUND for a dangling symlink root', async () => {
    const holder = fixture();
    link(holder, 'fleet', join(holder, 'missing'));
    await assert.rejects(readTree(join(holder, 'fleet')), { name: 'SourceError', code: 'LINTAS_ERR_NOT_FOUND' });
  });
});

describe('formatBytes', () => {
  it('uses B, KiB and MiB', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.0 KiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(32 * 1024 * 1024), '32.0 MiB');
  });
});
