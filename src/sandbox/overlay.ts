/**
 * The EndpointSlices of a local fleet, generated from its running replicas
 * (what the EndpointSlice controller does in a real cluster): one slice per
 * (cluster, namespace, Service), ready when the replica's health endpoint
 * answered the last probe. Workload-managed Services take their endpoints
 * only from here: static slices of the same Service in that cluster are dropped.
 * Pure.
 * @module
 */
import type { ClusterSnapshot, EndpointSlice, FleetSnapshot, Sourced } from '../api/index.ts';
import { compareStrings } from '../lib/index.ts';
import type { ReplicaPlan } from './plan.ts';

/** The origin generated objects carry (shown by `get`/`describe`). */
export const GENERATED_ORIGIN = { file: '(lintas up: generated from running replicas)', line: 0 } as const;

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Generated slices by cluster, from the plan and each replica's readiness (absent = not ready). */
export function generateSlices(replicas: readonly ReplicaPlan[], ready: ReadonlyMap<string, boolean>): Map<string, EndpointSlice[]> {
  const groups = new Map<string, ReplicaPlan[]>();
  for (const r of replicas) {
    const key = `${r.cluster}\u0000${r.namespace}\u0000${r.service}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const out = new Map<string, EndpointSlice[]>();
  for (const [key, list] of [...groups].sort(([a], [b]) => compareStrings(a, b))) {
    const [cluster = '', namespace = '', service = ''] = key.split('\u0000');
    const first = list[0] as ReplicaPlan;
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${service}-lintas-up`,
        namespace,
        labels: { [SERVICE_NAME_LABEL]: service, 'endpointslice.kubernetes.io/managed-by': 'up.lintas.dev', version: first.version },
      },
      addressType: 'IPv4',
      endpoints: list.map((r) => {
        const ok = ready.get(r.id) === true;
        return {
          addresses: [r.address],
          conditions: { ready: ok, serving: ok, terminating: false },
          ...(r.zone !== undefined ? { zone: r.zone } : {}),
          targetRef: { kind: 'Pod', name: `${r.workload}-${String(r.replica)}`, namespace },
        };
      }),
      ports: [{ ...(first.servicePortName !== undefined ? { name: first.servicePortName } : {}), port: first.port, protocol: 'TCP' }],
    } as EndpointSlice;
    const slices = out.get(cluster) ?? [];
    slices.push(slice);
    out.set(cluster, slices);
  }
  return out;
}

function sortKey(s: Sourced): string {
  const o = s.object;
  return `${o.kind}\u0000${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;
}

/** The snapshot with generated slices added and the static slices of workload-managed Services removed. */
export function overlaySlices(snapshot: FleetSnapshot, generated: ReadonlyMap<string, readonly EndpointSlice[]>): FleetSnapshot {
  const clusters = new Map<ClusterSnapshot['cluster'], ClusterSnapshot>();
  for (const [name, c] of snapshot.clusters) {
    const slices = generated.get(name) ?? [];
    if (slices.length === 0) {
      clusters.set(name, c);
      continue;
    }
    const managed = new Set(slices.map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`));
    const kept = c.objects.filter((s) => !(s.object.kind === 'EndpointSlice' && managed.has(`${s.object.metadata.namespace ?? ''}/${s.object.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`)));
    const added: Sourced[] = slices.map((object) => ({ object, origin: GENERATED_ORIGIN, cluster: name }));
    clusters.set(name, { cluster: name, objects: [...kept, ...added].sort((a, b) => compareStrings(sortKey(a), sortKey(b))) });
  }
  return { fleetObjects: snapshot.fleetObjects, clusters };
}
