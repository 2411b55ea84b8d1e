/**
 * Process hygiene shared by the benches (bench/dns, bench/gateway): every child
 * is tracked by the pid we spawned and stopped by {@link Supervisor.cleanup}
 * (SIGTERM, then SIGKILL after a grace period), bounded waits that show the
 * child's last output when it dies, tool lookup, which Lintas to run, CPU
 * time from /proc, and free loopback ports.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A child process the supervisor owns. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves once the process has exited (or failed to spawn). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr interleaved, the last 64 KiB. */
  output(): string;
  hasExited(): boolean;
  /**
   * Pids this process started (nginx workers), recorded while it runs: if the
   * process itself has to be SIGKILLed they would outlive it, so stop() kills
   * them too, each only if it still carries the same command name.
   */
  readonly descendants: Map<number, string>;
}

/** Tracks children and temp dirs; cleanup() is idempotent and stops everything. */
export interface Supervisor {
  launch(name: string, command: string, args: readonly string[], cwd?: string): Proc;
  stop(proc: Proc): Promise<void>;
  /** A directory removed by cleanup() unless `keep`. */
  addTempDir(dir: string): void;
  cleanup(keep: boolean): Promise<void>;
  readonly stopping: () => boolean;
}

const OUTPUT_TAIL = 64 * 1024;
const STOP_GRACE_MS = 3_000;

