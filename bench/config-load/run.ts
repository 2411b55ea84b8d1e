/**
 * Config-load benchmark: generates a fleet (default 50 clusters × 1,000 Services
 * + EndpointSlices + ServiceExports), then measures, each in its own process:
 *   - Lintas' loader (read + parse + schema + referential validation);
 *   - `lintas validate` end to end through the real executable;
 *   - peers: parse-only with js-yaml (the floor of Lintas' own stack) and
 *     parse-only with PyYAML's C loader (libyaml), when python3-yaml is installed.
 * Prints time, peak RSS and the ratio Lintas / peer. One run each, bounded by a timeout.
 *
 * Usage: npm run bench:config-load -- [--clusters 50] [--services 1000] [--dir DIR] [--keep]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateFleet } from './generate.ts';

const { values } = parseArgs({
  options: {
    clusters: { type: 'string', default: '50' },
    services: { type: 'string', default: '1000' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const TIMEOUT_MS = 10 * 60 * 1000;
const root = new URL('../../', import.meta.url).pathname;
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'lintas-config-load-'));
const created = values.dir === undefined;

interface Measurement {
  readonly name: string;
  readonly ms: number;
  readonly maxRssMiB: number;
  readonly objects?: number;
}

function measureNode(mode: 'lintas' | 'js-yaml'): Measurement {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/config-load/measure.ts', mode, dir], { cwd: root, timeout: TIMEOUT_MS, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; maxRssMiB: number; objects: number; errors: number };
  if (mode === 'lintas' && r.errors > 0) throw new Error(`the generated fleet has ${r.errors} validation errors`);
  return { name: mode === 'lintas' ? 'lintas loadFleet (parse + validate)' : 'peer: js-yaml parse only', ms: r.ms, maxRssMiB: r.maxRssMiB, objects: r.objects };
}

function measureCli(): Measurement {
  // GNU time reports the child's peak RSS; without it, report wall time only.
  const hasTime = spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0;
  const started = performance.now();
  const args = ['bin/lintas.js', 'validate', dir, '-q'];
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, ...args], { cwd: root, timeout: TIMEOUT_MS, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd: root, timeout: TIMEOUT_MS, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`lintas validate exited ${r.status}: ${r.stderr}`);
  const kib = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { name: 'lintas validate (CLI, end to end)', ms: Math.round(ms), maxRssMiB: Math.round(kib / 1024) };
}

function measurePyYaml(): Measurement | undefined {
  const script = `
import sys, os, time, resource, yaml
loader = getattr(yaml, 'CSafeLoader', None)
if loader is None: sys.exit(3)
n = 0; t = time.perf_counter()
for base, _, files in os.walk(sys.argv[1]):
    for f in sorted(files):
        if f.endswith(('.yaml', '.yml')):
            with open(os.path.join(base, f)) as fh:
                for _ in yaml.load_all(fh, Loader=loader): n += 1
print(round((time.perf_counter() - t) * 1000), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, n)
`;
  const r = spawnSync('python3', ['-c', script, dir], { timeout: TIMEOUT_MS, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [ms, rss, n] = r.stdout.trim().split(' ').map(Number);
  return { name: 'peer: PyYAML CSafeLoader (libyaml) parse only', ms: ms ?? NaN, maxRssMiB: rss ?? NaN, objects: n ?? 0 };
}

try {
  if (created) {
    const t = performance.now();
    const g = generateFleet(dir, { clusters: Number(values.clusters), servicesPerCluster: Number(values.services) });
    console.log(`generated ${g.objects} objects in ${g.files} files (${(g.bytes / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - t)} ms → ${dir}`);
  }
  console.log('measuring (each in its own process)...');
  const lintas = measureNode('lintas');
  const cli = measureCli();
  const peers = [measureNode('js-yaml'), measurePyYaml()].filter((m): m is Measurement => m !== undefined);
  const rows = [lintas, cli, ...peers];
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${'measurement'.padEnd(width)}   time (ms)   peak RSS (MiB)   objects`);
  for (const r of rows) console.log(`${r.name.padEnd(width)}   ${String(r.ms).padStart(9)}   ${String(r.maxRssMiB).padStart(14)}   ${r.objects ?? ''}`);
  console.log('');
  for (const peer of peers) {
    console.log(`ratio lintas loadFleet / ${peer.name.replace('peer: ', '')}: time ${(lintas.ms / peer.ms).toFixed(2)}x, RSS ${(lintas.maxRssMiB / peer.maxRssMiB).toFixed(2)}x`);
  }
  console.log(`throughput: ${Math.round((lintas.objects ?? 0) / (lintas.ms / 1000))} objects/s`);
} finally {
  if (created && !values.keep) rmSync(dir, { recursive: true, force: true });
}
