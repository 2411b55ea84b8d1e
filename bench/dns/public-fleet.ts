/**
 * The fleet of `bench:dns --zone public`: three clusters (127.182.N.0/24), each with a
 * Gateway `edge/edge` at 127.182.N.1 routing `hostnames` public hostnames
 * (`h-NNNN.example.com`), and one RoundRobin DNSPolicy making Lintas authoritative for
 * example.com. The backend Service has no endpoints and the probes run once a minute: the
 * benchmark measures answering, not probing (with no healthy cluster the policy fails open,
 * so every hostname answers the three Gateway addresses, the records dnsmasq gets too).
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The hostnames of the generated fleet, sorted. */
export function publicHostnames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `h-${String(i).padStart(4, '0')}.example.com`);
}

/** Writes the fleet under `dir` with the Gateways on `port`. */
export function generatePublicFleet(dir: string, hostnames: number, port: number): void {
  const hosts = publicHostnames(hostnames);
  const clusters = [1, 2, 3].map((n) => ({ name: `p${String(n)}`, region: `region-${String(n)}`, n }));
  mkdirSync(join(dir, 'fleet'), { recursive: true });
  const docs = (objects: readonly object[]): string => `${objects.map((o) => JSON.stringify(o)).join('\n---\n')}\n`;
  writeFileSync(
    join(dir, 'fleet', 'fleet.yaml'),
    docs([
      ...clusters.map((c) => ({ apiVersion: 'lintas.dev/v1alpha1', kind: 'Cluster', metadata: { name: c.name }, spec: { region: c.region, podCIDRs: [`127.182.${String(c.n)}.0/24`] } })),
      { apiVersion: 'lintas.dev/v1alpha1', kind: 'ClusterSet', metadata: { name: 'bench' }, spec: { clusters: clusters.map((c) => c.name) } },
      {
        apiVersion: 'lintas.dev/v1alpha1',
        kind: 'DNSPolicy',
        metadata: { name: 'public', namespace: 'edge' },
        spec: {
          targetRefs: [{ kind: 'Gateway', name: 'edge' }],
          zones: [{ name: 'example.com', nameServers: [{ name: 'ns1.example.com', addresses: ['127.0.0.1'] }] }],
          ttlSeconds: 30,
          healthCheck: { interval: '60s', timeout: '1s' },
        },
      },
    ]),
  );
  for (const c of clusters) {
    mkdirSync(join(dir, 'clusters', c.name), { recursive: true });
    writeFileSync(
      join(dir, 'clusters', c.name, 'edge.yaml'),
      docs([
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'lintas' }, spec: { controllerName: 'lintas.dev/gateway-controller' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } },
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'edge' }, spec: { gatewayClassName: 'lintas', addresses: [{ type: 'IPAddress', value: `127.182.${String(c.n)}.1` }], listeners: [{ name: 'http', protocol: 'HTTP', port }] } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'edge' }, spec: { ports: [{ name: 'http', port: 8080 }] } },
        // An HTTPRoute holds at most 16 hostnames.
        ...Array.from({ length: Math.ceil(hosts.length / 16) }, (_, i) => ({
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: `web-${String(i)}`, namespace: 'edge' },
          spec: { parentRefs: [{ name: 'edge' }], hostnames: hosts.slice(i * 16, i * 16 + 16), rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
        })),
      ]),
    );
  }
}
