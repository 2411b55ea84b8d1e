/**
 * `lintas dns explain` offline on the capstone (its DNSPolicy answers cases.example.com and
 * search.example.com over the three regional Gateways; nothing is probed offline), and its
 * usage errors. The live form runs in test/gslb.e2e.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from './io.ts';
import { lintas } from './test-cli.ts';

describe('dns explain (offline)', () => {
  it('shows the capstone hostname: zone, policy, strategy, TTL, each region with its evidence, the choice and the records', async () => {
    const r = await lintas(['dns', 'explain', 'cases.example.com', '--config', 'examples/capstone']);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, /^cases\.example\.com {2}zone example\.com {2}policy lintas-gateway\/public$/m);
    assert.match(r.stdout, /^strategy RoundRobin, TTL 5s, when no cluster is healthy: FailOpen$/m);
    const regions: readonly (readonly [string, string, string])[] = [['jkt-prod-1', 'ap-southeast-3', '127.1.255.1'], ['sgp-prod-1', 'ap-southeast-1', '127.2.255.1'], ['tyo-prod-1', 'ap-northeast-1', '127.3.255.1']];
    for (const [cluster, region, address] of regions) {
      assert.match(r.stdout, new RegExp(`✓ ${cluster} \\(${region}\\) ${address.replaceAll('.', '\\.')}`));
      assert.match(r.stdout, new RegExp(`ok {3}probe {4}GET http://${address.replaceAll('.', '\\.')}:8080/healthz \\(Host: cases\\.example\\.com\\): not probed yet`));
    }
    assert.match(r.stdout, /ok {3}contract regional readiness holds for ServiceImport\/cases\/public-case-api/);
    assert.match(r.stdout, /^choice: jkt-prod-1, sgp-prod-1, tyo-prod-1 \(every healthy cluster\)$/m);
    assert.match(r.stdout, /^answer: cases\.example\.com\. 5 IN A 127\.1\.255\.1$/m);
    const json = await lintas(['dns', 'explain', 'search.example.com', '--config', 'examples/capstone', '--cluster', 'tyo-prod-1', '-o', 'json']);
    assert.equal(json.code, EXIT.ok, json.stderr);
    const e = JSON.parse(json.stdout) as { client: { address: string }; eligible: string[]; ttlSeconds: number };
    assert.deepEqual([e.client.address, e.eligible.length, e.ttlSeconds], ['127.3.0.0', 3, 5]);
  });

  it('exits 1 for a name no zone answers, 2 for a malformed subnet or an unknown cluster', async () => {
    const unknown = await lintas(['dns', 'explain', 'nope.example.org', '--config', 'examples/capstone']);
    assert.equal(unknown.code, EXIT.invalid);
    assert.match(unknown.stderr, /nope\.example\.org: no public zone of a DNSPolicy answers for this name/);
    const subnet = await lintas(['dns', 'explain', 'cases.example.com', '--config', 'examples/capstone', '--client-subnet', '10.0.0.0/40']);
    assert.equal(subnet.code, EXIT.usage);
    assert.match(subnet.stderr, /--client-subnet must be an address or CIDR/);
    const cluster = await lintas(['dns', 'explain', 'cases.example.com', '--config', 'examples/capstone', '--cluster', 'mars-1']);
    assert.equal(cluster.code, EXIT.usage);
    assert.match(cluster.stderr, /--cluster mars-1: no such Cluster in the fleet/);
  });
});
