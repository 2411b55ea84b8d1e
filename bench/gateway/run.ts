/**
 * Gateway benchmark (issue 4, "Benchmarks"): wrk through the Lintas gateway
 * and through nginx as a reverse proxy to the same origin, in the same run,
 * with the same keep-alive settings, on loopback.
 *
 *   1. checks for wrk and nginx (exit 2 with the install line if missing) and
 *      that `lintas serve` has `--access-log` (the gateway is wired in);
 *   2. starts the origin: a separate nginx answering 200 "ok\n" on
 *      127.77.0.1..N (one port), so the backend is never the bottleneck;
 *   3. per case (1 route → 1 endpoint; then 50 routes → 100 endpoints):
 *      writes a fleet (fleet.ts) and starts `lintas serve` on it with its
 *      access log in a temp file, and an nginx proxy (1 worker, upstream
 *      keepalive 64, access log off) with the same routes and endpoints;
 *      checks both answer the target path with the origin's body and an
 *      unmatched path with 404;
 *   4. for lintas, then nginx: a warm-up wrk run (not counted), then the
 *      measured `wrk -t1 -c64 -d8s --latency`, sampling proxy and origin CPU;
 *   5. then the HTTPS cases (1 route, 1 endpoint): both proxies terminate TLS
 *      with the same self-signed P-256 certificate (made with openssl in the
 *      temp directory), once with keep-alive and once with a new connection,
 *      so a full handshake, per request (`Connection: close`);
 *   6. then the workers cases (issue 15), 1 route → 1 endpoint, once per
 *      `--workers` count N: `lintas gateway --workers N` fed by a config
 *      stream from this process against nginx with `worker_processes N`, both
 *      writing the same JSON access log to a file;
 *   7. prints a table and the ratios lintas/nginx against the targets
 *      (throughput ≥ 0.6×, p99 ≤ 2×; CPU per request ≤ 2.5× where both log
 *      alike), or with --json one JSON document.
 *
 * Every wait is bounded, every wrk run has a kill timer, the whole run has a
 * watchdog; everything started is stopped and the temp directory removed on
 * success, failure, SIGINT and SIGTERM. More than 1 % failed requests in a
 * measured run fails the bench (exit 1) after the table is printed.
 *
 * Usage: npm run bench:gateway -- [--seconds 8] [--connections 64] [--threads 1]
 *          [--warmup 2] [--routes 50] [--endpoints 100] [--lintas auto|dist|src]
 *          [--cases all|serve|workers] [--workers 1,N] [--keep] [--json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { accessLogStats, type AccessLogStats } from './access-log.ts';
import { BENCH_NAMESPACE, MAX_ENDPOINTS, MAX_ROUTES, OWNER_KEY, OWNER_KEY_HEADER, targetPath, unmatchedPath, writeGatewayFleet } from './fleet.ts';
import { KEEPALIVE_REQUESTS, ORIGIN_BODY, ORIGIN_STATUS_PATH, parseStubStatus, UPSTREAM_KEEPALIVE, type StubStatus } from './nginx.ts';
import { createSupervisor, cpuSeconds, findExecutable, freePort, lintasEntry, tail, treeCpuSeconds, versionOf, type Proc } from '../lib/procs.ts';
import { fmt, jsonReport, PROXIES, ratioLines, table, type CaseResult, type ProxyName, type ProxyRun } from './report.ts';
import { startLintasGateway } from './gateway-process.ts';
import { lintasArgv, probe, startLintas, startNginxProxy, startOrigin, type Server } from './servers.ts';
import { makeCert, negotiated, type BenchCert } from './tls.ts';
import { errorVerdict, parseWrk, wrkArgs, type WrkResult } from './wrk.ts';
import { benchOptionChecks } from '../lib/options.ts';
import { runBench } from '../lib/run-bench.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALL_HINT = 'apt-get install -y wrk nginx-light   # or: nginx';
/** wrk --timeout: a response slower than this counts as a socket timeout error. */
const WRK_TIMEOUT_S = 2;
const USAGE = `usage: npm run bench:gateway -- [--seconds 8] [--connections 64] [--threads 1] [--warmup 2]
                              [--routes 50] [--endpoints 100] [--nginx-keepalive 64]
                              [--lintas auto|dist|src] [--owner-policy] [--keep] [--json]
                              [--cases all|serve|workers] [--workers 1,${String(availableParallelism())}]`;

