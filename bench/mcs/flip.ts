/**
 * Part 2 of the MCS bench: flip-to-answer latency. Starts a DNS server process
 * (`lintas serve`, or the debounce variant) on a generated fleet, then, flip
 * after flip, rewrites one endpoint's `ready: true` ↔ `false` in place in a
 * watched EndpointSlice file and polls the server for that headless Service's
 * A records until the answer is the expected new set. Records, per flip, the
 * time from just before the write to the reply that shows the change, and the
 * time from the write to this process's own recursive `fs.watch` firing on the
 * fleet root (the floor: no implementation that watches files can react sooner).
 *
 * Flips alternate not-ready / ready again on the same endpoint, rotating over
 * clusters, headless Services and endpoints. Every wait is bounded: the server's
 * start, each query, each flip (`flipTimeoutMs`) and the whole run (`budgetMs`).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DnsClient, type AAnswer } from './dns-client.ts';
import { clusterName, endpointIP, isHeadless, namespaceOf, serviceName, type McsFleetOptions } from './generate.ts';

/** How to start the server under test. */
export interface ServerSpec {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Matches the stderr banner; group 1 is the DNS port, group 2 (optional) the admin URL. */
  readonly banner: RegExp;
}

/** Options of {@link measureFlips}. */
export interface FlipOptions {
  readonly dir: string;
  readonly fleet: McsFleetOptions;
  readonly server: ServerSpec;
  readonly flips: number;
  readonly flipTimeoutMs: number;
  readonly pollMs: number;
  /** Pause after each observed change before the next flip. */
  readonly settleMs: number;
  /** Bound on the whole flip loop. */
  readonly budgetMs: number;
  readonly startTimeoutMs: number;
  /** Receives running children so the caller can kill them on an interrupt. */
  readonly track: (child: ChildProcess) => void;
}

/** What {@link measureFlips} observed. */
export interface FlipReport {
  readonly label: string;
  readonly startupMs: number;
  /** Write → changed DNS answer, ms, for each flip that completed. */
  readonly latencies: readonly number[];
  /** Write → this process's fs.watch callback, ms, for each flip where it fired. */
  readonly floor: readonly number[];
  readonly attempted: number;
  readonly timeouts: number;
  /** Answers during a flip that were neither the old nor the new set (e.g. a half-written file loaded). */
  readonly transientAnswers: number;
  readonly queries: number;
  readonly queryErrors: number;
  readonly tcpAnswers: number;
  /** True when the run stopped because the time budget ran out. */
  readonly budgetExhausted: boolean;
}

interface Target {
  readonly cluster: number;
  readonly service: number;
  readonly endpoint: number;
}

function headlessServices(fleet: McsFleetOptions): number[] {
  const out: number[] = [];
  for (let j = 0; j < fleet.servicesPerCluster; j++) if (isHeadless(j, fleet.headlessEvery)) out.push(j);
  return out;
}

function dnsName(j: number): string {
  return `${serviceName(j)}.${namespaceOf(j)}.svc.clusterset.local`;
}

/** The sorted, comma-joined ready IPs of headless Service j, given the IPs currently not ready. */
function expectedKey(fleet: McsFleetOptions, j: number, notReady: ReadonlySet<string>): string {
  const ips: string[] = [];
  for (let i = 0; i < fleet.clusters; i++) {
    for (let k = 0; k < fleet.endpointsPerSlice; k++) {
      const ip = endpointIP(i, j, k, fleet.endpointsPerSlice);
      if (!notReady.has(ip)) ips.push(ip);
    }
  }
  return ips.sort().join(',');
}

/** Flip n: pairs (not ready, ready again) rotating over clusters, headless Services and endpoints. */
function targetOf(n: number, fleet: McsFleetOptions, headless: readonly number[]): Target {
  const pair = Math.floor(n / 2);
  return {
    cluster: pair % fleet.clusters,
    service: headless[Math.floor(pair / fleet.clusters) % headless.length] as number,
    endpoint: Math.floor(pair / (fleet.clusters * headless.length)) % fleet.endpointsPerSlice,
  };
}

/** Rewrites one endpoint's `ready:` value in the slice file text. */
function setReady(text: string, ip: string, ready: boolean): string {
  const needle = `addresses: [${ip}]\n    conditions: { ready: `;
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`endpoint ${ip} not found in its EndpointSlice file`);
  const start = at + needle.length;
  const end = text.indexOf(',', start);
  return `${text.slice(0, start)}${ready ? 'true' : 'false'}${text.slice(end)}`;
}

