/**
 * `lintas.dev/v1alpha1` TrafficPolicy: how requests to a service or an HTTPRoute rule are
 * spread over the clusters of the fleet — locality mode, data ownership of mutations,
 * session affinity, health, retries, timeouts and mirroring (issue 5; seed 000 §4, §9–§13,
 * §21; seed 001 §11, §15). It attaches Gateway-API style through `targetRefs`
 * (GEP-713 direct attachment, targets in the policy's own namespace) and is applied by
 * both the gateway and the ClusterSetIP service proxy.
 *
 * The superRefine rules play the part of a CRD's CEL validations: they refuse
 * contradictions, each located at the field to fix. Cross-object checks (clusters that
 * exist, the OwnershipMap a policy names, route timeouts) live in validation/policy-checks.ts.
 * @module
 */
import { z } from 'zod';
import { checkedString, DNSLabel, DNSSubdomain, GatewayDuration, PortNumber } from './fields.ts';
import { GATEWAY_GROUP, SectionName } from './gateway.ts';
import { HTTPMethod } from './httproute.ts';
import { LINTAS_GROUP, LINTAS_V1ALPHA1 } from './lintas.ts';
import { ObjectMeta } from './meta.ts';
import { GKE_MCS_GROUP, MCS_GROUP } from './multicluster.ts';
import { dns1123Label, httpHeaderName, parseGatewayDuration } from '../lib/index.ts';

/** Kinds a TrafficPolicy attaches to. */
export const PolicyTargetKind = z.enum(['ServiceImport', 'Service', 'HTTPRoute']);
/** ServiceImport | Service | HTTPRoute. */
export type PolicyTargetKind = z.infer<typeof PolicyTargetKind>;

/** The API groups each target kind may be written with; the first is the default and the canonical one. */
export const TARGET_GROUPS: Readonly<Record<PolicyTargetKind, readonly [string, ...string[]]>> = {
  // GKE's fork of the MCS API names the same ServiceImport.
  ServiceImport: [MCS_GROUP, GKE_MCS_GROUP],
  Service: [''],
  HTTPRoute: [GATEWAY_GROUP],
};

type GroupedRef = { readonly group?: string | undefined; readonly kind: PolicyTargetKind };

/** Refuses a group that does not serve the reference's kind. */
function checkTargetGroup(ref: GroupedRef, ctx: z.RefinementCtx): void {
  const groups = TARGET_GROUPS[ref.kind];
  if (ref.group !== undefined && !groups.includes(ref.group)) {
    const names = groups.map((g) => JSON.stringify(g)).join(' or ');
    ctx.addIssue({ code: 'custom', path: ['group'], message: `must be ${names} for kind ${ref.kind}, got ${JSON.stringify(ref.group)}` });
  }
}

/** Fills in the kind's default group, so consumers never see `group` missing. */
function withDefaultGroup<T extends GroupedRef>(ref: T): T & { group: string } {
  return { ...ref, group: ref.group ?? TARGET_GROUPS[ref.kind][0] };
}

/** A target of a TrafficPolicy: a ServiceImport, a Service or an HTTPRoute (sectionName = rule name) in the policy's namespace. */
export const PolicyTargetRef = z
  .looseObject({ group: z.string().optional(), kind: PolicyTargetKind, name: DNSSubdomain, sectionName: SectionName.optional() })
  .superRefine(checkTargetGroup)
  .transform(withDefaultGroup);
/** A policy target reference with its group filled in. */
export type PolicyTargetRef = z.infer<typeof PolicyTargetRef>;

const SERVICE_REF_SHAPE = { group: z.string().optional(), kind: z.enum(['ServiceImport', 'Service']), name: DNSSubdomain };

/** A reference to a ServiceImport or a Service in the referrer's namespace (HealthContract target). */
export const ServiceTargetRef = z.looseObject(SERVICE_REF_SHAPE).superRefine(checkTargetGroup).transform(withDefaultGroup);
/** A ServiceImport or Service reference with its group filled in. */
export type ServiceTargetRef = z.infer<typeof ServiceTargetRef>;

