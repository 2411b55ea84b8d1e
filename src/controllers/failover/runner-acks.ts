/**
 * The data planes' acknowledgements as the failover runner reads them (issue 15): a drain ends,
 * and FailingOver becomes FailedOver, only once every data plane serves the new ownership epoch;
 * until then the status names the ones that do not.
 * @module
 */
import type { DataPlaneServing } from '../../ir/index.ts';

/**
 * Clusters whose data plane carries TrafficPolicy `trafficPolicy` but does not yet serve ownership
 * `epoch` for it (sorted). A data plane whose config does not carry the policy routes none of the
 * domain's requests, so it is not waited for.
 */
export function pendingDataPlanes(acks: ReadonlyMap<string, DataPlaneServing>, trafficPolicy: string, epoch: number): string[] {
  return [...acks.values()]
    .filter((a) => a.ownership[trafficPolicy] !== undefined && a.ownership[trafficPolicy] < epoch)
    .map((a) => a.cluster)
    .sort();
}