/** Spawns the server and resolves with its DNS port (and admin URL) once the banner shows. */
function startServer(spec: ServerSpec, timeoutMs: number, track: (c: ChildProcess) => void): Promise<{ child: ChildProcess; port: number; admin?: string; tail: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    track(child);
    const tail: string[] = [];
    let buffered = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${spec.label}: no banner within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error, port?: number, admin?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        child.kill('SIGKILL');
        reject(new Error(`${error.message}\n--- server stderr (tail) ---\n${tail.join('\n')}`));
      } else {
        resolve({ child, port: port as number, ...(admin !== undefined ? { admin } : {}), tail });
      }
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        const m = spec.banner.exec(line);
        if (m) finish(undefined, Number(m[1]), m[2]);
      }
    });
    child.once('error', (error) => finish(error));
    child.once('exit', (code, signal) => finish(new Error(`${spec.label} exited early (code ${code}, signal ${signal})`)));
  });
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function waitReady(adminUrl: string, deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`${adminUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error(`${adminUrl}/readyz did not answer 200 in time`);
}

/** Polls until `name` answers `key` or the deadline passes; returns the last answer. */
async function waitForAnswer(client: DnsClient, name: string, key: string, deadline: number, pollMs: number): Promise<AAnswer | undefined> {
  let last: AAnswer | undefined;
  while (performance.now() < deadline) {
    try {
      last = await client.queryA(name, 500);
      if (last.key === key) return last;
    } catch {
      // retry
    }
    await sleep(pollMs);
  }
  return last;
}

/** Runs the flip loop against one server; always stops the server before returning. */
export async function measureFlips(o: FlipOptions): Promise<FlipReport> {
  const headless = headlessServices(o.fleet);
  if (headless.length === 0) throw new Error('the flip fleet has no headless Service (set --headless-every)');
  const started = performance.now();
  const server = await startServer(o.server, o.startTimeoutMs, o.track);
  let watcher: FSWatcher | undefined;
  let client: DnsClient | undefined;
  try {
    const startDeadline = started + o.startTimeoutMs;
    if (server.admin !== undefined) await waitReady(server.admin, startDeadline);
    client = new DnsClient('127.0.0.1', server.port);
    const notReady = new Map<number, Set<string>>(headless.map((j) => [j, new Set<string>()]));
    for (const j of headless) {
      const want = expectedKey(o.fleet, j, notReady.get(j) as Set<string>);
      const got = await waitForAnswer(client, dnsName(j), want, startDeadline, 20);
      if (got?.key !== want) throw new Error(`${o.server.label}: ${dnsName(j)} never answered all ${o.fleet.clusters * o.fleet.endpointsPerSlice} endpoints (last: ${got?.rcode} ${got?.count} A)`);
    }
    const startupMs = performance.now() - started;

    const files = new Map<number, { path: string; text: string }>();
    for (let i = 0; i < o.fleet.clusters; i++) {
      const path = join(o.dir, 'clusters', clusterName(i), 'endpointslices.yaml');
      files.set(i, { path, text: readFileSync(path, 'utf8') });
    }

    // The floor: this process's own recursive watch on the same root the server watches.
    let armedAt: number | undefined;
    let firedAt: number | undefined;
    watcher = watch(o.dir, { recursive: true }, () => {
      if (armedAt !== undefined && firedAt === undefined) firedAt = performance.now();
    });
    await sleep(200); // let the recursive watcher finish arming before the first write

    const latencies: number[] = [];
    const floor: number[] = [];
    let timeouts = 0;
    let transientAnswers = 0;
    let queries = 0;
    let queryErrors = 0;
    let tcpAnswers = 0;
    let attempted = 0;
    let budgetExhausted = false;
    const loopDeadline = performance.now() + o.budgetMs;

    for (let n = 0; n < o.flips; n++) {
      if (performance.now() + o.flipTimeoutMs + o.settleMs > loopDeadline) {
        budgetExhausted = true;
        break;
      }
      const t = targetOf(n, o.fleet, headless);
      const ip = endpointIP(t.cluster, t.service, t.endpoint, o.fleet.endpointsPerSlice);
      const down = n % 2 === 0;
      const set = notReady.get(t.service) as Set<string>;
      const oldKey = expectedKey(o.fleet, t.service, set);
      if (down) set.add(ip);
      else set.delete(ip);
      const newKey = expectedKey(o.fleet, t.service, set);
      const file = files.get(t.cluster) as { path: string; text: string };
      file.text = setReady(file.text, ip, !down);
      const name = dnsName(t.service);
      attempted++;

      firedAt = undefined;
      const t0 = performance.now();
      armedAt = t0;
      writeFileSync(file.path, file.text); // in place: O_TRUNC on the same inode
      const deadline = t0 + o.flipTimeoutMs;
      let seen: number | undefined;
      while (performance.now() < deadline) {
        queries++;
        let answer: AAnswer;
        try {
          answer = await client.queryA(name, Math.max(50, Math.min(500, deadline - performance.now())));
        } catch {
          queryErrors++;
          continue;
        }
        if (answer.transport === 'tcp') tcpAnswers++;
        if (answer.key === newKey) {
          seen = performance.now();
          break;
        }
        if (answer.key !== oldKey) transientAnswers++;
        await sleep(o.pollMs);
      }
      if (firedAt !== undefined) floor.push(firedAt - t0);
      armedAt = undefined;
      if (seen === undefined) {
        timeouts++;
        // Let the server catch up before the next flip, so one slow reload does not poison the rest.
        const caught = await waitForAnswer(client, name, newKey, Math.min(loopDeadline, performance.now() + o.flipTimeoutMs), o.pollMs);
        if (caught?.key !== newKey) {
          budgetExhausted = performance.now() >= loopDeadline;
          break;
        }
      } else {
        latencies.push(seen - t0);
      }
      await sleep(o.settleMs);
    }
    return { label: o.server.label, startupMs, latencies, floor, attempted, timeouts, transientAnswers, queries, queryErrors, tcpAnswers, budgetExhausted };
  } finally {
    watcher?.close();
    client?.close();
    await stopChild(server.child);
  }
}
