import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerPublic, indexPublicZones, indexZone } from '../../src/dataplanes/index.ts';
import { PUBLIC_ZONES } from '../../src/dataplanes/dns/public-test-zone.ts';
import type { DnsServiceIR, DnsZoneIR } from '../../src/ir/index.ts';
import { benchZone, dnsmasqConfig, ownerNames, parseDnsperf, publicBenchZone, queryFile } from './zone.ts';

const CLUSTER_SET_IP: DnsServiceIR[] = [
  {
    namespace: 'default',
    name: 'dual',
    type: 'ClusterSetIP',
    ips: ['10.42.0.7', 'fd00:42::7'],
    ports: [
      { name: 'http', protocol: 'TCP', port: 80 },
      { protocol: 'TCP', port: 8080 },
    ],
    endpoints: [],
  },
  {
    namespace: 'default',
    name: 'hello',
    type: 'ClusterSetIP',
    ips: ['10.42.0.10'],
    ports: [
      { name: 'tcp', protocol: 'TCP', port: 42 },
      { name: 'udp', protocol: 'UDP', port: 42 },
    ],
    endpoints: [],
  },
  {
    namespace: 'ns-1',
    name: 'Api',
    type: 'ClusterSetIP',
    ips: ['100.64.0.3'],
    ports: [{ name: 'GRPC', protocol: 'TCP', port: 9090 }],
    endpoints: [],
  },
];

const HEADLESS: DnsServiceIR = {
  namespace: 'default',
  name: 'web',
  type: 'Headless',
  ips: [],
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
  endpoints: [{ cluster: 'c1', hostname: 'web-0', ips: ['10.1.0.5'], ready: true }],
};

const IR: DnsZoneIR = { zone: 'clusterset.local', ttlSeconds: 5, services: CLUSTER_SET_IP };

test('benchZone mirrors exactly the A and SRV records of Lintas’ own zone index', () => {
  const zone = benchZone(IR);
  const index = indexZone(IR);
  const a: string[] = [];
  const srv: string[] = [];
  for (const rrsets of index.names.values()) {
    for (const r of rrsets.get('A') ?? []) a.push(`${r.name} ${String(r.data)}`);
    for (const r of rrsets.get('SRV') ?? []) {
      if (r.type === 'SRV') srv.push(`${r.name} ${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}`);
    }
  }
  assert.deepEqual(zone.a.map((r) => `${r.name} ${r.ip}`).sort(), a.sort());
  assert.deepEqual(zone.srv.map((r) => `${r.name} ${r.priority} ${r.weight} ${r.port} ${r.target}`).sort(), srv.sort());
  assert.equal(zone.services, 3);
});

test('benchZone lowercases names, skips IPv6 and headless services, and sorts', () => {
  const zone = benchZone({ ...IR, services: [...CLUSTER_SET_IP, HEADLESS] });
  assert.equal(zone.skippedHeadless, 1);
  assert.deepEqual(ownerNames(zone.a), ['api.ns-1.svc.clusterset.local', 'dual.default.svc.clusterset.local', 'hello.default.svc.clusterset.local']);
  assert.ok(zone.srv.some((r) => r.name === '_grpc._tcp.api.ns-1.svc.clusterset.local' && r.port === 9090));
  // tcp/42 and udp/42: one SRV on the service name, one per named port.
  assert.equal(zone.srv.filter((r) => r.name === 'hello.default.svc.clusterset.local').length, 1);
  assert.ok(!zone.a.some((r) => r.ip.includes(':')));
});

test('dnsmasqConfig serves the records locally with Lintas’ TTL and nothing forwarded', () => {
  const conf = dnsmasqConfig(benchZone(IR)).split('\n');
  for (const line of ['no-resolv', 'no-hosts', 'local=/clusterset.local/', 'local-ttl=5', 'host-record=hello.default.svc.clusterset.local,10.42.0.10', 'srv-host=_http._tcp.dual.default.svc.clusterset.local,dual.default.svc.clusterset.local,80,0,1']) {
    assert.ok(conf.includes(line), `missing "${line}"`);
  }
  assert.ok(!conf.some((l) => l.startsWith('server=') || l.startsWith('address=')));
});

