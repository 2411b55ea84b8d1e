/**
 * The IR: what controllers compute and data planes consume. Data only.
 * @module
 */
export type { AckedVersion, ClusterConfig, ConfigAckBody, ListenerCertificate, ConfigFrame, DataPlaneAck, HeartbeatFrame, HelloFrame, StreamFrame } from './config-stream.ts';
export type { DnsEndpointIR, DnsPortIR, DnsServiceIR, DnsZoneIR } from './dns.ts';
export type { EndpointObservation, EndpointState, UpstreamObservation } from './upstream-observation.ts';
export { NO_DESTINATION, type PairTraffic, type TrafficSample } from './traffic-sample.ts';
export { sameAddresses, shareIr, shareUpstream } from './share.ts';
export { EMPTY_REPORT, mergeReports, type DataPlaneReport, type RemoteDataPlaneReport } from './dataplane-report.ts';
export type { DataPlaneServing } from './dataplane-serving.ts';
export type {
  BackendIR,
  CertificateIR,
  CorsIR,
  EntrySourceIR,
  FiltersIR,
  GatewayIR,
  GrpcMethodMatchIR,
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
  UpstreamTlsIR,
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
export type { CandidateIR, GeoSubnetIR, HealthEvidenceIR, NameServerIR, PublicDnsIR, PublicHostIR, PublicZoneIR, SoaIR, StrategyIR } from './public-dns.ts';
