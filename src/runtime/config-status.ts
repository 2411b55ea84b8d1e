/**
 * What `lintas serve` says about its fleet config (issue 14 items 3 and 9): a
 * config with errors is not applied and the last good one keeps serving, maybe
 * the copy persisted before a restart. That shows in three places, not only in
 * the log:
 * - `/readyz` detail: `serving last good config from <time>` with the error count
 *   and the first error (still 200: the data plane serves);
 * - metrics: `lintas_config_load_errors` (a gauge: the errors of the latest
 *   load, 0 once a load is clean) and
 *   `lintas_config_last_success_timestamp_seconds` (when the config being served
 *   was loaded without errors; for a persisted copy, when it was persisted);
 * - the `ConfigLoadFailing` alert, which reads those metrics.
 * @module
 */
import { Gauge, type Registry } from 'prom-client';
import { ALERT_METRICS } from '../observability/index.ts';
import type { WatchStatus } from '../sources/index.ts';
import { formatIssue } from '../validation/index.ts';

/** The config side of `serve`'s readiness. */
export interface ConfigStatus {
  /** `/readyz` detail lines while ready (empty while the latest load is clean). */
  readyDetail(): string[];
  /** Why nothing is served yet (no good config at all). */
  notLoaded(): string;
}

const errorsOf = (status: WatchStatus | undefined) => (status?.lastIssues ?? []).filter((i) => i.severity === 'error');

/** Registers the config metrics on `registry`; `status` is the directory watcher's (undefined until it exists). */
export function createConfigStatus(registry: Registry, status: () => WatchStatus | undefined): ConfigStatus {
  new Gauge({
    name: ALERT_METRICS.configErrors,
    help: 'Errors in the latest load of the fleet config (0 when it was clean); while above 0 the last good config is served',
    registers: [registry],
    collect() {
      this.set(errorsOf(status()).length);
    },
  });
  new Gauge({
    name: ALERT_METRICS.configLastSuccess,
    help: 'Unix time when the fleet config being served was loaded without errors (for a copy persisted before a restart: when it was persisted); 0 before any',
    registers: [registry],
    collect() {
      this.set((status()?.lastSuccessAt ?? 0) / 1000);
    },
  });
  return {
    readyDetail() {
      const s = status();
      const errors = errorsOf(s);
      if (s?.lastSuccessAt === undefined || errors.length === 0) return [];
      const from = new Date(s.lastSuccessAt).toISOString();
      const first = errors[0] === undefined ? '' : `; first: ${formatIssue(errors[0])}`;
      const persisted = s.restoredFrom !== undefined ? ' (persisted before this restart)' : '';
      return [`serving last good config from ${from}${persisted}: the fleet directory has ${String(errors.length)} error(s)${first}`];
    },
    notLoaded() {
      const errors = errorsOf(status()).length;
      return errors > 0
        ? `fleet config not loaded: ${String(errors)} error(s) and no last good config to start from (see the logs, or lintas validate)`
        : 'fleet config not loaded yet';
    },
  };
}
