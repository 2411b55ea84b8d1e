/**
 * Test helper: starts a real, throwaway PostgreSQL server (Debian package `postgresql`) on 127.0.0.1 with
 * its data and socket directory in a temp dir, so tests exercise the same server a deployment uses.
 * Under root, PostgreSQL refuses to run, so every server command runs as the `postgres` OS user.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A running test server: `url` points at a fresh database; `stop()` stops the server and deletes its files. */
export interface TestPostgres {
  readonly url: string;
  /** Creates another empty database on the same server and returns its URL. */
  createDatabase(): Promise<string>;
  /**
   * Creates an empty schema in the first database and returns a URL whose connections use it as their
   * only search_path: an isolated namespace per test, ~100× faster to make than a database.
   */
  createSchema(): Promise<string>;
  stop(): Promise<void>;
}

/** How long startup may take before the helper gives up (pg_ctl's own wait is bounded by it too). */
const START_TIMEOUT_S = 20;

/** Finds the directory holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin(): string {
  const candidates = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debianRoot, v, 'bin')));
  }
  for (const dir of candidates) {
    if (isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin; ' +
      'install the Debian package `postgresql` (apt-get install -y postgresql)',
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The uid/gid to run the server as when we are root (PostgreSQL refuses to run as root). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) {
    throw new Error('running as root but there is no `postgres` OS user to run the test server as; install the Debian package `postgresql`');
  }
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Runs `file args` (as the postgres user when root), resolving with its output and rejecting on a non-zero exit. */
function run(file: string, args: readonly string[], asPostgres: boolean, timeoutMs = START_TIMEOUT_S * 1000): Promise<string> {
  const [cmd, argv] = asPostgres ? wrapAsPostgres(file, args) : [file, [...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(file)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}

/** `runuser -u postgres -- …` when available, else `su postgres -s /bin/sh -c '…'`. */
function wrapAsPostgres(file: string, args: readonly string[]): [string, string[]] {
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find(isExecutable);
  if (runuser !== undefined) return [runuser, ['-u', 'postgres', '--', file, ...args]];
  const quoted = [file, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

/** A port that was free a moment ago (the server start is retried if another process takes it first). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Servers still running; stopped synchronously if the test process exits without calling stop(). */
const running = new Set<() => void>();
let exitHookInstalled = false;

/** Starts a throwaway PostgreSQL server with fsync on and one database; stop() removes everything. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const user = serverUser();
  const asPostgres = user !== undefined;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'lintas-pg-'));
  const dataDir = path.join(tmp, 'data');
  const pgCtl = path.join(bin, 'pg_ctl');
  try {
    if (user !== undefined) await chown(tmp, user.uid, user.gid);
    // --no-sync only skips initdb's final flush of the template files; the server itself runs with fsync=on.
    await run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], asPostgres);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }

  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
    const candidate = await freePort();
    const conf = [
      `listen_addresses = '127.0.0.1'`,
      `port = ${candidate}`,
      `unix_socket_directories = '${tmp}'`,
      'fsync = on',
      'synchronous_commit = on',
      'max_connections = 40',
      'shared_buffers = 16MB',
    ];
    await appendFile(path.join(dataDir, 'postgresql.conf'), `\n# lintas test server (attempt ${attempt + 1})\n${conf.join('\n')}\n`);
    try {
      await run(pgCtl, ['-D', dataDir, '-l', path.join(tmp, 'server.log'), '-w', '-t', String(START_TIMEOUT_S), 'start'], asPostgres, (START_TIMEOUT_S + 5) * 1000);
      port = candidate;
    } catch (error) {
      lastError = error;
    }
  }

  const stopSync = (): void => {
    const [cmd, argv] = asPostgres ? wrapAsPostgres(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']) : [pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']];
    spawnSync(cmd, argv, { stdio: 'ignore', timeout: 10_000 });
  };
  if (port === 0) {
    stopSync();
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`PostgreSQL test server did not start: ${(lastError as Error | undefined)?.message ?? 'unknown error'}`);
  }
  running.add(stopSync);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const stop of running) stop();
    });
  }

  const base = `postgres://postgres@127.0.0.1:${port}`;
  let databases = 0;
  const createDatabase = async (): Promise<string> => {
    const name = `lintas_test_${++databases}`;
    const admin = new pg.Client({ connectionString: `${base}/postgres`, connectionTimeoutMillis: START_TIMEOUT_S * 1000 });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return `${base}/${name}`;
  };

  let schemas = 0;
  let firstUrl = '';
  const createSchema = async (): Promise<string> => {
    const name = `lintas_test_${++schemas}`;
    const admin = new pg.Client({ connectionString: firstUrl, connectionTimeoutMillis: START_TIMEOUT_S * 1000 });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${name}`);
    } finally {
      await admin.end();
    }
    return `${firstUrl}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      running.delete(stopSync);
      try {
        await run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S), 'stop'], asPostgres, (START_TIMEOUT_S + 5) * 1000);
      } catch {
        stopSync();
      }
      await rm(tmp, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    firstUrl = await createDatabase();
    return { url: firstUrl, createDatabase, createSchema, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
