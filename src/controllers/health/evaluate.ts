/**
 * The health contract's verdicts (seed 000 §12.1): from the endpoints of a service in one
 * cluster, what the probes of this round answered, the last synthetic run and the cluster's
 * capacity and load, the four layers with the evidence behind each. Pure: the runner does
 * the I/O and passes `now` in.
 *
 * - **ready**: at least one ready endpoint.
 * - **regional**: endpoints that take traffic / all endpoints ≥ `minReadyFraction`, and every
 *   dependency passes: more than half of the ready endpoints answer 2xx on its path. An
 *   endpoint takes traffic when its slice says Ready and the gateways do not keep it out
 *   (active health checks failing, outlier ejection: see `gateway-view.ts`), so Ready-but-dead
 *   endpoints do not keep a region ready (seed 000 §19.1). A ready endpoint without a
 *   dependency answer counts against it, and a cluster with no ready endpoint cannot pass a
 *   dependency (there is nobody to vouch for it).
 * - **failover** (null without `spec.failover`): the largest replication lag the ready
 *   endpoints report is ≤ `maxSeconds` (an endpoint that does not answer a number fails the
 *   check: an unknown lag is not a small one), and the headroom `1 - load/capacity` is ≥
 *   `minHeadroomFraction` (unknown capacity fails; unknown load counts as none).
 * - **business** (null without `spec.synthetic`): every step of the last synthetic run
 *   answered its `expectStatus`; no run yet fails.
 * @module
 */
import type { HealthContractSpec } from '../../api/index.ts';
import { compareStrings } from '../../lib/index.ts';
import { servesTraffic } from './gateway-view.ts';
import { compareTargets } from './targets.ts';
import type {
  CheckEvidence,
  ClusterHealth,
  ClusterTarget,
  HealthContext,
  HealthReport,
  HealthTarget,
  LayerVerdict,
  ProbeResult,
  ServiceHealth,
  SyntheticRun,
  TargetEndpoint,
} from './types.ts';

/** A probe answer of this round for an endpoint and path. */
type Lookup = (e: TargetEndpoint, path: string) => ProbeResult | undefined;

/** Slack for comparing fractions computed in floating point against thresholds written in YAML. */
const EPSILON = 1e-9;

/** Everything one cluster's verdict needs. */
export interface ClusterEvaluationInput {
  readonly spec: HealthContractSpec;
  readonly target: ClusterTarget;
  /** GETs of this round, matched to endpoints by address, port and path. */
  readonly probes: readonly ProbeResult[];
  readonly synthetic?: SyntheticRun;
  readonly context?: HealthContext;
  /** RFC 3339. */
  readonly now: string;
}

/** Everything one report needs. */
export interface HealthEvaluationInput {
  readonly targets: readonly HealthTarget[];
  readonly probes: readonly ProbeResult[];
  /** Last synthetic runs by {@link syntheticKey}. */
  readonly synthetic?: Readonly<Record<string, SyntheticRun>>;
  /** Capacity and load by cluster. */
  readonly context?: Readonly<Record<string, HealthContext>>;
  /** RFC 3339. */
  readonly now: string;
}

/** The key of a contract's synthetic run in one cluster. */
export function syntheticKey(contract: string, cluster: string): string {
  return `${contract}@${cluster}`;
}

/** The key a probe result is looked up by. */
export function probeKey(address: string, port: number, path: string): string {
  return `${address}|${port}|${path}`;
}

/** A complete 2xx answer (a body cut off mid-way does not count). */
function passed(r: ProbeResult | undefined): boolean {
  return r !== undefined && r.error === undefined && r.status !== undefined && r.status >= 200 && r.status < 300;
}

