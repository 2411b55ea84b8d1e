/**
 * The IR: what controllers compute and data planes consume. Data only.
 * @module
 */
export type { DnsEndpointIR, DnsPortIR, DnsServiceIR, DnsZoneIR } from './dns.ts';
export type {
  BackendIR,
  CertificateIR,
  CorsIR,
  EntrySourceIR,
  FiltersIR,
  GatewayIR,
  HeaderModifierIR,
  HealthCheckIR,
  HttpListenerIR,
  MirrorIR,
  OutlierDetectionIR,
  RedirectIR,
  RetryIR,
  RouteMatchIR,
  RouteRuleIR,
  SlowStartIR,
  StringMatchIR,
  TcpListenerIR,
  TimeoutsIR,
  TlsListenerIR,
  TlsServerIR,
  UpstreamEndpointIR,
  UpstreamIR,
  UrlRewriteIR,
  VirtualHostIR,
} from './gateway.ts';
export type {
  ClusterWeightIR,
  ExcludedClusterIR,
  LocalityIR,
  LocalityModeIR,
  OwnershipIR,
  OwnershipKeyIR,
  OwnershipMoveIR,
  OwnershipRuleIR,
  PolicyMirrorIR,
  SessionAffinityIR,
  TrafficPolicyIR,
} from './policy.ts';
