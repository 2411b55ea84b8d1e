/**
 * DNS IR: what the authoritative `clusterset.local` server answers, computed by
 * the MCS controller and consumed by the DNS data plane. Plain, JSON-serialisable
 * data, sorted, so it can be golden-tested and diffed between versions.
 * @module
 */

/** One port of a multi-cluster service (SRV records for named ones). */
export interface DnsPortIR {
  readonly name?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
}

/** One endpoint of a headless multi-cluster service. */
export interface DnsEndpointIR {
  /** The source cluster's id (its name in the fleet). */
  readonly cluster: string;
  /** The endpoint's `hostname`, or its IP with `.`/`:` replaced by `-`. */
  readonly hostname: string;
  readonly ips: readonly string[];
  /** Only ready endpoints are ever answered. */
  readonly ready: boolean;
}

/** One ServiceImport as DNS sees it: `<name>.<namespace>.svc.<zone>`. */
export interface DnsServiceIR {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'ClusterSetIP' | 'Headless';
  /** ClusterSetIP(s); empty for Headless. */
  readonly ips: readonly string[];
  readonly ports: readonly DnsPortIR[];
  /** Headless only: every imported endpoint with its readiness (ClusterSetIP: empty). */
  readonly endpoints: readonly DnsEndpointIR[];
}

/** The whole zone. Services sorted by namespace then name. */
export interface DnsZoneIR {
  /** e.g. `clusterset.local` (no trailing dot). */
  readonly zone: string;
  readonly ttlSeconds: number;
  readonly services: readonly DnsServiceIR[];
}
