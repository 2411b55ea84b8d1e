/**
 * `route explain`: what the gateway would do with one request, using the same
 * vhost choice and match code as the data plane, so the explanation cannot drift
 * from behaviour. It names the listener and virtual host, the winning rule and why
 * each other rule lost (did not match, and on which condition; or matched but comes
 * later in Gateway API precedence, and on which tier), the backends with their share
 * of traffic, and each upstream's candidate endpoints by locality priority with health.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayIR, HttpListenerIR, RouteRuleIR, VirtualHostIR } from '../../ir/index.ts';
import { compileMatch, matches, type MatchInput } from './match.ts';
import { explainPolicy, type PolicyExplain } from './policy.ts';
import type { UpstreamExplain, UpstreamSet } from './upstream/index.ts';
import { compileHosts, hostOf, pickHost } from './vhost.ts';

/** The request to explain. */
export interface ExplainRequest {
  /** Entry cluster: only its listeners are considered. */
  readonly cluster: string;
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Restrict to one listener `address:port`. */
  readonly listener?: string;
}

/** Why one rule did not win. */
export interface RuleVerdict {
  readonly rule: string;
  readonly route: string;
  readonly ruleIndex: number;
  readonly outcome: 'winner' | 'no-match' | 'lower-precedence';
  readonly reason: string;
}

/** One backend of the winning rule. */
export interface BackendShare {
  readonly backend: string;
  readonly weight: number;
  /** Percent of the rule's traffic. */
  readonly share: number;
  readonly invalid?: string;
  /** The TrafficPolicy that applies when this backend is chosen, and what it decides. */
  readonly policy?: PolicyExplain;
  readonly upstream?: UpstreamExplain;
}

/** The whole explanation for one listener. */
export interface RouteExplanation {
  readonly listener: string;
  readonly gateway?: string;
  readonly listenerName?: string;
  readonly virtualHost?: string;
  /** 404 when no vhost or rule matched; a direct response status; or undefined when proxied. */
  readonly status?: number;
  readonly winner?: string;
  readonly rules: readonly RuleVerdict[];
  readonly backends: readonly BackendShare[];
}

function describeMatch(rule: RouteRuleIR): string {
  const m = rule.match;
  const parts = [`${m.path.type} ${m.path.value}`];
  if (m.method !== undefined) parts.push(`method ${m.method}`);
  if (m.headers.length > 0) parts.push(`${m.headers.length} header(s)`);
  if (m.queryParams.length > 0) parts.push(`${m.queryParams.length} query param(s)`);
  return parts.join(', ');
}

/** The first condition of `rule` that the request fails. */
function whyNoMatch(rule: RouteRuleIR, input: MatchInput): string {
  const m = rule.match;
  const only = (patch: Partial<RouteRuleIR['match']>): boolean => matches(compileMatch({ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...patch }), { ...input, query: undefined });
  if (!only({ path: m.path })) return `path ${input.path} does not match ${m.path.type} ${m.path.value}`;
  if (m.method !== undefined && !only({ method: m.method })) return `method ${input.method} is not ${m.method}`;
  for (const h of m.headers) if (!only({ headers: [h] })) return `header ${h.name} does not match ${h.type} "${h.value}"`;
  for (const q of m.queryParams) if (!only({ queryParams: [q] })) return `query param ${q.name} does not match ${q.type} "${q.value}"`;
  return 'does not match';
}

/** The Gateway API precedence tier on which `winner` beats `other` (both matched). */
function precedenceTier(winner: RouteRuleIR, other: RouteRuleIR): string {
  const w = winner.match;
  const o = other.match;
  if (w.path.type === 'Exact' && o.path.type !== 'Exact') return 'an Exact path beats other path types';
  if (w.path.type === 'PathPrefix' && o.path.type === 'PathPrefix' && w.path.value.length !== o.path.value.length) return `the longer prefix wins (${w.path.value.length} > ${o.path.value.length} characters)`;
  if (w.path.type !== o.path.type) return `${w.path.type} ranks before ${o.path.type}`;
  if ((w.method !== undefined) !== (o.method !== undefined)) return 'a method match wins';
  if (w.headers.length !== o.headers.length) return `more header matches win (${w.headers.length} > ${o.headers.length})`;
  if (w.queryParams.length !== o.queryParams.length) return `more query param matches win (${w.queryParams.length} > ${o.queryParams.length})`;
  if (winner.route.namespace !== other.route.namespace || winner.route.name !== other.route.name) return 'tie on matches: the older route (creationTimestamp), then namespace/name order, wins';
  return 'tie inside one route: the earlier rule wins';
}

