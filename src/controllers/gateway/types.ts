/**
 * The gateway translator's input and output: Gateways, HTTPRoutes and
 * GatewayClasses with the status Lintas computes, plus the Gateway IR.
 * @module
 */
import type { Condition, EndpointSlice, FleetSnapshot, Gateway, GatewayClass, GRPCRoute, HTTPRoute, ParentReference, ServiceImport } from '../../api/index.ts';
import type { GatewayIR } from '../../ir/index.ts';
import type { BackendTLSPolicyWithStatus } from './backend-tls.ts';
import type { PolicyInputs, TrafficPolicyWithStatus } from './policies.ts';

/** The controllerName Lintas answers for when the input does not name one. */
export const DEFAULT_CONTROLLER_NAME = 'lintas.dev/gateway-controller';

/**
 * What the gateway translator reads from the MCS result: per cluster the computed
 * ServiceImports and imported EndpointSlices, and the first-seen times of exports.
 * Structural (an `McsResult` fits) so that the pure translator does not import
 * another controller.
 */
export interface McsView {
  readonly clusters: readonly {
    readonly cluster: string;
    readonly serviceImports: readonly ServiceImport[];
    readonly endpointSlices: readonly EndpointSlice[];
  }[];
  readonly state?: { readonly firstSeen?: Readonly<Record<string, string>> };
}

/** Everything one translation needs; the translator reads nothing else. */
export interface GatewayInput {
  readonly snapshot: FleetSnapshot;
  readonly mcs: McsView;
  /** RFC 3339, the lastTransitionTime of conditions that are new or changed. */
  readonly now: string;
  /** GatewayClasses with this controllerName are Lintas'. Default {@link DEFAULT_CONTROLLER_NAME}. */
  readonly controllerName?: string;
  /** Also program the ClusterSetIP service proxy (east-west listeners on every ClusterSetIP). */
  readonly eastWest?: boolean;
  /** Failover state (epochs, moved owners), health-contract exclusions and drained clusters. */
  readonly policy?: PolicyInputs;
  /** The previous result, so that lastTransitionTime only moves when a condition changes. */
  readonly previous?: Pick<GatewayResult, 'gateways' | 'httpRoutes' | 'gatewayClasses'> & {
    readonly trafficPolicies?: GatewayResult['trafficPolicies'];
    readonly backendTLSPolicies?: GatewayResult['backendTLSPolicies'];
    readonly grpcRoutes?: GatewayResult['grpcRoutes'];
  };
}

/** Gateway API `RouteGroupKind`. */
export interface RouteGroupKind {
  group: string;
  kind: string;
}

/** Gateway API `ListenerStatus`, plus `certificates`, Lintas' own: what an HTTPS listener serves (no key material). */
export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
  certificates?: { secret: string; notAfter: string; dnsNames: string[] }[];
}

/** Gateway API `GatewayStatus`. */
export interface GatewayStatus {
  addresses?: { type: string; value: string }[];
  conditions: Condition[];
  listeners: ListenerStatus[];
}

/** Gateway API `RouteParentStatus`. */
export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

/** A Gateway with the status Lintas computed. */
export type GatewayWithStatus = Gateway & { status: GatewayStatus };
/** An HTTPRoute with the status Lintas computed (one entry per parentRef to a Lintas Gateway). */
export type HTTPRouteWithStatus = HTTPRoute & { status: { parents: RouteParentStatus[] } };
/** A GRPCRoute with the status Lintas computed (one entry per parentRef to a Lintas Gateway). */
export type GRPCRouteWithStatus = GRPCRoute & { status: { parents: RouteParentStatus[] } };
/** A GatewayClass with the status Lintas computed. */
export type GatewayClassWithStatus = GatewayClass & { status: { conditions: Condition[] } };

/** The translation. Lists sorted by cluster, namespace and name. */
export interface GatewayResult {
  readonly ir: GatewayIR;
  /** Gateways of Lintas' GatewayClasses (others belong to another controller and are left alone). */
  readonly gateways: readonly { readonly cluster: string; readonly gateway: GatewayWithStatus }[];
  /** HTTPRoutes with at least one parentRef to a Lintas Gateway. */
  readonly httpRoutes: readonly { readonly cluster: string; readonly route: HTTPRouteWithStatus }[];
  /** GRPCRoutes with at least one parentRef to a Lintas Gateway. */
  readonly grpcRoutes: readonly { readonly cluster: string; readonly route: GRPCRouteWithStatus }[];
  /** GatewayClasses whose controllerName is Lintas'. */
  readonly gatewayClasses: readonly { readonly cluster: string; readonly gatewayClass: GatewayClassWithStatus }[];
  /** Every TrafficPolicy of the fleet with its Accepted condition. */
  readonly trafficPolicies: readonly TrafficPolicyWithStatus[];
  /** Every BackendTLSPolicy with its status per ancestor Gateway. */
  readonly backendTLSPolicies: readonly { readonly cluster: string; readonly policy: BackendTLSPolicyWithStatus }[];
}
