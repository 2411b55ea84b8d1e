/** The DNS load's query is what it says: one TXT question for dns-version.clusterset.local, with the given id. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { versionQuery } from './dns-load.ts';

describe('versionQuery', () => {
  it('encodes a TXT query for dns-version.clusterset.local with the id', () => {
    const decoded = dnsPacket.decode(versionQuery(4321));
    assert.equal(decoded.id, 4321);
    assert.deepEqual(decoded.questions, [{ name: 'dns-version.clusterset.local', type: 'TXT', class: 'IN' }]);
  });
});
