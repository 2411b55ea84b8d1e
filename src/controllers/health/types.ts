/**
 * The HealthContract evaluator's data: what is probed (targets), what the probes saw
 * (results, synthetic runs) and the verdicts with their evidence (the report). Plain,
 * JSON-serialisable data, so the report can be served, printed and diffed as is.
 * @module
 */
import type { EndpointSlice, HealthContractSpec, ServiceImport } from '../../api/index.ts';
import type { EndpointObservation, UpstreamObservation } from '../../ir/index.ts';

/** One step of a contract's synthetic transaction. */
export type SyntheticStepSpec = NonNullable<HealthContractSpec['synthetic']>['steps'][number];

/** One check behind a layer verdict, with what was measured and the bar it had to clear. */
export interface CheckEvidence {
  /** What was checked, e.g. `ready fraction`, `dependency case-db`, `replication lag`. */
  readonly name: string;
  readonly ok: boolean;
  readonly value?: number | string;
  readonly threshold?: number | string;
  /** The measurement in words, e.g. `0/2 endpoints`, `7s > 5s`, `capacity unknown`. */
  readonly detail?: string;
}

/** The verdict of one health layer; `ok` is null when the contract does not configure the layer. */
export interface LayerVerdict {
  readonly ok: boolean | null;
  readonly checks: readonly CheckEvidence[];
}

/** The four layers of one service in one cluster (seed 000 §12.1). */
export interface ClusterHealth {
  readonly cluster: string;
  /** Pod readiness: at least one ready endpoint. */
  readonly ready: LayerVerdict;
  /** Should the region receive user traffic: ready fraction and dependencies. Routing follows this. */
  readonly regional: LayerVerdict;
  /** Is the cluster safe to take over: replication lag and headroom (null without `spec.failover`). */
  readonly failover: LayerVerdict;
  /** Does the synthetic transaction complete (null without `spec.synthetic`). */
  readonly business: LayerVerdict;
  /** RFC 3339. */
  readonly evaluatedAt: string;
}

/** The health of one contract's target service, per cluster that serves it. */
export interface ServiceHealth {
  /** The HealthContract, `ns/name` (the FailoverPolicy's, for a default contract). */
  readonly contract: string;
  /** Set when this is a default contract: the FailoverPolicy (`ns/name`) it is evaluated for. */
  readonly defaultFor?: string;
  /** The target ServiceImport or Service, `ns/name`. */
  readonly service: string;
  readonly kind: 'ServiceImport' | 'Service';
  /** Sorted by cluster. */
  readonly clusters: readonly ClusterHealth[];
}

/** One evaluation round over every HealthContract of the fleet. */
export interface HealthReport {
  /** RFC 3339. */
  readonly generatedAt: string;
  /** Sorted by namespace, service name, contract name. */
  readonly services: readonly ServiceHealth[];
}

/** An endpoint of the target in one cluster, on the port the contract's probes use. */
export interface TargetEndpoint {
  readonly address: string;
  readonly port: number;
  /** Its EndpointSlice condition. */
  readonly ready: boolean;
  /**
   * Set when the gateways keep this endpoint out of rotation although its slice says Ready:
   * its active health checks fail (`unhealthy`) or outlier detection ejected it (`ejected`).
   */
  readonly gateway?: GatewayVerdict;
}

/** Why the gateways send a Ready endpoint nothing. */
export type GatewayVerdict = 'unhealthy' | 'ejected';

/** One endpoint of a service as the gateways see it (the data plane's observation, defined in the IR). */
export type GatewayEndpointView = EndpointObservation;

/** What the gateways see: endpoint states and the attempts they sent each destination cluster (monotonic counts). */
export type GatewayView = UpstreamObservation;

/** The endpoints of the target in one cluster that serves it, sorted by address and port. */
export interface ClusterTarget {
  readonly cluster: string;
  readonly endpoints: readonly TargetEndpoint[];
}

/** What one HealthContract asks to be probed: its spec and, per serving cluster, the endpoints. */
export interface HealthTarget {
  /** `ns/name` of the HealthContract (of the FailoverPolicy, for a default contract). */
  readonly contract: string;
  /**
   * Set on a default contract: no HealthContract targets the service, and the FailoverPolicy
   * named here (`ns/name`) needs its health, so Lintas evaluates the gateways' own view of it.
   */
  readonly defaultFor?: string;
  /** `ns/name` of the target. */
  readonly service: string;
  readonly kind: 'ServiceImport' | 'Service';
  readonly spec: HealthContractSpec;
  /** Sorted by cluster; empty when no cluster serves the target. */
  readonly clusters: readonly ClusterTarget[];
}

/**
 * What {@link healthTargets} reads from the MCS result: per cluster the computed
 * ServiceImports and imported EndpointSlices. Structural (an `McsResult` fits), so the
 * evaluator imports no other controller.
 */
export interface McsHealthView {
  readonly clusters: readonly {
    readonly cluster: string;
    readonly serviceImports: readonly ServiceImport[];
    readonly endpointSlices: readonly EndpointSlice[];
  }[];
}

/** Facts about a cluster the probes cannot see: `Cluster.spec.capacity` and the load it carries now. */
export interface HealthContext {
  readonly capacity?: number;
  readonly observedRps?: number;
}

/** The answer to one HTTP GET of `path` on `address:port`: a status and body, or why there was none. */
export interface ProbeResult {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly status?: number;
  /** The body, cut at a few KiB. */
  readonly body?: string;
  /** Set when no response arrived (refused, timeout, reset). */
  readonly error?: string;
}

/** One executed step of a synthetic run. */
export interface SyntheticStepResult {
  readonly method: SyntheticStepSpec['method'];
  /** The path as sent (templates filled in). */
  readonly path: string;
  readonly expectStatus: number;
  readonly status?: number;
  readonly error?: string;
}

/** The last synthetic transaction of one contract in one cluster. Steps stop at the first failure. */
export interface SyntheticRun {
  /** RFC 3339, when the run started. */
  readonly at: string;
  /** `address:port` the steps went to. */
  readonly endpoint?: string;
  /** Why the run could not start or continue (no ready endpoint, unfillable template). */
  readonly error?: string;
  readonly steps: readonly SyntheticStepResult[];
}