/** A number for evidence: at most 4 decimals, so reports diff cleanly. */
function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** A fraction in words: at most 2 decimals. */
function words(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function verdict(checks: CheckEvidence[]): LayerVerdict {
  return { ok: checks.every((c) => c.ok), checks };
}

const NOT_CONFIGURED: LayerVerdict = Object.freeze({ ok: null, checks: Object.freeze([]) as readonly CheckEvidence[] });

function endpointName(e: TargetEndpoint): string {
  return `${e.address}:${e.port}`;
}

/** Why a probe did not pass, in a few words. */
function failure(e: TargetEndpoint, r: ProbeResult | undefined): string {
  if (r === undefined) return `${endpointName(e)} not probed`;
  if (r.error !== undefined) return `${endpointName(e)} unreachable (${r.error})`;
  return `${endpointName(e)} answered ${String(r.status)}`;
}

function readyLayer(ready: number, total: number): LayerVerdict {
  return verdict([{ name: 'endpoints', ok: ready >= 1, value: `${ready}/${total}`, threshold: 1, detail: `${ready}/${total} ready` }]);
}

/** The gateways' part of the ready fraction in words, e.g. ` (2 Ready in EndpointSlices; 1 ejected, 1 failing health checks at the gateways)`. */
function gatewayNote(readyEndpoints: readonly TargetEndpoint[]): string {
  const ejected = readyEndpoints.filter((e) => e.gateway === 'ejected').length;
  const unhealthy = readyEndpoints.filter((e) => e.gateway === 'unhealthy').length;
  if (ejected + unhealthy === 0) return '';
  const parts = [...(ejected > 0 ? [`${ejected} ejected`] : []), ...(unhealthy > 0 ? [`${unhealthy} failing health checks`] : [])];
  return ` (${readyEndpoints.length} Ready in EndpointSlices; ${parts.join(', ')} at the gateways)`;
}

function regionalLayer(spec: HealthContractSpec, readyEndpoints: readonly TargetEndpoint[], total: number, lookup: Lookup): LayerVerdict {
  const min = spec.regional.minReadyFraction;
  const ready = readyEndpoints.length;
  const serving = readyEndpoints.filter(servesTraffic).length;
  const fraction = total === 0 ? 0 : serving / total;
  const fractionOk = total > 0 && fraction >= min - EPSILON;
  const checks: CheckEvidence[] = [
    {
      name: 'ready fraction',
      ok: fractionOk,
      value: round(fraction),
      threshold: min,
      detail: total === 0 ? 'no endpoints' : `${serving}/${total} = ${words(fraction)} ${fractionOk ? '≥' : '<'} ${min}${gatewayNote(readyEndpoints)}`,
    },
  ];
  for (const dep of spec.regional.dependencies) {
    const answered = readyEndpoints.filter((e) => passed(lookup(e, dep.http.path))).length;
    checks.push({
      name: `dependency ${dep.name}`,
      ok: answered * 2 > ready,
      value: `${answered}/${ready}`,
      threshold: 'more than half of the ready endpoints',
      detail: ready === 0 ? 'no ready endpoint to probe' : `${answered}/${ready} endpoints`,
    });
  }
  return verdict(checks);
}

/** The replication lag one endpoint reported, or why it did not. */
function lagOf(e: TargetEndpoint, r: ProbeResult | undefined): number | string {
  if (r === undefined || !passed(r)) return failure(e, r);
  const text = (r.body ?? '').trim();
  const seconds = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) return `${endpointName(e)} answered ${JSON.stringify(text.slice(0, 40))}, not a number of seconds`;
  return seconds;
}

function lagCheck(path: string, maxSeconds: number, readyEndpoints: readonly TargetEndpoint[], lookup: Lookup): CheckEvidence {
  const name = 'replication lag';
  if (readyEndpoints.length === 0) return { name, ok: false, threshold: maxSeconds, detail: 'no ready endpoint to ask' };
  let max = 0;
  for (const e of readyEndpoints) {
    const lag = lagOf(e, lookup(e, path));
    if (typeof lag === 'string') return { name, ok: false, threshold: maxSeconds, detail: lag };
    max = Math.max(max, lag);
  }
  const ok = max <= maxSeconds;
  return { name, ok, value: max, threshold: maxSeconds, detail: `${max}s ${ok ? '≤' : '>'} ${maxSeconds}s` };
}

function headroomCheck(min: number, context: HealthContext | undefined): CheckEvidence {
  const name = 'headroom';
  const capacity = context?.capacity;
  if (capacity === undefined) return { name, ok: false, threshold: min, detail: 'capacity unknown' };
  if (capacity <= 0) return { name, ok: false, value: 0, threshold: min, detail: 'capacity 0' };
  const load = context?.observedRps;
  // (capacity - load) / capacity rather than 1 - load/capacity: exact at the usual boundaries (70 of 100 → 0.3).
  const headroom = (capacity - (load ?? 0)) / capacity;
  const ok = headroom >= min - EPSILON;
  const of = load === undefined ? `load unknown, taken as 0 of ${capacity} rps` : `${load} of ${capacity} rps`;
  return { name, ok, value: round(headroom), threshold: min, detail: `${words(headroom)} ${ok ? '≥' : '<'} ${min} (${of})` };
}

