/**
 * Public DNS IR (GSLB, issue 18): the zones DNSPolicies make Lintas authoritative for, and
 * per public hostname the clusters whose Gateways serve it, each with its health evidence,
 * the strategy that picks among the healthy ones and the TTL. Computed by the GSLB
 * translator from the fleet, the Gateway IR, probe verdicts, health-contract exclusions,
 * drains and failover moves; served by the DNS data plane, which makes the per-query part of
 * the choice (client subnet → region, weighted draw, rotation). Plain, sorted data.
 * @module
 */
import type { ClusterWeightIR } from './policy.ts';

/** The zone's SOA fields (RFC 1035 §3.3.13), times in seconds; `minimum` is the negative-caching TTL (RFC 2308). */
export interface SoaIR {
  /** The primary name server (the first NS). */
  readonly mname: string;
  /** The admin mailbox as a name, `hostmaster.example.com`. */
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

/** An NS record's target; `addresses` (glue) only when the server lies inside the zone. */
export interface NameServerIR {
  readonly name: string;
  readonly addresses: readonly string[];
}

/** One health condition of a candidate cluster for one hostname, in words. */
export interface HealthEvidenceIR {
  /** probe: the Gateway answered the hostname's probe; contract: regional readiness of the route's backends; drain; failover: ownership moved away. */
  readonly check: 'probe' | 'contract' | 'drain' | 'failover';
  readonly ok: boolean;
  readonly detail: string;
  /** probe: the Gateway address probed. */
  readonly address?: string;
}

/** A cluster whose Gateway serves the hostname. */
export interface CandidateIR {
  readonly cluster: string;
  readonly region: string;
  /** Gateway addresses that answer the probe (every address while the cluster is not probed yet), sorted. */
  readonly addresses: readonly string[];
  /** All three rules hold: probe, regional readiness, not drained (and not failed over). */
  readonly healthy: boolean;
  readonly drained: boolean;
  readonly evidence: readonly HealthEvidenceIR[];
}

/** A Geo table row: clients in `cidr` go to `region`, which stands for `clusters`. */
export interface GeoSubnetIR {
  readonly cidr: string;
  readonly region: string;
  readonly clusters: readonly string[];
}

/** The strategy with names resolved to clusters (a region stands for its clusters, sorted). */
export type StrategyIR =
  | { readonly type: 'RoundRobin' }
  | { readonly type: 'Weighted'; readonly weights: readonly ClusterWeightIR[] }
  /** Groups in order: the first group with an eligible cluster answers (after failover moves are applied). */
  | { readonly type: 'Failover'; readonly order: readonly (readonly string[])[] }
  /** Rows longest prefix first, then by address. */
  | { readonly type: 'Geo'; readonly subnets: readonly GeoSubnetIR[]; readonly defaultRegion: string; readonly defaultClusters: readonly string[] };

/** One public hostname. */
export interface PublicHostIR {
  /** Lowercase, no trailing dot. */
  readonly hostname: string;
  /** `ns/name` of the DNSPolicy. */
  readonly policy: string;
  readonly ttlSeconds: number;
  readonly strategy: StrategyIR;
  readonly onNoHealthyRegion: 'FailOpen' | 'NoAnswer';
  /** Sorted by cluster. */
  readonly candidates: readonly CandidateIR[];
  /**
   * What the strategy picks from: the healthy clusters; with none healthy, every cluster that
   * is not drained (FailOpen) or nothing (NoAnswer). Sorted.
   */
  readonly eligible: readonly string[];
  /** No candidate is healthy. */
  readonly noHealthy: boolean;
}

/** One zone Lintas is authoritative for. */
export interface PublicZoneIR {
  /** The apex, lowercase, no trailing dot. */
  readonly zone: string;
  /** `ns/name` of the DNSPolicy that declared it first. */
  readonly policy: string;
  readonly soa: SoaIR;
  /** TTL of the SOA and NS RRsets. */
  readonly ttlSeconds: number;
  readonly nameServers: readonly NameServerIR[];
  /** Sorted by hostname. */
  readonly hosts: readonly PublicHostIR[];
}

/** Every public zone; sorted by zone. */
export interface PublicDnsIR {
  readonly zones: readonly PublicZoneIR[];
}
