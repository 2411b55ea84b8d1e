import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'js-yaml';
import { DNSPolicy, durationSeconds } from './dns-policy.ts';
import { lookupKind, resolveKindName } from './kinds.ts';

type Spec = Record<string, unknown>;

const EXAMPLE = `
apiVersion: lintas.dev/v1alpha1
kind: DNSPolicy
metadata: { name: public, namespace: lintas-gateway }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: Gateway, name: regional }]
  zones:
    - name: example.com
      nameServers:
        - { name: ns1.example.com, addresses: [127.0.0.1] }
        - { name: ns.other-provider.net }
      soa: { rname: hostmaster.example.com, negativeTTL: 1m }
  ttlSeconds: 5
  strategy:
    type: Geo
    geo:
      subnets: [{ cidr: 127.2.0.0/16, region: ap-southeast-1 }, { cidr: 10.0.0.0/8, region: jkt-prod-1 }]
      defaultRegion: ap-southeast-3
  healthCheck: { path: /healthz, interval: 1s, timeout: 500ms, failureThreshold: 2 }
  onNoHealthyRegion: NoAnswer
`;

const ZONE = { name: 'example.com', nameServers: [{ name: 'ns1.example.com', addresses: ['127.0.0.1'] }] };
const manifest = (spec: Spec): unknown => ({
  apiVersion: 'lintas.dev/v1alpha1',
  kind: 'DNSPolicy',
  metadata: { name: 'public', namespace: 'lintas-gateway' },
  spec: { targetRefs: [{ kind: 'Gateway', name: 'regional' }], zones: [ZONE], ...spec },
});

function problems(spec: Spec): string[] {
  const r = DNSPolicy.safeParse(manifest(spec));
  return r.success ? [] : r.error.issues.map((i) => `.${i.path.join('.')}: ${i.message}`);
}

describe('DNSPolicy schema', () => {
  it('accepts a full example and fills in the defaults', () => {
    const p = DNSPolicy.parse(load(EXAMPLE));
    assert.equal(p.spec.strategy.type, 'Geo');
    assert.equal(p.spec.zones[0]?.soa.negativeTTL, '1m');
    assert.equal(p.spec.zones[0]?.soa.refresh, '1h');
    assert.equal(p.spec.healthCheck.successThreshold, 1);
    assert.equal(p.spec.onNoHealthyRegion, 'NoAnswer');

    const d = DNSPolicy.parse(manifest({}));
    assert.equal(d.spec.targetRefs[0]?.group, 'gateway.networking.k8s.io');
    assert.equal(d.spec.strategy.type, 'RoundRobin');
    assert.equal(d.spec.ttlSeconds, 30);
    assert.equal(d.spec.onNoHealthyRegion, 'FailOpen');
    assert.deepEqual(d.spec.healthCheck, { interval: '5s', timeout: '1s', failureThreshold: 3, successThreshold: 1 });
    assert.equal(durationSeconds(d.spec.zones[0]?.soa.negativeTTL ?? ''), 30);
  });

  it('is a registered fleet kind with kubectl names', () => {
    const found = lookupKind('lintas.dev/v1alpha1', 'DNSPolicy');
    assert.equal(found.status, 'known');
    assert.equal(resolveKindName('dnspolicies')?.kind, 'DNSPolicy');
    assert.equal(resolveKindName('dnsp')?.kind, 'DNSPolicy');
    assert.equal(found.status === 'known' ? found.info.scope : undefined, 'Fleet');
  });

  it('refuses what a strategy needs but lacks, each at the field to fix', () => {
    assert.deepEqual(problems({ strategy: { type: 'Weighted' } }), ['.spec.strategy.weights: is required when type is Weighted: give each cluster a weight']);
    assert.match(problems({ strategy: { type: 'Weighted', weights: { a: 0, b: 0 } } })[0] ?? '', /^\.spec\.strategy\.weights: must give at least one cluster a weight above 0/);
    assert.match(problems({ strategy: { type: 'Failover' } })[0] ?? '', /^\.spec\.strategy\.failover: is required when type is Failover/);
    assert.match(problems({ strategy: { type: 'Geo' } })[0] ?? '', /^\.spec\.strategy\.geo: is required when type is Geo/);
    assert.deepEqual(problems({ strategy: { type: 'Failover', failover: { primary: 'a', then: ['b', 'a', 'b'] } } }), [
      '.spec.strategy.failover.then.2: duplicate cluster or region "b" (also .spec.strategy.failover.then[0])',
      '.spec.strategy.failover.then.1: "a" is already the primary',
    ]);
    assert.deepEqual(problems({ strategy: { type: 'Geo', geo: { defaultRegion: 'r', subnets: [{ cidr: '10.0.0.0/8', region: 'r' }, { cidr: '10.0.0.0/8', region: 's' }] } } }), [
      '.spec.strategy.geo.subnets.1.cidr: duplicate subnet 10.0.0.0/8 (also .spec.strategy.geo.subnets[0])',
    ]);
    assert.match(problems({ strategy: { type: 'Geo', geo: { defaultRegion: 'r', subnets: [{ cidr: '10.0.0.1/8', region: 'r' }] } } })[0] ?? '', /host bits set/);
  });

  it('refuses zones resolvers could not use: in-zone name servers without glue, duplicates, nested zones', () => {
    assert.deepEqual(problems({ zones: [{ name: 'example.com', nameServers: [{ name: 'ns1.example.com' }] }] }), [
      '.spec.zones.0.nameServers.0.addresses: is required: ns1.example.com lies inside example.com, so resolvers need its addresses (glue) to reach it',
    ]);
    assert.deepEqual(problems({ zones: [ZONE, { ...ZONE }] }), ['.spec.zones.1.name: duplicate zone "example.com" (also .spec.zones[0])']);
    assert.match(problems({ zones: [ZONE, { ...ZONE, name: 'a.example.com' }] })[0] ?? '', /^\.spec\.zones\.1\.name: "a\.example\.com" lies inside \.spec\.zones\[0\]/);
    assert.match(problems({ zones: [] })[0] ?? '', /^\.spec\.zones: must declare at least one zone/);
    assert.match(problems({ zones: [{ ...ZONE, soa: { negativeTTL: '48h' } }] })[0] ?? '', /^\.spec\.zones\.0\.soa\.negativeTTL: must be from 0s to 86400s/);
  });

  it('refuses targets that are not Gateways, duplicates and bad health checks', () => {
    assert.match(problems({ targetRefs: [{ kind: 'HTTPRoute', name: 'x' }] })[0] ?? '', /^\.spec\.targetRefs\.0\.kind/);
    assert.match(problems({ targetRefs: [{ kind: 'Gateway', name: 'g' }, { kind: 'Gateway', name: 'g' }] })[0] ?? '', /duplicate target/);
    assert.match(problems({ healthCheck: { interval: '1s', timeout: '2s' } })[0] ?? '', /^\.spec\.healthCheck\.timeout: must be less than or equal to interval/);
    assert.match(problems({ healthCheck: { interval: '0s' } })[0] ?? '', /^\.spec\.healthCheck\.interval: must be greater than 0s/);
    assert.match(problems({ healthCheck: { path: 'healthz' } })[0] ?? '', /^\.spec\.healthCheck\.path: must be an absolute path/);
    assert.match(problems({ ttlSeconds: -1 })[0] ?? '', /^\.spec\.ttlSeconds/);
  });
});