function failoverLayer(spec: HealthContractSpec, readyEndpoints: readonly TargetEndpoint[], context: HealthContext | undefined, lookup: Lookup): LayerVerdict {
  const failover = spec.failover;
  if (failover === undefined) return NOT_CONFIGURED;
  const checks: CheckEvidence[] = [];
  if (failover.replicationLag !== undefined) checks.push(lagCheck(failover.replicationLag.http.path, failover.replicationLag.maxSeconds, readyEndpoints, lookup));
  if (failover.minHeadroomFraction !== undefined) checks.push(headroomCheck(failover.minHeadroomFraction, context));
  return verdict(checks);
}

function businessLayer(spec: HealthContractSpec, run: SyntheticRun | undefined): LayerVerdict {
  const synthetic = spec.synthetic;
  if (synthetic === undefined) return NOT_CONFIGURED;
  if (run === undefined) return verdict([{ name: 'synthetic', ok: false, detail: 'not run yet' }]);
  if (run.steps.length === 0) return verdict([{ name: 'synthetic', ok: false, detail: run.error ?? 'no step ran' }]);
  const checks = synthetic.steps.map((step, i): CheckEvidence => {
    const name = `step ${i + 1} ${step.method} ${step.path}`;
    const result = run.steps[i];
    if (result === undefined) return { name, ok: false, threshold: step.expectStatus, detail: run.error ?? 'not run: an earlier step failed' };
    if (result.status === undefined) return { name, ok: false, threshold: step.expectStatus, detail: `unreachable (${result.error ?? 'no response'})` };
    const ok = result.status === step.expectStatus && result.error === undefined;
    const detail = ok ? `answered ${result.status}` : result.status !== step.expectStatus ? `answered ${result.status}, want ${step.expectStatus}` : `answered ${result.status} but ${String(result.error)}`;
    return { name, ok, value: result.status, threshold: step.expectStatus, detail };
  });
  return verdict(checks);
}

function indexProbes(probes: readonly ProbeResult[]): Lookup {
  const index = new Map(probes.map((p) => [probeKey(p.address, p.port, p.path), p]));
  return (e, path) => index.get(probeKey(e.address, e.port, path));
}

function evaluateWith(input: Omit<ClusterEvaluationInput, 'probes'>, lookup: Lookup): ClusterHealth {
  const endpoints = input.target.endpoints;
  const readyEndpoints = endpoints.filter((e) => e.ready);
  return {
    cluster: input.target.cluster,
    ready: readyLayer(readyEndpoints.length, endpoints.length),
    regional: regionalLayer(input.spec, readyEndpoints, endpoints.length, lookup),
    failover: failoverLayer(input.spec, readyEndpoints, input.context, lookup),
    business: businessLayer(input.spec, input.synthetic),
    evaluatedAt: input.now,
  };
}

/** The four layers of one service in one cluster. */
export function evaluateCluster(input: ClusterEvaluationInput): ClusterHealth {
  return evaluateWith(input, indexProbes(input.probes));
}

/** One report over every target: services sorted by namespace, target, contract; clusters by name. */
export function evaluateHealth(input: HealthEvaluationInput): HealthReport {
  const lookup = indexProbes(input.probes);
  const services: ServiceHealth[] = [...input.targets].sort(compareTargets).map((t) => ({
    contract: t.contract,
    ...(t.defaultFor === undefined ? {} : { defaultFor: t.defaultFor }),
    service: t.service,
    kind: t.kind,
    clusters: [...t.clusters]
      .sort((a, b) => compareStrings(a.cluster, b.cluster))
      .map((c) => {
        const synthetic = input.synthetic?.[syntheticKey(t.contract, c.cluster)];
        const context = input.context?.[c.cluster];
        return evaluateWith(
          { spec: t.spec, target: c, ...(synthetic !== undefined ? { synthetic } : {}), ...(context !== undefined ? { context } : {}), now: input.now },
          lookup,
        );
      }),
  }));
  return { generatedAt: input.now, services };
}