interface Options {
  readonly seconds: number;
  readonly connections: number;
  readonly threads: number;
  readonly warmup: number;
  readonly routes: number;
  readonly endpoints: number;
  readonly nginxKeepalive: number;
  readonly lintas: 'auto' | 'dist' | 'src';
  readonly keep: boolean;
  readonly json: boolean;
  /** Attach an Owner-mode TrafficPolicy (reads: Owner) and send its ownership key: the policy path's cost. */
  readonly ownerPolicy: boolean;
  /** `serve`: the four `lintas serve` cases; `workers`: the `lintas gateway --workers N` cases; `all`: both. */
  readonly cases: 'all' | 'serve' | 'workers';
  /** Worker counts of the workers cases (each against nginx with as many worker processes). */
  readonly workers: readonly number[];
}

const { intOption, lintasOption, usageError: exitWithUsage } = benchOptionChecks('bench:gateway', USAGE);
// Typed so the compiler knows a call never returns (narrowing needs an explicit annotation).
const usageError: (message: string) => never = exitWithUsage;

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        seconds: { type: 'string', default: '8' },
        connections: { type: 'string', default: '64' },
        threads: { type: 'string', default: '1' },
        warmup: { type: 'string', default: '2' },
        routes: { type: 'string', default: '50' },
        endpoints: { type: 'string', default: '100' },
        'nginx-keepalive': { type: 'string', default: String(UPSTREAM_KEEPALIVE) },
        lintas: { type: 'string', default: 'auto' },
        keep: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'owner-policy': { type: 'boolean', default: false },
        cases: { type: 'string', default: 'all' },
        workers: { type: 'string', default: [...new Set([1, availableParallelism()])].join(',') },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const lintas = lintasOption(values.lintas);
  const threads = intOption(values.threads, 'threads', 1, 64);
  const connections = intOption(values.connections, 'connections', 1, 10_000);
  if (connections < threads) usageError('--connections must be at least --threads (wrk gives each thread connections / threads)');
  const cases = values.cases;
  if (cases !== 'all' && cases !== 'serve' && cases !== 'workers') usageError(`--cases must be all, serve or workers, got "${cases}"`);
  const workers = [...new Set(values.workers.split(',').map((w) => intOption(w.trim(), 'workers', 1, 64)))];
  return {
    seconds: intOption(values.seconds, 'seconds', 1, 120),
    connections,
    threads,
    warmup: intOption(values.warmup, 'warmup', 0, 30),
    routes: intOption(values.routes, 'routes', 1, MAX_ROUTES),
    endpoints: intOption(values.endpoints, 'endpoints', 1, MAX_ENDPOINTS),
    nginxKeepalive: intOption(values['nginx-keepalive'], 'nginx-keepalive', 1, 100_000),
    lintas,
    keep: values.keep,
    json: values.json,
    ownerPolicy: values['owner-policy'],
    cases,
    workers,
  };
}

const options = parseOptions();
/** Progress goes to stdout, or to stderr when stdout carries the JSON document. */
const say = (line: string): void => void (options.json ? process.stderr : process.stdout).write(`${line}\n`);
const sv = createSupervisor('bench:gateway', (line) => console.error(line));

// ---------------------------------------------------------------------------
// Load

interface Measured {
  readonly run: ProxyRun;
  readonly warmup?: WrkResult;
}

/** How a case's load connects: cleartext, TLS with keep-alive, or TLS with a new connection (full handshake) per request. */
type Transport = 'http' | 'https' | 'https-handshake';

async function wrk(bin: string, server: Server, path: string, seconds: number, transport: Transport): Promise<WrkResult> {
  const headers = [...(options.ownerPolicy ? [`${OWNER_KEY_HEADER}: ${OWNER_KEY}`] : []), ...(transport === 'https-handshake' ? ['Connection: close'] : [])];
  const scheme = transport === 'http' ? 'http' : 'https';
  const args = wrkArgs({ url: `${scheme}://127.0.0.1:${server.port}${path}`, threads: options.threads, connections: options.connections, seconds, timeoutSeconds: WRK_TIMEOUT_S, ...(headers.length > 0 ? { headers } : {}) });
  const proc = sv.launch(`wrk (${server.name})`, bin, args);
  // -d bounds the run; this bounds wrk itself, whatever happens.
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), (seconds + WRK_TIMEOUT_S + 10) * 1000);
  const { code, signal } = await proc.exited;
  clearTimeout(killer);
  if (code !== 0) throw new Error(`wrk against ${server.name} exited with ${code ?? signal ?? 'a spawn error'}:\n${tail(proc.output())}`);
  return parseWrk(proc.output());
}

