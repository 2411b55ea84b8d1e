#!/usr/bin/env node
// The `lintas` executable: runs the bundled CLI (dist/, built by `npm install`
// through the `prepare` script), or the TypeScript sources through tsx in a
// development checkout where dist/ has not been built.
//
// Lintas runs on Node 24. `npm install` brings that runtime as the `node` package of the npm
// registry; when this file is started by an older Node (the machine's own `node`, `npx lintas`
// outside an npm script), it re-executes itself under that binary with the same arguments,
// environment, stdio and exit status.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The oldest Node major Lintas runs on; kept in step with `engines` in package.json. */
const MIN_MAJOR = 24;
/** Set in the child so a wrong binary can never loop. */
const REEXEC_ENV = 'LINTAS_REEXEC';

const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_MAJOR) {
  await reexec();
} else {
  await runCli();
}

/** Where the project's Node 24 lives: the `node` package's binary, wherever npm put it. */
function projectNode() {
  try {
    const pkg = createRequire(import.meta.url).resolve('node/package.json');
    const binary = path.join(path.dirname(pkg), 'bin', 'node');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** Runs this same file under the project's Node and mirrors its exit code or signal. */
async function reexec() {
  const binary = projectNode();
  if (binary === undefined || process.env[REEXEC_ENV] === '1') {
    process.stderr.write(
      `lintas: needs Node.js ${MIN_MAJOR} or newer (this is ${process.version}) and the project's Node ${MIN_MAJOR} (the npm package "node") is missing; run \`npm install\` in the Lintas directory\n`,
    );
    process.exit(70);
  }
  const child = spawn(binary, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_ENV]: '1' },
  });
  // Ctrl-C reaches the child from the terminal too; forwarding each signal once covers `kill <pid>`
  // without turning one Ctrl-C into a second, "force" one.
  const forwarded = new Set();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (forwarded.has(signal)) return;
      forwarded.add(signal);
      child.kill(signal);
    });
  }
  child.on('error', (error) => {
    process.stderr.write(`lintas: cannot start ${binary}: ${error.message}\n`);
    process.exit(70);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      // Die of the same signal so callers (shells, supervisors) see what really happened.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

/** Runs the CLI in this process. */
async function runCli() {
  const bundle = new URL('../dist/lintas.js', import.meta.url);
  if (existsSync(bundle)) {
    const { run } = await import(bundle.href);
    exitWith(await run(process.argv.slice(2)));
    return;
  }
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    process.stderr.write('lintas: dist/lintas.js is missing and tsx is not installed; run `npm run build`\n');
    process.exit(70);
  }
  const { run } = await import('../src/cli/main.ts');
  exitWith(await run(process.argv.slice(2)));
}

/**
 * Exits once the command is done. A long-running command (serve, up, gateway) has stopped cleanly
 * by then, but idle keep-alive sockets of the HTTP clients it used would otherwise hold the process
 * for their timeout, and `lintas up` waits for its gateway processes to exit. Output to files and
 * pipes is written synchronously on Linux, so nothing is cut off.
 */
function exitWith(code) {
  process.exit(code);
}
