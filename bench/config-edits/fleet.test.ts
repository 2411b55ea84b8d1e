import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet } from '../../src/sources/index.ts';
import { BIG_FILE, DEFAULT_SERVICES, SMALL_FILE, flipReady, writeEditFleet } from './fleet.ts';

test('the config-edit fleet loads clean with about 1,500 objects, and a pair of edits restores each file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-bench-config-edits-'));
  try {
    const objects = writeEditFleet(dir, { services: DEFAULT_SERVICES, bigEndpoints: 2_500, listenerPort: 8080, originPort: 8081 });
    const loaded = await loadFleet(dir);
    assert.deepEqual(loaded.issues, []);
    assert.equal(loaded.stats.objects, objects);
    assert.equal(objects - 5, 1508, '1,508 objects besides the big file (Service, ServiceExport, three slices)');
    for (const file of [SMALL_FILE, BIG_FILE]) {
      const before = readFileSync(join(dir, file), 'utf8');
      flipReady(dir, file, 0);
      const edited = readFileSync(join(dir, file), 'utf8');
      assert.equal(edited.split('\n').filter((l, i) => l !== before.split('\n')[i]).length, 1, `${file}: one line changed`);
      assert.match(edited, /ready: false/);
      flipReady(dir, file, 1);
      assert.equal(readFileSync(join(dir, file), 'utf8'), before, `${file}: back as it was`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
