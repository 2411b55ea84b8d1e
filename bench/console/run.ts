/**
 * The web console's first load (issue 19: "first load is under 1 s on loopback"), in Debian's
 * Chromium driven by playwright-core, each load in a fresh browser context (cold cache):
 *
 * - app shell: navigation to `/ui/` until the sign-in form is usable, served by Lintas's admin
 *   server and, as the reference peer, by nginx serving the same `dist/console` files;
 * - first data: sign-in until the fleet map shows every cluster and the stream is live, against a
 *   real `lintas serve` runtime of the capstone (3 clusters) and against the 20-cluster × 1,000-service
 *   fixture (test/console-fixture.ts) for fleet scale.
 *
 * Loopback only; `--loads` bounds the count; every server and the browser are stopped on exit.
 *
 * Usage: npx node --import tsx bench/console/run.ts [--loads 15] [--json]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { createAuthenticator } from '../../src/observability/index.ts';
import { startServeRuntime, type ServeRuntime } from '../../src/runtime/index.ts';
import { testRuntimeConfig } from '../../src/runtime/test-runtime.ts';
import { openStore, type LintasStore } from '../../src/store/index.ts';
import { launchChromium, SKIP_BROWSER } from '../../test/console-browser.ts';
import { startConsoleFixture, type ConsoleFixture } from '../../test/console-fixture.ts';
import { freePort } from '../../test/gateway-fleet.ts';
import { benchOptionChecks } from '../lib/options.ts';
import { createSupervisor, findExecutable, waitFor } from '../lib/procs.ts';
import { runBench } from '../lib/run-bench.ts';
import { summarize, type Summary } from '../lib/stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE = 'usage: npx node --import tsx bench/console/run.ts [--loads 15] [--json]';
const VIEWER = 'bench-console-viewer-0123456789abcdef';
/** The bar for the first load. */
const TARGET_MS = 1_000;

const { intOption, usageError } = benchOptionChecks('bench:console', USAGE);

const sv = createSupervisor('bench:console', (line) => console.error(line));
let browser: Browser | undefined;
let runtime: ServeRuntime | undefined;
let store: LintasStore | undefined;
let fixture: ConsoleFixture | undefined;

/** ms from navigation to a usable sign-in form, in a fresh context. */
async function shellLoad(b: Browser, url: string): Promise<number> {
  const context = await b.newContext();
  try {
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`${url}/ui/`);
    await page.getByLabel('Token').waitFor();
    return performance.now() - started;
  } finally {
    await context.close();
  }
}

/** ms from navigation, through sign-in, to the fleet map with `clusters` clusters and a live stream, in a fresh context. */
async function dataLoad(b: Browser, url: string, token: string, clusters: number): Promise<{ total: number; afterSignIn: number }> {
  const context = await b.newContext();
  try {
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`${url}/ui/`);
    await page.getByLabel('Token').fill(token);
    const signedIn = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('svg.fleet-map g[data-cluster]').nth(clusters - 1).waitFor();
    await page.getByTestId('live-state').filter({ hasText: /^live/ }).waitFor();
    const done = performance.now();
    return { total: done - started, afterSignIn: done - signedIn };
  } finally {
    await context.close();
  }
}

