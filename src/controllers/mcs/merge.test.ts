import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterName, Service } from '../../api/index.ts';
import { checkFields, intersectIPFamilies, mergeExports, mergePorts, samePortSet } from './merge.ts';
import type { Constituent, ImportPort, IPFamilyName } from './types.ts';

const SERVICE = Service.parse({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'hello', namespace: 'demo' }, spec: { ports: [{ port: 80 }] } });

/** A constituent with Service defaults; `time` follows the argument order unless given. */
function constituent(cluster: string, over: Partial<Omit<Constituent, 'cluster'>> = {}): Constituent {
  return {
    cluster: clusterName(cluster),
    time: 0,
    service: SERVICE,
    type: 'ClusterSetIP',
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    sessionAffinity: 'None',
    labels: {},
    annotations: {},
    ...over,
  };
}

const p = (name: string | undefined, protocol: ImportPort['protocol'], port: number, appProtocol?: string): ImportPort => ({
  ...(name !== undefined ? { name } : {}),
  protocol,
  ...(appProtocol !== undefined ? { appProtocol } : {}),
  port,
});

describe('mergePorts', () => {
  const cases: { name: string; ports: ImportPort[][]; want: ImportPort[] }[] = [
    { name: 'identical', ports: [[p('http', 'TCP', 80)], [p('http', 'TCP', 80)]], want: [p('http', 'TCP', 80)] },
    { name: 'union of distinct ports', ports: [[p('tcp', 'TCP', 42)], [p('udp', 'UDP', 42)]], want: [p('tcp', 'TCP', 42), p('udp', 'UDP', 42)] },
    { name: 'same name, other port: oldest wins', ports: [[p('http', 'TCP', 80)], [p('http', 'TCP', 81)]], want: [p('http', 'TCP', 80)] },
    { name: 'same protocol/port, other name: oldest wins', ports: [[p('http', 'TCP', 80)], [p('web', 'TCP', 80)]], want: [p('http', 'TCP', 80)] },
    { name: 'unnamed ports clash by the empty name', ports: [[p(undefined, 'TCP', 80)], [p(undefined, 'TCP', 81)]], want: [p(undefined, 'TCP', 80)] },
    { name: 'appProtocol of the oldest', ports: [[p('h', 'TCP', 80, 'http')], [p('h', 'TCP', 80, 'h2c')]], want: [p('h', 'TCP', 80, 'http')] },
    {
      name: 'superset adds, clashing extras dropped',
      ports: [[p('http', 'TCP', 80)], [p('http', 'TCP', 80), p('metrics', 'TCP', 9090)], [p('metrics', 'TCP', 9091), p('admin', 'TCP', 9090)]],
      want: [p('http', 'TCP', 80), p('metrics', 'TCP', 9090)],
    },
    { name: 'sorted by port, protocol, name', ports: [[p('b', 'UDP', 53), p('a', 'TCP', 53), p('c', 'TCP', 8)]], want: [p('c', 'TCP', 8), p('a', 'TCP', 53), p('b', 'UDP', 53)] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(mergePorts(c.ports.map((ports, i) => constituent(`c${i + 1}`, { ports }))), c.want));
  }

  it('samePortSet ignores order but not appProtocol', () => {
    assert.equal(samePortSet([p('a', 'TCP', 1), p('b', 'TCP', 2)], [p('b', 'TCP', 2), p('a', 'TCP', 1)]), true);
    assert.equal(samePortSet([p('a', 'TCP', 1, 'http')], [p('a', 'TCP', 1)]), false);
  });
});