/** Last `lines` lines, indented, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

/** The command name of a live pid (/proc/<pid>/comm), or undefined. */
function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Direct children of a pid (Linux /proc; empty elsewhere). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Creates the supervisor; `bench` prefixes its messages. */
export function createSupervisor(bench: string, warn: (line: string) => void): Supervisor {
  const procs = new Set<Proc>();
  const tempDirs: string[] = [];
  let stopping = false;
  let cleaning: Promise<void> | undefined;

  const exitsWithin = async (proc: Proc, ms: number): Promise<boolean> =>
    Promise.race([proc.exited.then(() => true), delay(ms, false, { ref: false })]);

  const stop = async (proc: Proc): Promise<void> => {
    if (!proc.hasExited()) {
      proc.child.kill('SIGTERM');
      if (!(await exitsWithin(proc, STOP_GRACE_MS))) {
        warn(`${bench}: ${proc.name} (pid ${proc.child.pid}) ignored SIGTERM; sending SIGKILL`);
        proc.child.kill('SIGKILL');
        await exitsWithin(proc, STOP_GRACE_MS);
      }
    }
    for (const [pid, comm] of proc.descendants) {
      if (commOf(pid) !== comm) continue;
      warn(`${bench}: ${proc.name}'s child ${pid} (${comm}) outlived it; sending SIGKILL`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  return {
    launch(name, command, args, cwd) {
      if (stopping) throw new Error(`not starting ${name}: the benchmark is stopping`);
      const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let done = false;
      const append = (chunk: Buffer): void => {
        out += chunk.toString('utf8');
        if (out.length > OUTPUT_TAIL * 2) out = out.slice(-OUTPUT_TAIL);
      };
      child.stdout?.on('data', append);
      child.stderr?.on('data', append);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.once('error', (error) => {
          append(Buffer.from(`\n${name}: ${error.message}\n`));
          done = true;
          resolve({ code: null, signal: null });
        });
        // 'close' (not 'exit'): the output pipes are drained by then.
        child.once('close', (code, signal) => {
          done = true;
          resolve({ code, signal });
        });
      });
      const proc: Proc = { name, child, exited, output: () => out.slice(-OUTPUT_TAIL), hasExited: () => done, descendants: new Map() };
      procs.add(proc);
      void exited.then(() => procs.delete(proc));
      return proc;
    },
    stop,
    addTempDir(dir) {
      tempDirs.push(dir);
    },
    cleanup(keep) {
      stopping = true;
      cleaning ??= (async () => {
        await Promise.all([...procs].map(stop));
        for (const dir of tempDirs) {
          if (keep) warn(`kept ${dir}`);
          else rmSync(dir, { recursive: true, force: true });
        }
      })();
      return cleaning;
    },
    stopping: () => stopping,
  };
}

/** Records a process's current children (nginx workers) so stop() can reach them. */
export function adoptChildren(proc: Proc): void {
  const pid = proc.child.pid;
  if (pid === undefined) return;
  for (const c of childPids(pid)) {
    const comm = commOf(c);
    if (comm !== undefined) proc.descendants.set(c, comm);
  }
}

/** Polls `probe` until it returns a value; fails after `ms`, or at once when `proc` exits. */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined, proc?: Proc, extra?: () => string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const said = (): string => tail(`${proc?.output() ?? ''}${extra?.() ?? ''}`);
    if (proc?.hasExited()) throw new Error(`${proc.name} exited while waiting for ${what}:\n${said()}`);
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${proc ? `; ${proc.name} said:\n${said()}` : ''}`);
    await delay(50);
  }
}

/** An executable on PATH (then in `extraDirs`), or undefined. */
export function findExecutable(name: string, extraDirs: readonly string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extraDirs]) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The first capture of `re` in a command's stdout+stderr, or 'unknown'. */
export function versionOf(command: string, args: readonly string[], re: RegExp): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 5_000 });
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'unknown';
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.ts')) newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
  }
  return newest;
}

/** Which Lintas to run: the bundle bin/lintas.js loads, or the sources (when the bundle is missing or older than src/). */
export function lintasEntry(root: string, mode: 'auto' | 'dist' | 'src'): { mode: 'dist' | 'src'; why: string } | { error: string } {
  const dist = join(root, 'dist', 'lintas.js');
  if (mode === 'dist') return existsSync(dist) ? { mode, why: 'as asked' } : { error: '--lintas dist: dist/lintas.js is missing (npm run build)' };
  if (mode === 'src') return { mode, why: 'as asked' };
  if (!existsSync(dist)) return { mode: 'src', why: 'dist/lintas.js is missing' };
  return statSync(dist).mtimeMs >= newestMtime(join(root, 'src'))
    ? { mode: 'dist', why: 'dist/lintas.js is up to date' }
    : { mode: 'src', why: 'dist/lintas.js is older than src/; `npm run build` to bench the bundle' };
}

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every common Linux). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).stdout?.trim()) || 100;

/** User + system CPU seconds a process has used so far (Linux /proc); undefined elsewhere. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuSeconds(`/proc/${pid}/stat`);
}

/** CPU seconds of one thread of a process (the main thread's id is the pid): what a worker thread spends is left out. */
export function threadCpuSeconds(pid: number | undefined, tid = pid): number | undefined {
  return pid === undefined ? undefined : statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
}

/** On-CPU and run-queue seconds of one thread name (schedstat, ns precision). */
export interface ThreadTimes {
  readonly cpu: number;
  readonly wait: number;
}

/**
 * Every thread of a process by name (/proc/<pid>/task/<tid>/comm; threads of one name summed): the
 * seconds each spent on a CPU and runnable but waiting for one (schedstat's first two fields). An
 * edit's cost shows up by thread this way, V8's and libuv's helper threads included. Empty off Linux.
 */
export function threadTimesByName(pid: number | undefined): Map<string, ThreadTimes> {
  const out = new Map<string, ThreadTimes>();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${String(pid)}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const dir = `/proc/${String(pid)}/task/${tid}`;
      const name = readFileSync(`${dir}/comm`, 'utf8').trim();
      const [cpu, wait] = readFileSync(`${dir}/schedstat`, 'utf8').split(' ').map((n) => Number(n) / 1e9);
      if (cpu === undefined || wait === undefined || !Number.isFinite(cpu) || !Number.isFinite(wait)) continue;
      const seen = out.get(name) ?? { cpu: 0, wait: 0 };
      out.set(name, { cpu: seen.cpu + cpu, wait: seen.wait + wait });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** The sum over the threads of `pid` named `prefix…` (e.g. a gateway's data-plane workers, `lintas-gw-`) of their {@link ThreadTimes}; zeros when none. */
export function namedThreadsTimes(pid: number | undefined, prefix: string): ThreadTimes {
  let cpu = 0;
  let wait = 0;
  for (const [name, t] of threadTimesByName(pid)) {
    if (!name.startsWith(prefix)) continue;
    cpu += t.cpu;
    wait += t.wait;
  }
  return { cpu, wait };
}

function statCpuSeconds(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** CPU seconds of a process plus its live direct children (an nginx master and its worker). */
export function treeCpuSeconds(pid: number | undefined): number | undefined {
  const own = cpuSeconds(pid);
  if (own === undefined || pid === undefined) return undefined;
  return childPids(pid).reduce((sum, c) => sum + (cpuSeconds(c) ?? 0), own);
}

/** A TCP port that is free on `host` right now (the caller binds it soon after; retry on EADDRINUSE). */
export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port free on 127.0.0.1 for both TCP and UDP right now (dnsmasq and unbound bind both). */
export async function freeTcpUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = net.createServer();
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', resolve);
    });
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (ok) return port;
  }
  throw new Error('no port free for both TCP and UDP on 127.0.0.1');
}
