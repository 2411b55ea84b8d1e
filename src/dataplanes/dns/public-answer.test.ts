import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIP } from '../../lib/index.ts';
import { answerPublic, chooseClusters, type PublicClient } from './public-answer.ts';
import { indexPublicZones, type PublicHostEntry } from './public-index.ts';
import type { DnsRecord } from './records.ts';
import { PUBLIC_ZONES } from './public-test-zone.ts';

const index = indexPublicZones(PUBLIC_ZONES);

function show(r: DnsRecord): string {
  switch (r.type) {
    case 'SOA':
      return `${r.name} ${String(r.ttl)} SOA ${r.data.mname} ${r.data.rname} ${String(r.data.serial)} ${String(r.data.minimum)}`;
    case 'SRV':
      return `${r.name} SRV`;
    case 'TXT':
      return `${r.name} TXT`;
    default:
      return `${r.name} ${String(r.ttl)} ${r.type} ${r.data}`;
  }
}

function ask(name: string, type = 'A', client: PublicClient = {}, draw = 0.5, rotate = 0, klass?: string) {
  const a = answerPublic(index, { name, type, ...(klass !== undefined ? { class: klass } : {}) }, client, draw, rotate);
  assert.ok(a !== undefined, `${name} is in a public zone`);
  return { rcode: a.rcode, answers: a.answers.map(show), authority: (a.authority ?? []).map(show), additional: (a.additional ?? []).map(show), scope: a.scope, why: a.host?.choice.why };
}

const host = (name: string): PublicHostEntry => {
  const node = index.names.get(name);
  assert.ok(node?.kind === 'host');
  return node.host;
};

const from = (ip: string, prefix?: number): PublicClient => {
  const address = parseIP(ip);
  assert.ok(address !== undefined);
  return { address, ...(prefix !== undefined ? { prefix } : {}) };
};

