/**
 * Golden-file test harness for translators (Envoy Gateway style).
 *
 * Every `<dir>/<case>.in.yaml` is one test: its text goes through `run`, the
 * result is serialised to YAML and compared with `<dir>/<case>.out.yaml`.
 * Regenerate the outputs with `LINTAS_UPDATE_GOLDEN=1` (or `--update-golden`
 * when running a test file directly), then review the diff like code.
 * @module
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';

/** Suffix of a golden case's input. */
export const INPUT_SUFFIX = '.in.yaml';
/** Suffix of a golden case's expected output. */
export const OUTPUT_SUFFIX = '.out.yaml';
/** Environment variable that switches the harness to update mode. */
export const UPDATE_ENV = 'LINTAS_UPDATE_GOLDEN';
/** Command-line flag that switches the harness to update mode. */
export const UPDATE_FLAG = '--update-golden';

/** Options of {@link goldenTests}. */
export interface GoldenOptions {
  /** Directory holding the `<case>.in.yaml` / `<case>.out.yaml` pairs (absolute, or relative to the cwd). */
  readonly dir: string;
  /** Turns one input text into the value to compare; a string result is compared as is. */
  readonly run: (input: string, caseName: string) => unknown | Promise<unknown>;
}

/** True when golden outputs should be (re)written instead of compared. */
export function isUpdateMode(): boolean {
  return process.env[UPDATE_ENV] === '1' || process.argv.includes(UPDATE_FLAG);
}

/** Serialises a `run` result the way it is stored in `.out.yaml`. */
export function serializeGolden(result: unknown): string {
  if (typeof result === 'string') return result;
  return stringify(result, { sortMapEntries: false, lineWidth: 0 });
}

const displayPath = (p: string): string => {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
};

function listDir(dir: string): string[] | undefined {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir).sort() : undefined;
  } catch {
    return undefined;
  }
}

/** Registers one node:test test per golden case in `options.dir`, plus an orphan check. */
export function goldenTests(options: GoldenOptions): void {
  const { dir, run } = options;
  const update = isUpdateMode();
  const shown = displayPath(dir);
  const howToUpdate = `regenerate with ${UPDATE_ENV}=1 node --import tsx --test <this test file>, then review the diff of ${shown}`;
  const entries = listDir(dir);

  describe(`golden ${shown}`, () => {
    if (entries === undefined) {
      it('testdata directory exists', () => assert.fail(`golden testdata directory ${shown} does not exist or is not a directory`));
      return;
    }
    const cases = entries.filter((name) => name.endsWith(INPUT_SUFFIX)).map((name) => name.slice(0, -INPUT_SUFFIX.length));
    if (cases.length === 0) {
      it('has golden cases', () => assert.fail(`no *${INPUT_SUFFIX} cases in ${shown}`));
    }

    for (const caseName of cases) {
      it(caseName, async (t) => {
        const outPath = join(dir, caseName + OUTPUT_SUFFIX);
        const input = readFileSync(join(dir, caseName + INPUT_SUFFIX), 'utf8');
        const actual = serializeGolden(await run(input, caseName));
        const expected = existsSync(outPath) ? readFileSync(outPath, 'utf8').replace(/\r\n/g, '\n') : undefined;
        if (update) {
          if (expected !== actual) {
            writeFileSync(outPath, actual);
            t.diagnostic(`${expected === undefined ? 'created' : 'updated'} ${displayPath(outPath)}`);
          }
          return;
        }
        if (expected === undefined) {
          assert.fail(`golden output ${displayPath(outPath)} is missing; ${howToUpdate}`);
        }
        try {
          assert.equal(actual, expected);
        } catch (error) {
          // Keep assert's own diff (a custom message would replace it) and say how to accept the change.
          if (error instanceof assert.AssertionError) error.message += `\n\n${displayPath(outPath)} differs from the actual output; if the change is intended, ${howToUpdate}`;
          throw error;
        }
      });
    }

    it('no orphaned golden outputs', () => {
      // Read the directory again: the case tests above may have run long after registration.
      const orphans = (listDir(dir) ?? []).filter((name) => name.endsWith(OUTPUT_SUFFIX) && !existsSync(join(dir, name.slice(0, -OUTPUT_SUFFIX.length) + INPUT_SUFFIX)));
      if (orphans.length === 0) return;
      if (update) {
        for (const name of orphans) unlinkSync(join(dir, name));
        return;
      }
      assert.fail(`golden outputs without a matching ${INPUT_SUFFIX} in ${shown}: ${orphans.join(', ')}; delete them or ${howToUpdate}`);
    });
  });
}
