import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'js-yaml';
import { lookupKind, resolveKindName } from './kinds.ts';
import { policyTargetsOf, targetKeyOf, TrafficPolicy, type OwnershipKey } from './traffic-policy.ts';

type Spec = Record<string, unknown>;

/** The TrafficPolicy of issue 5, verbatim. */
const ISSUE_EXAMPLE = `
apiVersion: lintas.dev/v1alpha1
kind: TrafficPolicy
metadata: { name: cases, namespace: cases }
spec:
  targetRefs: [{ group: multicluster.x-k8s.io, kind: ServiceImport, name: public-case-api }]   # or an HTTPRoute (sectionName = rule name)
  locality:
    mode: LocalPreferred      # LocalOnly | LocalPreferred | FailoverPriority | Weighted | CapacityAware | Owner
    failoverPriority: [sgp-prod-1, tyo-prod-1]   # FailoverPriority: clusters or regions, in order
    weights: { jkt-prod-1: 90, sgp-prod-1: 10 }  # Weighted: per cluster
  requestClasses:
    mutation: { methods: [POST, PUT, PATCH, DELETE], requireIdempotencyKey: true }
  ownership:                  # used by mode Owner
    key: { header: X-Case-Id }                   # or { query: case } or { pathSegment: 2 }
    mapRef: { kind: OwnershipMap, name: case-owners }
    reads: Nearest            # reads: Nearest | Owner
    onOwnerUnavailable: FailClosed
  sessionAffinity: { header: X-Session }         # or { cookie: NAME }; rendezvous (HRW) hashing
  outlierDetection: { consecutive5xx: 5, consecutiveGatewayErrors: 3, interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 50 }
  healthCheck: { path: /healthz, interval: 1s, timeout: 500ms, unhealthyThreshold: 2, healthyThreshold: 2 }
  retry: { attempts: 2, budgetPercent: 20 }
  timeouts: { request: 10s, backendRequest: 3s }
  mirror: { backendRef: { kind: ServiceImport, name: public-case-api-shadow, port: 8080 }, percent: 10, shadowSafe: false }
`;

const TARGET = { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'public-case-api' };
const manifest = (spec: Spec): unknown => ({
  apiVersion: 'lintas.dev/v1alpha1',
  kind: 'TrafficPolicy',
  metadata: { name: 'cases', namespace: 'cases' },
  spec: { targetRefs: [TARGET], ...spec },
});

/** `.path: message` of every issue, as `lintas validate` would print them (minus the zod→kubectl wording). */
function problems(spec: Spec): string[] {
  const r = TrafficPolicy.safeParse(manifest(spec));
  return r.success ? [] : r.error.issues.map((i) => `.${i.path.join('.')}: ${i.message}`);
}

const OWNERSHIP = { key: { header: 'X-Case-Id' }, mapRef: { name: 'case-owners' } };

