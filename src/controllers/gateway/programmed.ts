/**
 * `Programmed` as the data planes acknowledged it (issue 15): a Gateway's translation may be
 * programmable, but it is programmed only once its cluster's gateway serves it. Pure: the
 * translation result, what each cluster's data plane serves and the desired configs in; the result
 * with each Gateway's `Programmed` condition made False (reason `Pending`) where its cluster's
 * data plane has not acknowledged the config it should serve.
 * @module
 */
import type { ClusterConfig, DataPlaneServing } from '../../ir/index.ts';
import { ConditionType } from './conditions.ts';
import type { GatewayResult } from './types.ts';

/** Gateway API's reason for a Gateway whose config is not in effect yet. */
export const PROGRAMMED_PENDING = 'Pending';

/** Why `cluster`'s gateway does not serve its desired config yet (undefined when it does). */
export function notProgrammedBecause(cluster: string, serving: DataPlaneServing | undefined, desired: ClusterConfig | undefined): string | undefined {
  if (serving === undefined) return `no data plane of cluster ${cluster} has reported yet`;
  if (serving.state === 'nacked') return `the data plane of cluster ${cluster} refused its config: ${serving.error ?? 'no reason given'}`;
  if (serving.mode === 'remote' && desired !== undefined && serving.version !== desired.version) {
    return `the data plane of cluster ${cluster} serves config ${String(serving.version) || '<none>'}, not ${desired.version} yet`;
  }
  return undefined;
}

/** `result` with per-cluster Programmed conditions (the translation's own False conditions are kept as they are). */
export function withDataPlaneProgrammed(result: GatewayResult, serving: ReadonlyMap<string, DataPlaneServing>, desired: ReadonlyMap<string, ClusterConfig>): GatewayResult {
  return {
    ...result,
    gateways: result.gateways.map((g) => {
      const why = notProgrammedBecause(g.cluster, serving.get(g.cluster), desired.get(g.cluster));
      if (why === undefined) return g;
      const conditions = g.gateway.status.conditions.map((c) => (c.type === ConditionType.Programmed && c.status === 'True' ? { ...c, status: 'False' as const, reason: PROGRAMMED_PENDING, message: why } : c));
      return { ...g, gateway: { ...g.gateway, status: { ...g.gateway.status, conditions } } };
    }),
  };
}