test('queryFile is deterministic and mixes 80% A, 10% SRV, 10% NXDOMAIN', () => {
  const zone = benchZone(IR);
  const text = queryFile(zone, 1000);
  assert.equal(text, queryFile(zone, 1000));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 1000);
  const existing = new Set([...ownerNames(zone.a), ...ownerNames(zone.srv)]);
  const a = lines.filter((l) => l.endsWith(' A') && existing.has(l.slice(0, -2)));
  const srv = lines.filter((l) => l.endsWith(' SRV') && existing.has(l.slice(0, -4)));
  const nx = lines.filter((l) => !existing.has(l.split(' ')[0] as string));
  assert.deepEqual([a.length, srv.length, nx.length], [800, 100, 100]);
  assert.ok(nx.every((l) => l.endsWith('.svc.clusterset.local A')));
});

test('parseDnsperf reads the statistics block of dnsperf 2.x', () => {
  const out = `DNS Performance Testing Tool
Version 2.10.0

[Status] Testing complete (time limit)

Statistics:

  Queries sent:         200358
  Queries completed:    200358 (100.00%)
  Queries lost:         0 (0.00%)

  Response codes:       NOERROR 133572 (66.67%), NXDOMAIN 66786 (33.33%)
  Average packet size:  request 53, response 82
  Run time (s):         2.004680
  Queries per second:   99945.128400

  Average Latency (s):  0.000820 (min 0.000013, max 0.024853)
  Latency StdDev (s):   0.000706
`;
  const r = parseDnsperf(out);
  assert.equal(r.sent, 200358);
  assert.equal(r.completed, 200358);
  assert.equal(r.lost, 0);
  assert.equal(r.qps, 99945.1284);
  assert.equal(r.runSeconds, 2.00468);
  assert.deepEqual(r.rcodes, { NOERROR: 133572, NXDOMAIN: 66786 });
  assert.ok(Math.abs(r.avgLatencyMs - 0.82) < 1e-9);
  assert.ok(Math.abs(r.maxLatencyMs - 24.853) < 1e-9);
  assert.ok(Math.abs(r.stddevLatencyMs - 0.706) < 1e-9);
  assert.throws(() => parseDnsperf('Queries sent: 1\n'), /Average Latency/);
});

test('publicBenchZone mirrors what the public zone answers: every eligible cluster address of each hostname', () => {
  const zone = publicBenchZone(PUBLIC_ZONES);
  const index = indexPublicZones(PUBLIC_ZONES);
  for (const name of ownerNames(zone.a)) {
    const answered = answerPublic(index, { name, type: 'A' }, {}, 0.5, 0)?.answers.map((r) => String(r.data)).sort();
    const mirrored = zone.a.filter((r) => r.name === name).map((r) => r.ip).sort();
    // The bench fleet is RoundRobin only; other strategies answer a subset per query.
    if (PUBLIC_ZONES.zones[0]?.hosts.find((h) => h.hostname === name)?.strategy.type === 'RoundRobin') assert.deepEqual(mirrored, answered, name);
  }
  assert.ok(zone.a.some((r) => r.name === 'cases.example.com' && r.ip === '127.2.255.1'));
  assert.ok(!zone.a.some((r) => r.name === 'none.example.com'), 'a hostname with no eligible cluster has no records');
  assert.equal(zone.kind, 'public');
  const lines = queryFile(zone, 20).trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('nx-')).length, 2);
  assert.deepEqual(lines.slice(9, 10), ['nx-00000.example.com A']);
  assert.ok(!lines.some((l) => l.endsWith(' SRV')));
});
