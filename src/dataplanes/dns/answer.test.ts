import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DnsZoneIR } from '../../ir/index.ts';
import { answerFromIndex, answerQuery } from './answer.ts';
import type { DnsRecord } from './records.ts';
import { TEST_ZONE } from './test-zone.ts';
import { indexZone } from './zone-index.ts';

const Z = 'clusterset.local';
const SVC = `svc.${Z}`;

/** Renders a record's type and data on one line, e.g. `SRV 0 1 80 target`. */
function show(r: DnsRecord): string {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return `${r.type} ${r.data}`;
    case 'SRV':
      return `SRV ${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}`;
    case 'TXT':
      return `TXT ${r.data.join(' ')}`;
    case 'SOA':
      return `SOA ${r.data.mname} ${r.data.rname} ${r.data.serial}`;
    case 'NS':
      return `NS ${r.data}`;
  }
}

interface Case {
  readonly why: string;
  readonly name: string;
  readonly type: string;
  readonly class?: string;
  readonly rcode: 'NOERROR' | 'NXDOMAIN' | 'REFUSED';
  /** Expected records in order (empty: NODATA when rcode is NOERROR). */
  readonly want?: readonly string[];
}

const CASES: readonly Case[] = [
  // Schema version
  { why: 'dns-version TXT', name: `dns-version.${Z}`, type: 'TXT', rcode: 'NOERROR', want: ['TXT 1.0.0'] },
  { why: 'dns-version has no A (NODATA)', name: `dns-version.${Z}`, type: 'A', rcode: 'NOERROR', want: [] },

  // ClusterSetIP, dual stack, named and unnamed ports
  { why: 'ClusterSetIP A', name: `dual.default.${SVC}`, type: 'A', rcode: 'NOERROR', want: ['A 10.42.0.7'] },
  { why: 'ClusterSetIP AAAA', name: `dual.default.${SVC}`, type: 'AAAA', rcode: 'NOERROR', want: ['AAAA fd00:42::7'] },
  {
    why: 'SRV on the service name: every distinct port, named or not',
    name: `dual.default.${SVC}`,
    type: 'SRV',
    rcode: 'NOERROR',
    want: [`SRV 0 1 80 dual.default.${SVC}`, `SRV 0 1 8080 dual.default.${SVC}`],
  },
  {
    why: 'named-port SRV',
    name: `_http._tcp.dual.default.${SVC}`,
    type: 'SRV',
    rcode: 'NOERROR',
    want: [`SRV 0 1 80 dual.default.${SVC}`],
  },
  { why: 'named-port SRV name has no A', name: `_http._tcp.dual.default.${SVC}`, type: 'A', rcode: 'NOERROR', want: [] },
  { why: '_tcp under a service is an empty non-terminal', name: `_tcp.dual.default.${SVC}`, type: 'SRV', rcode: 'NOERROR', want: [] },
  { why: 'unnamed port has no SRV name', name: `_8080._tcp.dual.default.${SVC}`, type: 'SRV', rcode: 'NXDOMAIN' },
  { why: 'named port with the wrong protocol', name: `_http._udp.dual.default.${SVC}`, type: 'SRV', rcode: 'NXDOMAIN' },

  // tcp/42 + udp/42 (conformance)
  {
    why: 'tcp/42 + udp/42 gives exactly one SRV on the service name',
    name: `hello.default.${SVC}`,
    type: 'SRV',
    rcode: 'NOERROR',
    want: [`SRV 0 1 42 hello.default.${SVC}`],
  },
  { why: 'tcp/42 named SRV', name: `_tcp._tcp.hello.default.${SVC}`, type: 'SRV', rcode: 'NOERROR', want: [`SRV 0 1 42 hello.default.${SVC}`] },
  { why: 'udp/42 named SRV', name: `_udp._udp.hello.default.${SVC}`, type: 'SRV', rcode: 'NOERROR', want: [`SRV 0 1 42 hello.default.${SVC}`] },
  { why: 'IPv4-only service has no AAAA (NODATA)', name: `hello.default.${SVC}`, type: 'AAAA', rcode: 'NOERROR', want: [] },
  { why: 'unnamed-only service: SRV on the name', name: `solo.other.${SVC}`, type: 'SRV', rcode: 'NOERROR', want: [`SRV 0 1 53 solo.other.${SVC}`] },

  // Headless
  {
    why: 'headless A: ready endpoints across clusters only',
    name: `web.default.${SVC}`,
    type: 'A',
    rcode: 'NOERROR',
    want: ['A 10.1.0.5', 'A 10.2.0.5'],
  },
  { why: 'headless AAAA: same endpoint subset', name: `web.default.${SVC}`, type: 'AAAA', rcode: 'NOERROR', want: ['AAAA fd00:2::5'] },
  { why: 'per-endpoint A in c1', name: `web-0.c1.web.default.${SVC}`, type: 'A', rcode: 'NOERROR', want: ['A 10.1.0.5'] },
  { why: 'per-endpoint A in c2', name: `web-0.c2.web.default.${SVC}`, type: 'A', rcode: 'NOERROR', want: ['A 10.2.0.5'] },
  { why: 'per-endpoint AAAA in c2', name: `web-0.c2.web.default.${SVC}`, type: 'AAAA', rcode: 'NOERROR', want: ['AAAA fd00:2::5'] },
  { why: 'per-endpoint name of a v4-only endpoint has no AAAA', name: `web-0.c1.web.default.${SVC}`, type: 'AAAA', rcode: 'NOERROR', want: [] },
  { why: 'not-ready endpoint has no name', name: `10-1-0-6.c1.web.default.${SVC}`, type: 'A', rcode: 'NXDOMAIN' },
  {
    why: 'headless SRV: one per ready endpoint',
    name: `web.default.${SVC}`,
    type: 'SRV',
    rcode: 'NOERROR',
    want: [`SRV 0 1 80 web-0.c1.web.default.${SVC}`, `SRV 0 1 80 web-0.c2.web.default.${SVC}`],
  },
  {
    why: 'headless named-port SRV',
    name: `_http._tcp.web.default.${SVC}`,
    type: 'SRV',
    rcode: 'NOERROR',
    want: [`SRV 0 1 80 web-0.c1.web.default.${SVC}`, `SRV 0 1 80 web-0.c2.web.default.${SVC}`],
  },
  { why: 'headless, none ready: NXDOMAIN (A)', name: `down.default.${SVC}`, type: 'A', rcode: 'NXDOMAIN' },
  { why: 'headless, none ready: NXDOMAIN (SRV)', name: `down.default.${SVC}`, type: 'SRV', rcode: 'NXDOMAIN' },
  { why: 'headless, none ready: NXDOMAIN below it', name: `_http._tcp.down.default.${SVC}`, type: 'SRV', rcode: 'NXDOMAIN' },

  // The reserved <clusterid>.<svc> form
  { why: '<clusterid>.<svc> must not exist (A)', name: `c1.web.default.${SVC}`, type: 'A', rcode: 'NXDOMAIN' },
  { why: '<clusterid>.<svc> must not exist (SRV)', name: `c2.web.default.${SVC}`, type: 'SRV', rcode: 'NXDOMAIN' },
  { why: '<clusterid>.<svc> for a ClusterSetIP service', name: `c1.hello.default.${SVC}`, type: 'A', rcode: 'NXDOMAIN' },

  // Empty non-terminals, unknown names
  { why: 'zone apex exists (NODATA)', name: Z, type: 'A', rcode: 'NOERROR', want: [] },
  { why: 'svc.<zone> is an empty non-terminal', name: SVC, type: 'A', rcode: 'NOERROR', want: [] },
  { why: 'namespace with services is an empty non-terminal', name: `default.${SVC}`, type: 'A', rcode: 'NOERROR', want: [] },
  { why: 'namespace without services', name: `nope.${SVC}`, type: 'A', rcode: 'NXDOMAIN' },
  { why: 'unknown service', name: `nope.default.${SVC}`, type: 'A', rcode: 'NXDOMAIN' },
  { why: 'unknown name under the apex', name: `www.${Z}`, type: 'A', rcode: 'NXDOMAIN' },
  { why: 'unknown type on an existing name (NODATA)', name: `hello.default.${SVC}`, type: 'UNKNOWN_65', rcode: 'NOERROR', want: [] },
  { why: 'MX on an existing name (NODATA)', name: `hello.default.${SVC}`, type: 'MX', rcode: 'NOERROR', want: [] },

  // Out of zone, classes, transfers
  { why: 'out of zone', name: 'example.com', type: 'A', rcode: 'REFUSED' },
  { why: 'parent of the zone', name: 'local', type: 'A', rcode: 'REFUSED' },
  { why: 'suffix match is label-wise', name: `x${Z}`, type: 'A', rcode: 'REFUSED' },
  { why: 'root', name: '.', type: 'A', rcode: 'REFUSED' },
  { why: 'CHAOS class is not served', name: `hello.default.${SVC}`, type: 'TXT', class: 'CH', rcode: 'REFUSED' },
  { why: 'class ANY is served as IN', name: `hello.default.${SVC}`, type: 'A', class: 'ANY', rcode: 'NOERROR', want: ['A 10.42.0.10'] },
  { why: 'zone transfers are refused', name: Z, type: 'AXFR', rcode: 'REFUSED' },

  // Case and trailing dot
  { why: 'type mnemonic is case-insensitive', name: `hello.default.${SVC}`, type: 'a', rcode: 'NOERROR', want: ['A 10.42.0.10'] },
  { why: 'trailing dot', name: `hello.default.${SVC}.`, type: 'A', rcode: 'NOERROR', want: ['A 10.42.0.10'] },
  { why: 'mixed case', name: 'HeLLo.DEFAULT.svc.ClusterSet.Local.', type: 'A', rcode: 'NOERROR', want: ['A 10.42.0.10'] },
  { why: 'mixed case out of zone', name: 'Example.COM', type: 'A', rcode: 'REFUSED' },
  { why: 'mixed case reserved form', name: `C1.Web.default.${SVC}`, type: 'A', rcode: 'NXDOMAIN' },

  // ANY
  {
    why: 'ANY returns every RRset at the name',
    name: `dual.default.${SVC}`,
    type: 'ANY',
    rcode: 'NOERROR',
    want: ['A 10.42.0.7', 'AAAA fd00:42::7', `SRV 0 1 80 dual.default.${SVC}`, `SRV 0 1 8080 dual.default.${SVC}`],
  },
];

