/**
 * Endpoint TTL (KEP-1645 "Endpoint TTL"): a source cluster whose snapshot has not
 * been confirmed for the ClusterSet's `endpointTTLSeconds` is withdrawn, so a lost
 * cluster's endpoints do not linger forever (the peers' top complaint). A source
 * that merely fails to sync keeps its last known objects until the TTL says
 * otherwise: an unsynced source is not an empty one. Pure; `now` is an input.
 * @module
 */
import type { ClusterFreshness } from '../../api/index.ts';

/** TTL when the ClusterSet does not set `spec.endpointTTLSeconds`: five minutes. */
export const DEFAULT_ENDPOINT_TTL_SECONDS = 300;

/** One refreshed source cluster as the result reports it. */
export interface SourceFreshness {
  readonly cluster: string;
  readonly observedAt: string;
  readonly synced: boolean;
  /** True once `observedAt + TTL <= now`: its exports contribute nothing. */
  readonly stale: boolean;
  readonly expiresAt: string;
}

/** Which clusters are stale now, the per-source report, and when the next one expires (for the runner's timer). */
export interface FreshnessVerdict {
  readonly stale: ReadonlySet<string>;
  readonly sources: readonly SourceFreshness[];
  readonly nextExpiry?: string;
}

/** Judges every reported cluster against the TTL. Clusters with no report never expire. */
export function assessFreshness(freshness: Readonly<Record<string, ClusterFreshness>> | undefined, ttlSeconds: number, now: string): FreshnessVerdict {
  const nowMs = Date.parse(now);
  const stale = new Set<string>();
  const sources: SourceFreshness[] = [];
  let next: number | undefined;
  for (const cluster of Object.keys(freshness ?? {}).sort()) {
    const report = freshness?.[cluster];
    if (report === undefined) continue;
    const observed = Date.parse(report.observedAt);
    // An unparseable time is treated as "never confirmed": withdrawing is the safe side.
    const expires = Number.isNaN(observed) ? Number.NEGATIVE_INFINITY : observed + ttlSeconds * 1000;
    const isStale = expires <= nowMs;
    if (isStale) stale.add(cluster);
    else if (next === undefined || expires < next) next = expires;
    sources.push({
      cluster,
      observedAt: report.observedAt,
      synced: report.synced,
      stale: isStale,
      expiresAt: Number.isFinite(expires) ? new Date(expires).toISOString() : report.observedAt,
    });
  }
  return { stale, sources, ...(next !== undefined ? { nextExpiry: new Date(next).toISOString() } : {}) };
}
