/**
 * `lintas get health [-n NS | -A]`: the health contract's four layers per
 * service and cluster (readiness, regional, failover, business) with the
 * failing check named, read from a running `lintas serve` / `lintas up`
 * (health is measured by probes, so there is no offline answer).
 * @module
 */
import { join } from 'node:path';
import { healthRows, HEALTH_COLUMNS, type HealthReport } from '../../controllers/index.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';
import { renderTable } from '../printers.ts';
import { readUpInfo } from './up.ts';

/** Options of `get health`. */
export interface GetHealthOptions {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly server?: string;
  readonly output: string;
}

/** Runs `get health`; exit 0 when the report was shown. */
export async function getHealthCommand(options: GetHealthOptions, io: CliIO): Promise<number> {
  const server = options.server ?? readUpInfo(join(io.cwd, '.lintas'))?.admin;
  if (server === undefined) throw new CliError('error: get health needs a running fleet: pass --server http://HOST:PORT (the admin address of lintas serve) or run lintas up here', EXIT.usage);
  let report: HealthReport;
  try {
    const res = await fetch(new URL('/api/v1/health', server), { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${String(res.status)}`);
    report = (await res.json()) as HealthReport;
  } catch (error) {
    throw new CliError(`error: cannot read health from ${server}: ${(error as Error).message}`, EXIT.invalid);
  }
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
