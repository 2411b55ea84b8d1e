/**
 * One GRPCRoute's rules to IR route rules. A gRPC call is an HTTP/2 POST to
 * `/<service>/<method>`, so each method match becomes the path match it
 * amounts to, and the rule is translated as an HTTPRoute rule would be (one
 * translator: filters, backends, weights, the 500 rules), with the GRPCRoute's
 * kind in names, messages and ReferenceGrants, and HTTP/2 to its backends:
 *
 * | method match | path match |
 * | --- | --- |
 * | none | PathPrefix `/` |
 * | Exact service and method | Exact `/<service>/<method>` |
 * | Exact service | PathPrefix `/<service>` (whole segments: not `/<service>X/…`) |
 * | Exact method | RegularExpression `/[^/]+/<method>` |
 * | RegularExpression | RegularExpression `/(?:<service>)/(?:<method>)`, `[^/]+` for the one not given |
 *
 * The match keeps what it was written as (`grpc`), for GRPCRoute precedence.
 * @module
 */
import type { GRPCMethodMatch, GRPCRoute, HTTPRoute } from '../../api/index.ts';
import type { GrpcMethodMatchIR, RouteMatchIR } from '../../ir/index.ts';
import type { BackendContext } from './backends.ts';
import { translateRouteRules, type RouteTranslation } from './rules.ts';

const ANY_SEGMENT = '[^/]+';

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The path match a gRPC method match amounts to (see the module table). */
export function grpcPathMatch(m: GRPCMethodMatch | undefined): RouteMatchIR['path'] {
  const service = m?.service === '' ? undefined : m?.service;
  const method = m?.method === '' ? undefined : m?.method;
  if (service === undefined && method === undefined) return { type: 'PathPrefix', value: '/' };
  if (m?.type === 'RegularExpression') return { type: 'RegularExpression', value: `/(?:${service ?? ANY_SEGMENT})/(?:${method ?? ANY_SEGMENT})` };
  if (service !== undefined && method !== undefined) return { type: 'Exact', value: `/${service}/${method}` };
  if (service !== undefined) return { type: 'PathPrefix', value: `/${service}` };
  return { type: 'RegularExpression', value: `/${ANY_SEGMENT}/${escapeRegExp(method ?? '')}` };
}

function grpcOf(m: GRPCMethodMatch | undefined): GrpcMethodMatchIR {
  return {
    type: m?.type ?? 'Exact',
    ...(m?.service !== undefined && m.service !== '' ? { service: m.service } : {}),
    ...(m?.method !== undefined && m.method !== '' ? { method: m.method } : {}),
  };
}

/** The HTTPRoute a GRPCRoute amounts to (same metadata, parents and hostnames; rules with path matches). */
function asHttpRoute(route: GRPCRoute): HTTPRoute {
  const rules = route.spec.rules.map((rule) => ({
    ...(rule.name !== undefined ? { name: rule.name } : {}),
    matches: (rule.matches ?? [{}]).map((m) => ({ path: grpcPathMatch(m.method), ...(m.headers !== undefined ? { headers: m.headers } : {}) })),
    ...(rule.filters !== undefined ? { filters: rule.filters } : {}),
    ...(rule.backendRefs !== undefined ? { backendRefs: rule.backendRefs } : {}),
  }));
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: route.metadata, spec: { ...route.spec, rules } } as HTTPRoute;
}

/** Translates every rule of a GRPCRoute, resolving backends in `ctx.cluster`. */
export function translateGrpcRouteRules(route: GRPCRoute, ctx: BackendContext): RouteTranslation {
  const translation = translateRouteRules(asHttpRoute(route), { ...ctx, routeKind: 'GRPCRoute' });
  return {
    ...translation,
    rules: translation.rules.map((r) => ({ ...r, match: { ...r.match, grpc: grpcOf(route.spec.rules[r.ruleIndex]?.matches?.[r.matchIndex]?.method) } })),
  };
}
