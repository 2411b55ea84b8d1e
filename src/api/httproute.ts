/**
 * Gateway API `HTTPRoute` (v1), with the CEL rules of the CRD enforced as
 * validation so that what Lintas accepts a real API server accepts too.
 * @module
 */
import { z } from 'zod';
import { checkedString, DNSLabel, DNSSubdomain, GatewayDuration, Hostname, PortNumber } from './fields.ts';
import { GATEWAY_GROUP, Group, Kind, ParentReference, SectionName } from './gateway.ts';
import { ObjectMeta } from './meta.ts';
import { httpHeaderName, parseGatewayDuration } from '../lib/index.ts';

/** HTTP methods an HTTPRoute may match. */
export const HTTPMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

const HeaderName = checkedString(httpHeaderName);

/** An HTTPRoute path match. */
export const HTTPPathMatch = z
  .looseObject({
    type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).default('PathPrefix'),
    value: z.string().max(1024).default('/'),
  })
  .superRefine((path, ctx) => {
    if (path.type === 'RegularExpression') {
      try {
        new RegExp(path.value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `invalid regular expression: ${(error as Error).message}` });
      }
      return;
    }
    // CEL rules of the HTTPPathMatch type.
    if (!path.value.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['value'], message: `must be an absolute path starting with "/", got "${path.value}"` });
    if (path.value.includes('//')) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must not contain "//"' });
    if (/(^|\/)\.\.?(\/|$)/.test(path.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must not contain "/./" or "/../" segments' });
    if (/%2f|%2F|#/.test(path.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must not contain "%2f", "%2F" or "#"' });
  });

const HeaderMatch = z.looseObject({
  type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
  name: HeaderName,
  value: z.string().min(1).max(4096),
});
const QueryParamMatch = z.looseObject({
  type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
  name: z.string().min(1).max(256),
  value: z.string().min(1).max(1024),
});

/** One HTTPRoute match (path, headers, query params, method are ANDed). */
export const HTTPRouteMatch = z.looseObject({
  path: HTTPPathMatch.optional(),
  headers: z.array(HeaderMatch).max(16).optional(),
  queryParams: z.array(QueryParamMatch).max(16).optional(),
  method: HTTPMethod.optional(),
});
/** One HTTPRoute match as data. */
export type HTTPRouteMatch = z.infer<typeof HTTPRouteMatch>;

/** RequestHeaderModifier / ResponseHeaderModifier (shared with GRPCRoute). */
export const HeaderModifier = z.looseObject({
  set: z.array(z.looseObject({ name: HeaderName, value: z.string().max(4096) })).max(16).optional(),
  add: z.array(z.looseObject({ name: HeaderName, value: z.string().max(4096) })).max(16).optional(),
  remove: z.array(HeaderName).max(16).optional(),
});

const PathModifier = z
  .looseObject({
    type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
    replaceFullPath: z.string().max(1024).optional(),
    replacePrefixMatch: z.string().max(1024).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.type === 'ReplaceFullPath' && m.replaceFullPath === undefined) ctx.addIssue({ code: 'custom', path: ['replaceFullPath'], message: 'is required when type is ReplaceFullPath' });
    if (m.type === 'ReplacePrefixMatch' && m.replacePrefixMatch === undefined) ctx.addIssue({ code: 'custom', path: ['replacePrefixMatch'], message: 'is required when type is ReplacePrefixMatch' });
  });

/** A reference to a backend object (Service, ServiceImport, ...). */
export const BackendObjectReference = z.looseObject({
  group: Group.default(''),
  kind: Kind.default('Service'),
  name: DNSSubdomain,
  namespace: DNSLabel.optional(),
  port: PortNumber.optional(),
});

/** RequestMirror (shared with GRPCRoute). */
export const RequestMirrorFilter = z.looseObject({
  backendRef: BackendObjectReference,
  percent: z.int().min(0).max(100).optional(),
  fraction: z.looseObject({ numerator: z.int().min(0), denominator: z.int().min(1).default(100) }).optional(),
});

/** Gateway API CORSOrigin: `*`, or `http(s)://host[:port]` whose host may start with `*.` or be `*`. */
const CORSOrigin = z
  .string()
  .regex(/(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/, 'must be "*" or an origin like "https://www.example.com", "https://*.example.com" or "http://localhost:8080"');

/** Refuses `*` alongside other entries (the CRD's CEL rules on the CORS lists). */
function wildcardAlone(what: string) {
  return (list: readonly string[], ctx: z.RefinementCtx): void => {
    if (list.includes('*') && list.length > 1) ctx.addIssue({ code: 'custom', message: `${what} cannot contain "*" alongside other entries` });
  };
}

/** The CORS filter (Gateway API v1 HTTPCORSFilter). */
export const HTTPCORSFilter = z.looseObject({
  allowOrigins: z.array(CORSOrigin).max(64).superRefine(wildcardAlone('allowOrigins')).optional(),
  allowCredentials: z.boolean().optional(),
  allowMethods: z.array(z.union([HTTPMethod, z.literal('*')])).max(9).superRefine(wildcardAlone('allowMethods')).optional(),
  allowHeaders: z.array(HeaderName).max(64).superRefine(wildcardAlone('allowHeaders')).optional(),
  exposeHeaders: z.array(HeaderName).max(64).optional(),
  maxAge: z.int().min(1).default(5),
});
/** The CORS filter as data. */
export type HTTPCORSFilter = z.infer<typeof HTTPCORSFilter>;

const FILTER_FIELDS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
  CORS: 'cors',
  ExternalAuth: 'externalAuth',
} as const;

/**
 * The CEL rule of route filters (HTTPRoute and GRPCRoute): the field named by `type` must be set,
 * and no other filter field (`optional`: types whose field may be left out).
 */
