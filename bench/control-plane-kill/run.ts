/**
 * The control plane killed under load (issue 15): `lintas serve --no-embedded-gateways` feeds three
 * `lintas gateway` processes (one per cluster of a three-cluster fleet with a real backend in each);
 * an open-loop client sends `--rate` requests a second, spread over the three gateways. At
 * `--kill-at` the control plane gets SIGKILL; `--down` seconds later it is started again on the same
 * state directory, store and admin address. Reports the requests that failed (target 0: the gateways
 * serve their last config meanwhile), the latency before, during and after the outage, and how long
 * the restarted control plane took to be ready and to have every gateway acknowledged again.
 *
 * There is no reference peer: nothing else on this machine splits a control plane from its data
 * planes the same way, so the figures are absolute (the target is the issue's: 0 failed reads).
 *
 * Loopback only; the load is bounded by `--duration` and `--rate`, the run has a watchdog, and every
 * process is stopped on exit and on SIGINT/SIGTERM.
 *
 * Usage: npx node --import tsx bench/control-plane-kill/run.ts [--rate 200] [--duration 20] [--kill-at 5] [--down 3] [--lintas auto|dist|src] [--json]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DataPlaneServing } from '../../src/ir/index.ts';
import { generateToken } from '../../src/observability/index.ts';
import { freePort } from '../../test/gateway-fleet.ts';
import { GSLB_CLUSTERS, gatewayAddress, startGslbBackends, writeGslbFleet, type GslbBackends } from '../../test/gslb-fleet.ts';
import { lintasArgv } from '../gateway/servers.ts';
import { benchOptionChecks } from '../lib/options.ts';
import { createSupervisor, lintasEntry, waitFor, type Proc } from '../lib/procs.ts';
import { runBench } from '../lib/run-bench.ts';
import { summarize, type Summary } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE = 'usage: npx node --import tsx bench/control-plane-kill/run.ts [--rate 200] [--duration 20] [--kill-at 5] [--down 3] [--lintas auto|dist|src] [--json]';
const START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 2_000;

const { intOption, lintasOption, usageError } = benchOptionChecks('bench:control-plane-kill', USAGE);

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        rate: { type: 'string', default: '200' },
        duration: { type: 'string', default: '20' },
        'kill-at': { type: 'string', default: '5' },
        down: { type: 'string', default: '3' },
        lintas: { type: 'string', default: 'auto' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  const o = {
    rate: intOption(values.rate, 'rate', 1, 2_000),
    durationS: intOption(values.duration, 'duration', 5, 300),
    killAtS: intOption(values['kill-at'], 'kill-at', 1, 300),
    downS: intOption(values.down, 'down', 0, 120),
    lintas: lintasOption(values.lintas),
    json: values.json === true,
  };
  if (o.killAtS + o.downS >= o.durationS) return usageError('--kill-at + --down must end before --duration');
  return o;
}

/** One request's outcome: when it was sent (ms since the load began), its latency, and its status (0: no response). */
interface Outcome {
  readonly at: number;
  readonly ms: number;
  readonly status: number;
}

/** One GET through cluster `n`'s gateway. */
function request(n: number, port: number, agent: http.Agent): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number): void => resolve({ status, ms: performance.now() - started });
    const req = http.get({ host: gatewayAddress(n), port, path: '/', headers: { host: 'rr.example.com' }, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
  });
}

const sv = createSupervisor('bench:control-plane-kill', (line) => console.error(line));
let backends: GslbBackends | undefined;

