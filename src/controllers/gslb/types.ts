/**
 * The GSLB translator's input and output (issue 18): what it reads (the fleet's DNSPolicies
 * and Clusters, the Gateway IR, probe verdicts, health-contract exclusions, drains, failover
 * moves) and what it computes (the public DNS IR, each DNSPolicy with its status, and the
 * probes the runner must send). Plain data.
 * @module
 */
import type { Condition, DNSPolicy, Sourced } from '../../api/index.ts';
import type { GatewayIR, PublicDnsIR } from '../../ir/index.ts';

/** The runner's verdict on one probe target after its thresholds: is the Gateway answering the hostname there? */
export interface ProbeVerdict {
  readonly ok: boolean;
  /** The last probe in words, e.g. `200`, `ECONNREFUSED (2 failures in a row, threshold 2)`. */
  readonly detail: string;
}

/** A failover move of one ownership domain, as the failover runner reports it. */
export interface GslbMove {
  readonly from: string;
  readonly to: string;
}

/** Everything one translation reads; the translator reads nothing else. */
export interface GslbInput {
  /** Fleet-scoped objects of the snapshot (DNSPolicy and Cluster are read). */
  readonly fleetObjects: readonly Sourced[];
  /** The gateway translator's IR: which cluster's Gateway serves which hostname on which address, through which backends. */
  readonly gateway: GatewayIR | undefined;
  /** By {@link gslbProbeKey}; a target without a verdict has not been probed yet and counts as answering. */
  readonly probes?: Readonly<Record<string, ProbeVerdict>>;
  /** By target `Kind/ns/name`: clusters whose regional readiness is false (HealthContract), with why. */
  readonly excluded?: Readonly<Record<string, readonly { readonly cluster: string; readonly reason: string }[]>>;
  /** Clusters taken out of all routing (`lintas drain`). */
  readonly drained?: readonly string[];
  /** By TrafficPolicy `ns/name`: owners that were failed over, and where to. */
  readonly ownership?: Readonly<Record<string, { readonly epoch: number; readonly moved: readonly GslbMove[] }>>;
  /** The SOA serial (the runner bumps it whenever the answers change). */
  readonly serial?: number;
  /** RFC 3339, the lastTransitionTime of conditions that are new or changed. */
  readonly now: string;
  /** The previous statuses, so lastTransitionTime moves only when a condition changes. */
  readonly previous?: readonly DNSPolicyWithStatus[];
}

/** One HTTP probe the runner sends: `GET http://address:port/path` with `Host: hostname`, through the Gateway. */
export interface ProbeTarget {
  /** {@link gslbProbeKey} of hostname, cluster and address. */
  readonly key: string;
  readonly hostname: string;
  readonly cluster: string;
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

/** A DNSPolicy with the status Lintas computed (GEP-713 `Accepted`, plus `Enforced`). */
export type DNSPolicyWithStatus = DNSPolicy & { status: { conditions: Condition[] } };

/** The translation. */
export interface GslbResult {
  readonly ir: PublicDnsIR;
  /** Every DNSPolicy of the fleet with its conditions, sorted by namespace/name. */
  readonly dnsPolicies: readonly DNSPolicyWithStatus[];
  /** Sorted by key. */
  readonly probes: readonly ProbeTarget[];
}

/** The key of one probe target: `hostname|cluster|address`. */
export function gslbProbeKey(hostname: string, cluster: string, address: string): string {
  return `${hostname}|${cluster}|${address}`;
}
