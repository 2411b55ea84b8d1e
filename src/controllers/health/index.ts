/**
 * The HealthContract evaluator (issue 5, seed 000 §12 and §19.1): targets from the fleet
 * and MCS result, the four health layers per service and cluster with their evidence, the
 * clusters routing must skip, the runner that probes, and the rows of `lintas get health`.
 * @module
 */
export { healthTargets, compareTargets, PROBE_PORT_NAME } from './targets.ts';
export { evaluateCluster, evaluateHealth, probeKey, syntheticKey, type ClusterEvaluationInput, type HealthEvaluationInput } from './evaluate.ts';
export { describeCheck, excludedByHealth, exclusionKey, failingCheck, firstFailing, healthChanged, healthObservation, HEALTH_LAYERS, type HealthExclusion, type HealthLayer } from './report.ts';
export { startHealthRunner, DEFAULT_HEALTH_INTERVAL_MS, DEFAULT_HEALTH_TIMEOUT_MS, type HealthRunner, type HealthRunnerOptions } from './runner.ts';
export { fillPath, SYNTHETIC_HEADER } from './synthetic.ts';
export { servesTraffic, withGatewayView } from './gateway-view.ts';
export { addLoadSample, loadRates, LOAD_WINDOW_MS, type LoadSample } from './load.ts';
export { healthRows, HEALTH_COLUMNS } from './format.ts';
export type {
  CheckEvidence,
  ClusterHealth,
  ClusterTarget,
  GatewayEndpointView,
  GatewayVerdict,
  GatewayView,
  HealthContext,
  HealthReport,
  HealthTarget,
  LayerVerdict,
  McsHealthView,
  ProbeResult,
  ServiceHealth,
  SyntheticRun,
  SyntheticStepResult,
  SyntheticStepSpec,
  TargetEndpoint,
} from './types.ts';
