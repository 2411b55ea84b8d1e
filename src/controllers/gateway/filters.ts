/**
 * HTTPRoute filters (rule-level and backendRef-level) to the IR.
 *
 * Supported: RequestHeaderModifier, ResponseHeaderModifier (names lower-cased),
 * RequestRedirect, URLRewrite, RequestMirror (percent or fraction, as a percent; the
 * mirror target resolves like a backendRef) and CORS on rules (origins normalised: the
 * scheme's default port spelled out, so `https://a.example` and `https://a.example:443`
 * are one origin). Not supported, so the rule is not implementable (`UnsupportedValue`):
 * ExtensionRef (the spec forbids skipping it), ExternalAuth, CORS on a backendRef (a
 * preflight is answered before any backend is chosen) and unknown types or enum values.
 * RequestRedirect with URLRewrite is `IncompatibleFilters`; ReplacePrefixMatch needs
 * PathPrefix matches only; a filter type other than RequestMirror may appear once.
 * @module
 */
import type { HTTPRouteFilter } from '../../api/index.ts';
import type { CorsIR, FiltersIR, HeaderModifierIR, MirrorIR, RedirectIR, RouteMatchIR, UrlRewriteIR } from '../../ir/index.ts';
import { normaliseOrigin } from '../../lib/index.ts';
import { resolveBackend, type BackendContext } from './backends.ts';
import type { BackendRefReason, RuleProblemReason } from './conditions.ts';

/** Why a rule cannot be implemented. */
export interface RuleProblem {
  readonly reason: RuleProblemReason;
  readonly message: string;
}

/** A reference (backend or mirror target) that does not resolve. */
export interface RefProblem {
  readonly reason: BackendRefReason;
  readonly message: string;
}

/** The IR filters plus what went wrong. */
export interface FilterOutcome {
  readonly filters: FiltersIR;
  readonly problems: readonly RuleProblem[];
  readonly refProblems: readonly RefProblem[];
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const PATH_MODIFIERS = new Set(['ReplaceFullPath', 'ReplacePrefixMatch']);

type HeaderModifierSpec = NonNullable<HTTPRouteFilter['requestHeaderModifier']>;
type PathModifierSpec = NonNullable<NonNullable<HTTPRouteFilter['urlRewrite']>['path']>;

function headerModifier(spec: HeaderModifierSpec): HeaderModifierIR {
  return {
    set: (spec.set ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value })),
    add: (spec.add ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value })),
    remove: (spec.remove ?? []).map((h) => h.toLowerCase()),
  };
}

function pathModifier(spec: PathModifierSpec, matches: readonly RouteMatchIR[], where: string, problems: RuleProblem[]): RedirectIR['path'] | undefined {
  if (!PATH_MODIFIERS.has(spec.type)) {
    problems.push({ reason: 'UnsupportedValue', message: `${where}: path modifier type "${spec.type}" is not supported` });
    return undefined;
  }
  const value = spec.type === 'ReplaceFullPath' ? spec.replaceFullPath : spec.replacePrefixMatch;
  if (value === undefined) {
    problems.push({ reason: 'UnsupportedValue', message: `${where}: ${spec.type} needs a value` });
    return undefined;
  }
  if (spec.type === 'ReplacePrefixMatch' && !matches.every((m) => m.path.type === 'PathPrefix')) {
    problems.push({ reason: 'UnsupportedValue', message: `${where}: ReplacePrefixMatch is only valid with PathPrefix matches` });
    return undefined;
  }
  return { type: spec.type, value };
}

function redirect(spec: NonNullable<HTTPRouteFilter['requestRedirect']>, matches: readonly RouteMatchIR[], where: string, problems: RuleProblem[]): RedirectIR | undefined {
  const statusCode = spec.statusCode ?? 302;
  if (!REDIRECT_CODES.has(statusCode)) {
    problems.push({ reason: 'UnsupportedValue', message: `${where}: redirect statusCode ${statusCode} is not supported` });
    return undefined;
  }
  if (spec.scheme !== undefined && spec.scheme !== 'http' && spec.scheme !== 'https') {
    problems.push({ reason: 'UnsupportedValue', message: `${where}: redirect scheme "${String(spec.scheme)}" is not supported` });
    return undefined;
  }
  const path = spec.path === undefined ? undefined : pathModifier(spec.path, matches, `${where} RequestRedirect`, problems);
  if (spec.path !== undefined && path === undefined) return undefined;
  return {
    ...(spec.scheme !== undefined ? { scheme: spec.scheme } : {}),
    ...(spec.hostname !== undefined ? { hostname: spec.hostname } : {}),
    ...(spec.port !== undefined ? { port: spec.port } : {}),
    ...(path !== undefined ? { path } : {}),
    statusCode,
  };
}

