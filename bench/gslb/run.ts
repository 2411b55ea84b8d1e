/**
 * bench/gslb (issue 18): how long a client's resolver keeps answering a dead region.
 * Starts `lintas up` on the capstone (a child process, free admin and DNS ports, a temp state
 * dir) and Debian's `unbound` with a stub zone `example.com` at Lintas's DNS, then
 * `--failures` times: waits a random 0–TTL s (so the fault lands anywhere in the resolver's
 * cache lifetime), takes Singapore down with `lintas fault cluster sgp-prod-1 down`'s admin
 * call, and polls `cases.example.com` every 20 ms at Lintas (authoritative) and at unbound
 * until Singapore's 127.2.255.1 is gone from each; then brings Singapore back and waits until
 * both answer it again. Prints p50/p90/p99/max of fault → changed answer at Lintas and at the
 * resolver, against the bound probe interval × failureThreshold + probe timeout + TTL.
 *
 *   npm run build && npm exec -- node --import tsx bench/gslb/run.ts [--failures 20] [--json] [--keep]
 *
 * Loopback only; every wait is bounded; everything started is stopped (SIGTERM, then SIGKILL)
 * on exit, error or signal.
 * @module
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSupervisor, freePort, freeTcpUdpPort, waitFor } from '../lib/procs.ts';
import { addressesOf, ask, startUnbound, unboundPath, type Unbound } from '../../test/unbound.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CAPSTONE = join(ROOT, 'examples', 'capstone');
const HOST = 'cases.example.com';
const SGP = '127.2.255.1';
const POLL_MS = 20;
/** The capstone's DNSPolicy: probe every 1 s, 2 failures, 500 ms timeout, TTL 5 s. */
const BOUND_MS = 1000 * 2 + 500 + 5000;

const { values } = parseArgs({ options: { failures: { type: 'string', default: '20' }, json: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } });
const failures = Number(values.failures);
if (!Number.isInteger(failures) || failures < 1 || failures > 200) {
  console.error('usage: npm exec -- node --import tsx bench/gslb/run.ts [--failures 1..200] [--json] [--keep]');
  process.exit(2);
}
if (unboundPath() === undefined) {
  console.error('bench:gslb: unbound not found; install it (Debian: apt-get install -y unbound)');
  process.exit(2);
}

const supervisor = createSupervisor('bench:gslb', (line) => console.error(line));
const root = mkdtempSync(join(tmpdir(), 'lintas-bench-gslb-'));
supervisor.addTempDir(root);
let unbound: Unbound | undefined;
const stopAll = async (): Promise<void> => {
  await unbound?.close();
  await supervisor.cleanup(values.keep);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().then(() => process.exit(130)));

/** Whether Singapore's address is in the answer at `port` (a failed query counts as "no answer yet"). */
async function hasSgp(port: number): Promise<boolean | undefined> {
  try {
    return addressesOf(await ask(port, HOST, 'A', { timeoutMs: 1000 })).includes(SGP);
  } catch {
    return undefined;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const adminPort = await freePort('127.0.0.1');
  const dnsPort = await freeTcpUdpPort();
  const stateDir = join(root, '.lintas');
  const up = supervisor.launch('lintas up', process.execPath, [join(ROOT, 'bin', 'lintas.js'), 'up', CAPSTONE, '--admin', `127.0.0.1:${String(adminPort)}`, '--dns', `127.0.0.1:${String(dnsPort)}`, '--state-dir', stateDir, '--log-level', 'error'], root);
  const info = await waitFor('lintas up ready (up.json)', 90_000, () => {
    try {
      return JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as { admin: string; token: string };
    } catch {
      return undefined;
    }
  }, up);
  unbound = await startUnbound({ dir: root, stubs: [{ zone: 'example.com', servers: [`127.0.0.1@${String(dnsPort)}`] }] });
  const fault = async (action: 'down' | 'up'): Promise<void> => {
    const res = await fetch(`${info.admin}/api/v1/faults/cluster/sgp-prod-1/${action}`, { method: 'POST', headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: `bench:gslb ${action}` }) });
    if (res.status !== 200) throw new Error(`fault ${action}: HTTP ${String(res.status)} ${await res.text()}`);
  };
  const resolver = unbound.port;
  await waitFor('both answer Singapore', 60_000, async () => ((await hasSgp(dnsPort)) === true && (await hasSgp(resolver)) === true ? true : undefined), up);
  console.error(`bench:gslb: lintas up ready (DNS 127.0.0.1:${String(dnsPort)}), unbound on 127.0.0.1:${String(resolver)}; ${String(failures)} failures of sgp-prod-1`);

  const authMs: number[] = [];
  const resolverMs: number[] = [];
  for (let i = 0; i < failures; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 5000));
    const t0 = performance.now();
    const faulted = fault('down');
    let auth: number | undefined;
    let res: number | undefined;
    await waitFor(`failure ${String(i + 1)}: Singapore gone at Lintas and at unbound`, 30_000, async () => {
      const [a, r] = await Promise.all([auth === undefined ? hasSgp(dnsPort) : Promise.resolve(false), res === undefined ? hasSgp(resolver) : Promise.resolve(false)]);
      const now = performance.now() - t0;
      if (auth === undefined && a === false) auth = now;
      if (res === undefined && r === false) res = now;
      if (auth !== undefined && res !== undefined) return true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      return undefined;
    }, up);
    await faulted;
    authMs.push(auth ?? Number.NaN);
    resolverMs.push(res ?? Number.NaN);
    console.error(`bench:gslb: failure ${String(i + 1)}: authoritative ${String(Math.round(auth ?? 0))} ms, resolver ${String(Math.round(res ?? 0))} ms`);
    await fault('up');
    await waitFor(`failure ${String(i + 1)}: Singapore back at both`, 90_000, async () => ((await hasSgp(dnsPort)) === true && (await hasSgp(resolver)) === true ? true : undefined), up);
  }

  const stats = (xs: readonly number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { n: s.length, min: Math.round(s[0] ?? 0), p50: Math.round(percentile(s, 50)), p90: Math.round(percentile(s, 90)), p99: Math.round(percentile(s, 99)), max: Math.round(s[s.length - 1] ?? 0) };
  };
  const figures = { failures, boundMs: BOUND_MS, authoritativeMs: stats(authMs), resolverMs: stats(resolverMs), withinBound: resolverMs.filter((x) => x <= BOUND_MS).length };
  if (values.json) console.log(JSON.stringify(figures, null, 2));
  else {
    const line = (what: string, s: ReturnType<typeof stats>): string => `${what.padEnd(22)} p50 ${String(s.p50)} ms, p90 ${String(s.p90)} ms, p99 ${String(s.p99)} ms, min ${String(s.min)} ms, max ${String(s.max)} ms`;
    console.log(`fault cluster sgp-prod-1 down → ${HOST} without 127.2.255.1, ${String(failures)} failures (poll every ${String(POLL_MS)} ms):`);
    console.log(line('at Lintas (authority)', figures.authoritativeMs));
    console.log(line('at unbound (resolver)', figures.resolverMs));
    console.log(`bound: probe interval 1 s × failureThreshold 2 + timeout 0.5 s + TTL 5 s = ${String(BOUND_MS)} ms; ${String(figures.withinBound)}/${String(failures)} resolver changes within it`);
  }
}

try {
  await main();
} finally {
  await stopAll();
}