/** The origin's stub_status counters (undefined if the page does not answer). */
async function originStatus(origin: Server): Promise<StubStatus | undefined> {
  const p = await probe(`http://127.77.0.1:${origin.port}${ORIGIN_STATUS_PATH}`);
  return p?.status === 200 ? parseStubStatus(p.body) : undefined;
}

async function measure(bin: string, server: Server, origin: Server, path: string, transport: Transport, cpuOf: (p: Proc) => number | undefined): Promise<Measured> {
  const warmup = options.warmup > 0 ? await wrk(bin, server, path, options.warmup, transport) : undefined;
  const s0 = await originStatus(origin);
  const p0 = cpuOf(server.proc);
  const o0 = treeCpuSeconds(origin.proc.child.pid);
  const result = await wrk(bin, server, path, options.seconds, transport);
  const p1 = cpuOf(server.proc);
  const o1 = treeCpuSeconds(origin.proc.child.pid);
  const s1 = await originStatus(origin);
  const run: ProxyRun = {
    wrk: result,
    ...(p0 !== undefined && p1 !== undefined ? { proxyCpuSeconds: p1 - p0 } : {}),
    ...(o0 !== undefined && o1 !== undefined ? { originCpuSeconds: o1 - o0 } : {}),
    ...(s0 !== undefined && s1 !== undefined ? { originConnections: s1.accepts - s0.accepts } : {}),
  };
  return { run, ...(warmup !== undefined ? { warmup } : {}) };
}

/** Both proxies route the target to the origin and 404 an unmatched path, before any load. */
async function verify(servers: readonly Server[], routes: number, scheme: 'http' | 'https'): Promise<void> {
  const problems: string[] = [];
  for (const s of servers) {
    const ok = await probe(`${scheme}://127.0.0.1:${s.port}${targetPath(routes)}`);
    if (ok?.status !== 200 || ok.body !== ORIGIN_BODY) problems.push(`${s.name} ${targetPath(routes)}: ${ok === undefined ? 'no answer' : `HTTP ${ok.status}`}`);
    const miss = unmatchedPath(routes);
    if (miss === undefined) continue;
    const nf = await probe(`${scheme}://127.0.0.1:${s.port}${miss}`);
    if (nf?.status !== 404) problems.push(`${s.name} ${miss}: ${nf === undefined ? 'no answer' : `HTTP ${nf.status}`}, want 404`);
  }
  if (problems.length > 0) throw new Error(`the proxies do not route alike:\n${problems.map((p) => `    ${p}`).join('\n')}`);
}

// ---------------------------------------------------------------------------
// Main

interface CaseOutcome {
  readonly result: CaseResult;
  readonly warmups: Partial<Record<ProxyName, WrkResult>>;
  readonly accessLog: AccessLogStats | undefined;
  /** nginx's JSON access log, in a workers case. */
  readonly nginxAccessLog?: AccessLogStats;
}

interface CaseSpec {
  readonly routes: number;
  readonly endpoints: number;
  readonly transport: Transport;
  readonly cert?: BenchCert;
  /** A workers case: `lintas gateway --workers N` against nginx `worker_processes N`, both with a JSON access log. */
  readonly workers?: number;
}

