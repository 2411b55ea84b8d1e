import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_REPORT, mergeReports, type DataPlaneReport } from './dataplane-report.ts';

const endpoint = (address: string, state: 'ejected' | 'unhealthy') => ({ upstream: 'ServiceImport/ns/web:80', kind: 'ServiceImport' as const, namespace: 'ns', name: 'web', address, port: 80, cluster: 'c1', state });

const a: DataPlaneReport = {
  traffic: { bucketBoundsMs: [1, 10], pairs: [{ entry: 'c1', destination: 'c1', requests: 10, errors5xx: 1, buckets: [8, 2, 0] }] },
  observation: { endpoints: [endpoint('10.0.0.1', 'ejected')], attemptsByCluster: { c1: 10 } },
  nonOwnerMutations: [{ owner: 'c2', destination: 'c1', count: 1 }],
  certificates: [{ cluster: 'c1', secret: 'edge/tls', notAfter: '2027-01-01T00:00:00Z' }],
};
const b: DataPlaneReport = {
  traffic: { bucketBoundsMs: [1, 10], pairs: [{ entry: 'c1', destination: 'c1', requests: 5, errors5xx: 0, buckets: [5, 0, 0] }, { entry: 'c0', destination: 'none', requests: 2, errors5xx: 0, buckets: [2, 0, 0] }] },
  observation: { endpoints: [endpoint('10.0.0.2', 'unhealthy')], attemptsByCluster: { c1: 5, c2: 3 } },
  nonOwnerMutations: [{ owner: 'c2', destination: 'c1', count: 2 }],
  certificates: [{ cluster: 'c0', secret: 'edge/tls', notAfter: '2027-01-01T00:00:00Z' }],
};

describe('mergeReports', () => {
  it('sums counters by key, concatenates the views, and sorts', () => {
    const m = mergeReports([a, b]);
    assert.deepEqual(m.traffic.pairs, [
      { entry: 'c0', destination: 'none', requests: 2, errors5xx: 0, buckets: [2, 0, 0] },
      { entry: 'c1', destination: 'c1', requests: 15, errors5xx: 1, buckets: [13, 2, 0] },
    ]);
    assert.deepEqual(m.observation.attemptsByCluster, { c1: 15, c2: 3 });
    assert.deepEqual(m.observation.endpoints.map((e) => e.address), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(m.nonOwnerMutations, [{ owner: 'c2', destination: 'c1', count: 3 }]);
    assert.deepEqual(m.certificates.map((c) => c.cluster), ['c0', 'c1']);
    assert.deepEqual(a.traffic.pairs[0]?.requests, 10, 'inputs are not changed');
  });

  it('is the empty report for none, and the report itself for one', () => {
    assert.deepEqual(mergeReports([]).traffic.pairs, EMPTY_REPORT.traffic.pairs);
    assert.equal(mergeReports([a]), a);
  });
});
