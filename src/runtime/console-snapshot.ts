/**
 * The console's live picture (issue 19) as a pure function of what the bus and the runners
 * hold: clusters by region with their health-contract layers (worst of the services they
 * serve), drains, data-plane reports and Gateways, plus the failover status, the alerts and
 * the traffic edges. No I/O and no clock: `generatedAt` and `version` are passed in.
 * @module
 */
import type { Cluster, FleetSnapshot } from '../api/index.ts';
import { ConditionType, type GatewayResult, type HealthReport, type LayerVerdict, type McsResult, type PolicyStatus } from '../controllers/index.ts';
import type { DataPlaneServing } from '../ir/index.ts';
import type { AlertsAnswer } from './alert-service.ts';
import type { ClusterView, ConsoleSnapshot, LayerState, RegionView, TrafficView } from './console-contract.ts';

/** Failing checks kept per cluster (the rest are in `/api/v1/health`). */
export const MAX_FAILING_CHECKS = 20;

/** Everything {@link consoleSnapshot} reads. */
export interface ConsoleInputs {
  readonly version: number;
  /** RFC 3339. */
  readonly generatedAt: string;
  /** The fleet snapshot the MCS result was computed from (absent before the first load). */
  readonly snapshot?: FleetSnapshot;
  readonly mcs?: McsResult;
  readonly health?: HealthReport;
  /** Clusters drained by an operator (the failover runner's decision on the bus). */
  readonly drained: readonly string[];
  readonly dataplanes: ReadonlyMap<string, DataPlaneServing>;
  /** The gateway translation with Programmed per cluster (`withDataPlaneProgrammed`). */
  readonly gateways?: Pick<GatewayResult, 'gateways'>;
  readonly failover: readonly PolicyStatus[];
  readonly alerts: AlertsAnswer;
  readonly traffic: TrafficView;
}

type Layer = ClusterView['failing'][number]['layer'];
const LAYERS: readonly Layer[] = ['ready', 'regional', 'failover', 'business'];
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The console snapshot of `inputs`; every list sorted. */
export function consoleSnapshot(inputs: ConsoleInputs): ConsoleSnapshot {
  const clusterObjects = new Map<string, Cluster>();
  for (const s of inputs.snapshot?.fleetObjects ?? []) if (s.object.kind === 'Cluster') clusterObjects.set(s.object.metadata.name, s.object as unknown as Cluster);
  const names = new Set<string>([...clusterObjects.keys(), ...(inputs.snapshot?.clusters.keys() ?? []), ...(inputs.mcs?.clusters.map((c) => c.cluster) ?? [])]);
  const drained = new Set(inputs.drained);
  const layers = layersByCluster(inputs.health);
  const mcsByCluster = new Map((inputs.mcs?.clusters ?? []).map((c) => [c.cluster as string, c]));

  const regions = new Map<string, ClusterView[]>();
  for (const name of [...names].sort(cmp)) {
    const spec = clusterObjects.get(name)?.spec;
    const region = spec?.region ?? '';
    const zones = spec?.zones ?? [];
    const health = layers.get(name);
    const mcs = mcsByCluster.get(name);
    const dataplane = inputs.dataplanes.get(name);
    const view: ClusterView = {
      name,
      region,
      ...(zones.length > 0 ? { zone: zones.join(', ') } : {}),
      layers: health?.layers ?? { ready: 'unknown', regional: 'unknown', failover: 'unknown', business: 'unknown' },
      failing: health?.failing ?? [],
      drained: drained.has(name),
      ...(dataplane !== undefined ? { dataplane } : {}),
      gateways: (inputs.gateways?.gateways ?? [])
        .filter((g) => g.cluster === name)
        .map((g) => {
          const address = g.gateway.status.addresses?.[0]?.value;
          const programmed = g.gateway.status.conditions.some((c) => c.type === ConditionType.Programmed && c.status === 'True');
          return { name: `${g.gateway.metadata.namespace ?? 'default'}/${g.gateway.metadata.name}`, ...(address !== undefined ? { address } : {}), programmed };
        })
        .sort((a, b) => cmp(a.name, b.name)),
      exports: mcs?.serviceExports.length ?? 0,
      imports: mcs?.serviceImports.length ?? 0,
    };
    regions.set(region, [...(regions.get(region) ?? []), view]);
  }
  const fleet: RegionView[] = [...regions.entries()].sort(([a], [b]) => cmp(a, b)).map(([name, clusters]) => ({ name, clusters }));
  return {
    version: inputs.version,
    generatedAt: inputs.generatedAt,
    fleet: { regions: fleet },
    traffic: inputs.traffic,
    failover: [...inputs.failover].sort((a, b) => cmp(a.policy, b.policy)),
    alerts: inputs.alerts,
  };
}

/** Per cluster: each layer's worst verdict over the services it serves, and the failing checks behind them. */
function layersByCluster(report: HealthReport | undefined): Map<string, Pick<ClusterView, 'layers' | 'failing'>> {
  const seen = new Map<string, { states: Record<Layer, LayerState>; failing: ClusterView['failing'][number][] }>();
  for (const service of report?.services ?? []) {
    for (const c of service.clusters) {
      let entry = seen.get(c.cluster);
      if (entry === undefined) {
        entry = { states: { ready: 'unknown', regional: 'unknown', failover: 'unknown', business: 'unknown' }, failing: [] };
        seen.set(c.cluster, entry);
      }
      for (const layer of LAYERS) {
        const verdict: LayerVerdict = c[layer];
        entry.states[layer] = worse(entry.states[layer], verdict.ok === null ? 'unknown' : verdict.ok ? 'ok' : 'failing');
        if (verdict.ok === false) for (const check of verdict.checks) if (!check.ok) entry.failing.push({ service: service.service, layer, check });
      }
    }
  }
  const out = new Map<string, Pick<ClusterView, 'layers' | 'failing'>>();
  for (const [cluster, { states, failing }] of seen) {
    const sorted = failing.sort((a, b) => cmp(a.service, b.service) || LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer) || cmp(a.check.name, b.check.name));
    out.set(cluster, { layers: states, failing: sorted.slice(0, MAX_FAILING_CHECKS) });
  }
  return out;
}

/** `failing` beats `ok`, and `ok` beats `unknown` (a layer no contract configures says nothing). */
function worse(a: LayerState, b: LayerState): LayerState {
  const rank: Record<LayerState, number> = { unknown: 0, ok: 1, failing: 2 };
  return rank[a] >= rank[b] ? a : b;
}
