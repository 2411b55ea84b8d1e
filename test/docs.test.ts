/**
 * The docs against the code they describe (issue 14 item 12): the README's
 * `lintas validate examples/capstone` line has the counts the command prints
 * today, the README's kinds list names every lintas.dev kind, and every data
 * plane ARCHITECTURE's pipeline names is a folder under src/dataplanes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KINDS, LINTAS_GROUP } from '../src/api/index.ts';
import { lintas, REPO } from '../src/cli/test-cli.ts';

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const architecture = readFileSync(join(REPO, 'ARCHITECTURE.md'), 'utf8');
const counts = (line: string): string => line.replace(/ \(\d+ ms\)$/, '');

describe('the docs', () => {
  it("README's validate example is what `lintas validate examples/capstone` prints (but the time)", async () => {
    const r = await lintas(['validate', 'examples/capstone'], { cwd: REPO });
    assert.equal(r.code, 0, r.stderr);
    const printed = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.startsWith('examples/capstone: valid:'));
    assert.ok(printed, `${r.stdout}${r.stderr}`);
    const documented = readme.split('\n').find((l) => l.startsWith('examples/capstone: valid:'));
    assert.equal(counts(documented ?? ''), counts(printed));
  });

  it("README's kinds list names every lintas.dev kind", () => {
    const kinds = /^- Kinds, with their real API groups:([\s\S]*?)(?=\n\n|\n- |\n#)/m.exec(readme)?.[1] ?? '';
    for (const k of KINDS.filter((k) => k.group === LINTAS_GROUP)) assert.match(kinds, new RegExp(`\\b${k.kind}\\b`), `${k.kind} is missing from the README's kinds list`);
    assert.doesNotMatch(kinds, /not wired/);
  });

  it("ARCHITECTURE's pipeline names only data planes that exist", () => {
    const planes = /dataplanes \(([^)]*)\)/.exec(architecture)?.[1];
    assert.ok(planes, 'the pipeline names its data planes');
    for (const plane of planes.split(',').map((p) => p.trim())) assert.ok(existsSync(join(REPO, 'src', 'dataplanes', plane)), `src/dataplanes/${plane} exists`);
  });
});