/** An absolute request path (probes, synthetic steps); templates such as `{{.id}}` are allowed, whitespace is not. */
export const HTTPRequestPath = z.string().superRefine((value, ctx) => {
  if (!value.startsWith('/') || /\s/.test(value) || value.length > 1024) {
    ctx.addIssue({ code: 'custom', message: `must be an absolute path like "/healthz" (no whitespace, at most 1024 characters), got ${JSON.stringify(value)}` });
  }
});

/** Refuses an object that sets none, or more than one, of `fields` (a CEL `exactly one of`). */
export function exactlyOneOf(fields: readonly [string, string, ...string[]]) {
  const choices = `${fields.slice(0, -1).join(', ')} or ${fields[fields.length - 1] ?? ''}`;
  return (value: object, ctx: z.RefinementCtx): void => {
    const set = fields.filter((f) => (value as Record<string, unknown>)[f] !== undefined);
    if (set.length === 0) ctx.addIssue({ code: 'custom', message: `must set one of ${choices}` });
    if (set.length > 1) ctx.addIssue({ code: 'custom', message: `must set exactly one of ${choices}, not ${set.join(' and ')}` });
  };
}

/**
 * Reports the second and later occurrences of a name in a list, at their index.
 * Call it from a spec-level refinement: `path` is relative to `.spec`, and the message names it.
 */