describe('public zone answers', () => {
  it('answers a RoundRobin hostname with every eligible cluster, rotated per query, with its TTL and AA', () => {
    const first = ask('cases.example.com');
    assert.deepEqual(first.answers, ['cases.example.com 5 A 127.1.255.1', 'cases.example.com 5 A 127.2.255.1', 'cases.example.com 5 A 127.3.255.1']);
    assert.equal(first.scope, 0);
    assert.deepEqual(ask('cases.example.com', 'A', {}, 0.5, 1).answers[0], 'cases.example.com 5 A 127.2.255.1');
    assert.deepEqual(ask('cases.example.com', 'AAAA').answers, ['cases.example.com 5 AAAA fd00::2']);
    assert.equal(answerPublic(index, { name: 'cases.example.com', type: 'A' }, {}, 0.5, 0)?.authoritative, true);
    // The owner name is answered as asked (resolvers using 0x20 randomisation compare it).
    assert.deepEqual(ask('CaSeS.Example.COM.').answers[0], 'CaSeS.Example.COM 5 A 127.1.255.1');
  });

  it('answers the apex SOA and NS (with glue for the in-zone server), and in-zone name servers', () => {
    assert.deepEqual(ask('example.com', 'SOA').answers, ['example.com 3600 SOA ns1.example.com hostmaster.example.com 7 15']);
    const ns = ask('example.com', 'NS');
    assert.deepEqual(ns.answers, ['example.com 3600 NS ns1.example.com', 'example.com 3600 NS ns.example.net']);
    assert.deepEqual(ns.additional, ['ns1.example.com 3600 A 127.0.0.1']);
    assert.deepEqual(ask('ns1.example.com').answers, ['ns1.example.com 3600 A 127.0.0.1']);
  });

  it('says NXDOMAIN and NODATA with the SOA whose TTL is the negative TTL (RFC 2308)', () => {
    const negative = ['example.com 15 SOA ns1.example.com hostmaster.example.com 7 15'];
    assert.deepEqual(ask('nope.example.com'), { rcode: 'NXDOMAIN', answers: [], authority: negative, additional: [], scope: 0, why: undefined });
    assert.equal(ask('x.cases.example.com').rcode, 'NXDOMAIN');
    // v1.example.com exists between api.v1.example.com and the apex: NODATA, not NXDOMAIN.
    assert.deepEqual(ask('v1.example.com'), { rcode: 'NOERROR', answers: [], authority: negative, additional: [], scope: 0, why: undefined });
    assert.deepEqual(ask('cases.example.com', 'MX').authority, negative);
    assert.deepEqual(ask('example.com', 'A').authority, negative);
    // NoAnswer with no healthy cluster: NODATA, cached for the negative TTL only.
    const none = ask('none.example.com');
    assert.deepEqual([none.rcode, none.answers, none.authority], ['NOERROR', [], negative]);
    assert.match(none.why ?? '', /NoAnswer/);
  });

  it('refuses other classes and zone transfers; names outside every zone are not public', () => {
    assert.equal(ask('cases.example.com', 'A', {}, 0.5, 0, 'CH').rcode, 'REFUSED');
    assert.equal(ask('example.com', 'AXFR').rcode, 'REFUSED');
    assert.equal(answerPublic(index, { name: 'example.org', type: 'A' }, {}, 0.5, 0), undefined);
    assert.equal(answerPublic(index, { name: 'ample.com', type: 'A' }, {}, 0.5, 0), undefined);
  });

  it('Failover answers the first group with an eligible cluster', () => {
    const c = chooseClusters(host('failover.example.com'), {}, 0.5);
    assert.deepEqual(c.clusters, ['tyo-prod-1']);
    assert.match(c.why, /^fallback 1/);
  });

  it('Weighted draws one cluster by weight among the eligible ones; without weights, alike', () => {
    const w = host('weighted.example.com');
    assert.deepEqual(chooseClusters(w, {}, 0).clusters, ['jkt-prod-1']);
    assert.deepEqual(chooseClusters(w, {}, 0.74).clusters, ['jkt-prod-1']);
    assert.deepEqual(chooseClusters(w, {}, 0.76).clusters, ['sgp-prod-1']);
    assert.deepEqual(chooseClusters(w, {}, 0.9999999999).clusters, ['sgp-prod-1']);
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const c = chooseClusters(w, {}, i / 1000).clusters[0] ?? '';
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { 'jkt-prod-1': 750, 'sgp-prod-1': 250 });
    const z = host('weighted-zero.example.com');
    assert.deepEqual([chooseClusters(z, {}, 0.2).clusters, chooseClusters(z, {}, 0.7).clusters], [['sgp-prod-1'], ['tyo-prod-1']]);
    assert.match(chooseClusters(z, {}, 0.2).why, /drawn alike/);
  });

  it('Geo maps the client by the longest matching subnet, with the exact scope over which the answer holds', () => {
    const g = host('geo.example.com');
    const pick = (c: PublicClient) => {
      const r = chooseClusters(g, c, 0.5);
      return `${r.clusters.join(',')}/${String(r.scope)}`;
    };
    assert.equal(pick(from('10.2.3.4')), 'jkt-prod-2/24');
    // In 10.2/16 but not 10.2.3/24: the answer holds for 10.2.8.0/21 only.
    assert.equal(pick(from('10.2.9.9')), 'sgp-prod-1/21');
    assert.equal(pick(from('10.9.9.9')), 'tyo-prod-1/13');
    assert.equal(pick(from('192.0.2.1')), 'jkt-prod-1,jkt-prod-2/1');
    assert.equal(pick(from('2001:db8::1')), 'sgp-prod-1/32');
    // ECS: the subnet asked for; /0 means "no client address": the default region, scope 0.
    assert.equal(pick(from('10.2.3.0', 24)), 'jkt-prod-2/24');
    assert.equal(pick(from('10.2.0.0', 16)), 'sgp-prod-1/23');
    assert.equal(pick(from('0.0.0.0', 0)), 'jkt-prod-1,jkt-prod-2/0');
    assert.equal(pick({}), 'jkt-prod-1,jkt-prod-2/0');
  });

  it('Geo falls back to the default region, then to every eligible cluster', () => {
    const d = host('geo-down.example.com');
    const a = chooseClusters(d, from('10.2.9.9'), 0.5);
    assert.deepEqual([a.clusters, a.why], [['jkt-prod-1'], 'client in 10.2.0.0/16 → ap-southeast-1 has no eligible cluster → default ap-southeast-3']);
    assert.deepEqual(chooseClusters(d, from('192.0.2.1'), 0.5).clusters, ['jkt-prod-1']);
  });
});
