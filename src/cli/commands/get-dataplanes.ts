/**
 * `lintas get dataplanes`: every data plane (one per cluster with gateways) as the running
 * control plane knows it: the config version it acknowledged or refused, the ownership epochs it
 * serves, and when it last reported (issue 15: status is what the data planes acknowledged).
 * @module
 */
import { stringify } from 'yaml';
import type { DataPlaneServing } from '../../ir/index.ts';
import { adminClient } from '../admin-client.ts';
import { EXIT, type CliIO } from '../io.ts';
import { renderTable } from '../printers.ts';

/** Options of `get dataplanes`. */
export interface GetDataPlanesOptions {
  readonly server?: string;
  readonly output: string;
}

/** How long ago `at` was, as `1.2s` / `3m4s` (lag since the data plane last reported). */
export function ageOf(at: string, now: number): string {
  const seconds = Math.max(0, (now - Date.parse(at)) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  return `${Math.floor(seconds / 60)}m${Math.floor(seconds % 60)}s`;
}

/** The table rows of `acks`, sorted by cluster. */
export function dataPlaneRows(acks: readonly DataPlaneServing[], now: number): string[][] {
  return [...acks]
    .sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0))
    .map((a) => [
      a.cluster,
      a.mode,
      String(a.version),
      a.state === 'acked' ? 'ACK' : `NACK: ${a.error ?? 'refused'}`,
      Object.entries(a.ownership).map(([policy, epoch]) => `${policy}@${String(epoch)}`).join(',') || '<none>',
      ageOf(a.at, now),
    ]);
}

/** Runs `get dataplanes`; exit 0 when the list was shown. */
export async function getDataPlanesCommand(options: GetDataPlanesOptions, io: CliIO): Promise<number> {
  const { dataplanes } = await adminClient(options.server !== undefined ? { server: options.server } : {}, io).get<{ dataplanes: DataPlaneServing[] }>('/api/v1/dataplanes');
  if (options.output === 'json') {
    io.out(JSON.stringify({ dataplanes }, null, 2));
    return EXIT.ok;
  }
  if (options.output === 'yaml') {
    io.out(stringify({ dataplanes }));
    return EXIT.ok;
  }
  if (dataplanes.length === 0) {
    io.err('No data plane has reported yet.');
    return EXIT.ok;
  }
  io.out(renderTable(['CLUSTER', 'MODE', 'VERSION', 'STATE', 'OWNERSHIP', 'LAST-CONTACT'], dataPlaneRows(dataplanes, Date.now())));
  return EXIT.ok;
}
