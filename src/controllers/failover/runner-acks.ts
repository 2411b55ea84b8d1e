/**
 * The data planes' acknowledgements as the failover runner reads them (issue 15): a drain ends,
 * and FailingOver becomes FailedOver, only once every data plane serves the new ownership epoch;
 * until then the status names the ones that do not.
 * @module
 */
import type { DataPlaneServing } from '../../ir/index.ts';

/** Clusters whose data plane does not yet serve ownership `epoch` for TrafficPolicy `trafficPolicy` (sorted; absent epoch = 1). */
export function pendingDataPlanes(acks: ReadonlyMap<string, DataPlaneServing>, trafficPolicy: string, epoch: number): string[] {
  return [...acks.values()]
    .filter((a) => (a.ownership[trafficPolicy] ?? 1) < epoch)
    .map((a) => a.cluster)
    .sort();
}