export function flagDuplicateNames(names: readonly string[], path: readonly (string | number)[], ctx: z.RefinementCtx, what = 'cluster'): void {
  const shown = `.spec${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [...path, i], message: `duplicate ${what} "${name}" (also ${shown}[${first}])` });
    else seen.set(name, i);
  });
}

const HeaderName = checkedString(httpHeaderName);
// RFC 6265 cookie-name: an RFC 9110 token.
const CookieName = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/, 'must be a cookie name (an HTTP token such as "session-id")');
const QueryName = z.string().min(1).max(256);

/** How requests are spread over clusters (seed 000 §13.1). */
export const LocalityMode = z.enum(['LocalOnly', 'LocalPreferred', 'FailoverPriority', 'Weighted', 'CapacityAware', 'Owner']);
/** LocalOnly | LocalPreferred | FailoverPriority | Weighted | CapacityAware | Owner. */
export type LocalityMode = z.infer<typeof LocalityMode>;
/** The locality mode when `locality.mode` is not set: the gateway's locality priorities. */
export const DEFAULT_LOCALITY_MODE: LocalityMode = 'LocalPreferred';

/** Per-cluster weights; keys are cluster names (checked against the inventory across objects). */
export const ClusterWeights = z.record(z.string(), z.int().min(0).max(1_000_000)).superRefine((weights, ctx) => {
  for (const key of Object.keys(weights)) {
    const problem = dns1123Label(key);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `invalid cluster name: ${problem}` });
  }
});

/** `spec.locality`. `failoverPriority` and `weights` are read only by their modes and ignored by the others. */
export const Locality = z.looseObject({
  mode: LocalityMode.default(DEFAULT_LOCALITY_MODE),
  /** FailoverPriority: after the entry cluster, these clusters or regions, in order. */
  failoverPriority: z.array(z.string().min(1)).optional(),
  /** Weighted: relative weight per cluster; an unhealthy cluster's share goes to the others. */
  weights: ClusterWeights.optional(),
});
/** `spec.locality` as data. */
export type Locality = z.infer<typeof Locality>;

/** Methods that count as mutations when `requestClasses.mutation.methods` is not set: every unsafe method of RFC 9110 a gateway proxies. */
export const DEFAULT_MUTATION_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** `spec.requestClasses`: which requests are mutations (routed to the owner, never mirrored unless shadow-safe). */
export const RequestClasses = z.looseObject({
  mutation: z
    .looseObject({
      methods: z.array(HTTPMethod).default(() => [...DEFAULT_MUTATION_METHODS]),
      /** A mutation without an `Idempotency-Key` header gets 428. */
      requireIdempotencyKey: z.boolean().default(false),
    })
    .prefault({}),
});

/** Where a request carries its ownership key: exactly one of a header, a query parameter or a path segment. */
export type OwnershipKey =
  | { readonly header: string; readonly query?: undefined; readonly pathSegment?: undefined }
  | { readonly query: string; readonly header?: undefined; readonly pathSegment?: undefined }
  /** 1-based: in `/cases/JKT-1`, segment 1 is `cases` and segment 2 is `JKT-1`. */
  | { readonly pathSegment: number; readonly header?: undefined; readonly query?: undefined };

/** Schema of {@link OwnershipKey}. */
export const OwnershipKey = z
  .looseObject({ header: HeaderName.optional(), query: QueryName.optional(), pathSegment: z.int().min(1).optional() })
  .superRefine(exactlyOneOf(['header', 'query', 'pathSegment']))
  .transform((key) => key as OwnershipKey);

/** Keys a gateway remembers for read-your-writes when `maxKeys` is not set. */
export const DEFAULT_READ_YOUR_WRITES_MAX_KEYS = 10_000;
/** The longest read-your-writes window: beyond it, most reads would go to the owner; say `reads: Owner` instead. */
const MAX_READ_YOUR_WRITES = '1h';

/**
 * `spec.ownership.readYourWrites` (seed 000 §10.4 "read in SGP misses JKT write"): after a mutation
 * of a key through a gateway, that gateway sends the key's reads to its owner for `window`, so a
 * client reads what it just wrote although the nearest region has not caught up. The gateway
 * remembers at most `maxKeys` keys per policy (the oldest are forgotten first: their reads go to
 * the nearest region again); when the owner has no healthy endpoint, reads go to the nearest one.
 */
export const ReadYourWrites = z
  .looseObject({
    window: GatewayDuration,
    maxKeys: z.int().min(1).max(1_000_000).default(DEFAULT_READ_YOUR_WRITES_MAX_KEYS),
  })
  .superRefine((r, ctx) => {
    positive(r.window, ['window'], ctx, 'a window of 0s remembers no write');
    if (exceeds(r.window, MAX_READ_YOUR_WRITES)) ctx.addIssue({ code: 'custom', path: ['window'], message: `must be at most ${MAX_READ_YOUR_WRITES}; to send every read to the owner, set ownership.reads to Owner` });
  });

/** `spec.ownership`: who owns the data a request touches (seed 000 §17.2, seed 001 §15). */
export const Ownership = z.looseObject({
  key: OwnershipKey,
  mapRef: z.looseObject({
    group: z.literal(LINTAS_GROUP).default(LINTAS_GROUP),
    kind: z.literal('OwnershipMap').default('OwnershipMap'),
    name: DNSSubdomain,
  }),
  /** Where reads go: the nearest healthy cluster (default) or the owner too. */
  reads: z.enum(['Nearest', 'Owner']).default('Nearest'),
  /** With `reads: Nearest`: a key's reads go to its owner for a while after a write through the gateway. */
  readYourWrites: ReadYourWrites.optional(),
  /** The only behaviour: a mutation whose owner has no healthy endpoint gets 503 owner_unavailable, never another region. */
  onOwnerUnavailable: z.enum(['FailClosed']).default('FailClosed'),
});
/** `spec.ownership` as data. */
export type Ownership = z.infer<typeof Ownership>;

/** Session affinity key: exactly one of a header or a cookie (rendezvous hashing over healthy endpoints). */
export type SessionAffinity =
  | { readonly header: string; readonly cookie?: undefined }
  | { readonly cookie: string; readonly header?: undefined };
/** Schema of {@link SessionAffinity}. */
export const SessionAffinity = z
  .looseObject({ header: HeaderName.optional(), cookie: CookieName.optional() })
  .superRefine(exactlyOneOf(['header', 'cookie']))
  .transform((affinity) => affinity as SessionAffinity);

/** A duration field that must not be zero (an interval of 0s would spin). */
function positive(value: string | undefined, path: readonly (string | number)[], ctx: z.RefinementCtx, why: string): void {
  if (value !== undefined && parseGatewayDuration(value) === 0) ctx.addIssue({ code: 'custom', path: [...path], message: `must be greater than 0s: ${why}` });
}

/** True when both durations are set and `a` > `b` (a zero `b` means "no limit", as in GEP-1742). */
function exceeds(a: string | undefined, b: string | undefined): boolean {
  const ams = a === undefined ? undefined : parseGatewayDuration(a);
  const bms = b === undefined ? undefined : parseGatewayDuration(b);
  return ams !== undefined && bms !== undefined && bms > 0 && ams > bms;
}

/** Passive outlier detection; unset fields keep the gateway's defaults. */
export const OutlierDetection = z
  .looseObject({
    consecutive5xx: z.int().min(0).optional(),
    consecutiveGatewayErrors: z.int().min(0).optional(),
    interval: GatewayDuration.optional(),
    baseEjectionTime: GatewayDuration.optional(),
    maxEjectionTime: GatewayDuration.optional(),
    maxEjectionPercent: z.int().min(0).max(100).optional(),
  })
  .superRefine((o, ctx) => {
    positive(o.interval, ['interval'], ctx, 'outlier detection counts errors per interval');
    positive(o.baseEjectionTime, ['baseEjectionTime'], ctx, 'an ejection of 0s ejects nothing');
    if (exceeds(o.baseEjectionTime, o.maxEjectionTime)) ctx.addIssue({ code: 'custom', path: ['baseEjectionTime'], message: `must be less than or equal to maxEjectionTime (${String(o.maxEjectionTime)})` });
  });

/** Active HTTP health checks of each endpoint; unset fields keep the gateway's defaults. */
export const HealthCheck = z
  .looseObject({
    path: HTTPRequestPath,
    interval: GatewayDuration.optional(),
    timeout: GatewayDuration.optional(),
    unhealthyThreshold: z.int().min(1).optional(),
    healthyThreshold: z.int().min(1).optional(),
  })
  .superRefine((h, ctx) => {
    positive(h.interval, ['interval'], ctx, 'checks would run back to back');
    positive(h.timeout, ['timeout'], ctx, 'every check would time out');
    if (exceeds(h.timeout, h.interval)) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `must be less than or equal to interval (${String(h.interval)}): checks would overlap` });
  });

/**
 * Slow start (Envoy's slow_start_config): an endpoint that comes back (its first passing
 * health check after it rejoined or was ejected; without health checks, its arrival) gets a
 * share that ramps up over `window`: max(minWeightPercent, (elapsed / window) ^ (1 / aggression)).
 */
export const SlowStart = z
  .looseObject({
    window: GatewayDuration,
    aggression: z.number().min(0.1).max(10).default(1),
    minWeightPercent: z.int().min(1).max(100).default(10),
  })
  .superRefine((s, ctx) => positive(s.window, ['window'], ctx, 'a ramp of 0s is no slow start; leave slowStart out instead'));

/** Retries: attempts per request and the share of requests that may be retries (a retry budget). */
export const RetryPolicy = z.looseObject({
  attempts: z.int().min(0).optional(),
  budgetPercent: z.number().min(0).max(100).optional(),
});

/** Request and per-backend-attempt timeouts (GEP-1742 durations; 0s disables). */
export const PolicyTimeouts = z.looseObject({ request: GatewayDuration.optional(), backendRequest: GatewayDuration.optional() });

/** Where mirrored requests go: a ServiceImport or Service and its port. */
export const MirrorBackendRef = z
  .looseObject({ ...SERVICE_REF_SHAPE, namespace: DNSLabel.optional(), port: PortNumber })
  .superRefine(checkTargetGroup)
  .transform(withDefaultGroup);

/** `spec.mirror`: shadow traffic (seed 000 §21). Mirrored requests carry `X-Shadow-Traffic: true`. */
export const Mirror = z.looseObject({
  backendRef: MirrorBackendRef,
  percent: z.int().min(0).max(100).default(100),
  /** Whether the mirror backend may receive mutations; without it mutations are never mirrored. */
  shadowSafe: z.boolean().default(false),
});

/** TrafficPolicy spec, with defaults filled in. */
export const TrafficPolicySpec = z
  .looseObject({
    targetRefs: z.array(PolicyTargetRef).min(1, 'must name at least one target'),
    locality: Locality.prefault({}),
    requestClasses: RequestClasses.prefault({}),
    ownership: Ownership.optional(),
    sessionAffinity: SessionAffinity.optional(),
    outlierDetection: OutlierDetection.optional(),
    healthCheck: HealthCheck.optional(),
    slowStart: SlowStart.optional(),
    retry: RetryPolicy.optional(),
    timeouts: PolicyTimeouts.optional(),
    mirror: Mirror.optional(),
    /**
     * The targeted Services/ServiceImports are shadow-safe (seed 000 §21): they reject external side
     * effects, so any RequestMirror or policy mirror may send them mutations. Without it, only
     * safe methods (GET, HEAD, OPTIONS, TRACE) that are not a policy's mutations are mirrored to them.
     */
    shadowSafe: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    const seenTargets = new Map<string, number>();
    spec.targetRefs.forEach((ref, i) => {
      const key = targetKeyOf('', ref);
      const first = seenTargets.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['targetRefs', i], message: `duplicate target (also .spec.targetRefs[${first}])` });
      else seenTargets.set(key, i);
    });

    const { mode, weights, failoverPriority } = spec.locality;
    if (mode === 'Weighted') {
      if (weights === undefined || Object.keys(weights).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['locality', 'weights'], message: 'is required when locality.mode is Weighted: give each cluster a weight' });
      } else if (Object.values(weights).every((w) => w === 0)) {
        ctx.addIssue({ code: 'custom', path: ['locality', 'weights'], message: 'must give at least one cluster a weight above 0: with every weight 0, Weighted sends no traffic anywhere' });
      }
    }
    if (mode === 'FailoverPriority' && (failoverPriority === undefined || failoverPriority.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['locality', 'failoverPriority'], message: 'is required when locality.mode is FailoverPriority: list the clusters or regions to fail over to, in order' });
    }
    if (failoverPriority !== undefined) flagDuplicateNames(failoverPriority, ['locality', 'failoverPriority'], ctx, 'cluster or region');

    const methods = spec.requestClasses.mutation.methods;
    flagDuplicateNames(methods, ['requestClasses', 'mutation', 'methods'], ctx, 'method');
    if (mode === 'Owner') {
      if (spec.ownership === undefined) {
        ctx.addIssue({ code: 'custom', path: ['ownership'], message: 'is required when locality.mode is Owner: say where the ownership key is and which OwnershipMap maps it to a cluster' });
      } else if (methods.length === 0 && spec.ownership.reads === 'Nearest') {
        ctx.addIssue({ code: 'custom', path: ['requestClasses', 'mutation', 'methods'], message: 'must name at least one method when locality.mode is Owner and ownership.reads is Nearest: otherwise no request goes to its owner' });
      }
    }
    if (spec.ownership?.readYourWrites !== undefined && spec.ownership.reads === 'Owner') {
      ctx.addIssue({ code: 'custom', path: ['ownership', 'readYourWrites'], message: 'has no effect: ownership.reads is Owner, so every read already goes to the owner; remove it, or set reads to Nearest' });
    }
    // `ownership` with another mode is accepted (the issue's own example does it): it does not
    // route there; validation/policy-checks.ts warns so the author knows.

    // The ladder of GEP-1742: a backend attempt may not outlive the request (0s = no limit).
    if (exceeds(spec.timeouts?.backendRequest, spec.timeouts?.request)) {
      ctx.addIssue({ code: 'custom', path: ['timeouts', 'backendRequest'], message: `must be less than or equal to timeouts.request (${String(spec.timeouts?.request)})` });
    }

    // Shadow-safety is a property of the backend that receives mirrors, not of a route.
    if (spec.shadowSafe === true) {
      spec.targetRefs.forEach((ref, i) => {
        if (ref.kind === 'HTTPRoute') {
          ctx.addIssue({
            code: 'custom',
            path: ['shadowSafe'],
            message: `must not be true when a target is an HTTPRoute (.spec.targetRefs[${String(i)}]): shadowSafe declares that a backend may receive mirrored mutations; target the mirror's Service or ServiceImport`,
          });
        }
      });
    }

    // Mirroring mutations without shadowSafe (seed 000 §21: "never mirror non-idempotent writes
    // unless the backend is explicitly shadow-safe"). Mutations are never mirrored to a backend
    // that is not shadow-safe, but a policy whose mutation class leaves out an unsafe method makes
    // those requests reads, and reads are mirrored: that is the contradiction refused here.
    if (spec.mirror !== undefined && !spec.mirror.shadowSafe) {
      const asReads = DEFAULT_MUTATION_METHODS.filter((m) => !methods.includes(m));
      if (asReads.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['mirror', 'shadowSafe'],
          message: `must be true, or requestClasses.mutation.methods must list ${asReads.join(', ')}: those requests count as reads and would be mirrored to a backend that is not shadow-safe`,
        });
      }
    }
  });