describe('checkFields', () => {
  const cases: { name: string; rest: Partial<Constituent>[]; oldest?: Partial<Constituent>; want: string[] }[] = [
    { name: 'no conflicts', rest: [{}], want: [] },
    {
      name: 'ports differ (conformance tcp/42 vs udp/42)',
      oldest: { ports: [p('tcp', 'TCP', 42)] },
      rest: [{ ports: [p('udp', 'UDP', 42)] }],
      want: ['PortConflict: Conflicting ports. Using "tcp/42" from oldest service export in "c1". 1/2 clusters disagree.'],
    },
    {
      name: 'type, counted over all clusters',
      rest: [{ type: 'Headless' }, {}, { type: 'Headless' }],
      want: ['TypeConflict: Conflicting type. Using "ClusterSetIP" from oldest service export in "c1". 2/4 clusters disagree.'],
    },
    {
      name: 'affinity differs: no separate config conflict',
      oldest: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      rest: [{}],
      want: ['SessionAffinityConflict: Conflicting sessionAffinity. Using "ClientIP" from oldest service export in "c1". 1/2 clusters disagree.'],
    },
    {
      name: 'ClientIP timeouts differ',
      oldest: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      rest: [{ sessionAffinity: 'ClientIP' }],
      want: ['SessionAffinityConfigConflict: Conflicting sessionAffinityConfig. Using "clientIP.timeoutSeconds=60" from oldest service export in "c1". 1/2 clusters disagree.'],
    },
    { name: 'explicit default timeout agrees with omitted', oldest: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } }, rest: [{ sessionAffinity: 'ClientIP' }], want: [] },
    {
      name: 'labels and annotations',
      oldest: { labels: { b: '2', a: '1' }, annotations: { x: 'y' } },
      rest: [{ labels: { a: '1' }, annotations: { x: 'y' } }],
      want: ['LabelsConflict: Conflicting labels. Using "a=1,b=2" from oldest service export in "c1". 1/2 clusters disagree.'],
    },
    {
      name: 'empty maps shown as <none>',
      rest: [{ annotations: { x: 'y' } }],
      want: ['AnnotationsConflict: Conflicting annotations. Using "<none>" from oldest service export in "c1". 1/2 clusters disagree.'],
    },
    { name: 'explicit Cluster traffic policy agrees with omitted', oldest: { internalTrafficPolicy: 'Cluster' }, rest: [{}], want: [] },
    {
      name: 'several, in KEP reason order',
      oldest: { trafficDistribution: 'PreferClose', internalTrafficPolicy: 'Local' },
      rest: [{}],
      want: [
        'InternalTrafficPolicyConflict: Conflicting internalTrafficPolicy. Using "Local" from oldest service export in "c1". 1/2 clusters disagree.',
        'TrafficDistributionConflict: Conflicting trafficDistribution. Using "PreferClose" from oldest service export in "c1". 1/2 clusters disagree.',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ordered = [constituent('c1', c.oldest), ...c.rest.map((r, i) => constituent(`c${i + 2}`, r))];
      assert.deepEqual(
        checkFields(ordered).map((f) => `${f.reason}: ${f.message}`),
        c.want,
      );
    });
  }
  it('a single export never conflicts', () => assert.deepEqual(checkFields([constituent('c1', { type: 'Headless' })]), []));
  it('no exports, no findings', () => assert.deepEqual(checkFields([]), []));
});

describe('intersectIPFamilies', () => {
  const cases: { name: string; families: (IPFamilyName[] | undefined)[]; want: string[] | undefined; conflict?: string }[] = [
    { name: 'all unknown', families: [undefined, undefined], want: undefined },
    { name: 'unknown never disagrees', families: [['IPv4'], undefined], want: ['IPv4'] },
    { name: 'same dual stack', families: [['IPv6', 'IPv4'], ['IPv4', 'IPv6']], want: ['IPv6', 'IPv4'] },
    { name: 'dual vs single', families: [['IPv4', 'IPv6'], ['IPv4']], want: ['IPv4'], conflict: 'Conflicting ipFamilies. Using "IPv4" common to the service exports. 1/2 clusters disagree.' },
    {
      name: 'disjoint: newer skipped',
      families: [['IPv4'], ['IPv6'], ['IPv4']],
      want: ['IPv4'],
      conflict: 'Conflicting ipFamilies. Using "IPv4" common to the service exports. 1/3 clusters disagree. Cluster "c2" shares no IP family with older service exports and cannot be reached through the ServiceImport.',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = intersectIPFamilies(c.families.map((f, i) => constituent(`c${i + 1}`, f === undefined ? {} : { ipFamilies: f })));
      assert.deepEqual(result.ipFamilies, c.want);
      assert.equal(result.conflict?.message, c.conflict);
      if (c.conflict !== undefined) assert.equal(result.conflict?.reason, 'IPFamilyConflict');
    });
  }
});

describe('mergeExports', () => {
  it('takes every whole-service field from the oldest, copies it, and lists conflicts in KEP order', () => {
    const oldest = constituent('c1', {
      type: 'Headless',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } },
      ipFamilies: ['IPv4', 'IPv6'],
      internalTrafficPolicy: 'Local',
      labels: { z: '1', a: '2' },
    });
    const newer = constituent('c2', { ports: [p('grpc', 'TCP', 9000)], ipFamilies: ['IPv6'] });
    const input = [oldest, newer];
    const before = structuredClone(input);
    const { spec, conflicts } = mergeExports(input);
    assert.deepEqual(input, before, 'inputs are not mutated');
    assert.deepEqual(spec, {
      type: 'Headless',
      ports: [p('http', 'TCP', 80), p('grpc', 'TCP', 9000)],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } },
      ipFamilies: ['IPv6'],
      internalTrafficPolicy: 'Local',
      labels: { a: '2', z: '1' },
      annotations: {},
    });
    assert.notEqual(spec.sessionAffinityConfig, oldest.sessionAffinityConfig, 'no aliasing of input objects');
    assert.deepEqual(
      conflicts.map((c) => c.reason),
      ['PortConflict', 'TypeConflict', 'SessionAffinityConflict', 'LabelsConflict', 'InternalTrafficPolicyConflict', 'IPFamilyConflict'],
    );
  });
  it('drops a config that does not belong to ClientIP', () => {
    const { spec } = mergeExports([constituent('c1', { sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } })]);
    assert.equal(spec.sessionAffinityConfig, undefined);
  });
  it('needs a constituent', () => assert.throws(() => mergeExports([]), RangeError));
});