export function checkFilterFields(fields: Readonly<Record<string, string>>, filter: { readonly type: string }, ctx: z.RefinementCtx, optional: readonly string[] = []): void {
  for (const [type, field] of Object.entries(fields)) {
    const set = (filter as Record<string, unknown>)[field] !== undefined;
    if (type === filter.type && !set && !optional.includes(type)) ctx.addIssue({ code: 'custom', path: [field], message: `is required when type is ${type}` });
    if (type !== filter.type && set) ctx.addIssue({ code: 'custom', path: [field], message: `must not be set when type is ${filter.type}` });
  }
}

/** An HTTPRoute filter: `type` plus exactly the matching config field. */
export const HTTPRouteFilter = z
  .looseObject({
    type: z.enum(Object.keys(FILTER_FIELDS) as [keyof typeof FILTER_FIELDS, ...(keyof typeof FILTER_FIELDS)[]]),
    requestHeaderModifier: HeaderModifier.optional(),
    responseHeaderModifier: HeaderModifier.optional(),
    requestRedirect: z
      .looseObject({
        scheme: z.enum(['http', 'https']).optional(),
        hostname: Hostname.optional(),
        path: PathModifier.optional(),
        port: PortNumber.optional(),
        statusCode: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(302),
      })
      .optional(),
    urlRewrite: z.looseObject({ hostname: Hostname.optional(), path: PathModifier.optional() }).optional(),
    requestMirror: RequestMirrorFilter.optional(),
    extensionRef: z.looseObject({ group: Group, kind: Kind, name: DNSSubdomain }).optional(),
    cors: HTTPCORSFilter.optional(),
  })
  .superRefine((filter, ctx) => {
    checkFilterFields(FILTER_FIELDS, filter, ctx, ['ExternalAuth']);
    const mirror = filter.requestMirror;
    if (mirror?.percent !== undefined && mirror.fraction !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['requestMirror'], message: 'percent and fraction are mutually exclusive' });
    }
    if (mirror?.fraction && mirror.fraction.numerator > mirror.fraction.denominator) {
      ctx.addIssue({ code: 'custom', path: ['requestMirror', 'fraction', 'numerator'], message: 'must be less than or equal to denominator' });
    }
  });
/** An HTTPRoute filter as data. */
export type HTTPRouteFilter = z.infer<typeof HTTPRouteFilter>;

/** A weighted backend of a rule. */
export const HTTPBackendRef = BackendObjectReference.extend({
  weight: z.int().min(0).max(1000000).default(1),
  filters: z.array(HTTPRouteFilter).max(16).optional(),
}).superRefine((ref, ctx) => {
  if ((ref.group === '' || ref.group === 'core') && ref.kind === 'Service' && ref.port === undefined) {
    ctx.addIssue({ code: 'custom', path: ['port'], message: 'is required for a Service reference' });
  }
});

/** One HTTPRoute rule. */
export const HTTPRouteRule = z
  .looseObject({
    name: SectionName.optional(),
    matches: z.array(HTTPRouteMatch).max(64).default([{ path: { type: 'PathPrefix', value: '/' } }]),
    filters: z.array(HTTPRouteFilter).max(16).optional(),
    backendRefs: z.array(HTTPBackendRef).max(16).optional(),
    timeouts: z.looseObject({ request: GatewayDuration.optional(), backendRequest: GatewayDuration.optional() }).optional(),
    retry: z
      .looseObject({
        codes: z.array(z.int().min(400).max(599)).optional(),
        attempts: z.int().min(0).optional(),
        backoff: GatewayDuration.optional(),
      })
      .optional(),
    sessionPersistence: z.looseObject({}).optional(),
  })
  .superRefine((rule, ctx) => {
    const types = (rule.filters ?? []).map((f) => f.type);
    if (types.includes('RequestRedirect') && types.includes('URLRewrite')) {
      ctx.addIssue({ code: 'custom', path: ['filters'], message: 'may contain RequestRedirect or URLRewrite, not both' });
    }
    for (const once of ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite'] as const) {
      if (types.filter((t) => t === once).length > 1) ctx.addIssue({ code: 'custom', path: ['filters'], message: `${once} may appear at most once` });
    }
    const prefixRewrite = (rule.filters ?? []).some(
      (f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch' || f.requestRedirect?.path?.type === 'ReplacePrefixMatch',
    );
    if (prefixRewrite && (rule.matches.length !== 1 || (rule.matches[0]?.path?.type ?? 'PathPrefix') !== 'PathPrefix')) {
      ctx.addIssue({ code: 'custom', path: ['filters'], message: 'ReplacePrefixMatch needs exactly one match, of type PathPrefix' });
    }
    const request = rule.timeouts?.request && parseGatewayDuration(rule.timeouts.request);
    const backend = rule.timeouts?.backendRequest && parseGatewayDuration(rule.timeouts.backendRequest);
    if (request && backend && backend > request) {
      ctx.addIssue({ code: 'custom', path: ['timeouts', 'backendRequest'], message: 'must be less than or equal to timeouts.request' });
    }
  });
/** One HTTPRoute rule as data. */
export type HTTPRouteRule = z.infer<typeof HTTPRouteRule>;

/** `gateway.networking.k8s.io/v1` HTTPRoute. */
export const HTTPRoute = z.looseObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`]),
  kind: z.literal('HTTPRoute'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z.looseObject({
    parentRefs: z.array(ParentReference).max(32).optional(),
    hostnames: z.array(Hostname).max(16).optional(),
    rules: z.array(HTTPRouteRule).max(16).default([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]),
  }),
});
/** HTTPRoute as data. */
export type HTTPRoute = z.infer<typeof HTTPRoute>;
