/**
 * Child process of the config-load bench: loads one fleet with Lintas' real
 * loader (or a parse-only peer) and prints one JSON line with time and peak RSS.
 * Runs in its own process so peak RSS belongs to this load alone.
 *
 * Usage: node --import tsx bench/config-load/measure.ts lintas|js-yaml DIR
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { loadFleet } from '../../src/sources/index.ts';

const [mode, dir] = process.argv.slice(2);
if (!dir || (mode !== 'lintas' && mode !== 'js-yaml')) {
  console.error('usage: measure.ts lintas|js-yaml DIR');
  process.exit(2);
}

function yamlFiles(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const started = performance.now();
let objects = 0;
let errors = 0;
if (mode === 'lintas') {
  const result = await loadFleet(dir);
  objects = result.stats.objects;
  errors = result.issues.filter((i) => i.severity === 'error').length;
} else {
  // The floor of Lintas' own stack: read + parse with the same YAML parser, no validation.
  for (const file of yamlFiles(dir)) loadAll(readFileSync(file, 'utf8'), () => objects++);
}
const ms = performance.now() - started;
console.log(JSON.stringify({ mode, ms: Math.round(ms), maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), objects, errors }));
