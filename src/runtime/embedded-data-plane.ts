/**
 * Where `lintas serve` runs its embedded gateways (issue 14 item 5): by default on worker threads,
 * the same pool `lintas gateway --workers N` uses (`dataplanes/gateway-role/worker-pool.ts`), so
 * that loading and translating the fleet on the control plane's thread never stalls the traffic;
 * with `gatewayWorkers: 0` on the control plane's own thread, as before. The runner translates and
 * applies through this one shape either way, and reads back what it shows on the admin API: the
 * listeners bound, `route explain` against the data plane's upstream health, the report (polled
 * from the workers, as gateway processes post theirs) and the workers' metrics, summed.
 * @module
 */
import { closeSync, openSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { FleetSnapshot } from '../api/index.ts';
import { certificatesByCluster, certificateSource } from '../controllers/index.ts';
import { createLocalDataPlane, explainRoute, startWorkerPool, type ExplainRequest, type RouteExplanation } from '../dataplanes/index.ts';
import { EMPTY_REPORT, type DataPlaneReport, type GatewayIR } from '../ir/index.ts';
import type { Logger } from '../observability/index.ts';

/**
 * How often the workers' report is read: every second, as gateway processes post theirs. A report
 * lists every endpoint, so building and copying it costs the worker's loop ~8 ms on a fleet of
 * 5,000 endpoints; twice a second showed in the gateway's p99.
 */
export const EMBEDDED_REPORT_INTERVAL_MS = 1_000;

/** The embedded gateways' data plane, wherever it runs. */
export interface EmbeddedDataPlane {
  /** Serves `ir`, its HTTPS listeners' key material taken from `snapshot`; says which listeners could not be bound. */
  apply(ir: GatewayIR, snapshot: FleetSnapshot): Promise<{ readonly failed: readonly { readonly key: string; readonly error: string }[] }>;
  /** `route explain` of `ir` against the data plane's live upstream health. */
  explain(ir: GatewayIR, req: ExplainRequest): Promise<RouteExplanation[]>;
  /** The report: live on the control plane's thread, at most EMBEDDED_REPORT_INTERVAL_MS old from workers. */
  report(): DataPlaneReport;
  /** Listeners bound right now (`address:port`). */
  bound(): readonly string[];
  /** Prometheus text of the metrics kept off the control plane's registry (the workers', summed); '' when none. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/** Options of {@link createEmbeddedDataPlane}. */
export interface EmbeddedDataPlaneOptions {
  readonly log: Logger;
  readonly registry: Registry;
  readonly accessLogPath?: string;
  readonly write: (line: string) => void;
  /** Worker threads (default 1: every cluster's listeners on one worker); 0 runs the data plane on the calling thread. */
  readonly workers?: number;
}

/** Creates the embedded data plane (nothing bound until the first apply); throws when the access log cannot be opened. */
export function createEmbeddedDataPlane(options: EmbeddedDataPlaneOptions): EmbeddedDataPlane {
  const { log } = options;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`gateway workers must be a whole number ≥ 0, got ${String(workers)}`);
  const accessLog = options.accessLogPath !== undefined ? { accessLogPath: options.accessLogPath } : {};
  if (workers === 0) {
    const local = createLocalDataPlane({ log, registry: options.registry, write: options.write, ...accessLog });
    return {
      apply: (ir, snapshot) => local.apply(ir, certificateSource(snapshot)),
      explain: (ir, req) => Promise.resolve(explainRoute(ir, req, local.upstreams)),
      report: () => local.report(),
      bound: () => local.bound(),
      metrics: () => Promise.resolve(''),
      close: () => local.close(),
    };
  }
  // Each worker opens the file itself; opening it here first makes a bad path fail at start, as on one thread.
  if (options.accessLogPath !== undefined) closeSync(openSync(options.accessLogPath, 'a'));
  // One worker binds alone (no SO_REUSEPORT): a second process on the same address fails as it would without workers.
  const pool = startWorkerPool({ workers, log, logLevel: 'info', write: options.write, reusePort: workers > 1, ...accessLog });
  let latest: DataPlaneReport = EMPTY_REPORT;
  let reading: Promise<void> | undefined;
  const read = (): void => {
    reading ??= pool
      .report()
      .then((r) => void (latest = r))
      .catch((error: unknown) => log.debug('embedded gateway report not read', { error: (error as Error).message }))
      .finally(() => (reading = undefined));
  };
  const timer = setInterval(read, EMBEDDED_REPORT_INTERVAL_MS);
  timer.unref();
  return {
    apply: (ir, snapshot) => pool.apply(ir, undefined, certificatesByCluster(ir, certificateSource(snapshot))),
    explain: (ir, req) => pool.explain(ir, req),
    report: () => latest,
    bound: () => pool.bound(),
    metrics: () => pool.metrics(),
    async close() {
      clearInterval(timer);
      await reading;
      await pool.close();
    },
  };
}