/** TrafficPolicy spec as data. */
export type TrafficPolicySpec = z.infer<typeof TrafficPolicySpec>;

/** `lintas.dev/v1alpha1` TrafficPolicy (namespaced, fleet-scoped: one policy for every cluster's copy of its targets). */
export const TrafficPolicy = z.looseObject({
  apiVersion: z.literal(LINTAS_V1ALPHA1),
  kind: z.literal('TrafficPolicy'),
  metadata: ObjectMeta.extend({ name: DNSSubdomain }),
  spec: TrafficPolicySpec,
});
/** TrafficPolicy as data. */
export type TrafficPolicy = z.infer<typeof TrafficPolicy>;

/** One resolved target of a policy: canonical group, the policy's namespace. */
export interface PolicyTarget {
  readonly group: string;
  readonly kind: PolicyTargetKind;
  readonly namespace: string;
  readonly name: string;
  /** HTTPRoute: the rule name; Service/ServiceImport: a port name. */
  readonly sectionName?: string;
}

/** A stable key for a target (`ServiceImport/cases/public-case-api`, `HTTPRoute/cases/r#rule`): both MCS groups give the same key. */
export function targetKeyOf(namespace: string, ref: { readonly kind: PolicyTargetKind; readonly name: string; readonly sectionName?: string | undefined }): string {
  return `${ref.kind}/${namespace}/${ref.name}${ref.sectionName === undefined ? '' : `#${ref.sectionName}`}`;
}

/** The targets of a policy, resolved in its namespace, with ServiceImport's group made canonical (`net.gke.io` → MCS). */
export function policyTargetsOf(policy: TrafficPolicy): PolicyTarget[] {
  const namespace = policy.metadata.namespace ?? 'default';
  return policy.spec.targetRefs.map((ref) => ({
    group: TARGET_GROUPS[ref.kind][0],
    kind: ref.kind,
    namespace,
    name: ref.name,
    ...(ref.sectionName === undefined ? {} : { sectionName: ref.sectionName }),
  }));
}
