/**
 * The MCS metrics of `lintas serve` (seed 002 §19.2): export/import readiness and
 * conflicts, imported endpoints by source cluster, the export→import propagation
 * lag, and the age of the data behind imported endpoints (the stale-endpoint signal).
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { McsResult } from '../controllers/index.ts';
import type { FleetStore } from '../store/index.ts';

/** Gauges and histograms registered once per `serve`. */
export interface McsMetrics {
  /** Records a new translation (its gauges are worked out when scraped). */
  record(result: McsResult): void;
  /** A change first seen at `changedAt` (epoch ms) reached DNS now. */
  observeLag(changedAt: number, now: number): void;
  /** DNS query counter (by type, rcode, transport). */
  readonly dnsQueries: Counter;
}

const isTrue = (conditions: readonly { type: string; status: string }[] | undefined, type: string): boolean => conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

/**
 * Registers the MCS metrics. Endpoint age (the `ImportedEndpointsStale` alert reads it)
 * is the time since a source cluster's endpoints were last confirmed, computed at scrape
 * time: for a refreshing source, since its last heartbeat; for the directory source
 * (which reports none), since `confirmedAt` (epoch ms; `serve` passes now while the
 * watched tree's latest load succeeded, else the time of the last good load).
 */
export function createMcsMetrics(registry: Registry, store: FleetStore, confirmedAt: () => number, now: () => number = Date.now): McsMetrics {
  let latest: McsResult | undefined;
  // The gauges are worked out at scrape time, from the latest result: a pass over the whole fleet per
  // translation would sit between every change and its DNS answer.
  let dirty = false;
  let sourceClusters: readonly string[] = [];
  const refresh = (): void => {
    if (!dirty || latest === undefined) return;
    dirty = false;
    update(latest);
  };
  const collect = { collect: refresh };
  const exportReady = new Gauge({ name: 'lintas_mcs_serviceexport_ready', help: 'ServiceExports with Ready=True, by cluster', labelNames: ['cluster'], registers: [registry], ...collect });
  const exportConflict = new Gauge({ name: 'lintas_mcs_serviceexport_conflict', help: 'ServiceExports with Conflict=True, by cluster', labelNames: ['cluster'], registers: [registry], ...collect });
  const importReady = new Gauge({ name: 'lintas_mcs_serviceimport_ready', help: 'ServiceImports with Ready=True, by cluster', labelNames: ['cluster'], registers: [registry], ...collect });
  const importedEndpoints = new Gauge({ name: 'lintas_mcs_imported_endpoints', help: 'Imported endpoints by source cluster', labelNames: ['source_cluster'], registers: [registry], ...collect });
  const stale = new Gauge({ name: 'lintas_mcs_source_stale', help: '1 when a source cluster was withdrawn by the endpoint TTL', labelNames: ['cluster'], registers: [registry], ...collect });
  const lag = new Histogram({
    name: 'lintas_mcs_propagation_lag_seconds',
    help: 'Time from a source change (file event) to the ServiceImports and DNS answers reflecting it',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const ageOf = (cluster: string): number => {
    const observed = store.freshness()[cluster]?.observedAt;
    const at = observed !== undefined ? Date.parse(observed) : confirmedAt();
    return Math.max(0, (now() - at) / 1000);
  };
  new Gauge({
    name: 'lintas_mcs_imported_endpoint_age_seconds',
    help: 'Seconds since the endpoints imported from a source cluster were last confirmed (heartbeat, or a good load of the fleet directory)',
    labelNames: ['source_cluster'],
    registers: [registry],
    collect() {
      refresh();
      this.reset();
      for (const cluster of sourceClusters) this.set({ source_cluster: cluster }, ageOf(cluster));
    },
  });
  new Gauge({
    name: 'lintas_mcs_oldest_imported_endpoint_age_seconds',
    help: 'The oldest imported endpoint age across source clusters (0 with none)',
    registers: [registry],
    collect() {
      refresh();
      this.set(sourceClusters.reduce((max, c) => Math.max(max, ageOf(c)), 0));
    },
  });
  const dnsQueries = new Counter({ name: 'lintas_dns_queries_total', help: 'DNS queries by type, rcode and transport', labelNames: ['type', 'rcode', 'transport'], registers: [registry] });

  function update(result: McsResult): void {
    exportReady.reset();
    exportConflict.reset();
    importReady.reset();
    importedEndpoints.reset();
    stale.reset();
    // Imported slices are shared objects (one per source, imported into every cluster): count each once.
    const seen = new Set<object>();
    const bySource = new Map<string, number>();
    for (const c of result.clusters) {
      exportReady.set({ cluster: c.cluster }, c.serviceExports.filter((e) => isTrue(e.status.conditions, 'Ready')).length);
      exportConflict.set({ cluster: c.cluster }, c.serviceExports.filter((e) => isTrue(e.status.conditions, 'Conflict')).length);
      importReady.set({ cluster: c.cluster }, c.serviceImports.filter((i) => isTrue(i.status?.conditions, 'Ready')).length);
      for (const slice of c.endpointSlices) {
        if (seen.has(slice)) continue;
        seen.add(slice);
        const source = slice.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] ?? 'unknown';
        bySource.set(source, (bySource.get(source) ?? 0) + slice.endpoints.length);
      }
    }
    for (const [source, count] of bySource) importedEndpoints.set({ source_cluster: source }, count);
    for (const s of result.sources) stale.set({ cluster: s.cluster }, s.stale ? 1 : 0);
    sourceClusters = [...bySource.keys()].sort();
  }

  return {
    dnsQueries,
    observeLag: (changedAt, at) => lag.observe(Math.max(0, (at - changedAt) / 1000)),
    record(result) {
      latest = result;
      dirty = true;
    },
  };
}
