/**
 * Test fixture (used only by the colocated tests): a hand-written ClusterSet
 * zone covering every DNS rule, deep-frozen so a test fails if anything
 * mutates the IR it was given.
 * @module
 */
import type { DnsEndpointIR, DnsServiceIR, DnsZoneIR } from '../../ir/index.ts';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The fixture's services, sorted by namespace then name as the IR promises. */
const SERVICES: DnsServiceIR[] = [
  // Headless with endpoints, none ready: the service name must be NXDOMAIN.
  {
    namespace: 'default',
    name: 'down',
    type: 'Headless',
    ips: [],
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    endpoints: [{ cluster: 'c1', hostname: 'down-0', ips: ['10.1.0.9'], ready: false }],
  },
  // Dual-stack ClusterSetIP with one named and one unnamed port.
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
  // The conformance suite's service: tcp/42 and udp/42, one SRV on the service name.
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
  // Headless across two clusters, one endpoint not ready, one dual-stack.
  {
    namespace: 'default',
    name: 'web',
    type: 'Headless',
    ips: [],
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    endpoints: [
      { cluster: 'c1', hostname: 'web-0', ips: ['10.1.0.5'], ready: true },
      { cluster: 'c1', hostname: '10-1-0-6', ips: ['10.1.0.6'], ready: false },
      { cluster: 'c2', hostname: 'web-0', ips: ['10.2.0.5', 'fd00:2::5'], ready: true },
    ],
  },
  // Another namespace, unnamed port only (so no `_<port>._<proto>` names).
  {
    namespace: 'other',
    name: 'solo',
    type: 'ClusterSetIP',
    ips: ['10.42.0.20'],
    ports: [{ protocol: 'UDP', port: 53 }],
    endpoints: [],
  },
];

/** The fixture zone: `clusterset.local`, TTL 5 s. */
export const TEST_ZONE: DnsZoneIR = deepFreeze({ zone: 'clusterset.local', ttlSeconds: 5, services: SERVICES });

/** `count` ready endpoints in cluster `c1`, IPs 10.9.x.y, hostnames from the IP. */
export function readyEndpoints(count: number): DnsEndpointIR[] {
  return Array.from({ length: count }, (_, i) => {
    const ip = `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    return { cluster: 'c1', hostname: ip.replaceAll('.', '-'), ips: [ip], ready: true };
  });
}

/** {@link TEST_ZONE} plus `default/big`, a headless service whose answers exceed any UDP limit. */
export function zoneWithBigHeadless(count: number): DnsZoneIR {
  const big: DnsServiceIR = {
    namespace: 'default',
    name: 'big',
    type: 'Headless',
    ips: [],
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    endpoints: readyEndpoints(count),
  };
  return deepFreeze({ ...TEST_ZONE, services: [big, ...TEST_ZONE.services] });
}
