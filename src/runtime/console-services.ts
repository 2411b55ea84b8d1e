/**
 * The console's Services view (issue 19): every ServiceImport with its endpoints per source
 * cluster (ready or not, and whether the gateways keep a Ready one out: unhealthy or ejected),
 * its TrafficPolicy mode and owner map, filtered and paged on the server. Pure: the index of
 * one MCS result is built once (cached by the result's identity) so that a page of a 20 × 1,000
 * fleet costs a filter over sorted keys and the rows of that page only.
 * @module
 */
import { MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, type EndpointSlice, type FleetSnapshot, type OwnershipMap, type TrafficPolicy } from '../api/index.ts';
import type { McsResult, OwnershipState } from '../controllers/index.ts';
import type { UpstreamObservation } from '../ir/index.ts';
import type { ServiceRow, ServicesPage } from './console-contract.ts';

/** The largest page (bigger `limit`s are cut to it). */
export const MAX_SERVICES_PAGE = 500;
/** The page size when none is asked for. */
export const DEFAULT_SERVICES_PAGE = 100;

/** What the Services view asks for: `q` matches `ns/name` as a case-insensitive substring; `cluster` keeps services it imports or serves. */
export interface ServicesQuery {
  readonly q?: string;
  readonly cluster?: string;
  readonly offset: number;
  readonly limit: number;
}

/** What {@link servicesPage} reads. */
export interface ServicesInputs {
  readonly mcs?: McsResult;
  /** The snapshot the MCS result was computed from (TrafficPolicies, OwnershipMaps). */
  readonly snapshot?: FleetSnapshot;
  /** What the gateways see of the endpoints (absent without embedded gateways). */
  readonly observation?: UpstreamObservation;
  /** Ownership by TrafficPolicy `ns/name` (the failover runner's decision): epochs and moves. */
  readonly ownership?: Readonly<Record<string, OwnershipState>>;
}

interface IndexEntry {
  readonly service: string;
  readonly lower: string;
  /** From the first importing cluster's ServiceImport ('' while only slices were seen). */
  type: string;
  ports: readonly string[];
  readonly importedBy: Set<string>;
  readonly slices: Map<string, Set<EndpointSlice>>;
}
interface ServiceIndex {
  readonly keys: readonly string[];
  readonly entries: ReadonlyMap<string, IndexEntry>;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const indexes = new WeakMap<McsResult, ServiceIndex>();

/** One page of the Services view; rows sorted by `ns/name`, `total` counts every match. */
export function servicesPage(inputs: ServicesInputs, query: ServicesQuery): ServicesPage {
  const index = inputs.mcs === undefined ? { keys: [], entries: new Map<string, IndexEntry>() } : indexOf(inputs.mcs);
  const q = query.q?.trim().toLowerCase() ?? '';
  const cluster = query.cluster ?? '';
  const matches = index.keys.filter((key) => {
    const e = index.entries.get(key) as IndexEntry;
    return (q === '' || e.lower.includes(q)) && (cluster === '' || e.importedBy.has(cluster) || e.slices.has(cluster));
  });
  const limit = Math.max(0, Math.min(query.limit, MAX_SERVICES_PAGE));
  const page = matches.slice(query.offset, query.offset + limit).map((k) => index.entries.get(k) as IndexEntry);
  const verdicts = gatewayVerdicts(inputs.observation, new Set(page.map((e) => e.service)));
  const policies = policiesByService(inputs.snapshot, inputs.ownership ?? {});
  return { total: matches.length, offset: query.offset, rows: page.map((e) => row(e, verdicts, policies.get(e.service))) };
}

function indexOf(mcs: McsResult): ServiceIndex {
  const cached = indexes.get(mcs);
  if (cached !== undefined) return cached;
  const entries = new Map<string, IndexEntry>();
  const entryOf = (service: string): IndexEntry => {
    let e = entries.get(service);
    if (e === undefined) {
      e = { service, lower: service.toLowerCase(), type: '', ports: [], importedBy: new Set(), slices: new Map() };
      entries.set(service, e);
    }
    return e;
  };
  for (const c of mcs.clusters) {
    for (const si of c.serviceImports) {
      const service = `${si.metadata.namespace ?? 'default'}/${si.metadata.name}`;
      const e = entryOf(service);
      if (e.type === '') {
        e.type = si.spec.type ?? 'ClusterSetIP';
        e.ports = si.spec.ports.map((p) => `${String(p.port)}/${p.protocol ?? 'TCP'}${p.name ? ` (${p.name})` : ''}`);
      }
      e.importedBy.add(c.cluster);
    }
    // Every importing cluster gets the same slice objects: a Set keeps each once.
    for (const slice of c.endpointSlices) {
      const name = slice.metadata.labels?.[MCS_SERVICE_NAME_LABEL];
      const source = slice.metadata.labels?.[MCS_SOURCE_CLUSTER_LABEL];
      if (name === undefined || source === undefined) continue;
      const e = entryOf(`${slice.metadata.namespace ?? 'default'}/${name}`);
      let set = e.slices.get(source);
      if (set === undefined) e.slices.set(source, (set = new Set()));
      set.add(slice);
    }
  }
  const index = { keys: [...entries.keys()].sort(cmp), entries };
  indexes.set(mcs, index);
  return index;
}

type Verdict = 'unhealthy' | 'ejected';

/** By `ns/name`, cluster and address: endpoints the gateways keep out although their slice may say Ready. */
function gatewayVerdicts(observation: UpstreamObservation | undefined, services: ReadonlySet<string>): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  for (const e of observation?.endpoints ?? []) {
    if (e.kind !== 'ServiceImport' || (e.state !== 'unhealthy' && e.state !== 'ejected')) continue;
    const service = `${e.namespace}/${e.name}`;
    if (!services.has(service)) continue;
    const key = `${service}\u0000${e.cluster}\u0000${e.address}`;
    // Ejected is the stronger word: outlier detection saw real requests fail.
    if (out.get(key) !== 'ejected') out.set(key, e.state);
  }
  return out;
}

