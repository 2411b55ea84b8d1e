/**
 * Per-cluster metrics of the Kubernetes source: whether its watches are up, when it was last
 * confirmed, how often each resource relisted, and how long events took to arrive.
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The metrics, registered once per source. */
export interface KubeSourceMetrics {
  /** 1 while every informer of the cluster is synced with its watch open. */
  readonly up: Gauge<'cluster'>;
  /** Unix seconds the cluster was last confirmed (list, event, bookmark or watch start). */
  readonly lastSync: Gauge<'cluster'>;
  /** Lists after the first, per resource (a 410 Gone, or a resource no longer served). */
  readonly relists: Gauge<'cluster' | 'resource'>;
  /** Seconds from an object's last write (managedFields, 1 s resolution) to its watch event. */
  readonly eventLag: Histogram<'cluster'>;
}

/** Registers the Kubernetes source's metrics on `registry`. */
export function createKubeSourceMetrics(registry: Registry): KubeSourceMetrics {
  return {
    up: new Gauge({ name: 'lintas_kube_watch_up', help: 'Whether every watch of a member cluster is synced and open (1) or not (0)', labelNames: ['cluster'], registers: [registry] }),
    lastSync: new Gauge({ name: 'lintas_kube_last_sync_timestamp_seconds', help: 'When a member cluster was last confirmed by its API server (list, event, bookmark or watch start)', labelNames: ['cluster'], registers: [registry] }),
    relists: new Gauge({ name: 'lintas_kube_relists', help: 'Lists after the first per member cluster and resource (a 410 Gone, or a resource no longer served)', labelNames: ['cluster', 'resource'], registers: [registry] }),
    eventLag: new Histogram({
      name: 'lintas_kube_event_lag_seconds',
      help: "Seconds from an object's last write (its managedFields time, 1 s resolution) to the watch event that carried it",
      labelNames: ['cluster'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}

/** The write-back's metrics, registered once per runtime. */
export interface KubeWriteMetrics {
  /** Write requests sent to a member cluster's API server (verb create, patch or delete; retries count). */
  readonly writes: Counter<'cluster' | 'kind' | 'verb'>;
  /** Writes Lintas chose not to make: `foreign` (an object Lintas did not create), `conflict` (another field manager), `stale` (generation moved on), `failed`. */
  readonly skipped: Counter<'cluster' | 'kind' | 'reason'>;
  /** Completed syncs of a cluster (every desired object checked, written if needed, garbage collected). */
  readonly syncs: Counter<'cluster'>;
}

/** Registers the write-back's metrics on `registry`. */
export function createKubeWriteMetrics(registry: Registry): KubeWriteMetrics {
  return {
    writes: new Counter({ name: 'lintas_kube_writes_total', help: "Write requests Lintas sent to a member cluster's API server, by kind and verb (create, patch, delete)", labelNames: ['cluster', 'kind', 'verb'], registers: [registry] }),
    skipped: new Counter({ name: 'lintas_kube_write_skipped_total', help: 'Writes Lintas did not make, by reason: foreign (not created by Lintas), conflict (another field manager), stale (generation moved on), failed', labelNames: ['cluster', 'kind', 'reason'], registers: [registry] }),
    syncs: new Counter({ name: 'lintas_kube_write_syncs_total', help: "Completed write-back syncs of a member cluster (each desired object checked, written only if it differs, Lintas's stale objects deleted)", labelNames: ['cluster'], registers: [registry] }),
  };
}
