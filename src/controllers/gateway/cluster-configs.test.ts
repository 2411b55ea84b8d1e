/** Tests of the versioned per-cluster configs the control plane publishes for the config stream. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shareUpstream, type ClusterConfig, type GatewayIR, type HttpListenerIR, type UpstreamEndpointIR, type UpstreamIR } from '../../ir/index.ts';
import { WatchableMap } from '../../store/index.ts';
import { configVersion, nextClusterConfigs, publishClusterConfigs } from './cluster-configs.ts';
import { sliceGatewayIR } from './slice.ts';

const listener = (cluster: string, address: string, upstream: string): HttpListenerIR => ({
  key: `${address}:80`,
  address,
  port: 80,
  cluster,
  virtualHosts: [{ hostname: '*', gateway: 'ns/gw', listener: 'http', routes: [{ name: 'r', route: { namespace: 'ns', name: 'r' }, ruleIndex: 0, matchIndex: 0, match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }, filters: {}, backends: [{ weight: 1, kind: 'Service', namespace: 'ns', name: upstream, port: 80, upstream }] }] }],
});
const fleet = (bPort = 8080): GatewayIR => ({
  listeners: [listener('a', '10.0.0.1', 'ua'), listener('b', '10.0.0.2', 'ub')],
  upstreams: [
    { key: 'ua', kind: 'Service', namespace: 'ns', name: 'ua', port: 80, protocol: 'http', endpoints: [] },
    { key: 'ub', kind: 'Service', namespace: 'ns', name: 'ub', port: 80, protocol: 'http', endpoints: [{ address: '10.2.0.1', port: bPort, cluster: 'b', ready: true, serving: true, terminating: false }] },
  ],
});

describe('cluster configs', () => {
  it('bumps only the clusters whose slice changed; an unchanged fleet publishes nothing', () => {
    const map = new WatchableMap<string, ClusterConfig>();
    assert.deepEqual(publishClusterConfigs(map, fleet(), ['b', 'a'], 't1'), ['a', 'b']);
    const a1 = map.get('a');
    assert.equal(publishClusterConfigs(map, fleet(), ['a', 'b'], 't2').length, 0);
    assert.deepEqual(publishClusterConfigs(map, fleet(9090), ['a', 'b'], 't3'), ['b']);
    assert.equal(map.get('a'), a1, 'a kept its version, generation and publish time');
    assert.deepEqual([map.get('b')?.generation, map.get('b')?.publishedAt], [2, 't3']);
    assert.notEqual(map.get('b')?.version, configVersion({ ...fleet(), listeners: [] }));
  });

  it('removes clusters that left; versions hash content, not key order', () => {
    const current = new Map(nextClusterConfigs(new Map(), fleet(), ['a', 'b', 'c'], 't1').set);
    assert.deepEqual(nextClusterConfigs(current, fleet(), ['a'], 't2'), { set: [], delete: ['b', 'c'] });
    const ir = fleet();
    const reordered = JSON.parse(JSON.stringify({ upstreams: ir.upstreams, listeners: ir.listeners })) as GatewayIR;
    assert.equal(configVersion(reordered), configVersion(ir));
    assert.match(configVersion(ir), /^[0-9a-f]{16}$/);
  });
});

describe('cluster configs: cost of a change', () => {
  it('a changed slice is versioned without encoding its unchanged listeners again, to the same version', () => {
    let reads = 0;
    const counted = listener('a', '10.0.0.1', 'ub');
    // An enumerable getter counts reads of the listener's content by a deep compare or a JSON encoding (slicing never reads the address).
    const watched = Object.defineProperty({ ...counted }, 'address', { enumerable: true, get: () => ((reads += 1), counted.address) }) as HttpListenerIR;
    const ir = (bPort: number): GatewayIR => ({ ...fleet(bPort), listeners: [watched] });
    const map = new WatchableMap<string, ClusterConfig>();
    assert.deepEqual(publishClusterConfigs(map, ir(8080), ['a'], 't1'), ['a']);
    const before = reads;
    // Upstream ub changes: a's slice (the same listener object, a new upstream) gets a new version.
    assert.deepEqual(publishClusterConfigs(map, ir(9090), ['a'], 't2'), ['a']);
    assert.equal(reads, before, 'the unchanged listener was neither compared nor encoded again');
    const plain: GatewayIR = { ...fleet(9090), listeners: [counted] };
    assert.equal(map.get('a')?.version, configVersion(JSON.parse(JSON.stringify(sliceGatewayIR(plain, 'a'))) as GatewayIR), 'same version as a cold encoding');
  });
});

describe('cluster configs: listener certificates', () => {
  it('carry the PEM of exactly the Secrets the cluster\'s own HTTPS listeners name, looked up in that cluster', () => {
    const cert = (secret: string) => ({ secret, fingerprint: `fp-${secret}`, notAfter: '2027-01-01T00:00:00Z', dnsNames: ['x.test'] });
    const tls = (l: HttpListenerIR, secret: string): HttpListenerIR => ({ ...l, tls: { listeners: [{ gateway: 'ns/gw', listener: 'https', certificates: [cert(secret)] }] } });
    const ir: GatewayIR = { ...fleet(), listeners: [tls(listener('a', '10.0.0.1', 'ua'), 'ns/a-tls'), listener('b', '10.0.0.2', 'ub')] };
    const asked: string[] = [];
    const source = (cluster: string, secret: string) => {
      asked.push(`${cluster} ${secret}`);
      return { cert: `CERT ${secret}`, key: `KEY ${secret}` };
    };
    const set = new Map(nextClusterConfigs(new Map(), ir, ['a', 'b'], 't1', { certificates: source }).set);
    assert.deepEqual(set.get('a')?.certificates, { 'ns/a-tls': { cert: 'CERT ns/a-tls', key: 'KEY ns/a-tls' } });
    assert.equal(set.get('b')?.certificates, undefined, 'b serves no HTTPS listener: no key material');
    assert.deepEqual(asked, ['a ns/a-tls']);
  });
});

describe('cluster configs: versions of shared upstreams', () => {
  const ep = (i: number, ready = true): UpstreamEndpointIR => ({ address: `10.0.${String(Math.floor(i / 250))}.${String(i % 250)}`, port: 8080, cluster: 'a', zone: 'z1', ready, serving: ready, terminating: false });
  const upstream = (endpoints: readonly UpstreamEndpointIR[]): UpstreamIR => ({ key: 'ServiceImport/ns/big:80', kind: 'ServiceImport', namespace: 'ns', name: 'big', port: 80, protocol: 'http', endpoints });
  const fresh = (n: number, flip = -1): UpstreamEndpointIR[] => Array.from({ length: n }, (_, i) => ep(i, i !== flip));
  it('versions equal a cold encoding whatever the sharing', () => {
    const before = upstream(fresh(300));
    const shared = shareUpstream(before, upstream(fresh(300, 7)));
    const ir = { listeners: [], upstreams: [shared] };
    assert.equal(configVersion(ir), configVersion(JSON.parse(JSON.stringify(ir)) as typeof ir));
    assert.notEqual(configVersion(ir), configVersion({ listeners: [], upstreams: [before] }));
  });
});
