/**
 * What `get` and `describe` show: the fleet's own objects plus the objects the
 * controllers compute from them (ServiceImports, imported EndpointSlices,
 * ServiceExport status; GatewayClass, Gateway and HTTPRoute status) — translated
 * offline like `egctl translate`, or read from a running `lintas serve` with `--server`.
 * @module
 */
import { join, resolve } from 'node:path';
import { clusterName, type AnyObject, type ClusterName, type FleetSnapshot, type KindInfo, type Sourced } from '../api/index.ts';
import { loadMcsState, translateGateway, translateMcs, type GatewayResult, type McsResult } from '../controllers/index.ts';
import { silentLogger } from '../observability/index.ts';
import { CliError, EXIT } from './io.ts';

/** Objects as the CLI shows them, fleet-scoped and per cluster. */
export interface FleetView {
  readonly fleetObjects: readonly Sourced<AnyObject>[];
  readonly clusters: ReadonlyMap<ClusterName, { readonly cluster: ClusterName; readonly objects: readonly Sourced<AnyObject>[] }>;
  /** The MCS result the computed objects came from, when any was needed. */
  readonly mcs?: McsResult;
  /** The gateway result Gateway API status came from, when any was needed. */
  readonly gateway?: Pick<GatewayResult, 'gateways' | 'httpRoutes' | 'gatewayClasses'> & Partial<Pick<GatewayResult, 'backendTLSPolicies' | 'grpcRoutes'>>;
}

/** Origin shown for objects Lintas computed. */
export const COMPUTED_ORIGIN = { file: '(computed by the lintas MCS controller)', line: 0 } as const;

const COMPUTED_KINDS = new Set(['ServiceImport', 'ServiceExport', 'EndpointSlice']);
const GATEWAY_KINDS = new Set(['GatewayClass', 'Gateway', 'HTTPRoute', 'BackendTLSPolicy', 'GRPCRoute']);

/** True when showing these kinds needs the MCS controller's output (the gateway translator needs it too). */
export function needsMcs(kinds: readonly KindInfo[]): boolean {
  return kinds.some((k) => COMPUTED_KINDS.has(k.kind) || GATEWAY_KINDS.has(k.kind));
}

/** True when showing these kinds needs the gateway controller's status. */
export function needsGateway(kinds: readonly KindInfo[]): boolean {
  return kinds.some((k) => GATEWAY_KINDS.has(k.kind));
}

/** Reads the gateway result (status part) of a running `lintas serve` from its admin API. */
export async function fetchGateway(server: string): Promise<NonNullable<FleetView['gateway']>> {
  return (await fetchJson(server, '/api/v1/gateway')) as NonNullable<FleetView['gateway']>;
}

/** Reads the MCS result of a running `lintas serve` from its admin API. */
export async function fetchMcs(server: string): Promise<McsResult> {
  return (await fetchJson(server, '/api/v1/mcs')) as McsResult;
}

async function fetchJson(server: string, path: string): Promise<unknown> {
  const url = `${server.replace(/\/+$/, '')}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new CliError(`error: cannot reach ${url}: ${(error as Error).message}`, EXIT.invalid);
  }
  if (!res.ok) throw new CliError(`error: ${url} answered ${res.status}`, EXIT.invalid);
  return res.json();
}

/** Options of {@link buildView}. */
export interface ViewOptions {
  readonly mcs?: McsResult;
  readonly gateway?: FleetView['gateway'];
  /** Translate offline what was not given. */
  readonly translate?: boolean;
  /** Also compute Gateway API status (offline, when `gateway` is not given). */
  readonly withGateway?: boolean;
  readonly stateDir?: string;
  readonly now?: Date;
}

type Named = { metadata: { namespace?: string; name: string } };
const objectId = (cluster: string, kind: string, o: Named): string => `${cluster}/${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Builds the view: the snapshot, plus computed objects when `mcs`/`gateway` are given or `translate` asks for an offline run. */
export function buildView(snapshot: FleetSnapshot, options: ViewOptions): FleetView {
  const now = (options.now ?? new Date()).toISOString();
  const mcs =
    options.mcs ??
    (options.translate
      ? translateMcs({ snapshot, now, state: loadMcsState(options.stateDir ? join(options.stateDir, 'mcs-state.json') : undefined, silentLogger) })
      : undefined);
  if (!mcs) return snapshot;
  const gateway = options.gateway ?? (options.withGateway && options.translate ? translateGateway({ snapshot, mcs, now }) : undefined);
  // Objects Lintas computed a status for, shown in place of the manifest's (the origin stays the manifest's).
  const withStatus = new Map<string, AnyObject>();
  for (const g of gateway?.gateways ?? []) withStatus.set(objectId(g.cluster, 'Gateway', g.gateway), g.gateway);
  for (const r of gateway?.httpRoutes ?? []) withStatus.set(objectId(r.cluster, 'HTTPRoute', r.route), r.route);
  for (const c of gateway?.gatewayClasses ?? []) withStatus.set(objectId(c.cluster, 'GatewayClass', c.gatewayClass), c.gatewayClass);
  for (const r of gateway?.grpcRoutes ?? []) withStatus.set(objectId(r.cluster, 'GRPCRoute', r.route), r.route);
  for (const p of gateway?.backendTLSPolicies ?? []) withStatus.set(objectId(p.cluster, 'BackendTLSPolicy', p.policy), p.policy);
  const clusters = new Map<ClusterName, { cluster: ClusterName; objects: Sourced<AnyObject>[] }>();
  for (const [name, snap] of snapshot.clusters) {
    clusters.set(name, { cluster: name, objects: snap.objects.map((s) => ({ ...s, object: withStatus.get(objectId(name, s.object.kind, s.object)) ?? s.object })) });
  }
  for (const result of mcs.clusters) {
    const name = clusterName(result.cluster);
    const entry = clusters.get(name) ?? { cluster: name, objects: [] };
    const exported = new Map(result.serviceExports.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
    // ServiceExports are shown with the status the controller computed; the origin stays the manifest's.
    entry.objects = entry.objects.map((s) => {
      const withExportStatus = s.object.kind === 'ServiceExport' ? exported.get(`${s.object.metadata.namespace}/${s.object.metadata.name}`) : undefined;
      return withExportStatus ? { ...s, object: withExportStatus } : s;
    });
    for (const object of [...result.serviceImports, ...result.endpointSlices]) entry.objects.push({ object, origin: COMPUTED_ORIGIN, cluster: name });
    clusters.set(name, entry);
  }
  return { fleetObjects: snapshot.fleetObjects, clusters, mcs, ...(gateway !== undefined ? { gateway } : {}) };
}

/** The view `get`/`describe` need for `kinds`: computed objects only when a kind needs them, from `--server` or offline. */
export async function viewFor(snapshot: FleetSnapshot, kinds: readonly KindInfo[], options: { server?: string; stateDir?: string; cwd: string }): Promise<FleetView> {
  if (!needsMcs(kinds)) return snapshot;
  const withGateway = needsGateway(kinds);
  const mcs = options.server ? await fetchMcs(options.server) : undefined;
  const gateway = options.server && withGateway ? await fetchGateway(options.server) : undefined;
  return buildView(snapshot, { mcs, gateway, translate: !mcs, withGateway, stateDir: options.stateDir ? resolve(options.cwd, options.stateDir) : undefined });
}