function urlRewrite(spec: NonNullable<HTTPRouteFilter['urlRewrite']>, matches: readonly RouteMatchIR[], where: string, problems: RuleProblem[]): UrlRewriteIR | undefined {
  const path = spec.path === undefined ? undefined : pathModifier(spec.path, matches, `${where} URLRewrite`, problems);
  if (spec.path !== undefined && path === undefined) return undefined;
  return { ...(spec.hostname !== undefined ? { hostname: spec.hostname } : {}), ...(path !== undefined ? { path } : {}) };
}

function cors(spec: NonNullable<HTTPRouteFilter['cors']>): CorsIR {
  return {
    allowOrigins: [...new Set((spec.allowOrigins ?? []).map((o) => (o === '*' ? o : (normaliseOrigin(o) ?? o))))],
    allowMethods: [...new Set(spec.allowMethods ?? [])],
    allowHeaders: [...new Set(spec.allowHeaders ?? [])],
    exposeHeaders: [...new Set(spec.exposeHeaders ?? [])],
    allowCredentials: spec.allowCredentials === true,
    maxAgeSeconds: spec.maxAge,
  };
}

/** Mirror share in percent: `percent`, else `fraction` as a percent, else 100. */
export function mirrorPercent(spec: NonNullable<HTTPRouteFilter['requestMirror']>): number {
  if (spec.percent !== undefined) return spec.percent;
  if (spec.fraction !== undefined) return spec.fraction.denominator > 0 ? (spec.fraction.numerator / spec.fraction.denominator) * 100 : 0;
  return 100;
}

/** Translates one filter list. `matches` are the rule's (ReplacePrefixMatch needs PathPrefix); `where` prefixes messages. */
export function translateFilters(list: readonly HTTPRouteFilter[] | undefined, matches: readonly RouteMatchIR[], ctx: BackendContext, where: string, level: 'rule' | 'backendRef' = 'rule'): FilterOutcome {
  const problems: RuleProblem[] = [];
  const refProblems: RefProblem[] = [];
  const out: { requestHeaders?: HeaderModifierIR; responseHeaders?: HeaderModifierIR; redirect?: RedirectIR; urlRewrite?: UrlRewriteIR; mirrors?: MirrorIR[]; cors?: CorsIR } = {};
  const types = (list ?? []).map((f) => f.type as string);
  if (types.includes('RequestRedirect') && types.includes('URLRewrite')) {
    problems.push({ reason: 'IncompatibleFilters', message: `${where}: RequestRedirect and URLRewrite filters cannot be combined` });
  }
  for (const once of ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'CORS']) {
    if (types.filter((t) => t === once).length > 1) problems.push({ reason: 'UnsupportedValue', message: `${where}: filter ${once} may appear only once` });
  }
  for (const filter of list ?? []) {
    const type = filter.type as string;
    switch (type) {
      case 'RequestHeaderModifier':
        if (filter.requestHeaderModifier) out.requestHeaders = headerModifier(filter.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        if (filter.responseHeaderModifier) out.responseHeaders = headerModifier(filter.responseHeaderModifier);
        break;
      case 'RequestRedirect': {
        const r = filter.requestRedirect ? redirect(filter.requestRedirect, matches, where, problems) : undefined;
        if (r !== undefined) out.redirect = r;
        break;
      }
      case 'URLRewrite': {
        const r = filter.urlRewrite ? urlRewrite(filter.urlRewrite, matches, where, problems) : undefined;
        if (r !== undefined) out.urlRewrite = r;
        break;
      }
      case 'RequestMirror': {
        const spec = filter.requestMirror;
        if (spec === undefined) break;
        const target = resolveBackend(ctx, { group: spec.backendRef.group ?? '', kind: spec.backendRef.kind ?? 'Service', name: spec.backendRef.name, namespace: spec.backendRef.namespace, port: spec.backendRef.port });
        // An unresolved mirror target is reported and not programmed; the rule itself still serves.
        if (!target.ok) refProblems.push({ reason: target.reason, message: `${where} RequestMirror: ${target.message}` });
        else (out.mirrors ??= []).push({ upstream: target.upstream, percent: mirrorPercent(spec) });
        break;
      }
      case 'CORS':
        if (level === 'backendRef') problems.push({ reason: 'UnsupportedValue', message: `${where}: the CORS filter is supported on rules, not on backendRefs (a preflight is answered before a backend is chosen)` });
        else if (filter.cors !== undefined) out.cors = cors(filter.cors);
        break;
      default:
        problems.push({ reason: 'UnsupportedValue', message: `${where}: filter type ${type} is not supported by Lintas` });
    }
  }
  return { filters: out, problems, refProblems };
}