function row(e: IndexEntry, verdicts: ReadonlyMap<string, Verdict>, policy: ServiceRow['trafficPolicy']): ServiceRow {
  const sources = [...e.slices.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([cluster, slices]) => ({
      cluster,
      endpoints: [...slices]
        .flatMap((slice) => {
          const port = slice.ports?.[0]?.port ?? undefined;
          return slice.endpoints.flatMap((ep) =>
            ep.addresses.map((address) => {
              const verdict = verdicts.get(`${e.service}\u0000${cluster}\u0000${address}`);
              // An absent ready condition means ready (discovery.k8s.io/v1).
              return { address, ...(port !== undefined ? { port } : {}), ready: ep.conditions?.ready !== false, ...(verdict !== undefined ? { gateway: verdict } : {}) };
            }),
          );
        })
        .sort((a, b) => cmp(a.address, b.address) || (a.port ?? 0) - (b.port ?? 0)),
    }));
  return { service: e.service, type: e.type, ports: e.ports, importedBy: [...e.importedBy].sort(cmp), sources, ...(policy !== undefined ? { trafficPolicy: policy } : {}) };
}

/** The TrafficPolicy governing each ServiceImport (`ns/name`; the first by name when several target it), with its owner map after failover moves. */
function policiesByService(snapshot: FleetSnapshot | undefined, ownership: Readonly<Record<string, OwnershipState>>): Map<string, NonNullable<ServiceRow['trafficPolicy']>> {
  const objects = snapshot?.fleetObjects ?? [];
  const maps = new Map<string, OwnershipMap>();
  for (const s of objects) if (s.object.kind === 'OwnershipMap') maps.set(`${s.object.metadata.namespace ?? 'default'}/${s.object.metadata.name}`, s.object as unknown as OwnershipMap);
  const policies = objects
    .filter((s) => s.object.kind === 'TrafficPolicy')
    .map((s) => s.object as unknown as TrafficPolicy)
    .sort((a, b) => cmp(`${a.metadata.namespace ?? 'default'}/${a.metadata.name}`, `${b.metadata.namespace ?? 'default'}/${b.metadata.name}`));
  const out = new Map<string, NonNullable<ServiceRow['trafficPolicy']>>();
  for (const p of policies) {
    const ns = p.metadata.namespace ?? 'default';
    const name = `${ns}/${p.metadata.name}`;
    const state = ownership[name];
    const moved = new Map((state?.moved ?? []).map((m) => [m.from, m.to]));
    const owner = (cluster: string): string => moved.get(cluster) ?? cluster;
    const mapRef = p.spec.ownership?.mapRef.name;
    const map = mapRef === undefined ? undefined : maps.get(`${ns}/${mapRef}`);
    const owners: Record<string, string> = {};
    for (const rule of map?.spec.rules ?? []) {
      if (rule.prefix !== undefined) owners[`${rule.prefix}*`] = owner(rule.cluster);
      else for (const key of rule.keys) owners[key] = owner(rule.cluster);
    }
    if (map?.spec.default !== undefined) owners['*'] = [...new Set(map.spec.default.clusters.map(owner))].join(',');
    const policy = { name, mode: p.spec.locality.mode, owners, ...(state !== undefined ? { epoch: state.epoch } : {}) };
    for (const ref of p.spec.targetRefs) {
      const service = `${ns}/${ref.name}`;
      if (ref.kind === 'ServiceImport' && !out.has(service)) out.set(service, policy);
    }
  }
  return out;
}
