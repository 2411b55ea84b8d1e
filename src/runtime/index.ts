/**
 * The runtime: the composition root that builds `lintas serve` and `lintas up` from one list of
 * components talking through one bus (issue 15).
 * @module
 */
export { startAlertService, readAlertSample, DEFAULT_ALERT_INTERVAL_MS, type AlertEntry, type AlertsAnswer, type AlertService, type AlertServiceOptions } from './alert-service.ts';
export { dataPlaneReport, REPORT_MAX_AGE_MS } from './dataplane-reports.ts';
export { createBus, follow, type Bus, type FailoverPublished, type McsPublished } from './bus.ts';
export { ComponentStartError, startComponents, type Component, type ComponentHealth, type StartedComponents } from './component.ts';
export type { ListenAddress, RuntimeConfig, SandboxExtensions, SnapshotOverlay } from './config.ts';
export { FAILOVER_VERBS, policiesOf, startFailoverRunner, type FailoverService, type FailoverServiceOptions, type FailoverVerb } from './failover-service.ts';
export { startGatewayRunner, type EmbeddedGateways, type GatewayRunner, type GatewayRunnerOptions } from './gateway-runner.ts';
export { createMcsMetrics, type McsMetrics } from './mcs-metrics.ts';
export { parseHeaderList } from './headers.ts';
export { startServeRuntime, type ServeRuntime } from './serve-runtime.ts';
export { explainClient, explainPublicHost, ExplainRequestError, type DnsExplainRequest, type DnsExplanation, type ExplainedCandidate } from './gslb-explain.ts';
export { startGslbService, type GslbAlerts, type GslbService, type GslbServiceOptions } from './gslb-service.ts';
