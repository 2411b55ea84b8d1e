/**
 * Tests of the golden harness itself: a tiny generated test file that uses
 * `goldenTests` on a temp testdata dir is run in a child `node --test`, and the
 * exit code and files on disk tell whether the harness behaved.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeGolden } from './golden.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const HARNESS_URL = new URL('./golden.ts', import.meta.url).href;
const SPAWN_TIMEOUT_MS = 60_000;

interface RunResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs `file` in a child node with tsx; `--test` unless `direct`, update mode on request. */
function runChild(file: string, options: { update?: 'env' | 'flag'; direct?: boolean } = {}): RunResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The outer runner marks its children with NODE_TEST_CONTEXT; an inherited one would make
  // the inner runner report to us over its private protocol instead of running normally.
  delete env['NODE_TEST_CONTEXT'];
  delete env['LINTAS_UPDATE_GOLDEN'];
  if (options.update === 'env') env['LINTAS_UPDATE_GOLDEN'] = '1';
  const args = ['--import', 'tsx', ...(options.direct ? [] : ['--test', '--test-reporter=tap']), file];
  if (options.update === 'flag') args.push('--update-golden');
  const child = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: SPAWN_TIMEOUT_MS, killSignal: 'SIGKILL' });
  if (child.error) throw child.error; // includes ETIMEDOUT
  return { status: child.status, output: `${child.stdout}\n${child.stderr}` };
}

describe('goldenTests harness', { timeout: 8 * SPAWN_TIMEOUT_MS }, () => {
  let root = '';
  let testdata = '';
  let testFile = '';
  const read = (name: string): string => readFileSync(join(testdata, name), 'utf8');
  const write = (name: string, text: string): void => writeFileSync(join(testdata, name), text);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'lintas-golden-'));
    testdata = join(root, 'testdata');
    mkdirSync(testdata);
    testFile = join(root, 'sample.test.mts');
    // `.mts` so the generated file is ESM whatever package.json (none) governs the temp dir.
    writeFileSync(
      testFile,
      [
        `import { goldenTests } from ${JSON.stringify(HARNESS_URL)};`,
        `goldenTests({`,
        `  dir: ${JSON.stringify(testdata)},`,
        `  run: async (input, caseName) => {`,
        `    await new Promise((resolve) => setTimeout(resolve, 1));`,
        `    if (caseName.startsWith('raw')) return input.toUpperCase();`,
        `    return { caseName, lines: input.split('\\n').filter(Boolean), long: 'x'.repeat(200) };`,
        `  },`,
        `});`,
        '',
      ].join('\n'),
    );
    write('alpha.in.yaml', 'one\ntwo\n');
    write('raw-text.in.yaml', 'shout: yes\n');
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  // The steps share one testdata dir and build on each other, so they run in order.
  it('fails when an output is missing, and says how to regenerate it', () => {
    const result = runChild(testFile);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /golden output \S*alpha\.out\.yaml is missing/);
    assert.match(result.output, /LINTAS_UPDATE_GOLDEN=1/);
    assert.equal(existsSync(join(testdata, 'alpha.out.yaml')), false, 'compare mode must not write outputs');
  });

  it('writes the outputs in update mode and passes', () => {
    const result = runChild(testFile, { update: 'env' });
    assert.equal(result.status, 0, result.output);
    // Insertion order kept, no line wrapping of the long string.
    assert.equal(read('alpha.out.yaml'), `caseName: alpha\nlines:\n  - one\n  - two\nlong: ${'x'.repeat(200)}\n`);
    // A string result is stored as is, not as a YAML scalar.
    assert.equal(read('raw-text.out.yaml'), 'SHOUT: YES\n');
  });

  it('passes once the outputs match', () => {
    const result = runChild(testFile);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /# pass 3/);
  });

  it('fails on a mismatch and shows both texts', () => {
    write('alpha.out.yaml', read('alpha.out.yaml').replace('- two', '- three'));
    const result = runChild(testFile);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /not ok \d+ - alpha/);
    assert.match(result.output, /- three/);
    assert.match(result.output, /alpha\.out\.yaml differs from the actual output/);
  });

  it('accepts --update-golden on the command line', () => {
    const result = runChild(testFile, { update: 'flag', direct: true });
    assert.equal(result.status, 0, result.output);
    assert.match(read('alpha.out.yaml'), /- two\n/);
    assert.equal(runChild(testFile).status, 0);
  });

  it('fails on an orphaned output, by a test of its own', () => {
    write('gone.out.yaml', 'caseName: gone\n');
    const result = runChild(testFile);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /not ok \d+ - no orphaned golden outputs/);
    assert.match(result.output, /gone\.out\.yaml/);
    assert.match(result.output, /ok \d+ - alpha/, 'the real cases still pass');
  });

  it('deletes orphaned outputs in update mode', () => {
    const result = runChild(testFile, { update: 'env' });
    assert.equal(result.status, 0, result.output);
    assert.equal(existsSync(join(testdata, 'gone.out.yaml')), false);
    assert.equal(existsSync(join(testdata, 'alpha.out.yaml')), true);
    assert.equal(runChild(testFile).status, 0);
  });

  it('fails when the testdata directory has no cases', () => {
    const empty = join(root, 'empty.test.mts');
    writeFileSync(empty, `import { goldenTests } from ${JSON.stringify(HARNESS_URL)};\ngoldenTests({ dir: ${JSON.stringify(join(root, 'nowhere'))}, run: () => 1 });\n`);
    const result = runChild(empty);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /does not exist/);
  });
});

describe('serializeGolden', () => {
  it('keeps strings and key order, and never folds long lines', () => {
    assert.equal(serializeGolden('as is'), 'as is');
    assert.equal(serializeGolden({ b: 1, a: [true, null] }), 'b: 1\na:\n  - true\n  - null\n');
    assert.equal(serializeGolden({ s: 'y'.repeat(120) }), `s: ${'y'.repeat(120)}\n`);
  });
});
