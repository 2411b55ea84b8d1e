import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterName, EndpointSlice, Service, type EndpointPort } from '../../api/index.ts';
import { dns1123Subdomain } from '../../lib/index.ts';
import { importEndpointSlices, MAX_ENDPOINTS_PER_SLICE, type SliceSource } from './endpoints.ts';
import type { ImportPort } from './types.ts';

function service(ports: unknown[]): Service {
  return Service.parse({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'demo' }, spec: { ports } });
}

function slice(name: string, endpoints: unknown[], ports?: unknown[] | null, addressType = 'IPv4'): EndpointSlice {
  return EndpointSlice.parse({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'demo', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType,
    endpoints,
    ...(ports === undefined ? {} : { ports }),
  });
}

function source(over: Partial<SliceSource>): SliceSource {
  return {
    namespace: 'demo',
    name: 'web',
    cluster: { name: clusterName('east'), region: 'us-east-1' },
    service: service([{ name: 'http', port: 80, targetPort: 8080 }]),
    slices: [],
    importPorts: [{ name: 'http', protocol: 'TCP', port: 80 }],
    ...over,
  };
}

describe('importEndpointSlices: ports', () => {
  const http: ImportPort = { name: 'http', protocol: 'TCP', port: 80 };
  const cases: { name: string; service: unknown[]; sourcePorts: unknown[] | null | undefined; importPorts: ImportPort[]; want: EndpointPort[] }[] = [
    { name: 'target port from the slice, by name', service: [{ name: 'http', port: 80, targetPort: 'web' }], sourcePorts: [{ name: 'http', port: 8443 }], importPorts: [http], want: [{ name: 'http', protocol: 'TCP', port: 8443 }] },
    { name: 'no slice ports: numeric targetPort', service: [{ name: 'http', port: 80, targetPort: 8080 }], sourcePorts: undefined, importPorts: [http], want: [{ name: 'http', protocol: 'TCP', port: 8080 }] },
    { name: 'no slice ports: targetPort defaults to port', service: [{ name: 'http', port: 80 }], sourcePorts: null, importPorts: [http], want: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    { name: 'no slice ports and a named targetPort: unknown, left out', service: [{ name: 'http', port: 80, targetPort: 'web' }], sourcePorts: undefined, importPorts: [http], want: [] },
    { name: 'listed but missing: these endpoints do not serve it', service: [{ name: 'http', port: 80 }], sourcePorts: [{ name: 'other', port: 1 }], importPorts: [http], want: [] },
    {
      name: 'a port this cluster does not serve is left out (conflict loser)',
      service: [{ name: 'http', port: 81, targetPort: 8080 }],
      sourcePorts: [{ name: 'http', port: 8080 }],
      importPorts: [http],
      want: [],
    },
    {
      name: 'renamed to the import port name, matched by protocol and port',
      service: [{ name: 'web', port: 80 }],
      sourcePorts: [{ name: 'web', port: 8080 }],
      importPorts: [http],
      want: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    },
    {
      name: 'unnamed port and appProtocol',
      service: [{ port: 53, protocol: 'UDP', appProtocol: 'dns' }],
      sourcePorts: [{ name: '', protocol: 'UDP', port: 5353 }],
      importPorts: [{ protocol: 'UDP', port: 53 }],
      want: [{ name: '', protocol: 'UDP', port: 5353, appProtocol: 'dns' }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [only] = importEndpointSlices(source({ service: service(c.service), importPorts: c.importPorts, slices: [slice('s', [{ addresses: ['10.0.0.1'] }], c.sourcePorts)] }));
      assert.deepEqual(only?.ports, c.want);
    });
  }
});

describe('importEndpointSlices: endpoints and slices', () => {
  it('labels, annotations and explicit conditions; cluster-local fields dropped', () => {
    const [only, ...rest] = importEndpointSlices(
      source({
        slices: [slice('s', [{ addresses: ['10.0.0.1'], hostname: 'web-0', zone: 'a', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'web-0' }, conditions: { ready: false } }])],
      }),
    );
    assert.equal(rest.length, 0);
    assert.deepEqual(only?.metadata.labels, {
      'endpointslice.kubernetes.io/managed-by': 'lintas.dev',
      'multicluster.kubernetes.io/service-name': 'web',
      'multicluster.kubernetes.io/source-cluster': 'east',
    });
    assert.deepEqual(only?.metadata.annotations, { 'lintas.dev/source-region': 'us-east-1' });
    assert.deepEqual(only?.endpoints, [{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: false, terminating: false }, hostname: 'web-0', zone: 'a' }]);
  });

  it(`splits at ${MAX_ENDPOINTS_PER_SLICE} endpoints, with stable, valid, distinct names`, () => {
    const endpoints = Array.from({ length: 2 * MAX_ENDPOINTS_PER_SLICE + 1 }, (_, i) => ({ addresses: [`10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`] }));
    // Source slices are themselves capped at 1000, so spread the endpoints over three.
    const slices = [slice('a', endpoints.slice(0, 1000)), slice('b', endpoints.slice(1000, 2000)), slice('c', endpoints.slice(2000))];
    const result = importEndpointSlices(source({ slices }));
    assert.deepEqual(
      result.map((s) => s.endpoints.length).sort((x, y) => x - y),
      [1, MAX_ENDPOINTS_PER_SLICE, MAX_ENDPOINTS_PER_SLICE],
    );
    const names = result.map((s) => s.metadata.name);
    assert.equal(new Set(names).size, 3);
    for (const name of names) {
      assert.match(name, /^web-east-[0-9a-f]{10}$/);
      assert.equal(dns1123Subdomain(name), undefined);
    }
    assert.deepEqual(importEndpointSlices(source({ slices: [...slices].reverse() })), result, 'independent of source slice order');
  });

  it('de-duplicates an endpoint listed in two source slices and keeps address families apart', () => {
    const result = importEndpointSlices(
      source({
        slices: [slice('a', [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'] }]), slice('b', [{ addresses: ['10.0.0.1'] }]), slice('c', [{ addresses: ['fd00::1'] }], undefined, 'IPv6')],
      }),
    );
    assert.deepEqual(
      result.map((s) => [s.addressType, s.endpoints.map((e) => e.addresses[0])]).sort(),
      [
        ['IPv4', ['10.0.0.1', '10.0.0.2']],
        ['IPv6', ['fd00::1']],
      ],
    );
  });

  it('an exporter without endpoints still gets one empty slice', () => {
    const result = importEndpointSlices(source({ slices: [] }));
    assert.equal(result.length, 1);
    assert.deepEqual(result[0]?.endpoints, []);
    assert.deepEqual(result[0]?.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
  });

  it('does not mutate its input', () => {
    const input = source({ slices: [slice('a', [{ addresses: ['10.0.0.1'], conditions: {} }])] });
    const before = structuredClone(input);
    const [only] = importEndpointSlices(input);
    assert.deepEqual(input, before);
    assert.notEqual(only?.endpoints[0]?.addresses, input.slices[0]?.endpoints[0]?.addresses);
  });
});
