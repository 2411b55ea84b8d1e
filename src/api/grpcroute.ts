/**
 * Gateway API `GRPCRoute` (v1), with the CEL rules of the CRD enforced as
 * validation: a method match names a service and/or a method (Exact values
 * are protobuf names), filters are RequestHeaderModifier,
 * ResponseHeaderModifier, RequestMirror or ExtensionRef (header modifiers at
 * most once), backendRefs are weighted as HTTPRoute's.
 * @module
 */
import { z } from 'zod';
import { checkedString, DNSSubdomain, Hostname } from './fields.ts';
import { GATEWAY_GROUP, Group, Kind, ParentReference, SectionName } from './gateway.ts';
import { BackendObjectReference, checkFilterFields, HeaderModifier, RequestMirrorFilter } from './httproute.ts';
import { ObjectMeta } from './meta.ts';
import { httpHeaderName } from '../lib/index.ts';

const EXACT_SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const EXACT_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/** A gRPC method match: the request path is `/<service>/<method>`. */
export const GRPCMethodMatch = z
  .looseObject({
    type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
    service: z.string().max(1024).optional(),
    method: z.string().max(1024).optional(),
  })
  .superRefine((m, ctx) => {
    if ((m.service ?? '') === '' && (m.method ?? '') === '') ctx.addIssue({ code: 'custom', message: 'one or both of service and method must be set' });
    if (m.type === 'Exact' && m.service !== undefined && !EXACT_SERVICE.test(m.service)) ctx.addIssue({ code: 'custom', path: ['service'], message: `must be a protobuf service name like "grpc.health.v1.Health", got "${m.service}"` });
    if (m.type === 'Exact' && m.method !== undefined && !EXACT_METHOD.test(m.method)) ctx.addIssue({ code: 'custom', path: ['method'], message: `must be a protobuf method name like "Check", got "${m.method}"` });
    if (m.type === 'RegularExpression') {
      for (const field of ['service', 'method'] as const) {
        const value = m[field];
        if (value === undefined) continue;
        try {
          new RegExp(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: [field], message: `invalid regular expression: ${(error as Error).message}` });
        }
      }
    }
  });
/** A gRPC method match as data. */
export type GRPCMethodMatch = z.infer<typeof GRPCMethodMatch>;

const GRPCHeaderMatch = z.looseObject({
  type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
  name: checkedString(httpHeaderName),
  value: z.string().min(1).max(4096),
});

/** One GRPCRoute match (method and headers are ANDed). */
export const GRPCRouteMatch = z.looseObject({
  method: GRPCMethodMatch.optional(),
  headers: z.array(GRPCHeaderMatch).max(16).optional(),
});
/** One GRPCRoute match as data. */
export type GRPCRouteMatch = z.infer<typeof GRPCRouteMatch>;

const GRPC_FILTER_FIELDS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  ExtensionRef: 'extensionRef',
} as const;

/** A GRPCRoute filter: `type` plus exactly the matching config field. */
export const GRPCRouteFilter = z
  .looseObject({
    type: z.enum(Object.keys(GRPC_FILTER_FIELDS) as [keyof typeof GRPC_FILTER_FIELDS, ...(keyof typeof GRPC_FILTER_FIELDS)[]]),
    requestHeaderModifier: HeaderModifier.optional(),
    responseHeaderModifier: HeaderModifier.optional(),
    requestMirror: RequestMirrorFilter.optional(),
    extensionRef: z.looseObject({ group: Group, kind: Kind, name: DNSSubdomain }).optional(),
  })
  .superRefine((filter, ctx) => checkFilterFields(GRPC_FILTER_FIELDS, filter, ctx));

function filtersOnce(filters: readonly { type: string }[] | undefined, ctx: z.RefinementCtx): void {
  for (const once of ['RequestHeaderModifier', 'ResponseHeaderModifier']) {
    if ((filters ?? []).filter((f) => f.type === once).length > 1) ctx.addIssue({ code: 'custom', path: ['filters'], message: `${once} may appear at most once` });
  }
}

/** A weighted backend of a GRPCRoute rule. */
export const GRPCBackendRef = BackendObjectReference.extend({
  weight: z.int().min(0).max(1000000).default(1),
  filters: z.array(GRPCRouteFilter).max(16).optional(),
}).superRefine((ref, ctx) => {
  if ((ref.group === '' || ref.group === 'core') && ref.kind === 'Service' && ref.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'is required for a Service reference' });
  filtersOnce(ref.filters, ctx);
});

/** One GRPCRoute rule. */
export const GRPCRouteRule = z
  .looseObject({
    name: SectionName.optional(),
    matches: z.array(GRPCRouteMatch).max(64).optional(),
    filters: z.array(GRPCRouteFilter).max(16).optional(),
    backendRefs: z.array(GRPCBackendRef).max(16).optional(),
    sessionPersistence: z.looseObject({}).optional(),
  })
  .superRefine((rule, ctx) => filtersOnce(rule.filters, ctx));
/** One GRPCRoute rule as data. */
export type GRPCRouteRule = z.infer<typeof GRPCRouteRule>;

/** `gateway.networking.k8s.io/v1` GRPCRoute. */
export const GRPCRoute = z.looseObject({
  apiVersion: z.enum([`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha2`]),
  kind: z.literal('GRPCRoute'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: z.looseObject({
    parentRefs: z.array(ParentReference).max(32).optional(),
    hostnames: z.array(Hostname).max(16).optional(),
    rules: z.array(GRPCRouteRule).max(16).default([{}]),
  }),
});
/** GRPCRoute as data. */
export type GRPCRoute = z.infer<typeof GRPCRoute>;
