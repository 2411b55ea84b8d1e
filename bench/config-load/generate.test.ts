import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENDPOINTS_PER_SLICE, NAMESPACES_PER_CLUSTER, generateFleet } from './generate.ts';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  endpoints?: { addresses: string[]; zone: string; conditions: Record<string, boolean> }[];
  ports?: unknown[];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f))
    .sort();
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function inCIDR(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  const start = ipToInt(base);
  const n = ipToInt(ip);
  return n >= start && n < start + size;
}

function overlaps(a: string, b: string): boolean {
  const range = (c: string): [number, number] => {
    const [base, bits] = c.split('/') as [string, string];
    const start = ipToInt(base);
    return [start, start + 2 ** (32 - Number(bits)) - 1];
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

test('generateFleet writes a small valid fleet', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clusters = 3;
  const services = 7;

  const result = generateFleet(dir, { clusters, servicesPerCluster: services });

  // 2 fleet files + 4 per cluster.
  const files = yamlFiles(dir);
  assert.equal(files.length, 2 + 4 * clusters);
  assert.equal(result.files, files.length);
  assert.deepEqual(
    files.filter((f) => relative(dir, f).startsWith('fleet')).map((f) => relative(dir, f)),
    [join('fleet', 'clusters.yaml'), join('fleet', 'clusterset.yaml')],
  );

  // Every document parses cleanly; collect objects by kind and by cluster.
  const byKind = new Map<string, Obj[]>();
  let objects = 0;
  let bytes = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    bytes += Buffer.byteLength(text);
    for (const doc of parseAllDocuments(text)) {
      assert.deepEqual(doc.errors, [], `${f}: parse errors`);
      assert.deepEqual(doc.warnings, [], `${f}: parse warnings`);
      const o = doc.toJS() as Obj;
      assert.ok(o.apiVersion && o.kind && o.metadata?.name, `${f}: incomplete object`);
      const list = byKind.get(o.kind) ?? [];
      list.push(o);
      byKind.set(o.kind, list);
      objects++;
    }
  }
  assert.equal(result.objects, objects);
  assert.equal(result.bytes, bytes);

  const count = (kind: string): number => byKind.get(kind)?.length ?? 0;
  assert.equal(count('Cluster'), clusters);
  assert.equal(count('ClusterSet'), 1);
  assert.equal(count('Namespace'), clusters * NAMESPACES_PER_CLUSTER);
  assert.equal(count('Service'), clusters * services);
  assert.equal(count('EndpointSlice'), clusters * services);
  assert.equal(count('ServiceExport'), clusters * services);
  assert.equal(objects, clusters + 1 + clusters * (NAMESPACES_PER_CLUSTER + 3 * services));

  // Both ServiceExport versions are exercised.
  const exportVersions = new Set(byKind.get('ServiceExport')!.map((o) => o.apiVersion));
  assert.deepEqual([...exportVersions].sort(), [
    'multicluster.x-k8s.io/v1alpha1',
    'multicluster.x-k8s.io/v1beta1',
  ]);

  // The ClusterSet names every cluster.
  const clusterObjs = byKind.get('Cluster')!;
  const set = byKind.get('ClusterSet')![0]!;
  assert.deepEqual(set.spec!.clusters, clusterObjs.map((c) => c.metadata.name));

  // No two clusters share a CIDR, and no two ranges overlap at all.
  const cidrs: string[] = [];
  for (const c of clusterObjs) {
    for (const key of ['podCIDRs', 'serviceCIDRs', 'nodeCIDRs']) {
      cidrs.push(...(c.spec![key] as string[]));
    }
  }
  assert.equal(new Set(cidrs).size, cidrs.length, 'duplicate CIDR across clusters');
  for (let a = 0; a < cidrs.length; a++) {
    for (let b = a + 1; b < cidrs.length; b++) {
      assert.ok(!overlaps(cidrs[a]!, cidrs[b]!), `${cidrs[a]} overlaps ${cidrs[b]}`);
    }
  }
  for (const c of cidrs) assert.ok(!overlaps(c, set.spec!.clusterSetIPRange as string));

  // Per cluster: Service IPs in the service CIDR, endpoints in the pod CIDR
  // and in the cluster's zones.
  for (const c of clusterObjs) {
    const cdir = join(dir, 'clusters', c.metadata.name);
    const podCIDR = (c.spec!.podCIDRs as string[])[0]!;
    const svcCIDR = (c.spec!.serviceCIDRs as string[])[0]!;
    const zones = c.spec!.zones as string[];
    const svcs = parseAllDocuments(readFileSync(join(cdir, 'services.yaml'), 'utf8')).map((d) => d.toJS());
    for (const s of svcs) assert.ok(inCIDR(s.spec.clusterIP, svcCIDR), `${s.spec.clusterIP} not in ${svcCIDR}`);
    const slices = parseAllDocuments(readFileSync(join(cdir, 'endpointslices.yaml'), 'utf8')).map(
      (d) => d.toJS() as Obj,
    );
    for (const s of slices) {
      assert.equal(s.endpoints!.length, ENDPOINTS_PER_SLICE);
      assert.ok(s.ports!.length >= 1 && s.ports!.length <= 2);
      for (const e of s.endpoints!) {
        assert.ok(inCIDR(e.addresses[0]!, podCIDR), `${e.addresses[0]} not in ${podCIDR}`);
        assert.ok(zones.includes(e.zone), `${e.zone} not a zone of ${c.metadata.name}`);
        assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
      }
    }
  }
});

test('generateFleet refuses a non-empty directory and bad counts', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lintas-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  generateFleet(dir, { clusters: 1, servicesPerCluster: 1 });
  assert.throws(() => generateFleet(dir, { clusters: 1, servicesPerCluster: 1 }), /not empty/);
  const empty = join(dir, 'fresh');
  assert.throws(() => generateFleet(empty, { clusters: 257, servicesPerCluster: 1 }), RangeError);
  assert.throws(() => generateFleet(empty, { clusters: 1, servicesPerCluster: 1.5 }), RangeError);
});