describe('answerQuery', () => {
  for (const c of CASES) {
    test(`${c.why}: ${c.name} ${c.type} → ${c.rcode}`, () => {
      const a = answerQuery(TEST_ZONE, { name: c.name, type: c.type, class: c.class });
      assert.equal(a.rcode, c.rcode);
      assert.equal(a.authoritative, true);
      assert.deepEqual(a.answers.map(show), c.want ?? []);
      // Owner names come back as asked (minus the trailing dot), with the zone TTL.
      const owner = c.name.endsWith('.') ? c.name.slice(0, -1) : c.name;
      for (const r of a.answers) {
        assert.equal(r.name, owner);
        assert.equal(r.ttl, 5);
      }
    });
  }

  test('the same IR object is indexed once; a new zone version answers anew', () => {
    const first = answerQuery(TEST_ZONE, { name: `hello.default.${SVC}`, type: 'A' });
    assert.equal(answerQuery(TEST_ZONE, { name: `hello.default.${SVC}`, type: 'A' }).answers, first.answers);
    const next: DnsZoneIR = {
      ...TEST_ZONE,
      ttlSeconds: 30,
      services: TEST_ZONE.services.map((s) => (s.name === 'hello' ? { ...s, ips: ['10.42.0.99'] } : s)),
    };
    const a = answerQuery(next, { name: `hello.default.${SVC}`, type: 'A' });
    assert.deepEqual(a.answers.map(show), ['A 10.42.0.99']);
    assert.equal(a.answers[0]?.ttl, 30);
  });

  test('answerFromIndex answers like answerQuery', () => {
    const index = indexZone(TEST_ZONE);
    for (const c of CASES) {
      const q = { name: c.name, type: c.type, class: c.class };
      assert.deepEqual(answerFromIndex(index, q), answerQuery(TEST_ZONE, q), c.why);
    }
  });
});