describe('TrafficPolicy schema', () => {
  it("accepts the issue's example verbatim and keeps every field", () => {
    const p = TrafficPolicy.parse(load(ISSUE_EXAMPLE));
    assert.equal(p.spec.locality.mode, 'LocalPreferred');
    assert.deepEqual(p.spec.locality.weights, { 'jkt-prod-1': 90, 'sgp-prod-1': 10 });
    assert.deepEqual(p.spec.ownership, {
      key: { header: 'X-Case-Id' },
      mapRef: { group: 'lintas.dev', kind: 'OwnershipMap', name: 'case-owners' },
      reads: 'Nearest',
      onOwnerUnavailable: 'FailClosed',
    });
    assert.deepEqual(p.spec.sessionAffinity, { header: 'X-Session' });
    assert.deepEqual(p.spec.timeouts, { request: '10s', backendRequest: '3s' });
    assert.deepEqual(p.spec.mirror, {
      backendRef: { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'public-case-api-shadow', port: 8080 },
      percent: 10,
      shadowSafe: false,
    });
  });

  it('fills in defaults for a minimal policy', () => {
    const p = TrafficPolicy.parse(manifest({}));
    assert.deepEqual(p.spec, {
      targetRefs: [TARGET],
      locality: { mode: 'LocalPreferred' },
      requestClasses: { mutation: { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], requireIdempotencyKey: false } },
    });
  });

  it('defaults each target kind to its group and resolves targets in the policy namespace', () => {
    const p = TrafficPolicy.parse(
      manifest({
        targetRefs: [
          { kind: 'ServiceImport', name: 'a' },
          { kind: 'Service', name: 'b' },
          { kind: 'HTTPRoute', name: 'c', sectionName: 'writes' },
          { group: 'net.gke.io', kind: 'ServiceImport', name: 'd' },
        ],
      }),
    );
    assert.deepEqual(
      p.spec.targetRefs.map((r) => r.group),
      ['multicluster.x-k8s.io', '', 'gateway.networking.k8s.io', 'net.gke.io'],
    );
    const targets = policyTargetsOf(p);
    assert.deepEqual(targets[2], { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'cases', name: 'c', sectionName: 'writes' });
    assert.equal(targets[3]?.group, 'multicluster.x-k8s.io', 'the GKE group names the same ServiceImport');
    assert.deepEqual(
      targets.map((t) => targetKeyOf(t.namespace, t)),
      ['ServiceImport/cases/a', 'Service/cases/b', 'HTTPRoute/cases/c#writes', 'ServiceImport/cases/d'],
    );
  });

  it('accepts read-your-writes with nearest reads, and bounds its memory by default', () => {
    const parsed = TrafficPolicy.parse(manifest({ locality: { mode: 'Owner' }, ownership: { ...OWNERSHIP, readYourWrites: { window: '10s' } } }));
    assert.deepEqual(parsed.spec.ownership?.readYourWrites, { window: '10s', maxKeys: 10_000 });
  });

  it('accepts each ownership key form and each affinity form', () => {
    const keys: OwnershipKey[] = [{ header: 'X-Case-Id' }, { query: 'case' }, { pathSegment: 2 }];
    for (const key of keys) {
      const p = TrafficPolicy.parse(manifest({ locality: { mode: 'Owner' }, ownership: { ...OWNERSHIP, key } }));
      assert.deepEqual(p.spec.ownership?.key, key);
    }
    assert.deepEqual(problems({ sessionAffinity: { cookie: 'lintas-session' } }), []);
  });

  it('accepts each mode with what it needs', () => {
    assert.deepEqual(problems({ locality: { mode: 'LocalOnly' } }), []);
    assert.deepEqual(problems({ locality: { mode: 'CapacityAware' } }), []);
    assert.deepEqual(problems({ locality: { mode: 'FailoverPriority', failoverPriority: ['sgp-prod-1', 'ap-northeast-1'] } }), []);
    assert.deepEqual(problems({ locality: { mode: 'Weighted', weights: { 'jkt-prod-1': 0, 'sgp-prod-1': 1 } } }), []);
    assert.deepEqual(problems({ locality: { mode: 'Owner' }, ownership: OWNERSHIP }), []);
    assert.deepEqual(problems({ mirror: { backendRef: { kind: 'Service', name: 'shadow', port: 80 }, shadowSafe: true }, requestClasses: { mutation: { methods: ['POST'] } } }), [], 'a shadow-safe mirror may see every method');
    assert.deepEqual(problems({ timeouts: { request: '0s', backendRequest: '30s' } }), [], 'request 0s means no limit (GEP-1742)');
    assert.deepEqual(problems({ targetRefs: [{ kind: 'Service', name: 'case-api-shadow' }], shadowSafe: true }), [], 'a Service declared shadow-safe');
    assert.deepEqual(TrafficPolicy.parse(manifest({ slowStart: { window: '30s' } })).spec.slowStart, { window: '30s', aggression: 1, minWeightPercent: 10 }, 'slow start defaults');
  });

  const INVALID: ReadonlyArray<readonly [string, Spec, readonly string[]]> = [
    ['no targets', { targetRefs: [] }, ['.spec.targetRefs: must name at least one target']],
    ['a target kind it cannot attach to', { targetRefs: [{ kind: 'Deployment', name: 'x' }] }, ['.spec.targetRefs.0.kind:']],
    ['a group that does not serve the kind', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'ServiceImport', name: 'x' }] }, ['.spec.targetRefs.0.group: must be "multicluster.x-k8s.io" or "net.gke.io" for kind ServiceImport, got "gateway.networking.k8s.io"']],
    ['the same target twice', { targetRefs: [TARGET, { kind: 'ServiceImport', name: 'public-case-api' }] }, ['.spec.targetRefs.1: duplicate target (also .spec.targetRefs[0])']],
    ['Weighted without weights', { locality: { mode: 'Weighted' } }, ['.spec.locality.weights: is required when locality.mode is Weighted: give each cluster a weight']],
    ['Weighted with every weight 0', { locality: { mode: 'Weighted', weights: { 'jkt-prod-1': 0, 'sgp-prod-1': 0 } } }, ['.spec.locality.weights: must give at least one cluster a weight above 0: with every weight 0, Weighted sends no traffic anywhere']],
    ['a weight that is no cluster name', { locality: { mode: 'Weighted', weights: { JKT: 1 } } }, ['.spec.locality.weights.JKT:']],
    ['a negative weight', { locality: { mode: 'Weighted', weights: { 'jkt-prod-1': -1 } } }, ['.spec.locality.weights.jkt-prod-1:']],
    ['FailoverPriority without a list', { locality: { mode: 'FailoverPriority' } }, ['.spec.locality.failoverPriority: is required when locality.mode is FailoverPriority: list the clusters or regions to fail over to, in order']],
    ['FailoverPriority with an empty list', { locality: { mode: 'FailoverPriority', failoverPriority: [] } }, ['.spec.locality.failoverPriority: is required when locality.mode is FailoverPriority: list the clusters or regions to fail over to, in order']],
    ['a cluster listed twice', { locality: { mode: 'FailoverPriority', failoverPriority: ['sgp-prod-1', 'tyo-prod-1', 'sgp-prod-1'] } }, ['.spec.locality.failoverPriority.2: duplicate cluster or region "sgp-prod-1" (also .spec.locality.failoverPriority[0])']],
    ['Owner without ownership', { locality: { mode: 'Owner' } }, ['.spec.ownership: is required when locality.mode is Owner: say where the ownership key is and which OwnershipMap maps it to a cluster']],
    [
      'Owner with no mutation method and nearest reads',
      { locality: { mode: 'Owner' }, ownership: OWNERSHIP, requestClasses: { mutation: { methods: [] } } },
      ['.spec.requestClasses.mutation.methods: must name at least one method when locality.mode is Owner and ownership.reads is Nearest: otherwise no request goes to its owner'],
    ],
    ['an ownership key with no source', { ownership: { ...OWNERSHIP, key: {} } }, ['.spec.ownership.key: must set one of header, query or pathSegment']],
    ['an ownership key with two sources', { ownership: { ...OWNERSHIP, key: { header: 'X-Case-Id', pathSegment: 2 } } }, ['.spec.ownership.key: must set exactly one of header, query or pathSegment, not header and pathSegment']],
    ['path segment 0 (segments are 1-based)', { ownership: { ...OWNERSHIP, key: { pathSegment: 0 } } }, ['.spec.ownership.key.pathSegment:']],
    ['an ownership map of another kind', { ownership: { ...OWNERSHIP, mapRef: { kind: 'ConfigMap', name: 'x' } } }, ['.spec.ownership.mapRef.kind:']],
    ['failing open', { ownership: { ...OWNERSHIP, onOwnerUnavailable: 'FailOpen' } }, ['.spec.ownership.onOwnerUnavailable:']],
    ['read-your-writes when every read already goes to the owner', { ownership: { ...OWNERSHIP, reads: 'Owner', readYourWrites: { window: '10s' } } }, ['.spec.ownership.readYourWrites: has no effect: ownership.reads is Owner, so every read already goes to the owner; remove it, or set reads to Nearest']],
    ['a read-your-writes window of 0s', { ownership: { ...OWNERSHIP, readYourWrites: { window: '0s' } } }, ['.spec.ownership.readYourWrites.window: must be greater than 0s: a window of 0s remembers no write']],
    ['a read-your-writes window above 1h', { ownership: { ...OWNERSHIP, readYourWrites: { window: '2h' } } }, ['.spec.ownership.readYourWrites.window: must be at most 1h; to send every read to the owner, set ownership.reads to Owner']],
    ['read-your-writes remembering no key', { ownership: { ...OWNERSHIP, readYourWrites: { window: '10s', maxKeys: 0 } } }, ['.spec.ownership.readYourWrites.maxKeys:']],
    ['affinity on a header and a cookie', { sessionAffinity: { header: 'X-Session', cookie: 's' } }, ['.spec.sessionAffinity: must set exactly one of header or cookie, not header and cookie']],
    ['a lower-case method', { requestClasses: { mutation: { methods: ['post'] } } }, ['.spec.requestClasses.mutation.methods.0:']],
    ['a method listed twice', { requestClasses: { mutation: { methods: ['POST', 'PUT', 'POST'] } } }, ['.spec.requestClasses.mutation.methods.2: duplicate method "POST" (also .spec.requestClasses.mutation.methods[0])']],
    ['an inverted timeout ladder', { timeouts: { request: '3s', backendRequest: '10s' } }, ['.spec.timeouts.backendRequest: must be less than or equal to timeouts.request (3s)']],
    ['a bad duration', { timeouts: { request: '10 seconds' } }, ['.spec.timeouts.request: must be a Gateway API duration like "10s", "1m30s" or "500ms", got "10 seconds"']],
    [
      'mirroring mutations without shadowSafe',
      { mirror: { backendRef: { kind: 'ServiceImport', name: 'shadow', port: 8080 } }, requestClasses: { mutation: { methods: ['POST'] } } },
      ['.spec.mirror.shadowSafe: must be true, or requestClasses.mutation.methods must list PUT, PATCH, DELETE: those requests count as reads and would be mirrored to a backend that is not shadow-safe'],
    ],
    [
      'shadowSafe on an HTTPRoute target',
      { targetRefs: [TARGET, { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }], shadowSafe: true },
      [
        ".spec.shadowSafe: must not be true when a target is an HTTPRoute (.spec.targetRefs[1]): shadowSafe declares that a backend may receive mirrored mutations; target the mirror's Service or ServiceImport",
      ],
    ],
    ['shadowSafe that is not a boolean', { shadowSafe: 'yes' }, ['.spec.shadowSafe:']],
    ['a mirror without a port', { mirror: { backendRef: { kind: 'Service', name: 'shadow' } } }, ['.spec.mirror.backendRef.port:']],
    ['a mirror percent above 100', { mirror: { backendRef: { kind: 'Service', name: 'shadow', port: 80 }, percent: 150 } }, ['.spec.mirror.percent:']],
    ['a health check timeout above its interval', { healthCheck: { path: '/healthz', interval: '1s', timeout: '2s' } }, ['.spec.healthCheck.timeout: must be less than or equal to interval (1s): checks would overlap']],
    ['a relative health check path', { healthCheck: { path: 'healthz' } }, ['.spec.healthCheck.path: must be an absolute path like "/healthz" (no whitespace, at most 1024 characters), got "healthz"']],
    ['a zero outlier interval', { outlierDetection: { interval: '0s' } }, ['.spec.outlierDetection.interval: must be greater than 0s: outlier detection counts errors per interval']],
    ['a base ejection above the cap', { outlierDetection: { baseEjectionTime: '5m', maxEjectionTime: '1m' } }, ['.spec.outlierDetection.baseEjectionTime: must be less than or equal to maxEjectionTime (1m)']],
    ['a retry budget above 100 %', { retry: { budgetPercent: 120 } }, ['.spec.retry.budgetPercent:']],
    ['a slow start window of 0s', { slowStart: { window: '0s' } }, ['.spec.slowStart.window: must be greater than 0s: a ramp of 0s is no slow start; leave slowStart out instead']],
    ['a slow start without a window', { slowStart: { aggression: 2 } }, ['.spec.slowStart.window:']],
    ['a slow start aggression of 0', { slowStart: { window: '30s', aggression: 0 } }, ['.spec.slowStart.aggression:']],
    ['a slow start minimum weight above 100 %', { slowStart: { window: '30s', minWeightPercent: 150 } }, ['.spec.slowStart.minWeightPercent:']],
    ['an unknown mode', { locality: { mode: 'Nearest' } }, ['.spec.locality.mode:']],
  ];
  for (const [name, spec, expected] of INVALID) {
    // Entries ending in ":" name only the field: zod's own wording for range and enum errors is
    // rewritten by validation/zod-messages.ts, so only the project's messages are pinned here.
    it(`refuses ${name}`, () => {
      const actual = problems(spec).map((p, i) => (expected[i]?.endsWith(':') ? p.slice(0, p.indexOf(': ') + 1) : p));
      assert.deepEqual(actual, expected);
    });
  }

  it('is registered as a namespaced, fleet-scoped lintas.dev kind', () => {
    const lookup = lookupKind('lintas.dev/v1alpha1', 'TrafficPolicy');
    assert.equal(lookup.status, 'known');
    if (lookup.status !== 'known') return;
    assert.equal(lookup.info.scope, 'Fleet');
    assert.equal(lookup.info.namespaced, true);
    assert.equal(resolveKindName('tp'), lookup.info);
    assert.equal(resolveKindName('trafficpolicies.lintas.dev'), lookup.info);
  });
});
