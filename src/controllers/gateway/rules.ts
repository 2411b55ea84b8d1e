/**
 * One HTTPRoute's rules to IR route rules (one per (rule, match)), with the spec's
 * defaults applied and the reasons a rule cannot be implemented.
 *
 * - Matches: no path → PathPrefix `/`; header/query types default to Exact; header
 *   names are lower-cased and only the first entry of a repeated name counts (same for
 *   query params, whose names stay case-sensitive).
 * - A rule that cannot be implemented as written (unsupported value or filter,
 *   incompatible filters, `backendRequest` > `request`) keeps its matches but answers
 *   500, so its traffic never silently falls through to a lower-precedence rule.
 * - Direct 500s (spec and Envoy Gateway): no backendRefs and no redirect; every
 *   backendRef weight 0; every weighted backendRef invalid. Otherwise an invalid
 *   backend keeps its place and weight and the data plane answers 500 for its share.
 * - Retry: `codes` default to none (connection failures only, as the spec's SHOULD),
 *   `attempts` to {@link DEFAULT_RETRY_ATTEMPTS}.
 * @module
 */
import type { HTTPRoute, HTTPRouteMatch } from '../../api/index.ts';
import type { BackendIR, RetryIR, RouteMatchIR, RouteRuleIR, StringMatchIR, TimeoutsIR } from '../../ir/index.ts';
import { parseGatewayDuration } from '../../lib/index.ts';
import { resolveBackend, type BackendContext } from './backends.ts';
import { translateFilters, type RefProblem, type RuleProblem } from './filters.ts';

/** Retries when a retry stanza sets no `attempts`. */
export const DEFAULT_RETRY_ATTEMPTS = 2;