async function runCase(ctx: { temp: string; wrkBin: string; nginxBin: string; entry: 'dist' | 'src'; origin: Server }, index: number, spec: CaseSpec): Promise<CaseOutcome> {
  const { routes, endpoints, transport, cert, workers } = spec;
  const tlsName = transport === 'https' ? ', HTTPS keep-alive' : transport === 'https-handshake' ? ', HTTPS new connection per request' : '';
  const workersName = workers === undefined ? '' : `, ${String(workers)} worker${workers === 1 ? '' : 's'} each, JSON access log on both`;
  const name = `${routes} route${routes === 1 ? '' : 's'}, ${endpoints} endpoint${endpoints === 1 ? '' : 's'}${tlsName}${workersName}`;
  const scheme = transport === 'http' ? 'http' : 'https';
  const dir = join(ctx.temp, `case-${index}`);
  const path = targetPath(routes);
  const fleet = join(dir, 'fleet');
  const accessLog = join(dir, 'access.log');
  const nginxLog = join(dir, 'nginx-access.log');
  const listenerPort = await freePort('127.0.0.1');
  writeGatewayFleet(fleet, { routes, endpoints, listenerPort, originPort: ctx.origin.port, ownerPolicy: options.ownerPolicy, ...(cert !== undefined ? { tls: cert } : {}) });
  mkdirSync(join(dir, 'state'), { recursive: true });
  const t0 = performance.now();
  const lintas =
    workers === undefined
      ? await startLintas(sv, { root: ROOT, entry: ctx.entry, fleet, stateDir: join(dir, 'state'), accessLog, listenerPort, path, scheme })
      : await startLintasGateway(sv, { root: ROOT, entry: ctx.entry, fleet, accessLog, listenerPort, path, workers });
  const nginx = await startNginxProxy(sv, ctx.nginxBin, join(dir, 'nginx-proxy'), {
    routes,
    endpoints,
    originPort: ctx.origin.port,
    path,
    keepalive: options.nginxKeepalive,
    ...(cert !== undefined ? { tls: { certFile: cert.certFile, keyFile: cert.keyFile } } : {}),
    ...(workers !== undefined ? { workers, accessLog: nginxLog } : {}),
  });
  await verify([lintas, nginx], routes, scheme);
  const how = 'admin' in lintas ? `lintas serve gateway 127.0.0.1:${String(lintas.port)} (admin ${lintas.admin})` : `lintas gateway --workers ${String(workers)} 127.0.0.1:${String(lintas.port)}`;
  say(`\n[${name}] ${how}, nginx proxy 127.0.0.1:${String(nginx.port)}, both ready in ${fmt((performance.now() - t0) / 1000, 1)} s; load on ${path}`);
  if (cert !== undefined) say(`  TLS negotiated: lintas ${await negotiated(lintas.port)}, nginx ${await negotiated(nginx.port)}`);

  const runs: Partial<Record<ProxyName, ProxyRun>> = {};
  const warmups: Partial<Record<ProxyName, WrkResult>> = {};
  for (const proxy of PROXIES) {
    const server = proxy === 'lintas' ? lintas : nginx;
    const m = await measure(ctx.wrkBin, server, ctx.origin, path, transport, (p) => (proxy === 'lintas' ? cpuSeconds(p.child.pid) : treeCpuSeconds(p.child.pid)));
    runs[proxy] = m.run;
    if (m.warmup !== undefined) warmups[proxy] = m.warmup;
    const w = m.run.wrk;
    say(`  ${proxy.padEnd(6)} ${fmt(w.requestsPerSecond)} req/s, p50 ${fmt(w.latency.p50Ms, 2)} ms, p99 ${fmt(w.latency.p99Ms, 2)} ms, ${fmt(w.errors)} errors`);
  }
  // Stopped before the access log is read, so every buffered line is on disk.
  await Promise.all([sv.stop(lintas.proc), sv.stop(nginx.proc)]);
  if ('close' in lintas) await lintas.close();
  const stats = existsSync(accessLog) ? accessLogStats(readFileSync(accessLog)) : undefined;
  const nginxStats = workers !== undefined && existsSync(nginxLog) ? accessLogStats(readFileSync(nginxLog)) : undefined;
  return {
    result: { name, routes, endpoints, path, runs: runs as Record<ProxyName, ProxyRun>, ...(workers !== undefined ? { sameAccessLog: true } : {}) },
    warmups,
    accessLog: stats,
    ...(nginxStats !== undefined ? { nginxAccessLog: nginxStats } : {}),
  };
}

function accessLogNote(o: CaseOutcome, proxy: ProxyName = 'lintas'): string {
  const s = proxy === 'lintas' ? o.accessLog : o.nginxAccessLog;
  if (s === undefined) return `[${o.result.name}] ${proxy} wrote no access log file`;
  const sent = o.result.runs[proxy].wrk.requests + (o.warmups[proxy]?.requests ?? 0);
  const share = s.lines / Math.max(sent, 1);
  return (
    `[${o.result.name}] ${proxy} access log: ${fmt(s.lines)} lines, ${fmt(s.bytes / 1e6, 1)} MB (${fmt(s.bytes / Math.max(s.lines, 1))} bytes a line) for ${fmt(sent)} completed requests (warm-up + run)` +
    (share < 0.99 ? ` - ${fmt((1 - share) * 100, 1)}% of requests have no line` : '') +
    `; last ${fmt(s.sampled)} lines: route ${s.routes.join(' | ') || '-'}, status ${s.statuses.join(' | ') || '-'}, ${s.upstreams} distinct upstreams` +
    (s.unparsed > 0 ? `, ${s.unparsed} lines not JSON` : '')
  );
}

