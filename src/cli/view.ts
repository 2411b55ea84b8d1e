/**
 * What `get` and `describe` show: the fleet's own objects plus the objects the
 * controllers compute from them (ServiceImports, imported EndpointSlices,
 * ServiceExport status) — translated offline like `egctl translate`, or read
 * from a running `lintas serve` with `--server`.
 * @module
 */
import { join, resolve } from 'node:path';
import { clusterName, type AnyObject, type ClusterName, type FleetSnapshot, type KindInfo, type Sourced } from '../api/index.ts';
import { loadMcsState, translateMcs, type McsResult } from '../controllers/index.ts';
import { silentLogger } from '../observability/index.ts';
import { CliError, EXIT } from './io.ts';

/** Objects as the CLI shows them, fleet-scoped and per cluster. */
export interface FleetView {
  readonly fleetObjects: readonly Sourced<AnyObject>[];
  readonly clusters: ReadonlyMap<ClusterName, { readonly cluster: ClusterName; readonly objects: readonly Sourced<AnyObject>[] }>;
  /** The MCS result the computed objects came from, when any was needed. */
  readonly mcs?: McsResult;
}

/** Origin shown for objects Lintas computed. */
export const COMPUTED_ORIGIN = { file: '(computed by the lintas MCS controller)', line: 0 } as const;

const COMPUTED_KINDS = new Set(['ServiceImport', 'ServiceExport', 'EndpointSlice']);

/** True when showing these kinds needs the MCS controller's output. */
export function needsMcs(kinds: readonly KindInfo[]): boolean {
  return kinds.some((k) => COMPUTED_KINDS.has(k.kind));
}

/** Reads the MCS result of a running `lintas serve` from its admin API. */
export async function fetchMcs(server: string): Promise<McsResult> {
  const url = `${server.replace(/\/+$/, '')}/api/v1/mcs`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new CliError(`error: cannot reach ${url}: ${(error as Error).message}`, EXIT.invalid);
  }
  if (!res.ok) throw new CliError(`error: ${url} answered ${res.status}`, EXIT.invalid);
  return (await res.json()) as McsResult;
}

/** Builds the view: the snapshot, plus computed objects when `mcs` is given or `translate` asks for an offline run. */
export function buildView(snapshot: FleetSnapshot, options: { mcs?: McsResult; translate?: boolean; stateDir?: string; now?: Date }): FleetView {
  const mcs =
    options.mcs ??
    (options.translate
      ? translateMcs({ snapshot, now: (options.now ?? new Date()).toISOString(), state: loadMcsState(options.stateDir ? join(options.stateDir, 'mcs-state.json') : undefined, silentLogger) })
      : undefined);
  if (!mcs) return snapshot;
  const clusters = new Map<ClusterName, { cluster: ClusterName; objects: Sourced<AnyObject>[] }>();
  for (const [name, snap] of snapshot.clusters) clusters.set(name, { cluster: name, objects: [...snap.objects] });
  for (const result of mcs.clusters) {
    const name = clusterName(result.cluster);
    const entry = clusters.get(name) ?? { cluster: name, objects: [] };
    const exported = new Map(result.serviceExports.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
    // ServiceExports are shown with the status the controller computed; the origin stays the manifest's.
    entry.objects = entry.objects.map((s) => {
      const withStatus = s.object.kind === 'ServiceExport' ? exported.get(`${s.object.metadata.namespace}/${s.object.metadata.name}`) : undefined;
      return withStatus ? { ...s, object: withStatus } : s;
    });
    for (const object of [...result.serviceImports, ...result.endpointSlices]) entry.objects.push({ object, origin: COMPUTED_ORIGIN, cluster: name });
    clusters.set(name, entry);
  }
  return { fleetObjects: snapshot.fleetObjects, clusters, mcs };
}

/** The view `get`/`describe` need for `kinds`: computed objects only when a kind needs them, from `--server` or offline. */
export async function viewFor(snapshot: FleetSnapshot, kinds: readonly KindInfo[], options: { server?: string; stateDir?: string; cwd: string }): Promise<FleetView> {
  if (!needsMcs(kinds)) return snapshot;
  const mcs = options.server ? await fetchMcs(options.server) : undefined;
  return buildView(snapshot, { mcs, translate: !mcs, stateDir: options.stateDir ? resolve(options.cwd, options.stateDir) : undefined });
}
