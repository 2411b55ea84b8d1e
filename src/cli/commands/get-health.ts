/**
 * `lintas get health [-n NS | -A]`: the health contract's four layers per
 * service and cluster (readiness, regional, failover, business) with the
 * failing check named, read from a running `lintas serve` / `lintas up`
 * (health is measured by probes, so there is no offline answer).
 * @module
 */
import { healthRows, HEALTH_COLUMNS, type HealthReport } from '../../controllers/index.ts';
import { adminClient } from '../admin-client.ts';
import { EXIT, type CliIO } from '../io.ts';
import { renderTable } from '../printers.ts';

/** Options of `get health`. */
export interface GetHealthOptions {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly server?: string;
  readonly output: string;
}

/** Runs `get health`; exit 0 when the report was shown. */
export async function getHealthCommand(options: GetHealthOptions, io: CliIO): Promise<number> {
  // Health is measured by probes of a running fleet: there is no offline answer.
  const report = await adminClient(options.server !== undefined ? { server: options.server } : {}, io).get<HealthReport>('/api/v1/health');
  const namespace = options.allNamespaces === true ? undefined : (options.namespace ?? 'default');
  if (options.output === 'json') {
    io.out(JSON.stringify({ ...report, services: report.services.filter((s) => namespace === undefined || s.service.startsWith(`${namespace}/`)) }, null, 2));
    return EXIT.ok;
  }
  const rows = healthRows(report, namespace);
  if (rows.length === 0) {
    io.err(namespace === undefined ? 'No health contracts evaluated yet.' : `No health contracts in ${namespace} namespace (use -A for all namespaces).`);
    return EXIT.ok;
  }
  io.out(renderTable([...HEALTH_COLUMNS], rows));
  return EXIT.ok;
}
