/**
 * The control plane's side of the config stream: the fleet Gateway IR becomes
 * one versioned {@link ClusterConfig} per cluster, written into the config map
 * the stream serves (`WatchableMap<cluster, ClusterConfig>`). A cluster whose
 * slice did not change keeps its version and generation, so its gateway gets
 * nothing; a changed slice gets the content hash of its IR as version (equal
 * IR, equal version, across control-plane restarts too: a reconnecting
 * gateway that already serves it is not sent it again) and the next
 * generation. Pure apart from the map write in {@link publishClusterConfigs}.
 *
 * Per MCS result this runs for every cluster, so it must cost what changed, not
 * the fleet: slices are compared by reference first, element by element (the
 * translator keeps unchanged listeners and upstreams as the same objects),
 * and a changed slice's version is a hash tree whose unchanged elements' digests
 * come from a cache (ir-digest.ts).
 * @module
 */
import type { ClusterConfig, GatewayIR, ListenerCertificate } from '../../ir/index.ts';
import { compareStrings } from '../../lib/index.ts';
import type { WatchableMap } from '../../store/index.ts';
import { irDigest } from './ir-digest.ts';
import { sliceGatewayIR } from './slice.ts';

/** Options of {@link nextClusterConfigs}. */
export interface ClusterConfigOptions {
  /** Clusters whose gateway serves the east-west ClusterSetIP listeners (default: every cluster). */
  readonly eastWestClusters?: readonly string[];
  /** The PEM of a cluster's Secret (`ns/name`), for the certificates its HTTPS listeners serve (absent: none are sent). */
  readonly certificates?: (cluster: string, secret: string) => ListenerCertificate | undefined;
}

/** Writes for the config map: configs to store and clusters to remove. */
export interface ClusterConfigWrites {
  readonly set: readonly (readonly [string, ClusterConfig])[];
  readonly delete: readonly string[];
}

/** The version of an IR: 16 hex digits of its content digest (ir-digest.ts: key order and object identity do not matter). */
export function configVersion(ir: GatewayIR): string {
  return irDigest(ir).slice(0, 16);
}

/** True when every list of `a` holds the very objects of `b`'s, in order (the translator keeps unchanged elements). */
function sameElements(a: GatewayIR, b: GatewayIR): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => {
    const u = x[k];
    const v = y[k];
    if (u === v) return true;
    if (!Array.isArray(u) || !Array.isArray(v) || u.length !== v.length) return false;
    return u.every((e, i) => e === v[i]);
  });
}

/** The writes that make `current` hold the slice of `fleet` for every cluster in `clusters` (sorted output). */
export function nextClusterConfigs(current: ReadonlyMap<string, ClusterConfig>, fleet: GatewayIR, clusters: readonly string[], now: string, options: ClusterConfigOptions = {}): ClusterConfigWrites {
  const wanted = [...new Set(clusters)].sort(compareStrings);
  const eastWest = options.eastWestClusters === undefined ? undefined : new Set(options.eastWestClusters);
  const set: (readonly [string, ClusterConfig])[] = [];
  for (const cluster of wanted) {
    const ir = sliceGatewayIR(fleet, cluster, { eastWest: eastWest?.has(cluster) ?? true });
    const before = current.get(cluster);
    // Same elements: unchanged at the cost of a walk of its lists. Else the version decides: a deep
    // compare would walk a rebuilt upstream's every endpoint, while its encoding is mostly cached.
    if (before !== undefined && sameElements(before.ir, ir)) continue;
    const version = configVersion(ir);
    if (before !== undefined && before.version === version) continue;
    const certificates = options.certificates === undefined ? undefined : certificatesOf(ir, cluster, options.certificates);
    set.push([cluster, { version, generation: (before?.generation ?? 0) + 1, publishedAt: now, ir, ...(certificates !== undefined ? { certificates } : {}) }]);
  }
  const keep = new Set(wanted);
  const remove = [...current.keys()].filter((c) => !keep.has(c)).sort(compareStrings);
  return { set, delete: remove };
}

/** The PEM of every certificate the slice's HTTPS listeners name (sorted by secret), or undefined when there is none. */
function certificatesOf(ir: GatewayIR, cluster: string, source: NonNullable<ClusterConfigOptions['certificates']>): Record<string, ListenerCertificate> | undefined {
  const secrets = new Set(ir.listeners.flatMap((l) => (l.tls?.listeners ?? []).flatMap((t) => t.certificates.map((c) => c.secret))));
  const out: Record<string, ListenerCertificate> = {};
  for (const secret of [...secrets].sort(compareStrings)) {
    const pem = source(cluster, secret);
    if (pem !== undefined) out[secret] = { cert: pem.cert, key: pem.key };
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Every cluster's HTTPS listener certificates (PEM by cluster, then Secret): embedded gateways serve every cluster's listeners on one data plane. */
export function certificatesByCluster(ir: GatewayIR, source: NonNullable<ClusterConfigOptions['certificates']>): Record<string, Record<string, ListenerCertificate>> {
  const out: Record<string, Record<string, ListenerCertificate>> = {};
  for (const cluster of [...new Set(ir.listeners.map((l) => l.cluster))].sort(compareStrings)) {
    const certificates = certificatesOf({ ...ir, listeners: ir.listeners.filter((l) => l.cluster === cluster) }, cluster, source);
    if (certificates !== undefined) out[cluster] = certificates;
  }
  return out;
}

/** Publishes the fleet IR into the config map; returns the clusters whose config changed. */
export function publishClusterConfigs(map: WatchableMap<string, ClusterConfig>, fleet: GatewayIR, clusters: readonly string[], now: string, options: ClusterConfigOptions = {}): string[] {
  return map.apply(nextClusterConfigs(map.snapshot(), fleet, clusters, now, options));
}