/** Explains an nginx run that opened many origin connections: `keepalive N` is one idle cache per worker for all servers. */
function churnNote(o: CaseOutcome): string[] {
  const n = o.result.runs.nginx;
  if (n.originConnections === undefined || n.originConnections <= 10 * options.connections) return [];
  return [
    `[${o.result.name}] nginx opened ${fmt(n.originConnections)} connections to the origin during its run (${fmt((n.originConnections / Math.max(n.wrk.requests, 1)) * 100, 1)}% of requests): ` +
      `upstream keepalive ${options.nginxKeepalive} is one idle-connection cache per worker shared by all ${o.result.endpoints} servers, so round robin often finds none to the chosen server ` +
      `(Lintas pools per endpoint); try --nginx-keepalive ${Math.max(1024, o.result.endpoints * 16)} to compare without that churn`,
  ];
}

async function main(): Promise<number> {
  const wrkBin = findExecutable('wrk');
  const nginxBin = findExecutable('nginx', ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']);
  if (wrkBin === undefined || nginxBin === undefined) {
    const missing = [wrkBin === undefined ? 'wrk' : undefined, nginxBin === undefined ? 'nginx' : undefined].filter(Boolean).join(' and ');
    console.error(`bench:gateway: ${missing} not found. This benchmark needs wrk (load generator) and nginx (origin and reference proxy).`);
    console.error(`Install them (Debian/Ubuntu, as root):\n    ${INSTALL_HINT}`);
    return 2;
  }
  const picked = lintasEntry(ROOT, options.lintas);
  if ('error' in picked) usageError(picked.error);
  const help = spawnSync(process.execPath, lintasArgv(ROOT, picked.mode, ['serve', '--help']), { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  if (!`${help.stdout}`.includes('--access-log')) {
    console.error(`bench:gateway: \`lintas serve\` (${picked.mode}) has no --access-log option: the gateway is not wired into serve yet.${picked.mode === 'dist' ? ' (npm run build?)' : ''}`);
    return 1;
  }
  const versions = { wrk: versionOf(wrkBin, ['--version'], /^wrk (\S+)/m), nginx: versionOf(nginxBin, ['-v'], /nginx\/(\S+)/) };

  const temp = mkdtempSync(join(tmpdir(), 'lintas-gateway-bench-'));
  sv.addTempDir(temp);
  const started = performance.now();
  const load0 = loadavg()[0] ?? 0;
  say(`lintas gateway benchmark: loopback HTTP/1.1 keep-alive, wrk ${versions.wrk}, nginx ${versions.nginx}, node ${process.version}, ${availableParallelism()} CPUs, load average ${load0.toFixed(2)}`);
  say(`lintas serve: ${picked.mode === 'dist' ? 'bin/lintas.js, bundle' : 'sources via tsx'} (${picked.why}); temp ${temp}`);

  const origin = await startOrigin(sv, nginxBin, join(temp, 'origin'), options.endpoints);
  say(`origin: nginx, 1 worker, return 200 "ok\\n" on 127.77.0.1..${options.endpoints}:${origin.port}, access log off`);
  say(
    `load: wrk -t${options.threads} -c${options.connections} -d${options.seconds}s --timeout ${WRK_TIMEOUT_S}s --latency, one proxy at a time` +
      (options.warmup > 0 ? `, each after a ${options.warmup} s warm-up (not counted)` : ''),
  );

  const ctx = { temp, wrkBin, nginxBin, entry: picked.mode, origin };
  const outcomes: CaseOutcome[] = [];
  if (options.cases !== 'workers') {
    outcomes.push(await runCase(ctx, 1, { routes: 1, endpoints: 1, transport: 'http' }), await runCase(ctx, 2, { routes: options.routes, endpoints: options.endpoints, transport: 'http' }));
    const cert = makeCert(join(temp, 'tls'));
    if ('error' in cert) say(`HTTPS cases skipped: ${cert.error}`);
    else {
      outcomes.push(await runCase(ctx, 3, { routes: 1, endpoints: 1, transport: 'https', cert }));
      outcomes.push(await runCase(ctx, 4, { routes: 1, endpoints: 1, transport: 'https-handshake', cert }));
    }
  }
  if (options.cases !== 'serve') {
    for (const [i, workers] of options.workers.entries()) outcomes.push(await runCase(ctx, 5 + i, { routes: 1, endpoints: 1, transport: 'http', workers }));
  }
  const cases = outcomes.map((o) => o.result);

  const notes = [
    `nginx proxy: upstream keepalive ${options.nginxKeepalive}, proxy_http_version 1.1, Connection "", X-Forwarded-For/-Proto/-Host set`,
    ...(options.cases !== 'workers'
      ? [
          `serve cases: nginx 1 worker, ACCESS LOG OFF; lintas serve: access log ON, JSON lines to a temp file (--access-log, production behaviour); no active health checks configured (nginx has none either)`,
          `HTTPS: both proxies terminate TLS with the same self-signed P-256 certificate (TLS 1.2/1.3, each side's default ciphers, negotiated as printed per case); nginx: ssl_session_cache off (its default), session tickets on as Node's; the handshake case sends Connection: close, so every request is a new TCP connection and a full handshake (wrk does not resume sessions)`,
          `routes: ${options.routes} HTTPRoutes in ${BENCH_NAMESPACE} with equal-length PathPrefix /svc-NN; the load hits the last one in Gateway API precedence (alphabetical tie-break), the worst case for a first-match scan; nginx: ${options.routes} prefix locations`,
        ]
      : []),
    `keep-alive: wrk keeps its ${options.connections} connections for the whole run; nginx keepalive_requests ${fmt(KEEPALIVE_REQUESTS)} on both sides (its default 1000 would recycle connections), origin likewise`,
    ...(options.cases !== 'serve'
      ? [
          `workers cases: lintas gateway --workers N (SO_REUSEPORT listeners, fed by a config stream from the bench process; its CPU is the whole process, every thread) against nginx worker_processes N (listen … reuseport when N > 1); ` +
            `both write JSON lines with Lintas' access-log fields to a file (nginx: log_format escape=json, buffer=64k flush=1s; Lintas: its access log stream)`,
        ]
      : []),
    ...outcomes.map((o) => accessLogNote(o)),
    ...outcomes.filter((o) => o.nginxAccessLog !== undefined).map((o) => accessLogNote(o, 'nginx')),
    ...outcomes.flatMap(churnNote),
  ];
  const failures: string[] = [];
  for (const o of outcomes) {
    for (const p of PROXIES) {
      const bad = errorVerdict(`${o.result.name}, ${p}`, o.result.runs[p].wrk);
      if (bad !== undefined) failures.push(bad);
      const w = o.warmups[p];
      if (w !== undefined && w.errors > 0) notes.push(`${o.result.name}, ${p} warm-up: ${fmt(w.errors)} errors (not counted)`);
    }
  }
  const load1 = loadavg()[0] ?? 0;
  const elapsed = (performance.now() - started) / 1000;

  if (options.json) {
    const environment = { cpus: availableParallelism(), loadAverageStart: load0, loadAverageEnd: load1, node: process.version, ...versions, lintas: picked.mode };
    const params = {
      seconds: options.seconds,
      connections: options.connections,
      threads: options.threads,
      warmup: options.warmup,
      routes: options.routes,
      endpoints: options.endpoints,
      nginxKeepalive: options.nginxKeepalive,
      ownerPolicy: options.ownerPolicy,
      cases: options.cases,
      workers: options.workers,
      wrkTimeoutSeconds: WRK_TIMEOUT_S,
    };
    process.stdout.write(`${JSON.stringify({ ...jsonReport({ environment, params, cases, notes, failures }), elapsedSeconds: elapsed }, null, 2)}\n`);
  } else {
    say('');
    for (const line of table(cases, options.seconds)) say(line);
    say('');
    for (const line of ratioLines(cases)) say(line);
    say('');
    for (const note of notes) say(`note: ${note}`);
    say(`load average ${load0.toFixed(2)} → ${load1.toFixed(2)} (${availableParallelism()} CPUs; wrk, both proxies and the origin share them); total ${fmt(elapsed, 1)} s`);
  }
  for (const f of failures) console.error(`bench:gateway: FAILED: ${f}`);
  return failures.length === 0 ? 0 : 1;
}

// Bounded whatever happens: the origin, then per case two startups, two warm-ups and two runs.
const CASES = (options.cases !== 'workers' ? 4 : 0) + (options.cases !== 'serve' ? options.workers.length : 0);
const WATCHDOG_MS = 60_000 + CASES * (2 * 30_000 + 4 * (options.warmup + options.seconds + WRK_TIMEOUT_S + 10) * 1000);

await runBench('bench:gateway', { watchdogMs: WATCHDOG_MS, cleanup: () => sv.cleanup(options.keep), main });
