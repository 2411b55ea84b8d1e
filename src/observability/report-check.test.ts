import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminApiError } from './admin-server.ts';
import { checkedReport } from './report-check.ts';

const valid = () => ({
  traffic: { bucketBoundsMs: [1, 10], pairs: [{ entry: 'c1', destination: 'c2', requests: 3, errors5xx: 1, buckets: [1, 1, 1] }] },
  observation: { endpoints: [{ upstream: 'u', kind: 'ServiceImport', namespace: 'ns', name: 'web', address: '10.0.0.1', port: 80, cluster: 'c2', state: 'ejected' }], attemptsByCluster: { c2: 3 } },
  nonOwnerMutations: [{ owner: 'c2', destination: 'c1', count: 1 }],
  certificates: [{ cluster: 'c1', secret: 'edge/tls', notAfter: '2027-01-01T00:00:00Z' }],
});

/** The 400's message for `body` as cluster c1's report. */
function refusal(body: Record<string, unknown>): string {
  try {
    checkedReport(body, 'c1');
  } catch (error) {
    assert.ok(error instanceof AdminApiError);
    assert.equal(error.status, 400);
    return error.message;
  }
  assert.fail('accepted');
}

describe('checkedReport', () => {
  it('accepts a well-formed report of the gateway\'s own cluster as it is', () => {
    assert.deepEqual(checkedReport(valid(), 'c1'), valid());
  });

  it('refuses, naming the field, what is malformed or speaks for another cluster', () => {
    const cases: [string, (r: ReturnType<typeof valid>) => unknown, RegExp][] = [
      ['another entry cluster', (r) => ((r.traffic.pairs[0] as { entry: string }).entry = 'c9'), /^\.traffic\.pairs\[0\]\.entry: a gateway of cluster c1 reports only traffic that entered c1, not c9$/],
      ['more 5xx than requests', (r) => ((r.traffic.pairs[0] as { errors5xx: number }).errors5xx = 4), /^\.traffic\.pairs\[0\]\.errors5xx: must not exceed requests$/],
      ['a negative count', (r) => ((r.nonOwnerMutations[0] as { count: number }).count = -1), /^\.nonOwnerMutations\[0\]\.count: must be a non-negative integer$/],
      ['an unknown state', (r) => ((r.observation.endpoints[0] as { state: string }).state = 'dead'), /^\.observation\.endpoints\[0\]\.state: must be one of/],
      ['another cluster\'s certificate', (r) => ((r.certificates[0] as { cluster: string }).cluster = 'c2'), /^\.certificates\[0\]\.cluster: a gateway of cluster c1 reports only its own certificates/],
      ['a bad time', (r) => ((r.certificates[0] as { notAfter: string }).notAfter = 'soon'), /^\.certificates\[0\]\.notAfter: must be an RFC 3339 time$/],
      ['no traffic', (r) => delete (r as Partial<ReturnType<typeof valid>>).traffic, /^\.traffic: must be an object$/],
    ];
    for (const [what, mutate, expected] of cases) {
      const r = valid();
      mutate(r);
      assert.match(refusal(r), expected, what);
    }
  });
});
