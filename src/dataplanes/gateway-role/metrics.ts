/**
 * Metrics of the gateway role, read from its status at scrape time: whether the
 * config stream is connected, the generation served, how old the config is and
 * whether it is stale (Owner-mode mutations refused), versions ACKed and NACKed,
 * reconnects, data-plane worker threads and their restarts.
 * @module
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayRoleStatus } from './role.ts';

/** Registers the role's metrics on `registry`, each read from `status()` when scraped. */
export function createRoleMetrics(registry: Registry, status: () => GatewayRoleStatus): void {
  const gauge = (name: string, help: string, value: (s: GatewayRoleStatus) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value(status()));
      },
    });
  };
  gauge('lintas_gateway_config_stream_connected', '1 while the config stream to the control plane is open', (s) => (s.connected ? 1 : 0));
  gauge('lintas_gateway_config_stream_generation', 'Generation of the config version served (0 before the first)', (s) => s.serving?.generation ?? 0);
  gauge('lintas_gateway_config_age_seconds', 'Since the control plane last confirmed the served config (NaN before the first)', (s) => (s.configAgeMs === undefined ? Number.NaN : s.configAgeMs / 1000));
  gauge('lintas_gateway_config_stale', '1 while the config is older than the staleness budget: Owner-mode mutations are refused', (s) => (s.stale ? 1 : 0));
  // The role keeps the totals; each scrape adds what happened since the last one (both counters, whichever is read first).
  gauge('lintas_gateway_workers', 'Data-plane worker threads (0: the data plane runs on the main thread)', (s) => s.workers.length);
  let seen = { acks: 0, nacks: 0, reconnects: 0, workerRestarts: 0 };
  const sync = (): void => {
    const s = status();
    versions.inc({ result: 'ack' }, s.acks - seen.acks);
    versions.inc({ result: 'nack' }, s.nacks - seen.nacks);
    reconnects.inc(s.reconnects - seen.reconnects);
    workerRestarts.inc(s.workerRestarts - seen.workerRestarts);
    seen = { acks: s.acks, nacks: s.nacks, reconnects: s.reconnects, workerRestarts: s.workerRestarts };
  };
  const versions = new Counter({ name: 'lintas_gateway_config_versions_total', help: 'Config versions tried, by result (ack: applied; nack: rejected, the last good one kept)', labelNames: ['result'], registers: [registry], collect: sync });
  const reconnects = new Counter({ name: 'lintas_gateway_config_stream_reconnects_total', help: 'Config stream connections that ended and were retried', registers: [registry], collect: sync });
  const workerRestarts = new Counter({ name: 'lintas_gateway_worker_restarts_total', help: 'Data-plane worker threads that exited and were started again with the current config', registers: [registry], collect: sync });
}