function explainListener(ir: GatewayIR, listener: HttpListenerIR, req: ExplainRequest, upstreams: UpstreamSet | undefined): RouteExplanation {
  const table = compileHosts(listener.virtualHosts.map((vh) => ({ hostname: vh.hostname, value: vh })));
  const vhost: VirtualHostIR | undefined = pickHost(table, hostOf(req.host));
  if (vhost === undefined) return { listener: listener.key, status: 404, rules: [], backends: [] };
  const headers: IncomingHttpHeaders = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const queryAt = req.path.indexOf('?');
  const input: MatchInput = {
    path: queryAt < 0 ? req.path : req.path.slice(0, queryAt),
    queryString: queryAt < 0 ? '' : req.path.slice(queryAt + 1),
    method: (req.method ?? 'GET').toUpperCase(),
    headers: () => headers,
    query: undefined,
  };
  let winner: RouteRuleIR | undefined;
  const rules: RuleVerdict[] = vhost.routes.map((rule) => {
    const base = { rule: rule.name, route: `${rule.route.namespace}/${rule.route.name}`, ruleIndex: rule.ruleIndex };
    const matched = matches(compileMatch(rule.match), { ...input, query: undefined });
    if (!matched) return { ...base, outcome: 'no-match' as const, reason: whyNoMatch(rule, input) };
    if (winner === undefined) {
      winner = rule;
      return { ...base, outcome: 'winner' as const, reason: `first rule in precedence order that matches (${describeMatch(rule)})` };
    }
    return { ...base, outcome: 'lower-precedence' as const, reason: `also matches, but ${precedenceTier(winner, rule)}` };
  });
  const common = { listener: listener.key, gateway: vhost.gateway, listenerName: vhost.listener, virtualHost: vhost.hostname, rules };
  if (winner === undefined) return { ...common, status: 404, backends: [] };
  const chosen: RouteRuleIR = winner;
  const total = chosen.backends.reduce((sum, b) => sum + b.weight, 0);
  const ctx = { entryCluster: listener.cluster || req.cluster, ...(listener.region !== undefined ? { entryRegion: listener.region } : {}), ...(listener.zone !== undefined ? { entryZone: listener.zone } : {}) };
  const policies = new Map((ir.policies ?? []).map((p) => [p.key, p]));
  const upstreamPolicy = new Map(ir.upstreams.filter((u) => u.policy !== undefined).map((u) => [u.key, u.policy as string]));
  const keySource = { path: input.path, queryString: input.queryString, headers: () => headers, idempotencyKey: headers['idempotency-key'] !== undefined };
  const backends: BackendShare[] = chosen.backends.map((b) => {
    const policyIR = policies.get(chosen.policy ?? (b.upstream !== undefined ? (upstreamPolicy.get(b.upstream) ?? '') : ''));
    const policy = policyIR === undefined ? undefined : explainPolicy(policyIR, input.method, keySource);
    const upstream = b.upstream !== undefined ? upstreams?.explain(b.upstream, { ...ctx, ...(policy?.pick ?? {}) }) : undefined;
    return {
      backend: `${b.kind}/${b.namespace}/${b.name}:${b.port}`,
      weight: b.weight,
      share: total > 0 ? Math.round((b.weight / total) * 1000) / 10 : 0,
      ...(b.invalid !== undefined ? { invalid: `${b.invalid.reason}: ${b.invalid.message}` } : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(upstream !== undefined ? { upstream } : {}),
    };
  });
  return { ...common, winner: chosen.name, ...(chosen.directResponse !== undefined ? { status: chosen.directResponse.status } : chosen.filters.redirect !== undefined ? { status: chosen.filters.redirect.statusCode } : {}), backends };
}

/** Explains the request on every listener of the entry cluster (or the one asked for). */
export function explainRoute(ir: GatewayIR, req: ExplainRequest, upstreams?: UpstreamSet): RouteExplanation[] {
  return ir.listeners
    .filter((l) => (req.listener !== undefined ? l.key === req.listener : l.cluster === req.cluster))
    .map((l) => explainListener(ir, l, req, upstreams));
}