describe('indexZone', () => {
  test('another zone apex, case-folded, with no services', () => {
    const index = indexZone({ zone: 'Fleet.Example.', ttlSeconds: 7, services: [] });
    assert.equal(index.zone, 'fleet.example');
    assert.deepEqual(
      answerFromIndex(index, { name: 'dns-version.fleet.example', type: 'TXT' }).answers.map(show),
      ['TXT 1.0.0'],
    );
    assert.equal(answerFromIndex(index, { name: 'svc.fleet.example', type: 'A' }).rcode, 'NOERROR');
    assert.equal(answerFromIndex(index, { name: `hello.default.${SVC}`, type: 'A' }).rcode, 'REFUSED');
  });

  test('bad IR data is skipped, not thrown: invalid IPs, dotted labels, negative TTL', () => {
    const index = indexZone({
      zone: Z,
      ttlSeconds: -1,
      services: [
        { namespace: 'ns', name: 'a', type: 'ClusterSetIP', ips: ['not-an-ip', '10.0.0.1'], ports: [], endpoints: [] },
        {
          namespace: 'ns',
          name: 'h',
          type: 'Headless',
          ips: [],
          ports: [],
          endpoints: [
            { cluster: 'c1', hostname: 'bad.name', ips: ['10.0.0.2'], ready: true },
            { cluster: 'c1', hostname: 'ok', ips: ['10.0.0.3', 'nope'], ready: true },
          ],
        },
      ],
    });
    const a = answerFromIndex(index, { name: `a.ns.${SVC}`, type: 'A' });
    assert.deepEqual(a.answers.map(show), ['A 10.0.0.1']);
    assert.equal(a.answers[0]?.ttl, 0);
    assert.deepEqual(answerFromIndex(index, { name: `h.ns.${SVC}`, type: 'A' }).answers.map(show), ['A 10.0.0.3']);
  });

  test('duplicate records collapse (an RRset is a set)', () => {
    const index = indexZone({
      zone: Z,
      ttlSeconds: 5,
      services: [
        {
          namespace: 'ns',
          name: 'h',
          type: 'Headless',
          ips: [],
          ports: [
            { name: 'p', protocol: 'TCP', port: 80 },
            { name: 'p', protocol: 'TCP', port: 80 },
          ],
          endpoints: [
            { cluster: 'c1', hostname: 'x', ips: ['10.0.0.3'], ready: true },
            { cluster: 'c1', hostname: 'x', ips: ['10.0.0.3'], ready: true },
          ],
        },
      ],
    });
    assert.deepEqual(answerFromIndex(index, { name: `h.ns.${SVC}`, type: 'A' }).answers.map(show), ['A 10.0.0.3']);
    assert.equal(answerFromIndex(index, { name: `_p._tcp.h.ns.${SVC}`, type: 'SRV' }).answers.length, 1);
  });
});
