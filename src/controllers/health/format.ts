/**
 * The rows of `lintas get health`: one per service and cluster, the four layers and the
 * first failing check with its measurement, so an operator sees *why* a cluster gets no
 * traffic without reading the JSON evidence.
 * @module
 */
import { describeCheck, firstFailing } from './report.ts';
import type { HealthReport, LayerVerdict } from './types.ts';

/** The table header. */
export const HEALTH_COLUMNS = ['NAMESPACE', 'SERVICE', 'CLUSTER', 'READY', 'REGIONAL', 'FAILOVER', 'BUSINESS', 'FAILING'] as const;

const NONE = '-';

function cell(layer: LayerVerdict): string {
  return layer.ok === null ? NONE : layer.ok ? 'True' : 'False';
}

/**
 * Rows in report order (namespace, service, cluster), only `namespace` when given. READY
 * shows ready/total endpoints; a layer the contract does not configure shows `-`. A service
 * no cluster serves gets one row saying so, so a contract with a wrong target is visible.
 */
export function healthRows(report: HealthReport, namespace?: string): string[][] {
  const rows: string[][] = [];
  for (const s of report.services) {
    const slash = s.service.indexOf('/');
    const ns = s.service.slice(0, slash);
    const name = s.service.slice(slash + 1);
    if (namespace !== undefined && ns !== namespace) continue;
    if (s.clusters.length === 0) {
      rows.push([ns, name, NONE, NONE, NONE, NONE, NONE, `no cluster serves ${s.kind} ${s.service} (contract ${s.contract})`]);
      continue;
    }
    for (const c of s.clusters) {
      const failing = firstFailing(c);
      rows.push([
        ns,
        name,
        c.cluster,
        String(c.ready.checks[0]?.value ?? NONE),
        cell(c.regional),
        cell(c.failover),
        cell(c.business),
        failing === undefined ? NONE : `${failing.layer}: ${describeCheck(failing.check)}`,
      ]);
    }
  }
  return rows;
}
