/**
 * DNS benchmark: Lintas' authoritative `clusterset.local` server against a
 * reference peer, dnsmasq, serving the very same records, both loaded in
 * turn by dnsperf with the same query file and parameters, on loopback.
 *
 *   1. checks for dnsperf and dnsmasq (exit 2 with the install line if missing);
 *   2. generates a fleet (bench/config-load/generate.ts) and starts
 *      `lintas serve` on it (127.0.0.1, ephemeral ports), waits for /readyz;
 *   3. reads the zone from /api/v1/mcs and writes it as a dnsmasq config
 *      (host-record / srv-host, `local=/clusterset.local/`), starts dnsmasq;
 *   4. checks that a sample of names answers identically from both servers
 *      and from the MCS API (A, SRV, NXDOMAIN);
 *   5. runs dnsperf (80% A, 10% SRV, 10% NXDOMAIN) against each server, and
 *      prints a table and the ratio lintas / dnsmasq.
 *
 * With `--zone public` the zone is a DNSPolicy's (GSLB) instead: a generated fleet of
 * `--hostnames` public hostnames on three regional Gateways (bench/dns/public-fleet.ts), read
 * from /api/v1/dns, queried 90% A, 10% NXDOMAIN.
 *
 * Every load is bounded in time (-l, plus a kill timer) and in count (-n);
 * the whole run has a watchdog. Everything started is stopped, and the temp
 * directory removed, on success, on failure and on SIGINT/SIGTERM.
 *
 * Usage: npm run bench:dns -- [--clusters 5] [--services 200] [--seconds 5]
 *          [--clients 4] [--warmup 1] [--max-qps N] [--max-queries 2000000]
 *          [--lintas auto|dist|src] [--keep] [--zone clusterset|public] [--hostnames 100]
 */
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DnsZoneIR } from '../../src/ir/index.ts';
import { cpuSeconds, createSupervisor, findExecutable, freePort, freeTcpUdpPort, lintasEntry, tail, versionOf, waitFor } from '../lib/procs.ts';
import { generateFleet } from '../config-load/generate.ts';
import type { PublicDnsIR } from '../../src/ir/index.ts';
import { generatePublicFleet } from './public-fleet.ts';
import { benchZone, dnsmasqConfig, mixOf, nxdomainName, ownerNames, parseDnsperf, publicBenchZone, queryFile, zoneNamespaces, type BenchZone, type DnsperfResult } from './zone.ts';
import { benchOptionChecks } from '../lib/options.ts';
import { runBench } from '../lib/run-bench.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALL_HINT = 'apt-get install -y dnsperf dnsmasq-base';
/** The issue's target: Lintas answers at least 0.4x the queries per second of dnsmasq. */
const TARGET_RATIO = 0.4;
/** Lines in the dnsperf query file (ten-query blocks: 8 A, 1 SRV, 1 NXDOMAIN). */
const QUERY_FILE_LINES = 10_000;
/** dnsperf -q: queries in flight per run (dnsperf's default). */
const OUTSTANDING = 100;
/** dnsperf -t: a query unanswered this long counts as lost. */
const QUERY_TIMEOUT_S = 1;
const START_TIMEOUT_MS = 30_000;

const USAGE = `usage: npm run bench:dns -- [--clusters 5] [--services 200] [--seconds 5] [--clients 4]
                          [--warmup 1] [--max-qps N] [--max-queries 2000000]
                          [--lintas auto|dist|src] [--keep] [--zone clusterset|public] [--hostnames 100]`;

// ---------------------------------------------------------------------------
// Options

interface Options {
  readonly clusters: number;
  readonly services: number;
  readonly seconds: number;
  readonly clients: number;
  readonly warmup: number;
  readonly maxQps: number | undefined;
  readonly maxQueries: number;
  readonly lintas: 'auto' | 'dist' | 'src';
  readonly keep: boolean;
  /** clusterset: the MCS zone (default); public: a DNSPolicy zone. */
  readonly zone: 'clusterset' | 'public';
  readonly hostnames: number;
}

