import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkDnsPolicies } from './dns-policy-checks.ts';
import { checkFleet } from './fleet-checks.ts';
import { formatIssue } from './issues.ts';
import { decodeFleet } from './test-decode.ts';

const FLEET = `
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: { name: jkt-prod-1 }
spec: { region: ap-southeast-3 }
---
apiVersion: lintas.dev/v1alpha1
kind: Cluster
metadata: { name: sgp-prod-1 }
spec: { region: ap-southeast-1 }
---
apiVersion: lintas.dev/v1alpha1
kind: ClusterSet
metadata: { name: set }
spec: { clusters: [jkt-prod-1, sgp-prod-1], dnsZone: clusterset.local }
`;

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: regional, namespace: lintas-gateway }
spec: { gatewayClassName: lintas, listeners: [{ name: http, protocol: HTTP, port: 8080 }] }
`;

/** Issues of `policies` (a fleet file) next to the inventory and a Gateway in jkt-prod-1. */
function check(policies: string): string[] {
  const fleet = decodeFleet({ 'fleet/clusters.yaml': FLEET, 'clusters/jkt-prod-1/gateway.yaml': GATEWAY, 'fleet/dns.yaml': policies });
  assert.deepEqual(fleet.issues.map(formatIssue), [], 'the fixture decodes cleanly');
  return checkDnsPolicies(fleet.objects, fleet.locate).map(formatIssue);
}

const policy = (name: string, spec: string): string => `
apiVersion: lintas.dev/v1alpha1
kind: DNSPolicy
metadata: { name: ${name}, namespace: lintas-gateway }
spec:
${spec}
`;

const ZONE = `  zones: [{ name: example.com, nameServers: [{ name: ns1.example.com, addresses: [127.0.0.1] }] }]`;

describe('DNSPolicy cross-object checks', () => {
  it('accepts a policy whose clusters, regions and Gateway exist', () => {
    assert.deepEqual(
      check(policy('public', `  targetRefs: [{ kind: Gateway, name: regional }]\n${ZONE}\n  strategy: { type: Failover, failover: { primary: sgp-prod-1, then: [ap-southeast-3] } }`)),
      [],
    );
  });

  it('locates every unknown cluster or region a strategy names', () => {
    const issues = check(
      policy(
        'public',
        `  targetRefs: [{ kind: Gateway, name: regional }]
${ZONE}
  strategy:
    type: Geo
    weights: { nowhere-1: 1 }
    failover: { primary: mars-1, then: [jkt-prod-1, us-east-1] }
    geo: { defaultRegion: moon, subnets: [{ cidr: 10.0.0.0/8, region: pluto }] }`,
      ),
    );
    assert.deepEqual(issues, [
      'fleet/dns.yaml:10: DNSPolicy lintas-gateway/public: .spec.strategy.weights.nowhere-1: cluster "nowhere-1" is not in the inventory (no Cluster object named "nowhere-1")',
      'fleet/dns.yaml:11: DNSPolicy lintas-gateway/public: .spec.strategy.failover.primary: "mars-1" is neither a cluster in the inventory nor the region of one',
      'fleet/dns.yaml:11: DNSPolicy lintas-gateway/public: .spec.strategy.failover.then[1]: "us-east-1" is neither a cluster in the inventory nor the region of one',
      'fleet/dns.yaml:12: DNSPolicy lintas-gateway/public: .spec.strategy.geo.defaultRegion: "moon" is neither a cluster in the inventory nor the region of one',
      'fleet/dns.yaml:12: DNSPolicy lintas-gateway/public: .spec.strategy.geo.subnets[0].region: "pluto" is neither a cluster in the inventory nor the region of one',
    ]);
  });

  it('refuses a second policy on the same Gateway, a zone declared two ways, and the ClusterSet zone; warns on a missing Gateway', () => {
    const issues = check(
      policy('a', `  targetRefs: [{ kind: Gateway, name: regional }]\n${ZONE}`) +
        '---' +
        policy('b', `  targetRefs: [{ kind: Gateway, name: regional, sectionName: http }, { kind: Gateway, name: missing }]\n  zones: [{ name: example.com, nameServers: [{ name: ns2.example.com, addresses: [127.0.0.2] }] }, { name: svc.clusterset.local, nameServers: [{ name: ns.example.net }] }]`),
    );
    assert.equal(issues.length, 4, issues.join('\n'));
    assert.match(issues[0] ?? '', /DNSPolicy lintas-gateway\/b: \.spec\.targetRefs\[0\]: Gateway lintas-gateway\/regional is already the target of DNSPolicy a \(fleet\/dns\.yaml:\d+\); a Gateway has one DNS policy$/);
    assert.match(issues[1] ?? '', /\.spec\.targetRefs\[1\]: no cluster has a Gateway lintas-gateway\/missing; the policy applies once one exists/);
    assert.match(issues[2] ?? '', /\.spec\.zones\[0\]: zone "example\.com" is also declared by DNSPolicy a .* with other name servers or SOA/);
    assert.match(issues[3] ?? '', /\.spec\.zones\[1\]\.name: overlaps the ClusterSet DNS zone "clusterset\.local"/);
  });

  it('runs as part of the fleet checks', () => {
    const fleet = decodeFleet({ 'fleet/clusters.yaml': FLEET, 'fleet/dns.yaml': policy('public', `  targetRefs: [{ kind: Gateway, name: regional }]\n${ZONE}\n  strategy: { type: Weighted, weights: { lon-1: 1 } }`) });
    const issues = checkFleet(fleet.objects, [], fleet.locate).map(formatIssue);
    assert.ok(issues.some((i) => i.includes('.spec.strategy.weights.lon-1: cluster "lon-1" is not in the inventory')), issues.join('\n'));
  });
});
