/**
 * The MCS translator's input, output and persisted state, plus the internal
 * "constituent" shape the merge, order and endpoint steps share.
 * @module
 */
import type { ClusterFreshness, ClusterName, Condition, EndpointSlice, FleetSnapshot, Service, ServiceExport, ServiceImport } from '../../api/index.ts';
import type { DnsZoneIR } from '../../ir/index.ts';
import type { SourceFreshness } from './freshness.ts';

/** State the runner persists between runs so that results stay stable across restarts and reloads. */
export interface McsState {
  /** When Lintas first saw each export that has no metadata.creationTimestamp: key `cluster/ns/name`. */
  readonly firstSeen: Readonly<Record<string, string>>;
  /** ClusterSetIP allocations by `ns/name`, kept stable across runs. */
  readonly allocations: Readonly<Record<string, readonly string[]>>;
  /** Previous export conditions by `cluster/ns/name`, so lastTransitionTime only moves when status changes. */
  readonly conditions?: Readonly<Record<string, readonly Condition[]>>;
  /** Previous ServiceImport conditions by `ns/name` (the same in every importing cluster), for the same reason. */
  readonly importConditions?: Readonly<Record<string, readonly Condition[]>>;
}

/** The state of a first run: nothing seen, nothing allocated. */
export const EMPTY_MCS_STATE: McsState = Object.freeze({ firstSeen: {}, allocations: {} });

/** Everything one translation needs; the translator reads nothing else. */
export interface McsInput {
  /** Fleet-scoped Cluster/ClusterSet plus per-cluster objects. */
  readonly snapshot: FleetSnapshot;
  /** RFC 3339, used for lastTransitionTime and first-seen times. */
  readonly now: string;
  /** Persisted by the runner between runs. */
  readonly state: McsState;
  /** Per-cluster refresh reports of sources that refresh (see ClusterFreshness); absent clusters never expire. */
  readonly freshness?: Readonly<Record<string, ClusterFreshness>>;
}

/** A ServiceExport as Lintas reports it: the input object with `status.conditions` filled in. */
export type ServiceExportWithStatus = ServiceExport & { status: { conditions: Condition[] } };

/** What one member cluster should contain: its imports, the imported slices, and its exports' status. */
export interface McsClusterResult {
  readonly cluster: ClusterName;
  readonly serviceImports: readonly ServiceImport[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly serviceExports: readonly ServiceExportWithStatus[];
}

/**
 * The translation. Objects are shared between clusters (every importing cluster gets the
 * same ServiceImport and slices), so consumers must treat the whole result as immutable.
 */
export interface McsResult {
  /** One entry per ClusterSet member with a snapshot, sorted by cluster name. */
  readonly clusters: readonly McsClusterResult[];
  readonly dns: DnsZoneIR;
  /** Updated firstSeen/allocations/conditions for the runner to persist. */
  readonly state: McsState;
  /** Refreshed source clusters and whether the endpoint TTL withdrew them (empty without freshness reports). */
  readonly sources: readonly SourceFreshness[];
  /** When the next fresh source would expire: the runner re-translates then. */
  readonly nextExpiry?: string;
}

/** A ServiceImport port (name, protocol, appProtocol, port; no targetPort by design of the API). */
export type ImportPort = ServiceImport['spec']['ports'][number];
/** `IPv4` or `IPv6`, as Services and ServiceImports spell it. */
export type IPFamilyName = NonNullable<ServiceImport['spec']['ipFamilies']>[number];

/** One valid export of a Service, reduced to the fields that take part in the merge. */
export interface Constituent {
  readonly cluster: ClusterName;
  /** Precedence time in milliseconds since the epoch (creationTimestamp, else first seen). */
  readonly time: number;
  readonly service: Service;
  readonly type: ServiceImport['spec']['type'];
  readonly ports: readonly ImportPort[];
  readonly sessionAffinity: 'ClientIP' | 'None';
  readonly sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  /** Undefined when the manifest does not say (neither ipFamilies nor an IP clusterIP). */
  readonly ipFamilies?: readonly IPFamilyName[];
  readonly internalTrafficPolicy?: 'Cluster' | 'Local';
  readonly trafficDistribution?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}