const { intOption, lintasOption, usageError: exitWithUsage } = benchOptionChecks('bench:dns', USAGE);
// Typed so the compiler knows a call never returns (narrowing needs an explicit annotation).
const usageError: (message: string) => never = exitWithUsage;

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        clusters: { type: 'string', default: '5' },
        services: { type: 'string', default: '200' },
        seconds: { type: 'string', default: '5' },
        clients: { type: 'string', default: '4' },
        warmup: { type: 'string', default: '1' },
        'max-qps': { type: 'string' },
        'max-queries': { type: 'string', default: '2000000' },
        lintas: { type: 'string', default: 'auto' },
        keep: { type: 'boolean', default: false },
        zone: { type: 'string', default: 'clusterset' },
        hostnames: { type: 'string', default: '100' },
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
  return {
    clusters: intOption(values.clusters, 'clusters', 1, 256),
    services: intOption(values.services, 'services', 1, 10_000),
    seconds: intOption(values.seconds, 'seconds', 1, 60),
    clients: intOption(values.clients, 'clients', 1, 256),
    warmup: intOption(values.warmup, 'warmup', 0, 10),
    maxQps: values['max-qps'] === undefined ? undefined : intOption(values['max-qps'], 'max-qps', 1, 10_000_000),
    maxQueries: intOption(values['max-queries'], 'max-queries', QUERY_FILE_LINES, 100_000_000),
    lintas,
    keep: values.keep,
    zone: values.zone === 'public' ? 'public' : values.zone === 'clusterset' ? 'clusterset' : usageError(`--zone must be clusterset or public, got ${values.zone}`),
    hostnames: intOption(values.hostnames, 'hostnames', 1, 10_000),
  };
}

// ---------------------------------------------------------------------------
// Processes: every child is tracked, and stopped by cleanup().

const supervisor = createSupervisor('bench:dns', (line) => console.error(line));
const { launch, stop } = supervisor;
let keepTemp = false;

function cleanup(): Promise<void> {
  return supervisor.cleanup(keepTemp);
}

// ---------------------------------------------------------------------------
// Servers

interface Server {
  readonly name: string;
  readonly port: number;
  /** The process that answers (for its CPU time). */
  readonly pid: number | undefined;
}

