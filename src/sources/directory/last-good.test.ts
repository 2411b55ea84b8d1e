/**
 * Tests of the persisted last good fleet's layout (v2: an index plus one file
 * per text, named by its SHA-256): a save round-trips, an edit writes only the
 * text that changed and removes the one it replaced, an unchanged tree writes
 * nothing, leftovers of an earlier run go, a damaged or missing text is refused,
 * and a v1 file (the texts inline, as the previous version wrote it) still restores.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256hex } from '../../store/index.ts';
import { createLastGoodWriter, LAST_GOOD_FILE, lastGoodTextsDir, readLastGood } from './last-good.ts';

const ROOT = '/srv/fleet';
const AT = new Date('2026-12-08T01:00:00.000Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A state directory and its index path. */
function state(): { dir: string; path: string; texts: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-last-good-'));
  dirs.push(dir);
  const path = join(dir, LAST_GOOD_FILE);
  return { dir, path, texts: lastGoodTextsDir(path) };
}

const tree = (files: Record<string, string>, clusterFolders: string[] = ['jkt']) => ({ files: Object.entries(files).map(([path, text]) => ({ path, text })), clusterFolders });
const FILES = { 'clusterset.yaml': 'kind: ClusterSet\n', 'clusters/jkt/services.yaml': 'kind: Service\nport: 80\n', 'clusters/jkt/slices.yaml': 'kind: EndpointSlice\nready: true\n' };

describe('last good fleet (v2)', () => {
  it('round-trips a tree: index and one text per distinct content', () => {
    const { path, texts } = state();
    const t = tree({ ...FILES, 'clusters/jkt/copy.yaml': FILES['clusterset.yaml'] });
    assert.equal(createLastGoodWriter(path).save(ROOT, t, AT), true);
    assert.deepEqual(readLastGood(path, ROOT), { savedAt: AT.toISOString(), root: ROOT, tree: t });
    assert.equal(readdirSync(texts).length, 3, 'two paths with the same text share it');
    assert.equal(readFileSync(path, 'utf8').includes('kind: Service'), false, 'the index holds no text');
  });

  it('writes only the text an edit changed, removes the one it replaced, and nothing when nothing changed', () => {
    const { path, texts } = state();
    const writer = createLastGoodWriter(path);
    writer.save(ROOT, tree(FILES), AT);
    const before = new Map(readdirSync(texts).map((n) => [n, statSync(join(texts, n)).ino]));
    const edited = { ...FILES, 'clusters/jkt/slices.yaml': 'kind: EndpointSlice\nready: false\n' };
    assert.equal(writer.save(ROOT, tree(edited), AT), true);
    const after = new Map(readdirSync(texts).map((n) => [n, statSync(join(texts, n)).ino]));
    assert.equal(after.size, 3);
    assert.equal(after.has(sha256hex(FILES['clusters/jkt/slices.yaml'])), false, 'the replaced text is gone');
    for (const unchanged of ['clusterset.yaml', 'clusters/jkt/services.yaml'] as const) {
      const sha = sha256hex(FILES[unchanged]);
      assert.equal(after.get(sha), before.get(sha), `${unchanged} was not written again`);
    }
    const index = readFileSync(path, 'utf8');
    assert.equal(writer.save(ROOT, tree(edited), new Date('2026-12-08T02:00:00.000Z')), false);
    assert.equal(readFileSync(path, 'utf8'), index, 'an unchanged tree writes nothing');
    assert.deepEqual(readLastGood(path, ROOT), { savedAt: AT.toISOString(), root: ROOT, tree: tree(edited) });
  });

  it('removes the leftovers of an earlier run at its first save, keeping the texts it names', () => {
    const { path, texts } = state();
    mkdirSync(texts, { recursive: true });
    const stale = sha256hex('old text');
    writeFileSync(join(texts, stale), 'old text');
    createLastGoodWriter(path).save(ROOT, tree(FILES), AT);
    assert.deepEqual(readdirSync(texts).sort(), Object.values(FILES).map((t) => sha256hex(t)).sort());
  });

  it('refuses a damaged, a missing or a foreign copy with the reason', () => {
    const { path, texts } = state();
    createLastGoodWriter(path).save(ROOT, tree(FILES), AT);
    assert.deepEqual(readLastGood(path, '/srv/other'), { reason: 'other-root', detail: `${path} holds the fleet of ${ROOT}, not /srv/other` });
    const sha = sha256hex(FILES['clusters/jkt/services.yaml']);
    writeFileSync(join(texts, sha), 'kind: Service\nport: 81\n');
    const damaged = readLastGood(path, ROOT);
    assert.ok('reason' in damaged && damaged.reason === 'unreadable' && damaged.detail.includes('the text of clusters/jkt/services.yaml') && damaged.detail.includes('does not match its digest'), JSON.stringify(damaged));
    rmSync(join(texts, sha));
    const missing = readLastGood(path, ROOT);
    assert.ok('reason' in missing && missing.reason === 'unreadable' && missing.detail.includes('cannot read the text of clusters/jkt/services.yaml') && missing.detail.includes('ENOENT'), JSON.stringify(missing));
    writeFileSync(path, readFileSync(path, 'utf8').replace('"jkt"', '"sgp"'));
    assert.equal((readLastGood(path, ROOT) as { detail: string }).detail, `${path} does not match its digest (changed or damaged on disk)`);
  });

  it('restores a v1 file (the texts inline) that the previous version saved, and replaces it at the next save', () => {
    const { path, texts } = state();
    const t = tree(FILES);
    const digest = sha256hex(JSON.stringify([t.clusterFolders, t.files.map((f) => [f.path, f.text])]));
    writeFileSync(path, JSON.stringify({ format: 'lintas.dev/last-good-fleet/v1', savedAt: AT.toISOString(), root: ROOT, digest, clusterFolders: t.clusterFolders, files: t.files }));
    assert.deepEqual(readLastGood(path, ROOT), { savedAt: AT.toISOString(), root: ROOT, tree: t });
    writeFileSync(path, readFileSync(path, 'utf8').replace('port: 80', 'port: 81'));
    assert.equal((readLastGood(path, ROOT) as { detail: string }).detail, `${path} does not match its digest (changed or damaged on disk)`);
    createLastGoodWriter(path).save(ROOT, t, AT);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).format, 'lintas.dev/last-good-fleet/v2');
    assert.equal(readdirSync(texts).length, 3);
    assert.deepEqual(readLastGood(path, ROOT), { savedAt: AT.toISOString(), root: ROOT, tree: t });
  });
});
