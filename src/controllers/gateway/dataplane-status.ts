/**
 * What the control plane can say about each cluster's gateway (for `lintas get
 * dataplanes` and a per-cluster Programmed condition): the version it should
 * serve, the version it acknowledged, whether it is connected, rejected the
 * current version, or lags behind, and by how long. Pure: the config map, the
 * acknowledgement map and `now` in, rows sorted by cluster out.
 * @module
 */
import type { ClusterConfig, DataPlaneAck } from '../../ir/index.ts';
import { compareStrings } from '../../lib/index.ts';
import { timestampMillis } from './time.ts';

/**
 * Where a cluster's gateway stands: `InSync` serves the current version and is connected;
 * `Pending` is connected and has not acknowledged the current version yet; `Rejected`
 * NACKed the current version (it serves an older one); `Disconnected` has no stream open
 * (it serves what it last acknowledged, fail-static); `Unknown` was never heard from;
 * `NoConfig` is connected but the control plane has no config for its cluster (not
 * translated yet, or the cluster left the fleet).
 */
export type DataPlaneSyncState = 'InSync' | 'Pending' | 'Rejected' | 'Disconnected' | 'Unknown' | 'NoConfig';

/** One cluster's gateway as the control plane sees it. */
export interface DataPlaneRow {
  readonly cluster: string;
  readonly state: DataPlaneSyncState;
  readonly connected: boolean;
  /** The version it should serve (the config map's). */
  readonly desiredVersion?: string;
  readonly desiredGeneration?: number;
  /** The version it acknowledged (serves). */
  readonly ackedVersion?: string;
  readonly ackedGeneration?: number;
  readonly lastContact?: string;
  /** InSync: how long the current version took from publish to ACK; otherwise how long it has waited (ms). */
  readonly lagMs?: number;
  /** Rejected: the gateway's error. */
  readonly error?: string;
  readonly subject?: string;
}

/** One row per cluster in either map, sorted by cluster. */
export function dataPlaneRows(configs: ReadonlyMap<string, ClusterConfig>, acks: ReadonlyMap<string, DataPlaneAck>, now: string): DataPlaneRow[] {
  const clusters = [...new Set([...configs.keys(), ...acks.keys()])].sort(compareStrings);
  return clusters.map((cluster) => dataPlaneRow(cluster, configs.get(cluster), acks.get(cluster), now));
}

/** The row of one cluster. */
export function dataPlaneRow(cluster: string, desired: ClusterConfig | undefined, ack: DataPlaneAck | undefined, now: string): DataPlaneRow {
  const connected = ack?.connected ?? false;
  const current = desired !== undefined && ack?.acked?.version === desired.version;
  const rejected = desired !== undefined && ack?.nacked?.version === desired.version;
  const state: DataPlaneSyncState = ack === undefined ? 'Unknown' : rejected ? 'Rejected' : !connected ? 'Disconnected' : desired === undefined ? 'NoConfig' : current ? 'InSync' : 'Pending';
  const nowMs = timestampMillis(now);
  const publishedMs = desired === undefined ? undefined : timestampMillis(desired.publishedAt);
  const waited = nowMs === undefined || publishedMs === undefined ? undefined : Math.max(0, nowMs - publishedMs);
  const lagMs = current ? ack?.acked?.lagMs : waited;
  return {
    cluster,
    state,
    connected,
    ...(desired !== undefined ? { desiredVersion: desired.version, desiredGeneration: desired.generation } : {}),
    ...(ack?.acked !== undefined ? { ackedVersion: ack.acked.version, ...(ack.acked.generation !== undefined ? { ackedGeneration: ack.acked.generation } : {}) } : {}),
    ...(ack !== undefined ? { lastContact: ack.lastContact, subject: ack.subject } : {}),
    ...(lagMs !== undefined ? { lagMs } : {}),
    ...(rejected && ack?.nacked?.error !== undefined ? { error: ack.nacked.error } : {}),
  };
}