async function startLintas(entry: 'dist' | 'src', fleet: string, stateDir: string): Promise<Server & { admin: string }> {
  const serveArgs = ['serve', '--config', fleet, '--dns', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'warn'];
  const mainUrl = pathToFileURL(join(ROOT, 'src', 'cli', 'main.ts')).href;
  // The sources, exactly as bin/lintas.js runs them when there is no bundle.
  const fromSources = `const { run } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await run(process.argv.slice(1));`;
  const args = entry === 'dist' ? [join(ROOT, 'bin', 'lintas.js'), ...serveArgs] : ['--import', 'tsx', '--input-type=module', '-e', fromSources, ...serveArgs];
  const proc = launch('lintas serve', process.execPath, args, ROOT);
  const banner = await waitFor('the `lintas serve` banner', START_TIMEOUT_MS, () => /lintas serve: DNS udp\+tcp 127\.0\.0\.1:(\d+), admin (http:\/\/\S+)/.exec(proc.output()) ?? undefined, proc);
  const port = Number(banner[1]);
  const admin = banner[2] as string;
  await waitFor('/readyz 200', START_TIMEOUT_MS, async () => {
    try {
      const res = await fetch(`${admin}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  }, proc);
  return { name: 'lintas', port, admin, pid: proc.child.pid };
}

async function fetchZone(admin: string): Promise<DnsZoneIR> {
  const res = await fetch(`${admin}/api/v1/mcs`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET /api/v1/mcs: HTTP ${res.status}`);
  const body = (await res.json()) as { dns?: DnsZoneIR };
  if (typeof body.dns?.zone !== 'string' || !Array.isArray(body.dns.services)) throw new Error('GET /api/v1/mcs: no dns.zone / dns.services in the answer');
  return body.dns;
}

/** The public zones, once every probe has a result (the first round of probes is a burst of work the load must not overlap). */
async function fetchPublicZone(admin: string): Promise<PublicDnsIR | undefined> {
  const res = await fetch(`${admin}/api/v1/dns`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET /api/v1/dns: HTTP ${res.status}`);
  const body = (await res.json()) as { ir?: PublicDnsIR; probes?: Record<string, { last?: unknown }> };
  if (!Array.isArray(body.ir?.zones)) throw new Error('GET /api/v1/dns: no ir.zones in the answer');
  const probes = Object.values(body.probes ?? {});
  return probes.length > 0 && probes.every((p) => p.last !== undefined) ? body.ir : undefined;
}

function resolverFor(port: number): Resolver {
  const r = new Resolver({ timeout: 1_000, tries: 2 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

async function startDnsmasq(bin: string, conf: string, pidFile: string, probeName: string): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeTcpUdpPort();
    const proc = launch('dnsmasq', bin, ['--no-daemon', `--conf-file=${conf}`, `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--pid-file=${pidFile}`]);
    const resolver = resolverFor(port);
    try {
      await waitFor('dnsmasq to answer', 10_000, async () => ((await resolver.resolve4(probeName).catch(() => [])).length > 0 ? true : undefined), proc);
      return { name: 'dnsmasq', port, pid: proc.child.pid };
    } catch (error) {
      await stop(proc);
      // Another process took the port between freeTcpUdpPort() and dnsmasq's bind: try another.
      if (attempt < 3 && /in use/i.test(proc.output())) continue;
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------
// Verification: same answers from both servers and from the MCS API.

function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as T);
}

async function answerSet(resolver: Resolver, name: string, type: 'A' | 'SRV'): Promise<string> {
  try {
    if (type === 'A') return (await resolver.resolve4(name, { ttl: true })).map((r) => `A ${r.address} ttl=${r.ttl}`).sort().join(', ');
    return (await resolver.resolveSrv(name)).map((r) => `SRV ${r.priority} ${r.weight} ${r.port} ${r.name}`).sort().join(', ');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

async function verify(zone: BenchZone, servers: readonly Server[]): Promise<number> {
  const expected = new Map<string, { type: 'A' | 'SRV'; answer: string }>();
  for (const name of spread(ownerNames(zone.a), 16)) {
    const ips = zone.a.filter((r) => r.name === name).map((r) => `A ${r.ip} ttl=${zone.ttlSeconds}`);
    expected.set(name, { type: 'A', answer: ips.sort().join(', ') });
  }
  for (const name of spread(ownerNames(zone.srv), 8)) {
    const srv = zone.srv.filter((r) => r.name === name).map((r) => `SRV ${r.priority} ${r.weight} ${r.port} ${r.target}`);
    expected.set(name, { type: 'SRV', answer: srv.sort().join(', ') });
  }
  const namespaces = zoneNamespaces(zone);
  for (let k = 0; k < 4; k++) expected.set(nxdomainName(zone, k, namespaces), { type: 'A', answer: 'ENOTFOUND' });

  const mismatches: string[] = [];
  for (const server of servers) {
    const resolver = resolverFor(server.port);
    for (const [name, want] of expected) {
      const got = await answerSet(resolver, name, want.type);
      if (got !== want.answer) mismatches.push(`${server.name} ${want.type} ${name}: got [${got}], want [${want.answer}]`);
    }
  }
  if (mismatches.length > 0) {
    throw new Error(`the servers do not answer the same records (${mismatches.length} mismatches):\n${mismatches.slice(0, 8).map((m) => `    ${m}`).join('\n')}`);
  }
  return expected.size;
}

// ---------------------------------------------------------------------------
// Load

interface LoadParams {
  readonly bin: string;
  readonly file: string;
  readonly seconds: number;
  readonly clients: number;
  readonly runs: number;
  readonly maxQps: number | undefined;
}

function dnsperfArgs(port: number, p: LoadParams, seconds: number): string[] {
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', p.file, '-l', String(seconds), '-n', String(p.runs), '-c', String(p.clients), '-q', String(OUTSTANDING), '-t', String(QUERY_TIMEOUT_S)];
  if (p.maxQps !== undefined) args.push('-Q', String(p.maxQps));
  return args;
}

async function dnsperf(server: Server, p: LoadParams, seconds: number): Promise<DnsperfResult> {
  const proc = launch(`dnsperf (${server.name})`, p.bin, dnsperfArgs(server.port, p, seconds));
  // -l bounds the run; this bounds dnsperf itself, whatever happens.
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), (seconds + QUERY_TIMEOUT_S + 15) * 1000);
  const { code, signal } = await proc.exited;
  clearTimeout(killer);
  if (code !== 0) throw new Error(`dnsperf against ${server.name} exited with ${code ?? signal ?? 'a spawn error'}:\n${tail(proc.output())}`);
  return parseDnsperf(proc.output());
}

/** lintas_dns_queries_total summed over labels, for one transport. */
async function lintasQueryCount(admin: string): Promise<number | undefined> {
  const text = await fetch(`${admin}/metrics`, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.text())
    .catch(() => undefined);
  if (text === undefined) return undefined;
  let n = 0;
  for (const m of text.matchAll(/^lintas_dns_queries_total\{[^}]*transport="udp"[^}]*\} (\d+)$/gm)) n += Number(m[1]);
  return n;
}

/** One measured run: dnsperf's numbers plus the server's CPU time during it. */
interface Measured {
  readonly server: string;
  readonly r: DnsperfResult;
  /** Server CPU seconds used during the run (undefined without /proc). */
  readonly cpu: number | undefined;
}

async function measure(server: Server, p: LoadParams): Promise<Measured> {
  const before = cpuSeconds(server.pid);
  const r = await dnsperf(server, p, p.seconds);
  const after = cpuSeconds(server.pid);
  return { server: server.name, r, cpu: before === undefined || after === undefined ? undefined : after - before };
}

// ---------------------------------------------------------------------------
// Report

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Server CPU microseconds per answered query. */
function cpuPerQuery(m: Measured): number | undefined {
  return m.cpu === undefined ? undefined : (m.cpu / Math.max(m.r.completed, 1)) * 1e6;
}

function printTable(rows: readonly Measured[]): void {
  const header = ['server', 'queries/s', 'sent', 'lost', 'avg ms', 'min ms', 'max ms', 'stddev ms', 'NOERROR', 'NXDOMAIN', 'other rcodes', 'server CPU', 'CPU us/query'];
  const body = rows.map((m) => {
    const { server, r } = m;
    const perQuery = cpuPerQuery(m);
    const other = Object.entries(r.rcodes).filter(([c]) => c !== 'NOERROR' && c !== 'NXDOMAIN');
    const pct = (n: number | undefined): string => `${fmt(((n ?? 0) / Math.max(r.completed, 1)) * 100, 1)}%`;
    return [
      server,
      fmt(r.qps),
      fmt(r.sent),
      `${fmt(r.lost)}`,
      fmt(r.avgLatencyMs, 3),
      fmt(r.minLatencyMs, 3),
      fmt(r.maxLatencyMs, 3),
      fmt(r.stddevLatencyMs, 3),
      pct(r.rcodes.NOERROR),
      pct(r.rcodes.NXDOMAIN),
      other.length === 0 ? '-' : other.map(([c, n]) => `${c} ${n}`).join(' '),
      m.cpu === undefined ? '-' : `${fmt((m.cpu / r.runSeconds) * 100, 0)}%`,
      perQuery === undefined ? '-' : fmt(perQuery, 2),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  for (const row of body) console.log(line(row));
}

/** Both servers answered the mix as expected: ~10% NXDOMAIN, nothing but NOERROR and NXDOMAIN, nothing lost. */
function sanity(server: string, r: DnsperfResult, zone: BenchZone): string[] {
  const notes: string[] = [];
  const nx = (r.rcodes.NXDOMAIN ?? 0) / Math.max(r.completed, 1);
  const mix = mixOf(zone);
  const want = mix.nxdomain / (mix.a + mix.srv + mix.nxdomain);
  if (Math.abs(nx - want) > 0.01) notes.push(`${server}: ${fmt(nx * 100, 1)}% NXDOMAIN, expected ${fmt(want * 100, 0)}%`);
  for (const [code, n] of Object.entries(r.rcodes)) if (code !== 'NOERROR' && code !== 'NXDOMAIN') notes.push(`${server}: ${n} ${code} answers`);
  if (r.lost > 0) notes.push(`${server}: ${r.lost} queries lost (unanswered within ${QUERY_TIMEOUT_S} s)`);
  return notes;
}

// ---------------------------------------------------------------------------
// Main

async function main(opts: Options): Promise<number> {
  const dnsperfBin = findExecutable('dnsperf');
  const dnsmasqBin = findExecutable('dnsmasq', ['/usr/sbin', '/sbin', '/usr/local/sbin']);
  if (dnsperfBin === undefined || dnsmasqBin === undefined) {
    const missing = [dnsperfBin === undefined ? 'dnsperf' : undefined, dnsmasqBin === undefined ? 'dnsmasq' : undefined].filter(Boolean).join(' and ');
    console.error(`bench:dns: ${missing} not found. This benchmark needs dnsperf (load generator) and dnsmasq (reference peer).`);
    console.error(`Install them (Debian/Ubuntu, as root):\n    ${INSTALL_HINT}`);
    return 2;
  }
  const versions = {
    dnsperf: versionOf(dnsperfBin, ['-h'], /Version (\S+)/),
    dnsmasq: versionOf(dnsmasqBin, ['--version'], /Dnsmasq version (\S+)/),
  };
  const found = lintasEntry(ROOT, opts.lintas);
  if ('error' in found) usageError(found.error);
  const entry = found;

  const tempDir = mkdtempSync(join(tmpdir(), 'lintas-dns-bench-'));
  supervisor.addTempDir(tempDir);
  keepTemp = opts.keep;
  const fleet = join(tempDir, 'fleet');
  const started = performance.now();
  console.log(`lintas DNS benchmark: loopback UDP, dnsperf ${versions.dnsperf}, reference peer dnsmasq ${versions.dnsmasq}, node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0]?.toFixed(2)}`);
  if (opts.zone === 'public') {
    generatePublicFleet(fleet, opts.hostnames, await freePort('127.182.1.1'));
    console.log(`fleet: 3 clusters, ${opts.hostnames} public hostnames on their Gateways, one RoundRobin DNSPolicy (zone example.com) in ${tempDir}`);
  } else {
    const g = generateFleet(fleet, { clusters: opts.clusters, servicesPerCluster: opts.services });
    console.log(`fleet: ${opts.clusters} clusters x ${opts.services} Services (${fmt(g.objects)} objects) in ${tempDir}`);
  }

  const lintas = await startLintas(entry.mode, fleet, join(tempDir, 'state'));
  console.log(`lintas serve (${entry.mode === 'dist' ? 'bin/lintas.js, bundle' : 'sources via tsx'}: ${entry.why}): ready in ${fmt((performance.now() - started) / 1000, 1)} s, DNS 127.0.0.1:${lintas.port}, admin ${lintas.admin}`);

  const zone =
    opts.zone === 'public'
      ? publicBenchZone(await waitFor('every public hostname probed once', START_TIMEOUT_MS, async () => {
          const ir = await fetchPublicZone(lintas.admin);
          return ir?.zones[0]?.hosts.length === opts.hostnames ? ir : undefined;
        }))
      : benchZone(await fetchZone(lintas.admin));
  if (zone.a.length === 0) throw new Error('the zone has no IPv4 address records: nothing to query');
  console.log(
    opts.zone === 'public'
      ? `zone ${zone.zone} (TTL ${zone.ttlSeconds} s) from /api/v1/dns: ${zone.services} public hostnames, ${zone.a.length} A records`
      : `zone ${zone.zone} (TTL ${zone.ttlSeconds} s) from /api/v1/mcs: ${zone.services} ClusterSetIP services, ${zone.a.length} A records, ` +
          `${zone.srv.length} SRV records at ${ownerNames(zone.srv).length} names${zone.skippedHeadless > 0 ? `, ${zone.skippedHeadless} headless services not queried` : ''}`,
  );

  const conf = join(tempDir, 'dnsmasq.conf');
  writeFileSync(conf, dnsmasqConfig(zone));
  const dnsmasq = await startDnsmasq(dnsmasqBin, conf, join(tempDir, 'dnsmasq.pid'), zone.a[0]?.name as string);
  console.log(`dnsmasq: DNS 127.0.0.1:${dnsmasq.port} (${zone.a.length} host-record, ${zone.srv.length} srv-host, local=/${zone.zone}/, cache off)`);

  const checked = await verify(zone, [lintas, dnsmasq]);
  console.log(`verified: ${checked} names (A, SRV, NXDOMAIN) answer identically from lintas, dnsmasq and the Lintas API`);

  const file = join(tempDir, 'queries.txt');
  writeFileSync(file, queryFile(zone, QUERY_FILE_LINES));
  const load: LoadParams = { bin: dnsperfBin, file, seconds: opts.seconds, clients: opts.clients, runs: Math.floor(opts.maxQueries / QUERY_FILE_LINES), maxQps: opts.maxQps };
  const shown = ['-l', String(opts.seconds), '-n', String(load.runs), '-c', String(opts.clients), '-q', String(OUTSTANDING), '-t', String(QUERY_TIMEOUT_S), ...(opts.maxQps === undefined ? [] : ['-Q', String(opts.maxQps)])];
  console.log(
    `load: ${fmt(QUERY_FILE_LINES)}-query file (${mixOf(zone).a * 10}% A, ${mixOf(zone).srv * 10}% SRV, ${mixOf(zone).nxdomain * 10}% NXDOMAIN), ` +
      `dnsperf -s 127.0.0.1 -p PORT -d queries.txt ${shown.join(' ')} (at most ${fmt(load.runs * QUERY_FILE_LINES)} queries per run), ` +
      `servers loaded one after the other${opts.warmup > 0 ? `, each after a ${opts.warmup} s warm-up (not counted)` : ''}`,
  );

  const rows: Measured[] = [];
  let lintasCounted: number | undefined;
  for (const server of [lintas, dnsmasq]) {
    if (opts.warmup > 0) await dnsperf(server, load, opts.warmup);
    const counted = server === lintas ? await lintasQueryCount(lintas.admin) : undefined;
    rows.push(await measure(server, load));
    const after = server === lintas ? await lintasQueryCount(lintas.admin) : undefined;
    if (counted !== undefined && after !== undefined) lintasCounted = after - counted;
  }

  console.log('');
  printTable(rows);
  console.log('');
  const [l, d] = rows as [Measured, Measured];
  const ratio = l.r.qps / d.r.qps;
  const lCpu = cpuPerQuery(l);
  const dCpu = cpuPerQuery(d);
  console.log(
    `ratio lintas/dnsmasq: throughput ${ratio.toFixed(2)}x (target >= ${TARGET_RATIO.toFixed(2)}x: ${opts.maxQps !== undefined ? 'n/a, rate capped by --max-qps' : ratio >= TARGET_RATIO ? 'met' : 'NOT met'}), ` +
      `average latency ${(l.r.avgLatencyMs / d.r.avgLatencyMs).toFixed(2)}x` +
      (lCpu !== undefined && dCpu !== undefined ? `, server CPU per query ${(lCpu / dCpu).toFixed(2)}x` : ''),
  );
  if (lintasCounted !== undefined) console.log(`lintas counted ${fmt(lintasCounted)} UDP queries during its run; dnsperf sent ${fmt(l.r.sent)}`);
  // A server well short of a full core was waiting for queries: the load generator set its rate.
  const idle = opts.maxQps === undefined ? rows.filter((m) => m.cpu !== undefined && m.cpu / m.r.runSeconds < 0.85) : [];
  if (idle.length > 0) {
    console.log(
      `note: ${idle.map((m) => `${m.server} used ${fmt(((m.cpu ?? 0) / m.r.runSeconds) * 100, 0)}% of a core`).join(', ')}: ` +
        `dnsperf (sharing ${availableParallelism()} CPUs with the servers) limited the rate, so queries/s measures dnsperf as much as the server; ` +
        'CPU per query compares the servers themselves',
    );
  }
  for (const note of [...sanity('lintas', l.r, zone), ...sanity('dnsmasq', d.r, zone)]) console.log(`warning: ${note}`);
  console.log(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
  return 0;
}

const options = parseOptions();
// Bounded whatever happens: startups, verification, warm-ups and runs all fit well inside this.
const WATCHDOG_MS = 90_000 + 2 * (options.warmup + options.seconds + QUERY_TIMEOUT_S + 15) * 1000;

await runBench('bench:dns', { watchdogMs: WATCHDOG_MS, cleanup, main: () => main(options) });
