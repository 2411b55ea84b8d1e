/**
 * Golden tests of fleet validation, end to end through the directory source:
 * each `testdata/<case>.in.yaml` models a whole fleet directory as
 * `files: { <relative path>: <file text> }` (a path ending in `/` is an empty
 * folder), which is written to a temp dir and loaded with `loadFleet`.
 *
 * Regenerate: LINTAS_UPDATE_GOLDEN=1 node --import tsx --test src/sources/directory/load-fleet.golden.test.ts
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { goldenTests } from '../../../test/golden.ts';
import { formatIssue, hasErrors } from '../../validation/index.ts';
import { loadFleet } from './load-fleet.ts';

/** What a golden case records about a loaded fleet. */
interface FleetSummary {
  readonly valid: boolean;
  readonly issues: string[];
  readonly clusters: Record<string, string[]>;
}

function filesOf(input: string, caseName: string): Record<string, unknown> {
  const doc: unknown = parse(input);
  const files = typeof doc === 'object' && doc !== null ? (doc as { files?: unknown }).files : undefined;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new Error(`${caseName}: the case must be a map with a "files:" map of path → text`);
  return files as Record<string, unknown>;
}

async function loadCase(input: string, caseName: string): Promise<FleetSummary> {
  const files = filesOf(input, caseName);
  const root = await mkdtemp(join(tmpdir(), `lintas-golden-${caseName}-`));
  try {
    for (const [path, text] of Object.entries(files)) {
      const target = normalize(path);
      if (isAbsolute(target) || target.startsWith('..')) throw new Error(`${caseName}: file path ${path} must stay inside the fleet directory`);
      if (path.endsWith('/')) {
        await mkdir(join(root, target), { recursive: true });
        continue;
      }
      if (typeof text !== 'string') throw new Error(`${caseName}: the text of ${path} must be a string (use a "|" block)`);
      await mkdir(dirname(join(root, target)), { recursive: true });
      await writeFile(join(root, target), text);
    }
    const { snapshot, issues } = await loadFleet(root);
    const clusters: Record<string, string[]> = {};
    for (const [name, cluster] of snapshot.clusters) {
      clusters[name] = cluster.objects.map(({ object }) => `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`);
    }
    return { valid: !hasErrors(issues), issues: issues.map(formatIssue), clusters };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

goldenTests({ dir: fileURLToPath(new URL('./testdata', import.meta.url)), run: loadCase });
