import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DnsServiceIR, DnsZoneIR } from '../../ir/index.ts';
import { TEST_ZONE } from './test-zone.ts';
import { indexZone, ZoneIndexer } from './zone-index.ts';

const service = (namespace: string, name: string, ready: boolean): DnsServiceIR => ({
  namespace,
  name,
  type: 'Headless',
  ips: [],
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
  endpoints: [{ cluster: 'c1', hostname: `${name}-0`, ips: ['10.1.0.1'], ready }],
});

describe('ZoneIndexer', () => {
  it('indexes each version of a zone exactly as indexZone does, redoing only the services whose IR object changed', () => {
    const indexer = new ZoneIndexer();
    const [first, ...rest] = TEST_ZONE.services;
    const extra = service('extra', 'web', true);
    const versions: DnsZoneIR[] = [
      TEST_ZONE,
      // A service changed (a new object), one added in a new namespace, the rest the same objects.
      { ...TEST_ZONE, services: [...rest, extra, { ...(first as DnsServiceIR), endpoints: [] }] },
      // The new namespace's only service goes away: so does the namespace's name.
      { ...TEST_ZONE, services: rest },
      { ...TEST_ZONE, services: [...rest, service('extra', 'web', false)] },
      { ...TEST_ZONE, ttlSeconds: 30 },
      { ...TEST_ZONE, zone: 'other.local', services: [extra] },
    ];
    let previous: ReturnType<ZoneIndexer['index']> | undefined;
    for (const [i, zone] of versions.entries()) {
      const index = indexer.index(zone);
      assert.deepEqual(index, indexZone(zone), `version ${i}`);
      assert.notEqual(index.names, previous?.names, 'a new map for a changed zone: an index handed out is never mutated');
      previous = index;
    }
    assert.equal(indexer.index(versions[5] as DnsZoneIR), previous, 'the same zone again: the same index');
    assert.equal(indexer.index(versions[1] as DnsZoneIR).names.has('extra.svc.clusterset.local'), true);
    assert.equal(indexer.index(versions[2] as DnsZoneIR).names.has('extra.svc.clusterset.local'), false);
  });

  it('reuses the records of a service whose IR object is unchanged', () => {
    const indexer = new ZoneIndexer();
    const zone: DnsZoneIR = { zone: 'clusterset.local', ttlSeconds: 5, services: [service('a', 'one', true), service('a', 'two', true)] };
    const before = indexer.index(zone).names.get('one.a.svc.clusterset.local');
    const changed = service('a', 'two', false);
    const after = indexer.index({ ...zone, services: [zone.services[0] as DnsServiceIR, changed] });
    assert.equal(after.names.get('one.a.svc.clusterset.local'), before);
    assert.equal(after.names.has('two.a.svc.clusterset.local'), false, 'a headless service with no ready endpoint is NXDOMAIN');
  });
});
