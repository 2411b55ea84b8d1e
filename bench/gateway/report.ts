/**
 * The gateway bench's results: ratios against the targets, the text
 * table, and the `--json` document. Pure, unit-tested in report.test.ts.
 * @module
 */
import type { WrkResult } from './wrk.ts';

/**
 * The issues' targets: Lintas ≥ 0.6× nginx's requests/s and p99 ≤ 2× nginx's (issue 4), and, where
 * both sides write the same JSON access log, proxy CPU per request ≤ 2.5× nginx's (issue 15).
 */
export const TARGETS = { throughputRatioMin: 0.6, p99RatioMax: 2, cpuPerRequestRatioMax: 2.5 } as const;

/** The two proxies, in the order they are loaded. */
export const PROXIES = ['lintas', 'nginx'] as const;
/** One of {@link PROXIES}. */
export type ProxyName = (typeof PROXIES)[number];

/** One measured wrk run through one proxy. */
export interface ProxyRun {
  readonly wrk: WrkResult;
  /** Proxy CPU seconds during the run (nginx: master + worker); undefined without /proc. */
  readonly proxyCpuSeconds?: number;
  /** Origin nginx CPU seconds during the run. */
  readonly originCpuSeconds?: number;
  /** Connections the origin accepted during the run (from its stub_status): upstream keep-alive at work, or not. */
  readonly originConnections?: number;
}

/** One configuration, measured through both proxies. */
export interface CaseResult {
  readonly name: string;
  readonly routes: number;
  readonly endpoints: number;
  /** The path wrk requested. */
  readonly path: string;
  readonly runs: Readonly<Record<ProxyName, ProxyRun>>;
  /** Both proxies wrote the same JSON access log: the CPU-per-request target applies. */
  readonly sameAccessLog?: boolean;
}

/** Lintas divided by nginx. */
export interface Ratios {
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  /** Proxy CPU per request; undefined without CPU samples. */
  readonly cpuPerRequest?: number;
}

/** Whether a case meets the targets. */
export interface Verdict {
  readonly throughputMet: boolean;
  readonly p99Met: boolean;
  /** Only where the CPU target applies (and CPU was sampled). */
  readonly cpuPerRequestMet?: boolean;
}

/** Proxy CPU microseconds per completed request. */
export function cpuPerRequestUs(run: ProxyRun): number | undefined {
  return run.proxyCpuSeconds === undefined ? undefined : (run.proxyCpuSeconds / Math.max(run.wrk.requests, 1)) * 1e6;
}

/** Lintas / nginx for throughput, p50, p99 and CPU per request. */
export function ratios(c: CaseResult): Ratios {
  const l = c.runs.lintas;
  const n = c.runs.nginx;
  const lc = cpuPerRequestUs(l);
  const nc = cpuPerRequestUs(n);
  return {
    throughput: l.wrk.requestsPerSecond / n.wrk.requestsPerSecond,
    p50: l.wrk.latency.p50Ms / n.wrk.latency.p50Ms,
    p99: l.wrk.latency.p99Ms / n.wrk.latency.p99Ms,
    ...(lc !== undefined && nc !== undefined ? { cpuPerRequest: lc / nc } : {}),
  };
}

/** The targets, checked (the CPU one with `cpuTarget`, when both sides log alike). */
export function verdict(r: Ratios, cpuTarget = false): Verdict {
  return {
    throughputMet: r.throughput >= TARGETS.throughputRatioMin,
    p99Met: r.p99 <= TARGETS.p99RatioMax,
    ...(cpuTarget && r.cpuPerRequest !== undefined ? { cpuPerRequestMet: r.cpuPerRequest <= TARGETS.cpuPerRequestRatioMax } : {}),
  };
}

/** en-US number with fixed decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The results table, one row per (case, proxy), columns aligned. */
export function table(cases: readonly CaseResult[], seconds: number): string[] {
  const header = ['case', 'proxy', 'req/s', 'p50 ms', 'p99 ms', 'avg ms', 'max ms', 'requests', 'errors', 'proxy CPU', 'CPU us/req', 'origin CPU', 'origin conns'];
  const pct = (cpu: number | undefined, s: number): string => (cpu === undefined ? '-' : `${fmt((cpu / s) * 100, 0)}%`);
  const rows = cases.flatMap((c) =>
    PROXIES.map((p) => {
      const run = c.runs[p];
      const w = run.wrk;
      const s = w.durationSeconds > 0 ? w.durationSeconds : seconds;
      const perReq = cpuPerRequestUs(run);
      return [
        c.name,
        p,
        fmt(w.requestsPerSecond),
        fmt(w.latency.p50Ms, 2),
        fmt(w.latency.p99Ms, 2),
        fmt(w.latency.avgMs, 2),
        fmt(w.latency.maxMs, 2),
        fmt(w.requests),
        w.errors === 0 ? '0' : `${fmt(w.errors)} (${fmt(w.errorRate * 100, 2)}%)`,
        pct(run.proxyCpuSeconds, s),
        perReq === undefined ? '-' : fmt(perReq, 1),
        pct(run.originCpuSeconds, s),
        run.originConnections === undefined ? '-' : fmt(run.originConnections),
      ];
    }),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** One line per case: the ratios and whether the targets are met. */
export function ratioLines(cases: readonly CaseResult[]): string[] {
  return cases.map((c) => {
    const r = ratios(c);
    const v = verdict(r, c.sameAccessLog === true);
    const cpu = r.cpuPerRequest === undefined ? '' : `, proxy CPU per request ${r.cpuPerRequest.toFixed(2)}x`;
    return (
      `${c.name}: lintas/nginx throughput ${r.throughput.toFixed(2)}x (target >= ${TARGETS.throughputRatioMin.toFixed(2)}x: ${v.throughputMet ? 'met' : 'NOT met'}), ` +
      `p50 ${r.p50.toFixed(2)}x, p99 ${r.p99.toFixed(2)}x (target <= ${TARGETS.p99RatioMax.toFixed(2)}x: ${v.p99Met ? 'met' : 'NOT met'})` +
      cpu +
      (v.cpuPerRequestMet === undefined ? '' : ` (target <= ${TARGETS.cpuPerRequestRatioMax.toFixed(2)}x: ${v.cpuPerRequestMet ? 'met' : 'NOT met'})`)
    );
  });
}

/** The `--json` document: inputs, environment, every run, ratios, verdicts, notes and failures. */
export function jsonReport(input: {
  readonly environment: Record<string, unknown>;
  readonly params: Record<string, unknown>;
  readonly cases: readonly CaseResult[];
  readonly notes: readonly string[];
  readonly failures: readonly string[];
}): Record<string, unknown> {
  const cases = input.cases.map((c) => {
    const r = ratios(c);
    return {
      name: c.name,
      routes: c.routes,
      endpoints: c.endpoints,
      path: c.path,
      runs: Object.fromEntries(
        PROXIES.map((p) => {
          const run = c.runs[p];
          return [p, { ...run, cpuPerRequestUs: cpuPerRequestUs(run) }];
        }),
      ),
      ratios: r,
      targets: { ...TARGETS, ...verdict(r, c.sameAccessLog === true) },
    };
  });
  const met = cases.every((c) => c.targets.throughputMet && c.targets.p99Met && c.targets.cpuPerRequestMet !== false);
  return { bench: 'gateway', ...input, cases, targetsMet: met, ok: input.failures.length === 0 };
}
