import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPerRequestUs, jsonReport, ratioLines, ratios, table, TARGETS, verdict, type CaseResult, type ProxyRun } from './report.ts';
import type { WrkResult } from './wrk.ts';

function run(rps: number, p50: number, p99: number, cpu?: number, errors = 0): ProxyRun {
  const requests = rps * 8;
  const wrk: WrkResult = {
    requests,
    durationSeconds: 8,
    requestsPerSecond: rps,
    latency: { avgMs: p50, stdevMs: 0.1, maxMs: p99 * 2, p50Ms: p50, p75Ms: p50, p90Ms: p99, p99Ms: p99 },
    socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx3xx: errors,
    errors,
    errorRate: errors / requests,
  };
  return { wrk, ...(cpu !== undefined ? { proxyCpuSeconds: cpu, originCpuSeconds: cpu / 4, originConnections: 64 } : {}) };
}

const FAST: CaseResult = { name: '1 route, 1 endpoint', routes: 1, endpoints: 1, path: '/', runs: { lintas: run(12_000, 4, 8, 8), nginx: run(20_000, 3, 5, 6) } };
const SLOW: CaseResult = { name: '50 routes, 100 endpoints', routes: 50, endpoints: 100, path: '/svc-49/bench', runs: { lintas: run(10_000, 6, 12, undefined, 800), nginx: run(20_000, 3, 5) } };

test('ratios are lintas over nginx, and the verdict applies the issue targets', () => {
  const r = ratios(FAST);
  assert.equal(r.throughput, 0.6);
  assert.equal(r.p99, 8 / 5);
  assert.equal(r.p50, 4 / 3);
  assert.ok(Math.abs((r.cpuPerRequest ?? 0) - (8 / 96_000) / (6 / 160_000)) < 1e-9);
  assert.deepEqual(verdict(r), { throughputMet: true, p99Met: true });
  const s = ratios(SLOW);
  assert.equal(s.cpuPerRequest, undefined);
  assert.deepEqual(verdict(s), { throughputMet: false, p99Met: false });
  assert.deepEqual(verdict({ throughput: 1, p50: 1, p99: TARGETS.p99RatioMax }), { throughputMet: true, p99Met: true });
  assert.equal(cpuPerRequestUs(FAST.runs.nginx), (6 / 160_000) * 1e6);
});

test('the table has a row per case and proxy, aligned, with errors and CPU', () => {
  const lines = table([FAST, SLOW], 8);
  assert.equal(lines.length, 5);
  assert.match(lines[0] ?? '', /^case\s+proxy\s+req\/s\s+p50 ms\s+p99 ms/);
  assert.match(lines[1] ?? '', /^1 route, 1 endpoint\s+lintas\s+12,000\s+4\.00\s+8\.00\s.*\s100%\s+83\.3\s+25%\s+64$/);
  assert.match(lines[3] ?? '', /lintas .* 800 \(1\.00%\)\s+-\s+-\s+-\s+-$/);
  assert.equal(new Set(lines.map((l) => l.search(/proxy|lintas|nginx/))).size, 1, 'proxy column aligned');
});

test('ratio lines say which targets are met', () => {
  const [fast, slow] = ratioLines([FAST, SLOW]);
  assert.match(fast ?? '', /throughput 0\.60x \(target >= 0\.60x: met\), p50 1\.33x, p99 1\.60x \(target <= 2\.00x: met\), proxy CPU per request 2\.22x$/);
  assert.match(slow ?? '', /throughput 0\.50x \(target >= 0\.60x: NOT met\).*p99 2\.40x \(target <= 2\.00x: NOT met\)$/);
});

test('the JSON report carries runs, ratios, verdicts and the overall outcome', () => {
  const doc = jsonReport({ environment: { cpus: 2 }, params: { seconds: 8 }, cases: [FAST], notes: ['n'], failures: [] });
  assert.equal(doc.ok, true);
  assert.equal(doc.targetsMet, true);
  const cases = doc.cases as { ratios: { throughput: number }; targets: { throughputMet: boolean }; runs: { lintas: { cpuPerRequestUs: number } } }[];
  assert.equal(cases[0]?.ratios.throughput, 0.6);
  assert.equal(cases[0]?.targets.throughputMet, true);
  assert.equal(cases[0]?.runs.lintas.cpuPerRequestUs, (8 / 96_000) * 1e6);
  const failed = jsonReport({ environment: {}, params: {}, cases: [FAST, SLOW], notes: [], failures: ['boom'] });
  assert.equal(failed.ok, false);
  assert.equal(failed.targetsMet, false);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(failed)));
});

test('where both proxies log alike the CPU-per-request target applies (issue 15: at most 2.5x)', () => {
  // FAST: lintas 8 s of CPU for 96,000 requests, nginx 6 s for 160,000: 2.22x.
  const logged: CaseResult = { ...FAST, name: 'same log', sameAccessLog: true };
  assert.equal(verdict(ratios(logged), true).cpuPerRequestMet, true);
  assert.equal(verdict(ratios(FAST)).cpuPerRequestMet, undefined, 'not without the same access log');
  const heavy: CaseResult = { ...logged, runs: { ...logged.runs, lintas: run(12_000, 4, 8, 9) } };
  assert.match(ratioLines([heavy])[0] ?? '', /proxy CPU per request 2\.50x \(target <= 2\.50x: met\)/);
  const heavier: CaseResult = { ...logged, runs: { ...logged.runs, lintas: run(12_000, 4, 8, 10) } };
  assert.match(ratioLines([heavier])[0] ?? '', /proxy CPU per request 2\.78x \(target <= 2\.50x: NOT met\)/);
  assert.equal(jsonReport({ environment: {}, params: {}, cases: [heavier], notes: [], failures: [] }).targetsMet, false);
});
