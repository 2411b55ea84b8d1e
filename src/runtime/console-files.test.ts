/** The built console is found from the package root, from the sources (tsx) and from the bundle alike. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { consoleDir, packageRoot } from './console-files.ts';

describe('packageRoot and consoleDir', () => {
  it('walk up to the nearest package.json: from src/runtime and from dist/lintas.js', () => {
    const root = mkdtempSync(join(tmpdir(), 'lintas-pkg-'));
    try {
      writeFileSync(join(root, 'package.json'), '{}');
      mkdirSync(join(root, 'src', 'runtime'), { recursive: true });
      mkdirSync(join(root, 'dist'));
      assert.equal(packageRoot(join(root, 'src', 'runtime', 'console-files.ts')), root);
      assert.equal(packageRoot(join(root, 'dist', 'lintas.js')), root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('this checkout: <repo>/dist/console', () => {
    const repo = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
    assert.equal(consoleDir(), join(repo, 'dist', 'console'));
  });
});
