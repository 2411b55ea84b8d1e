/**
 * End-to-end tests of the real `lintas` executable: `node bin/lintas.js` in a
 * child process, checking exit codes and the two output streams.
 *
 * bin/lintas.js runs dist/lintas.js when it exists (after `npm run build`) and
 * the TypeScript sources through tsx otherwise. Both launchers are tested
 * whatever the checkout holds: "bin/lintas.js" is the file as shipped (either
 * path), and "source fallback" is a copy of it in a temp tree that has no dist/,
 * with src/, node_modules/ and package.json linked to this repository.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 60_000;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <bin> ...args` in the repository root, with a timeout (`node` is this test's own unless given). */
function exec(bin: string, args: readonly string[], node = process.execPath): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the test runner or the developer's shell may steer the CLI.
  for (const name of ['NODE_TEST_CONTEXT', 'LINTAS_CONFIG', 'LINTAS_CLI_ENTRY', 'NODE_OPTIONS']) delete env[name];
  return new Promise((resolve, reject) => {
    execFile(node, [bin, ...args], { cwd: REPO, env, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${bin} ${args.join(' ')} did not exit normally (${error.signal ?? error.code ?? error.message})\n${stderr}`));
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

const show = (r: Result): string => `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
/** A V8 stack frame line, as an uncaught error would print. */
const STACK_FRAME = /^\s+at .+[(:]\d+/m;

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A small fleet with one mistake: a port out of range at clusters/east-1/services.yaml:8. */
function invalidFleet(): string {
  const root = tempDir('lintas-bin-fleet-');
  const files: Record<string, string> = {
    'fleet/clusters.yaml': 'apiVersion: lintas.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: east-1\nspec:\n  region: us-east-1\n',
    'clusters/east-1/services.yaml': ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', '  namespace: default', 'spec:', '  ports:', '    - port: 70000', ''].join('\n'),
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A tree where bin/lintas.js finds no dist/ and must fall back to tsx. */
function sourceOnlyBin(): string {
  const root = tempDir('lintas-bin-src-');
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(REPO, 'bin/lintas.js'), join(root, 'bin/lintas.js'));
  for (const entry of ['src', 'node_modules', 'package.json']) symlinkSync(join(REPO, entry), join(root, entry));
  return join(root, 'bin/lintas.js');
}

const launchers: { readonly name: string; bin: string }[] = [
  { name: 'bin/lintas.js', bin: join(REPO, 'bin/lintas.js') },
  { name: 'source fallback (no dist/)', bin: '' },
];

before(() => {
  const fallback = launchers[1];
  if (fallback) fallback.bin = sourceOnlyBin();
});

for (const launcher of launchers) {
  describe(`lintas executable: ${launcher.name}`, { timeout: 4 * TIMEOUT_MS }, () => {
    it('validate examples/capstone exits 0 with a valid summary on stderr', async () => {
      const r = await exec(launcher.bin, ['validate', 'examples/capstone']);
      assert.equal(r.code, 0, show(r));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^examples\/capstone: valid: 3 cluster\(s\), /);
    });

    it('validate of an invalid fleet exits 1, prints file:line on stdout and no stack trace', async () => {
      const r = await exec(launcher.bin, ['validate', invalidFleet()]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stdout, /^clusters\/east-1\/services\.yaml:8: Service default\/web: \.spec\.ports\[0\]\.port: must be at most 65535, got 70000\n$/);
      assert.match(r.stderr, /: INVALID: /);
      assert.doesNotMatch(r.stderr, STACK_FRAME);
    });

    it('a missing fleet directory exits 2 with one error line and no stack trace', async () => {
      const r = await exec(launcher.bin, ['validate', join(tempDir('lintas-bin-missing-'), 'nope')]);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, /^error: fleet directory .* does not exist/);
      assert.doesNotMatch(r.stderr, STACK_FRAME);
    });

    it('get clusters -o json prints a v1 List of the three clusters', async () => {
      const r = await exec(launcher.bin, ['get', 'clusters', '-o', 'json', '--config', 'examples/capstone']);
      assert.equal(r.code, 0, show(r));
      const list = JSON.parse(r.stdout) as { apiVersion: string; kind: string; items: { metadata: { name: string }; spec: { region: string } }[] };
      assert.equal(list.apiVersion, 'v1');
      assert.equal(list.kind, 'List');
      assert.deepEqual(
        list.items.map((i) => [i.metadata.name, i.spec.region]),
        [
          ['jkt-prod-1', 'ap-southeast-3'],
          ['sgp-prod-1', 'ap-southeast-1'],
          ['tyo-prod-1', 'ap-northeast-1'],
        ],
      );
    });
  });
}

/** A Node older than Lintas's own on this machine (Debian's, here), to start bin/lintas.js the way `node bin/lintas.js` in a shell does. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (Number(version.split('.')[0]) < 24) return candidate;
    } catch {
      // not installed here
    }
  }
  return undefined;
}

const OLD_NODE = olderNode();

/** Runs `<old node> <bin> ...args`. */
function execOld(bin: string, args: readonly string[]): Promise<Result> {
  return exec(bin, args, OLD_NODE);
}

describe('lintas executable started by an older Node', { skip: OLD_NODE === undefined ? 'no Node older than 24 on this machine to start it with' : false, timeout: 4 * TIMEOUT_MS }, () => {
  it('re-executes under the project Node 24: version reports it', async () => {
    const r = await execOld(join(REPO, 'bin/lintas.js'), ['version', '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    const info = JSON.parse(r.stdout) as { node: string };
    assert.match(info.node, /^v24\./);
  });

  it('passes arguments, stdout and the exit code through', async () => {
    const r = await execOld(join(REPO, 'bin/lintas.js'), ['validate', invalidFleet()]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout, /^clusters\/east-1\/services\.yaml:8: Service default\/web: /);
  });

  it('forwards SIGTERM: a long-running command stops cleanly and the launcher exits with it', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['NODE_TEST_CONTEXT', 'LINTAS_CONFIG', 'NODE_OPTIONS']) delete env[name];
    const child = spawn(OLD_NODE ?? 'node', [join(REPO, 'bin/lintas.js'), 'watch', 'examples/capstone'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    // watch prints its first load summary once it is running; only then is the signal meaningful.
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (/watching /.test(stderr)) resolve();
      });
      child.once('exit', () => reject(new Error(`exited before it was watching:\n${stderr}`)));
    });
    child.kill('SIGTERM');
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
  });

  it('says in one line how to fix a missing project Node', async () => {
    const root = tempDir('lintas-bin-nonode-');
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(REPO, 'bin/lintas.js'), join(root, 'bin/lintas.js'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    const r = await execOld(join(root, 'bin/lintas.js'), ['version']);
    assert.equal(r.code, 70, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^lintas: needs Node\.js 24 or newer \(this is v\d+\.[^)]*\) .* run `npm install` in the Lintas directory\n$/);
  });
});