/** Serves `dist/console` at /ui/ with nginx (the peer), or says why not. */
async function startNginx(dir: string): Promise<string | { skipped: string }> {
  const nginx = findExecutable('nginx', ['/usr/sbin', '/sbin']);
  if (nginx === undefined) return { skipped: 'nginx is not installed (apt-get install nginx-light)' };
  const port = await freePort('127.0.0.1');
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = `daemon off; worker_processes 1; error_log ${prefix}/logs/error.log; pid ${prefix}/nginx.pid;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types; access_log off; client_body_temp_path ${prefix}; proxy_temp_path ${prefix}; fastcgi_temp_path ${prefix}; uwsgi_temp_path ${prefix}; scgi_temp_path ${prefix};
  server { listen 127.0.0.1:${String(port)}; location /ui/ { alias ${join(ROOT, 'dist/console')}/; try_files $uri /ui/index.html; } }
}`;
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const proc = sv.launch('nginx', nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')]);
  const url = `http://127.0.0.1:${String(port)}`;
  await waitFor('nginx serving /ui/', 10_000, async () => ((await fetch(`${url}/ui/`).catch(() => undefined))?.status === 200 ? true : undefined), proc);
  return url;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { loads: { type: 'string', default: '15' }, json: { type: 'boolean', default: false } } }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  const loads = intOption(values.loads, 'loads', 3, 200);
  if (SKIP_BROWSER !== false) return usageError(SKIP_BROWSER);
  const dir = mkdtempSync(join(tmpdir(), 'lintas-bench-console-'));
  sv.addTempDir(dir);
  store = await openStore({ dataDir: dir });
  runtime = await startServeRuntime({ ...testRuntimeConfig(join(ROOT, 'examples/capstone'), join(dir, 'state'), store), embeddedGateways: 'none', auth: createAuthenticator({ tokens: [{ token: VIEWER, subject: 'bench-viewer', roles: ['viewer'] }] }) });
  fixture = await startConsoleFixture({ regions: ['jkt', 'sgp', 'tyo', 'syd', 'bom'], clustersPerRegion: 4, services: 1000 });
  const peer = await startNginx(dir);
  browser = await launchChromium();

  const repeat = async (f: () => Promise<number>): Promise<Summary> => {
    await f(); // warm the server side once (not the browser: every load has a fresh context)
    const xs: number[] = [];
    for (let i = 0; i < loads; i++) xs.push(await f());
    return summarize(xs);
  };
  const b = browser;
  const rt = runtime;
  const fx = fixture;
  const result = {
    loads,
    shellLintasMs: await repeat(() => shellLoad(b, rt.adminUrl)),
    shellNginxMs: typeof peer === 'string' ? await repeat(() => shellLoad(b, peer)) : undefined,
    dataCapstoneMs: await repeat(async () => (await dataLoad(b, rt.adminUrl, VIEWER, 3)).total),
    dataScaleMs: await repeat(async () => (await dataLoad(b, fx.url, fx.tokens.viewer, 20)).total),
  };
  const ms = (s: Summary): string => `p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, max ${s.max.toFixed(0)} ms`;
  if (values.json === true) {
    console.log(JSON.stringify({ ...result, peer: typeof peer === 'string' ? 'nginx' : peer.skipped, node: process.version, cores: availableParallelism(), loadavg: loadavg() }, null, 2));
  } else {
    console.log(`bench:console: ${String(loads)} cold loads each in Chromium (fresh context per load); node ${process.version}, ${String(availableParallelism())} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  app shell (/ui/ → sign-in form), Lintas admin server: ${ms(result.shellLintasMs)}`);
    if (result.shellNginxMs !== undefined) console.log(`  app shell, nginx serving the same files (peer):      ${ms(result.shellNginxMs)}   ratio p50 ${(result.shellLintasMs.p50 / result.shellNginxMs.p50).toFixed(2)}×`);
    else console.log(`  app shell, nginx peer: skipped (${typeof peer === 'string' ? '' : peer.skipped})`);
    console.log(`  first data (/ui/ → signed in → 3-cluster map live), lintas serve:  ${ms(result.dataCapstoneMs)}   (target < ${String(TARGET_MS)} ms)`);
    console.log(`  first data, 20 clusters × 1,000 services (fixture):                ${ms(result.dataScaleMs)}   (target < ${String(TARGET_MS)} ms)`);
  }
  return Math.max(result.dataCapstoneMs.p50, result.dataScaleMs.p50) < TARGET_MS ? 0 : 1;
}

await runBench('bench:console', {
  watchdogMs: 10 * 60_000,
  cleanup: async () => {
    await browser?.close();
    await fixture?.close();
    await runtime?.stop();
    await store?.close();
    await sv.cleanup(false);
  },
  main,
});