async function main(): Promise<number> {
  const options = parseOptions();
  const picked = lintasEntry(ROOT, options.lintas);
  if ('error' in picked) return usageError(picked.error);
  const dir = mkdtempSync(join(tmpdir(), 'lintas-cp-kill-'));
  sv.addTempDir(dir);
  backends = await startGslbBackends();
  const gwPort = await freePort(gatewayAddress(1));
  writeGslbFleet(join(dir, 'fleet'), gwPort, backends.port);
  const clusters = GSLB_CLUSTERS.map(([c]) => c);
  const tokens = new Map(clusters.map((c) => [c, generateToken()]));
  writeFileSync(join(dir, 'tokens.yaml'), `tokens:\n${clusters.map((c) => `  - {token: ${tokens.get(c) ?? ''}, subject: gw-${c}, roles: ['gateway:${c}']}`).join('\n')}\n`);
  const adminPort = await freePort('127.0.0.1');
  const admin = `http://127.0.0.1:${String(adminPort)}`;
  const serveArgs = ['serve', '--config', join(dir, 'fleet'), '--no-embedded-gateways', '--auth-file', join(dir, 'tokens.yaml'), '--dns', '127.0.0.1:0', '--admin', `127.0.0.1:${String(adminPort)}`, '--state-dir', join(dir, '.lintas'), '--log-level', 'warn'];
  const startServe = (): Proc => sv.launch('lintas serve', process.execPath, lintasArgv(ROOT, picked.mode, serveArgs), dir);
  const ready = async (proc: Proc): Promise<void> => {
    await waitFor('/readyz 200', START_TIMEOUT_MS, async () => ((await fetch(`${admin}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), proc);
  };
  const allAcked = async (proc: Proc): Promise<void> => {
    await waitFor('every gateway acknowledged', START_TIMEOUT_MS, async () => {
      const res = await fetch(`${admin}/api/v1/dataplanes`).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const { dataplanes } = (await res.json()) as { dataplanes: DataPlaneServing[] };
      return clusters.every((c) => dataplanes.some((d) => d.cluster === c && d.mode === 'remote' && d.state === 'acked' && d.version !== '')) ? true : undefined;
    }, proc);
  };

  let serve = startServe();
  await ready(serve);
  const gateways = clusters.map((c) => sv.launch(`lintas gateway ${c}`, process.execPath, lintasArgv(ROOT, picked.mode, ['gateway', '--cluster', c, '--control-plane', admin, '--token', tokens.get(c) ?? '', '--access-log', '/dev/null', '--log-level', 'error']), dir));
  await allAcked(serve);
  for (const [i] of clusters.entries()) {
    await waitFor(`gateway ${String(i + 1)} answering`, START_TIMEOUT_MS, async () => ((await request(i + 1, gwPort, new http.Agent())).status === 200 ? true : undefined), gateways[i]);
  }

  // Open loop: one request every 1/rate s, round-robin over the gateways, whatever the answers take.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const outcomes: Outcome[] = [];
  const inflight = new Set<Promise<void>>();
  const began = performance.now();
  const total = options.rate * options.durationS;
  const killAt = options.killAtS * 1000;
  const restartAt = killAt + options.downS * 1000;
  let killedAt: number | undefined;
  let restartedAt: number | undefined;
  let readyAt: number | undefined;
  let ackedAt: number | undefined;
  const lifecycle = (async () => {
    await delay(killAt);
    killedAt = performance.now() - began;
    serve.child.kill('SIGKILL');
    await serve.exited;
    await delay(Math.max(0, restartAt - (performance.now() - began)));
    restartedAt = performance.now() - began;
    serve = startServe();
    await ready(serve);
    readyAt = performance.now() - began;
    await allAcked(serve);
    ackedAt = performance.now() - began;
  })();
  for (let i = 0; i < total; i++) {
    const due = (i * 1000) / options.rate;
    const wait = due - (performance.now() - began);
    if (wait > 0) await delay(wait);
    const at = performance.now() - began;
    const p = request((i % clusters.length) + 1, gwPort, agent).then(({ status, ms }) => {
      outcomes.push({ at, ms, status });
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  await Promise.all(inflight);
  await lifecycle;
  agent.destroy();
  if (killedAt === undefined || restartedAt === undefined || readyAt === undefined || ackedAt === undefined) throw new Error('the control plane was not killed and restarted');

  const phase = (from: number, to: number): Outcome[] => outcomes.filter((o) => o.at >= from && o.at < to);
  const stats = (os: readonly Outcome[]): { requests: number; failed: number; latencyMs: Summary } => ({ requests: os.length, failed: os.filter((o) => o.status !== 200).length, latencyMs: summarize(os.map((o) => o.ms)) });
  const end = options.durationS * 1000;
  const result = {
    rate: options.rate,
    durationS: options.durationS,
    entry: `${picked.mode} (${picked.why})`,
    before: stats(phase(0, killedAt)),
    outage: stats(phase(killedAt, ackedAt)),
    after: stats(phase(ackedAt, end)),
    failed: outcomes.filter((o) => o.status !== 200).length,
    requests: outcomes.length,
    downMs: restartedAt - killedAt,
    restartToReadyMs: readyAt - restartedAt,
    restartToAllAckedMs: ackedAt - restartedAt,
  };
  const ms = (s: Summary): string => `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
  if (options.json) {
    console.log(JSON.stringify({ ...result, node: process.version, cores: availableParallelism(), loadavg: loadavg() }, null, 2));
  } else {
    console.log(`bench:control-plane-kill: ${String(options.rate)} req/s for ${String(options.durationS)} s through ${String(clusters.length)} lintas gateway processes (${result.entry}); node ${process.version}, ${String(availableParallelism())} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  control plane SIGKILLed at ${(killedAt / 1000).toFixed(1)} s, restarted ${(result.downMs / 1000).toFixed(1)} s later`);
    console.log(`  restart → /readyz 200:                  ${result.restartToReadyMs.toFixed(0)} ms`);
    console.log(`  restart → every gateway acknowledged:   ${result.restartToAllAckedMs.toFixed(0)} ms`);
    for (const [name, s] of [['before the kill', result.before], ['kill → all acknowledged', result.outage], ['after', result.after]] as const) {
      console.log(`  ${name.padEnd(24)} ${String(s.requests).padStart(6)} requests, ${String(s.failed)} failed; ${ms(s.latencyMs)}`);
    }
    console.log(`  failed reads: ${String(result.failed)} of ${String(result.requests)} (target 0)`);
  }
  return result.failed === 0 ? 0 : 1;
}

await runBench('bench:control-plane-kill', {
  watchdogMs: 10 * 60_000,
  cleanup: async () => {
    await sv.cleanup(false);
    await backends?.close();
  },
  main,
});