const PATH_TYPES = new Set(['Exact', 'PathPrefix', 'RegularExpression']);
const STRING_MATCH_TYPES = new Set(['Exact', 'RegularExpression']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** What one route's rules became. */
export interface RouteTranslation {
  /** One entry per (rule, match), in rule then match order. */
  readonly rules: readonly RouteRuleIR[];
  /** Problems per rule index (rules that answer 500). */
  readonly problems: readonly { readonly ruleIndex: number; readonly problem: RuleProblem }[];
  readonly refProblems: readonly RefProblem[];
  readonly ruleCount: number;
}

function validRegex(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

function stringMatches(list: readonly { type?: string; name: string; value: string }[] | undefined, lower: boolean, what: string, where: string, problems: RuleProblem[]): StringMatchIR[] {
  const out: StringMatchIR[] = [];
  for (const m of list ?? []) {
    const name = lower ? m.name.toLowerCase() : m.name;
    // The spec: when a name repeats, only the first entry counts.
    if (out.some((o) => o.name === name)) continue;
    const type = m.type ?? 'Exact';
    if (!STRING_MATCH_TYPES.has(type)) problems.push({ reason: 'UnsupportedValue', message: `${where}: ${what} match type "${type}" is not supported` });
    else if (type === 'RegularExpression' && !validRegex(m.value)) problems.push({ reason: 'UnsupportedValue', message: `${where}: ${what} ${name} is not a valid regular expression` });
    out.push({ name, type: type as StringMatchIR['type'], value: m.value });
  }
  return out;
}

function normaliseMatch(m: HTTPRouteMatch, where: string, problems: RuleProblem[]): RouteMatchIR {
  const type = (m.path?.type ?? 'PathPrefix') as string;
  const value = m.path?.value ?? '/';
  if (!PATH_TYPES.has(type)) problems.push({ reason: 'UnsupportedValue', message: `${where}: path match type "${type}" is not supported` });
  else if (type === 'RegularExpression' && !validRegex(value)) problems.push({ reason: 'UnsupportedValue', message: `${where}: path ${value} is not a valid regular expression` });
  if (m.method !== undefined && !METHODS.has(m.method)) problems.push({ reason: 'UnsupportedValue', message: `${where}: method "${String(m.method)}" is not supported` });
  return {
    path: { type: type as RouteMatchIR['path']['type'], value },
    headers: stringMatches(m.headers, true, 'header', where, problems),
    queryParams: stringMatches(m.queryParams, false, 'query param', where, problems),
    ...(m.method !== undefined ? { method: m.method } : {}),
  };
}

type RuleSpec = HTTPRoute['spec']['rules'][number];

function timeouts(spec: RuleSpec['timeouts'], where: string, problems: RuleProblem[]): TimeoutsIR | undefined {
  if (spec === undefined) return undefined;
  const parse = (field: 'request' | 'backendRequest'): number | undefined => {
    const raw = spec[field];
    if (raw === undefined) return undefined;
    const ms = parseGatewayDuration(raw);
    if (ms === undefined) problems.push({ reason: 'UnsupportedValue', message: `${where}: timeouts.${field} "${raw}" is not a Gateway API duration` });
    return ms;
  };
  const requestMs = parse('request');
  const backendRequestMs = parse('backendRequest');
  if (requestMs !== undefined && requestMs > 0 && backendRequestMs !== undefined && (backendRequestMs === 0 || backendRequestMs > requestMs)) {
    problems.push({ reason: 'UnsupportedValue', message: `${where}: timeouts.backendRequest must not exceed timeouts.request` });
  }
  if (requestMs === undefined && backendRequestMs === undefined) return undefined;
  return { ...(requestMs !== undefined ? { requestMs } : {}), ...(backendRequestMs !== undefined ? { backendRequestMs } : {}) };
}

function retry(spec: RuleSpec['retry'], where: string, problems: RuleProblem[]): RetryIR | undefined {
  if (spec === undefined) return undefined;
  const codes = [...new Set(spec.codes ?? [])].sort((a, b) => a - b);
  const bad = codes.filter((c) => c < 400 || c > 599);
  if (bad.length > 0) problems.push({ reason: 'UnsupportedValue', message: `${where}: retry codes ${bad.join(', ')} are not 4xx/5xx` });
  let backoffMs: number | undefined;
  if (spec.backoff !== undefined) {
    backoffMs = parseGatewayDuration(spec.backoff);
    if (backoffMs === undefined) problems.push({ reason: 'UnsupportedValue', message: `${where}: retry.backoff "${spec.backoff}" is not a Gateway API duration` });
  }
  return { codes, attempts: spec.attempts ?? DEFAULT_RETRY_ATTEMPTS, ...(backoffMs !== undefined ? { backoffMs } : {}) };
}

/** Translates every rule of `route`, resolving backends in `ctx.cluster`. */
export function translateRouteRules(route: HTTPRoute, ctx: BackendContext): RouteTranslation {
  const namespace = route.metadata.namespace ?? 'default';
  const name = route.metadata.name;
  // A GRPCRoute's rules come here as the HTTPRoute they amount to (grpc-rules.ts): its own kind in names and messages.
  const kind = ctx.routeKind ?? 'HTTPRoute';
  const rules: RouteRuleIR[] = [];
  const allProblems: { ruleIndex: number; problem: RuleProblem }[] = [];
  const refProblems: RefProblem[] = [];

  route.spec.rules.forEach((rule, ruleIndex) => {
    const where = `rule[${ruleIndex}]`;
    const problems: RuleProblem[] = [];
    const specMatches = rule.matches.length > 0 ? rule.matches : [{}];
    const matches = specMatches.map((m, j) => normaliseMatch(m, `${where}.matches[${j}]`, problems));
    const ruleFilters = translateFilters(rule.filters, matches, ctx, where);
    problems.push(...ruleFilters.problems);
    refProblems.push(...ruleFilters.refProblems);

    const backends: BackendIR[] = (rule.backendRefs ?? []).map((ref, b) => {
      const resolved = resolveBackend(ctx, { group: ref.group ?? '', kind: ref.kind ?? 'Service', name: ref.name, namespace: ref.namespace, port: ref.port });
      const own = translateFilters(ref.filters, matches, ctx, `${where}.backendRefs[${b}]`, 'backendRef');
      problems.push(...own.problems);
      refProblems.push(...own.refProblems);
      if (!resolved.ok) refProblems.push({ reason: resolved.reason, message: `${where}.backendRefs[${b}]: ${resolved.message}` });
      const hasFilters = Object.keys(own.filters).length > 0;
      return {
        weight: ref.weight ?? 1,
        kind: resolved.kind,
        namespace: resolved.namespace,
        name: resolved.name,
        port: resolved.port,
        ...(resolved.ok ? { upstream: resolved.upstream } : { invalid: { reason: resolved.reason, message: resolved.message } }),
        ...(hasFilters ? { filters: own.filters } : {}),
      };
    });
    const ruleTimeouts = timeouts(rule.timeouts, where, problems);
    const ruleRetry = retry(rule.retry, where, problems);
    for (const problem of problems) allProblems.push({ ruleIndex, problem });

    let directResponse: RouteRuleIR['directResponse'];
    const redirecting = ruleFilters.filters.redirect !== undefined;
    const weighted = backends.filter((b) => b.weight > 0);
    if (problems.length > 0) directResponse = { status: 500, body: `${kind} ${namespace}/${name} ${where} is invalid: ${problems[0]?.message ?? ''}` };
    else if (!redirecting && backends.length === 0) directResponse = { status: 500, body: `${kind} ${namespace}/${name} ${where} has no backendRefs` };
    else if (!redirecting && weighted.length === 0) directResponse = { status: 500, body: `${kind} ${namespace}/${name} ${where}: every backendRef has weight 0` };
    else if (!redirecting && weighted.every((b) => b.invalid !== undefined)) directResponse = { status: 500, body: `${kind} ${namespace}/${name} ${where}: no backendRef with weight above 0 resolves` };

    matches.forEach((match, matchIndex) => {
      const broken = problems.length > 0;
      rules.push({
        name: `${kind.toLowerCase()}/${namespace}/${name}/rule/${ruleIndex}/match/${matchIndex}`,
        route: { namespace, name },
        ruleIndex,
        ...(rule.name !== undefined ? { ruleName: rule.name } : {}),
        matchIndex,
        match,
        // A broken rule serves nothing but its 500; a redirect never proxies.
        filters: broken ? {} : ruleFilters.filters,
        backends: broken || redirecting ? [] : backends,
        ...(!broken && ruleTimeouts !== undefined ? { timeouts: ruleTimeouts } : {}),
        ...(!broken && ruleRetry !== undefined ? { retry: ruleRetry } : {}),
        ...(directResponse !== undefined ? { directResponse } : {}),
      });
    });
  });
  return { rules, problems: allProblems, refProblems, ruleCount: route.spec.rules.length };
}
