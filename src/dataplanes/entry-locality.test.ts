/** Tests of the source-address → entry cluster lookup. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileEntrySources } from './entry-locality.ts';

describe('compileEntrySources', () => {
  const lookup = compileEntrySources([
    { cidr: '127.1.0.0/16', cluster: 'jkt-prod-1', region: 'ap-southeast-3' },
    { cidr: '127.2.0.0/16', cluster: 'sgp-prod-1', region: 'ap-southeast-1', zone: 'a' },
    { cidr: '127.2.9.0/24', cluster: 'sgp-edge', region: 'ap-southeast-1' },
    { cidr: 'fd00:1::/64', cluster: 'v6-cluster' },
    { cidr: 'not-a-cidr', cluster: 'ignored' },
  ]);

  it('maps an address to the cluster whose range contains it', () => {
    assert.deepEqual(lookup('127.1.4.5'), { cluster: 'jkt-prod-1', region: 'ap-southeast-3' });
    assert.deepEqual(lookup('127.2.0.9'), { cluster: 'sgp-prod-1', region: 'ap-southeast-1', zone: 'a' });
  });

  it('prefers the longest prefix', () => {
    assert.equal(lookup('127.2.9.1')?.cluster, 'sgp-edge');
  });

  it('understands IPv4-mapped IPv6 and IPv6', () => {
    assert.equal(lookup('::ffff:127.1.0.1')?.cluster, 'jkt-prod-1');
    assert.equal(lookup('fd00:1::7')?.cluster, 'v6-cluster');
  });

  it('returns undefined for unknown or garbage sources (and repeatedly, from the cache)', () => {
    assert.equal(lookup('10.0.0.1'), undefined);
    assert.equal(lookup('10.0.0.1'), undefined);
    assert.equal(lookup('nonsense'), undefined);
    assert.equal(lookup(undefined), undefined);
    assert.equal(compileEntrySources([])('127.1.0.1'), undefined);
  });
});
