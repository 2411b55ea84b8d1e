/**
 * Health targets: for every HealthContract of the fleet, the clusters that serve its
 * target and that target's endpoints there, on the port the probes use (the port named
 * `http`, else the first port). Pure.
 *
 * - A ServiceImport target is served by its exporting clusters (`status.clusters` of the
 *   computed ServiceImport) with the endpoints of the imported EndpointSlices labelled with
 *   that source cluster. Every importing cluster holds the same slices, so they are merged
 *   and de-duplicated. Each source has its own endpoint port (its Service's targetPort), so
 *   the import port is found in each slice by name, as the gateway does.
 * - A Service target is served by every cluster that has that Service, with its local
 *   EndpointSlices (label `kubernetes.io/service-name`).
 *
 * Endpoints use their first address; `ready` defaults to true as in the EndpointSlice API.
 * Services a FailoverPolicy governs that no HealthContract targets get a default contract
 * (default-contracts.ts), so their owner's failure is still detected.
 * @module
 */
import {
  MCS_SERVICE_NAME_LABEL,
  MCS_SOURCE_CLUSTER_LABEL,
  SERVICE_NAME_LABEL,
  slicePortFor,
  type EndpointSlice,
  type FleetSnapshot,
  type HealthContract,
  type Service,
} from '../../api/index.ts';
import { compareStrings } from '../../lib/index.ts';
import { defaultContracts } from './default-contracts.ts';
import type { ClusterTarget, HealthTarget, McsHealthView, TargetEndpoint } from './types.ts';

/** The port name probes prefer. */
export const PROBE_PORT_NAME = 'http';

interface PortLike {
  readonly name?: string | undefined;
  readonly protocol?: string | undefined;
}

/** The port named `http`, else the first. */
function probePort<P extends PortLike>(ports: readonly P[]): P | undefined {
  return ports.find((p) => p.name === PROBE_PORT_NAME) ?? ports[0];
}

function compareEndpoints(a: TargetEndpoint, b: TargetEndpoint): number {
  return compareStrings(a.address, b.address) || a.port - b.port;
}

/** Endpoints per cluster, keyed `address|port`: one endpoint may sit in two slices. */
type Accumulator = Map<string, Map<string, TargetEndpoint>>;

function touch(acc: Accumulator, cluster: string): Map<string, TargetEndpoint> {
  let m = acc.get(cluster);
  if (m === undefined) {
    m = new Map();
    acc.set(cluster, m);
  }
  return m;
}

function addSlice(acc: Accumulator, cluster: string, slice: EndpointSlice, port: number): void {
  const m = touch(acc, cluster);
  for (const e of slice.endpoints) {
    const address = e.addresses[0];
    if (address === undefined) continue;
    const id = `${address}|${port}`;
    // An endpoint listed twice counts as ready when either listing says so (a slice move in progress).
    const ready = (e.conditions?.ready ?? true) || (m.get(id)?.ready ?? false);
    m.set(id, { address, port, ready });
  }
}

function finish(acc: Accumulator): ClusterTarget[] {
  return [...acc.entries()]
    .map(([cluster, m]) => ({ cluster, endpoints: [...m.values()].sort(compareEndpoints) }))
    .sort((a, b) => compareStrings(a.cluster, b.cluster));
}

function importTargetClusters(mcs: McsHealthView, namespace: string, name: string): ClusterTarget[] {
  const acc: Accumulator = new Map();
  let importPort: PortLike | undefined;
  for (const c of mcs.clusters) {
    for (const si of c.serviceImports) {
      if ((si.metadata.namespace ?? 'default') !== namespace || si.metadata.name !== name) continue;
      importPort ??= probePort(si.spec.ports);
      for (const { cluster } of si.status?.clusters ?? []) touch(acc, cluster);
    }
  }
  if (importPort === undefined) return finish(acc);
  for (const c of mcs.clusters) {
    for (const slice of c.endpointSlices) {
      if ((slice.metadata.namespace ?? 'default') !== namespace || slice.metadata.labels?.[MCS_SERVICE_NAME_LABEL] !== name) continue;
      const source = slice.metadata.labels[MCS_SOURCE_CLUSTER_LABEL];
      if (source === undefined || slice.addressType === 'FQDN') continue;
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (importPort.name ?? '') && p.protocol === importPort.protocol);
      if (slicePort?.port === undefined || slicePort.port === null) continue;
      addSlice(acc, source, slice, slicePort.port);
    }
  }
  return finish(acc);
}


function serviceTargetClusters(snapshot: FleetSnapshot, namespace: string, name: string): ClusterTarget[] {
  const acc: Accumulator = new Map();
  for (const [cluster, snap] of snapshot.clusters) {
    let service: Service | undefined;
    const slices: EndpointSlice[] = [];
    for (const { object } of snap.objects) {
      if ((object.metadata.namespace ?? 'default') !== namespace) continue;
      if (object.kind === 'Service' && object.metadata.name === name) service = object;
      if (object.kind === 'EndpointSlice' && object.metadata.labels?.[SERVICE_NAME_LABEL] === name) slices.push(object);
    }
    if (service === undefined) continue;
    touch(acc, cluster);
    const servicePort = probePort(service.spec.ports ?? []);
    if (servicePort === undefined) continue;
    for (const slice of slices) {
      if (slice.addressType === 'FQDN') continue;
      const port = slicePortFor(slice, servicePort);
      if (port !== undefined) addSlice(acc, cluster, slice, port);
    }
  }
  return finish(acc);
}

/**
 * Every HealthContract of the fleet with the clusters and endpoints it is evaluated on, plus the
 * default contracts of FailoverPolicies (see {@link defaultContracts}), sorted by namespace, target, contract.
 */
export function healthTargets(snapshot: FleetSnapshot, mcs: McsHealthView): HealthTarget[] {
  const clustersOf = (kind: 'ServiceImport' | 'Service', namespace: string, name: string): ClusterTarget[] =>
    kind === 'ServiceImport' ? importTargetClusters(mcs, namespace, name) : serviceTargetClusters(snapshot, namespace, name);
  const targets: HealthTarget[] = [];
  for (const { object } of snapshot.fleetObjects) {
    if (object.kind !== 'HealthContract') continue;
    const contract = object as HealthContract;
    const namespace = contract.metadata.namespace ?? 'default';
    const { kind, name } = contract.spec.targetRef;
    targets.push({ contract: `${namespace}/${contract.metadata.name}`, service: `${namespace}/${name}`, kind, spec: contract.spec, clusters: clustersOf(kind, namespace, name) });
  }
  for (const d of defaultContracts(snapshot.fleetObjects.map((o) => o.object))) {
    const slash = d.service.indexOf('/');
    targets.push({ ...d, clusters: clustersOf(d.kind, d.service.slice(0, slash), d.service.slice(slash + 1)) });
  }
  return targets.sort(compareTargets);
}

/** Orders by namespace, target name, contract name (not by `ns/name`, where `-` sorts before `/`). */
export function compareTargets(a: { contract: string; service: string }, b: { contract: string; service: string }): number {
  const [an = '', as = ''] = a.service.split('/');
  const [bn = '', bs = ''] = b.service.split('/');
  return compareStrings(an, bn) || compareStrings(as, bs) || compareStrings(a.contract, b.contract);
}
