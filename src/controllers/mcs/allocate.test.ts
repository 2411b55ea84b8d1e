import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allocateClusterSetIPs, type AllocationOutcome, type AllocationRequest } from './allocate.ts';

/** Outcomes as `key → ip` or `key → !Reason`, for compact tables. */
function summary(outcomes: ReadonlyMap<string, AllocationOutcome>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, o] of [...outcomes].sort(([a], [b]) => (a < b ? -1 : 1))) out[key] = o.ok ? o.ips.join(',') : `!${o.reason}`;
  return out;
}

const req = (...keys: string[]): AllocationRequest[] => keys.map((key) => ({ key }));

describe('allocateClusterSetIPs', () => {
  const cases: {
    name: string;
    range: string | undefined;
    requests: AllocationRequest[];
    previous?: Record<string, string[]>;
    want: Record<string, string>;
  }[] = [
    { name: 'lowest free from offset 1, in key order', range: '10.0.0.0/24', requests: req('ns/b', 'ns/a'), want: { 'ns/a': '10.0.0.1', 'ns/b': '10.0.0.2' } },
    { name: 'previous allocations are kept', range: '10.0.0.0/24', requests: req('ns/a', 'ns/b'), previous: { 'ns/a': ['10.0.0.9'] }, want: { 'ns/a': '10.0.0.9', 'ns/b': '10.0.0.1' } },
    { name: 'a kept address is skipped by new ones', range: '10.0.0.0/24', requests: req('ns/a', 'ns/b'), previous: { 'ns/b': ['10.0.0.1'] }, want: { 'ns/a': '10.0.0.2', 'ns/b': '10.0.0.1' } },
    { name: 'released addresses are reused', range: '10.0.0.0/24', requests: req('ns/new'), previous: { 'ns/gone': ['10.0.0.1'] }, want: { 'ns/new': '10.0.0.1' } },
    { name: 'out-of-range previous is re-allocated', range: '10.0.0.0/24', requests: req('ns/a'), previous: { 'ns/a': ['192.168.0.1'] }, want: { 'ns/a': '10.0.0.1' } },
    { name: 'network address is never kept', range: '10.0.0.0/24', requests: req('ns/a'), previous: { 'ns/a': ['10.0.0.0'] }, want: { 'ns/a': '10.0.0.1' } },
    { name: 'last address is never kept', range: '10.0.0.0/24', requests: req('ns/a'), previous: { 'ns/a': ['10.0.0.255'] }, want: { 'ns/a': '10.0.0.1' } },
    { name: 'garbage previous is ignored', range: '10.0.0.0/24', requests: req('ns/a'), previous: { 'ns/a': ['nope'] }, want: { 'ns/a': '10.0.0.1' } },
    { name: 'a duplicate claim goes to the first key', range: '10.0.0.0/24', requests: req('ns/b', 'ns/a'), previous: { 'ns/a': ['10.0.0.5'], 'ns/b': ['10.0.0.5'] }, want: { 'ns/a': '10.0.0.5', 'ns/b': '10.0.0.1' } },
    { name: '/30 has two usable addresses', range: '10.0.0.0/30', requests: req('a', 'b', 'c'), want: { a: '10.0.0.1', b: '10.0.0.2', c: '!ClusterSetIPRangeExhausted' } },
    { name: '/31 has none', range: '10.0.0.0/31', requests: req('a'), want: { a: '!ClusterSetIPRangeExhausted' } },
    { name: 'IPv6 range', range: 'fd00:10::/120', requests: req('a', 'b'), previous: { a: ['fd00:10::1'] }, want: { a: 'fd00:10::1', b: 'fd00:10::2' } },
    { name: 'no range', range: undefined, requests: req('a'), previous: { a: ['10.0.0.1'] }, want: { a: '!NoClusterSetIPRange' } },
    { name: 'invalid range', range: '10.0.0.0/33', requests: req('a'), want: { a: '!NoClusterSetIPRange' } },
    {
      name: 'family must match the range',
      range: '10.0.0.0/24',
      requests: [{ key: 'v6', ipFamilies: ['IPv6'] }, { key: 'dual', ipFamilies: ['IPv6', 'IPv4'] }, { key: 'unknown' }],
      want: { dual: '10.0.0.1', unknown: '10.0.0.2', v6: '!IPFamilyNotSupported' },
    },
    { name: 'nothing requested', range: undefined, requests: [], want: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const previous = c.previous ?? {};
      const before = structuredClone(previous);
      const result = allocateClusterSetIPs(c.range, c.requests, previous);
      assert.deepEqual(summary(result.outcomes), c.want);
      assert.deepEqual(previous, before, 'previous allocations are not mutated');
      // Persisted allocations are exactly the successful outcomes, so failures and removed keys are released.
      const persisted = Object.fromEntries(Object.entries(c.want).filter(([, v]) => !v.startsWith('!')).map(([k, v]) => [k, [v]]));
      assert.deepEqual(result.allocations, persisted);
    });
  }

  it('is stable: a second run over its own output changes nothing', () => {
    const first = allocateClusterSetIPs('10.0.0.0/24', req('x/a', 'x/b', 'x/c'), {});
    const second = allocateClusterSetIPs('10.0.0.0/24', req('x/c', 'x/a', 'x/b'), first.allocations);
    assert.deepEqual(second.allocations, first.allocations);
  });
});
