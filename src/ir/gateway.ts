/**
 * Gateway IR: what the gateway translator computes from Gateways, HTTPRoutes,
 * ReferenceGrants, Services/EndpointSlices and the MCS result, and what the
 * HTTP gateway data plane serves. Modelled on Envoy Gateway's xds IR: one
 * server per bound address:port, virtual hosts per (intersected) hostname,
 * route rules already sorted by Gateway API precedence (first match wins), and
 * weighted backends that point at upstream clusters (endpoint sets with their
 * locality). Plain, JSON-serialisable, sorted data: golden-testable.
 * @module
 */
import type { ExcludedClusterIR, TrafficPolicyIR } from './policy.ts';

/** Gateway API header/query match (header names lower-cased by the translator). */
export interface StringMatchIR {
  readonly name: string;
  readonly type: 'Exact' | 'RegularExpression';
  readonly value: string;
}

/** One HTTPRouteMatch, defaults applied (no path → PathPrefix "/"); a GRPCRoute match as the path it amounts to. */
export interface RouteMatchIR {
  readonly path: { readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression'; readonly value: string };
  readonly headers: readonly StringMatchIR[];
  readonly queryParams: readonly StringMatchIR[];
  readonly method?: string;
  /** A GRPCRoute match: what it was written as (precedence and explain read it; `path` is what matches). */
  readonly grpc?: GrpcMethodMatchIR;
}

/** A GRPCRoute method match (`/<service>/<method>`); empty when the rule matches every method. */
export interface GrpcMethodMatchIR {
  readonly type: 'Exact' | 'RegularExpression';
  readonly service?: string;
  readonly method?: string;
}

/** RequestHeaderModifier / ResponseHeaderModifier (names lower-cased). */
export interface HeaderModifierIR {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

/** RequestRedirect with defaults left to request time (hostname/port from the request/listener). */
export interface RedirectIR {
  readonly scheme?: 'http' | 'https';
  readonly hostname?: string;
  readonly port?: number;
  readonly path?: { readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; readonly value: string };
  /** 301 | 302 | 303 | 307 | 308 (default 302). */
  readonly statusCode: number;
}

/** URLRewrite. ReplacePrefixMatch only ever appears on a PathPrefix match. */
export interface UrlRewriteIR {
  readonly hostname?: string;
  readonly path?: { readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; readonly value: string };
}

/** RequestMirror: a copy of the request to one endpoint of `upstream`, response ignored. */
export interface MirrorIR {
  readonly upstream: string;
  /** 0–100, fractional allowed (fraction → percent). Default 100. */
  readonly percent: number;
}

/**
 * The CORS filter, defaults applied. Origins are `*` or `scheme://host[:port]` patterns
 * (lower-cased, the default port of the scheme spelled out); header names keep their case.
 */
export interface CorsIR {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAgeSeconds: number;
}

/** Filters of a rule or of a backendRef (backendRef filters apply only when it is chosen). */
export interface FiltersIR {
  readonly requestHeaders?: HeaderModifierIR;
  readonly responseHeaders?: HeaderModifierIR;
  readonly redirect?: RedirectIR;
  readonly urlRewrite?: UrlRewriteIR;
  readonly mirrors?: readonly MirrorIR[];
  /** Rule filters only: preflights are answered by the gateway, other responses get the CORS headers. */
  readonly cors?: CorsIR;
}

/** One weighted backendRef of a rule. */
export interface BackendIR {
  readonly weight: number;
  readonly kind: 'Service' | 'ServiceImport';
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  /** Key into {@link GatewayIR.upstreams}; absent when `invalid`. */
  readonly upstream?: string;
  /** Set when the ref does not resolve: its share of traffic gets a 500 (spec). */
  readonly invalid?: { readonly reason: string; readonly message: string };
  readonly filters?: FiltersIR;
}

/** Gateway API timeouts in milliseconds (0 = disabled). */
export interface TimeoutsIR {
  readonly requestMs?: number;
  readonly backendRequestMs?: number;
}

/** GEP-1731 retry. */
export interface RetryIR {
  readonly codes: readonly number[];
  /** Maximum number of retries (not counting the first attempt). */
  readonly attempts: number;
  readonly backoffMs?: number;
}

/** One (rule, match) pair of one HTTPRoute, as Envoy Gateway's `HTTPRoute` IR. */
export interface RouteRuleIR {
  /** `httproute/<ns>/<name>/rule/<i>/match/<j>` (`grpcroute/…` for a GRPCRoute): stable, unique in a virtual host. */
  readonly name: string;
  readonly route: { readonly namespace: string; readonly name: string };
  readonly ruleIndex: number;
  readonly ruleName?: string;
  readonly matchIndex: number;
  readonly match: RouteMatchIR;
  readonly filters: FiltersIR;
  /** Empty with no redirect → 500 (spec: no backendRefs). */
  readonly backends: readonly BackendIR[];
  readonly timeouts?: TimeoutsIR;
  readonly retry?: RetryIR;
  /** A fixed answer instead of proxying (e.g. 500 when every backend is invalid). */
  readonly directResponse?: { readonly status: number; readonly body?: string };
  /** `ns/name` of a TrafficPolicy targeting this route (rule); wins over the backend's policy. */
  readonly policy?: string;
}

/** Routes for one hostname under one listener (listener isolation: a request matches one vhost). */
export interface VirtualHostIR {
  /** `foo.example.com`, `*.example.com` or `*` (any). */
  readonly hostname: string;
  /** `<ns>/<gateway>` and listener name this vhost came from (logs, explain). */
  readonly gateway: string;
  readonly listener: string;
  /** Sorted by Gateway API precedence: the first rule whose match holds wins; none → 404. */
  readonly routes: readonly RouteRuleIR[];
}

/**
 * A listener certificate: a `kubernetes.io/tls` Secret that parsed and whose key matches. The
 * PEM material is never in the IR (the IR is served by the admin API); the data plane gets it
 * from the runner by `secret`, and `fingerprint` tells it when to reload.
 */
export interface CertificateIR {
  /** `ns/name` of the Secret, in the listener's cluster. */
  readonly secret: string;
  /** SHA-256 of the leaf certificate (colon-separated hex, as node:crypto prints it). */
  readonly fingerprint: string;
  /** The leaf's notAfter (RFC 3339). */
  readonly notAfter: string;
  /** DNS names the leaf is valid for (subjectAltName, else its CN). */
  readonly dnsNames: readonly string[];
}

/** One HTTPS listener of a TLS server: the hostname SNI selects it by, and its certificates. */
export interface TlsListenerIR {
  /** `<ns>/<gateway>` and the listener name. */
  readonly gateway: string;
  readonly listener: string;
  /** The listener hostname (`*.example.com` or exact); absent: every name. */
  readonly hostname?: string;
  readonly certificates: readonly CertificateIR[];
}

/** TLS termination of a server: SNI picks the listener (most specific hostname), ALPN offers h2 and http/1.1. */
export interface TlsServerIR {
  /** Sorted most specific hostname first. */
  readonly listeners: readonly TlsListenerIR[];
}

/** One bound HTTP server (every listener of every Gateway sharing address:port in one cluster). */
export interface HttpListenerIR {
  /** `<address>:<port>`. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** The entry cluster (the folder holding the Gateway) and its locality. */
  readonly cluster: string;
  readonly region?: string;
  readonly zone?: string;
  /** Sorted most specific first: exact names, then wildcards by label count, then `*`. */
  readonly virtualHosts: readonly VirtualHostIR[];
  /**
   * East-west listeners (a ClusterSetIP): the entry cluster is the one whose pod CIDRs
   * contain the client's address; `cluster`/`region`/`zone` above are the fallback.
   */
  readonly entryBySource?: readonly EntrySourceIR[];
  /** HTTPS: terminate TLS with these listeners' certificates. Absent: cleartext HTTP. */
  readonly tls?: TlsServerIR;
  /** Cleartext only: `false` when a Gateway of the server turned HTTP/2 prior knowledge off (absent: on). */
  readonly http2PriorKnowledge?: false;
}

/** A source range and the cluster (locality) it identifies. */
export interface EntrySourceIR {
  readonly cidr: string;
  readonly cluster: string;
  readonly region?: string;
  readonly zone?: string;
}

/** A plain TCP proxy listener (a ClusterSetIP port that does not speak HTTP). */
export interface TcpListenerIR {
  /** `<address>:<port>`. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** `<ns>/<name>` of the ServiceImport, for logs. */
  readonly serviceImport: string;
  /** Key into {@link GatewayIR.upstreams}. */
  readonly upstream: string;
  readonly entryBySource: readonly EntrySourceIR[];
}

/** Active health check settings of an upstream. */
export interface HealthCheckIR {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
}

/** Slow start of endpoints that come back (Envoy's slow_start_config): their share ramps up over `windowMs`. */
export interface SlowStartIR {
  readonly windowMs: number;
  /** Shape of the ramp: 1 linear, above 1 faster at first. */
  readonly aggression: number;
  /** The share never starts below this percent of the full one. */
  readonly minWeightPercent: number;
}

/** Passive outlier detection settings of an upstream. */
export interface OutlierDetectionIR {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayErrors: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
}

/** One endpoint of an upstream, with the locality it lives in. */
export interface UpstreamEndpointIR {
  readonly address: string;
  readonly port: number;
  readonly cluster: string;
  readonly region?: string;
  readonly zone?: string;
  /** EndpointSlice conditions: only ready (or serving-and-terminating as a last resort) endpoints get traffic. */
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** Endpoint label/annotation `version`, for the access log. */
  readonly version?: string;
}

/**
 * Re-encryption to an upstream (a BackendTLSPolicy targets its Service or ServiceImport port).
 * The CA bundle is public material, so it travels in the IR (and the config stream).
 */
export interface UpstreamTlsIR {
  /** `ns/name` of the BackendTLSPolicy. */
  readonly policy: string;
  /** The SNI, and the name the certificate must carry unless `subjectAltNames` is set. */
  readonly hostname: string;
  /** When set, the certificate must carry one of these instead (`hostname` only picks the certificate). */
  readonly subjectAltNames?: readonly { readonly type: 'Hostname' | 'URI'; readonly value: string }[];
  /** PEM CA certificates the backend's chain must end in (the valid refs' `ca.crt`, joined). */
  readonly caCertificates?: string;
  /** `System`: the platform's well-known CAs (Node's bundled roots) instead. */
  readonly wellKnownCACertificates?: 'System';
  /** Set when the policy has no valid CA: nothing is sent to the upstream (never in plaintext); requests get 503. */
  readonly refused?: string;
}

/** An Envoy-style "cluster": the endpoint set one backendRef resolves to. */
export interface UpstreamIR {
  /** `Service/<cluster>/<ns>/<name>:<port>` or `ServiceImport/<ns>/<name>:<port>`. */
  readonly key: string;
  readonly kind: 'Service' | 'ServiceImport';
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  /**
   * `http` for HTTP/1.1 backends, `h2c` for HTTP/2 (prior knowledge: appProtocol `kubernetes.io/h2c`, or
   * a GRPCRoute's backend; over TLS when `tls` is set, ALPN `h2`), `tcp` for the plain TCP proxy.
   */
  readonly protocol: 'http' | 'h2c' | 'tcp';
  /** Re-encrypt to the endpoints (BackendTLSPolicy). */
  readonly tls?: UpstreamTlsIR;
  /** Sorted by cluster, address, port. */
  readonly endpoints: readonly UpstreamEndpointIR[];
  readonly healthCheck?: HealthCheckIR;
  readonly outlierDetection?: OutlierDetectionIR;
  readonly slowStart?: SlowStartIR;
  /** `ns/name` of the TrafficPolicy targeting this Service/ServiceImport. */
  readonly policy?: string;
  /** Declared shadow-safe by that policy (`spec.shadowSafe`): mirrors may send it mutations (seed 000 §21). */
  readonly shadowSafe?: true;
  /** Clusters that get no traffic for this service whatever their endpoints say, sorted by cluster. */
  readonly excludedClusters?: readonly ExcludedClusterIR[];
}

/** Everything the gateway data plane serves. Listeners sorted by key, upstreams by key. */
export interface GatewayIR {
  readonly listeners: readonly HttpListenerIR[];
  readonly upstreams: readonly UpstreamIR[];
  /** East-west TCP listeners (ClusterSetIP ports that are not HTTP), sorted by key. */
  readonly tcpListeners?: readonly TcpListenerIR[];
  /** TrafficPolicies referenced by rules and upstreams, sorted by key. */
  readonly policies?: readonly TrafficPolicyIR[];
}
