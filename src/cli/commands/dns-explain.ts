/**
 * `lintas dns explain HOST [--client-subnet CIDR] [--cluster C]`: what the authoritative DNS
 * answers for a public hostname and why — its zone, policy, strategy and TTL, every candidate
 * cluster with its health evidence (the Gateway probe with its last result, the HealthContract's
 * regional readiness, drain, failover), the clusters the strategy picks from, its choice for
 * this client and the records. The client is the given subnet (as an EDNS Client Subnet would
 * carry it), else a client inside cluster C (the first address of its pod CIDRs), else none.
 * With `--server` (or a running `lintas up`) it asks the live server; with `--config` it
 * translates offline, where no probe has run yet.
 * @module
 */
import { stringify } from 'yaml';
import type { Cluster, Sourced } from '../../api/index.ts';
import { EMPTY_MCS_STATE, translateGateway, translateGslb, translateMcs } from '../../controllers/index.ts';
import { indexPublicZones } from '../../dataplanes/index.ts';
import { explainPublicHost, ExplainRequestError, type DnsExplainRequest, type DnsExplanation } from '../../runtime/index.ts';
import { hasErrors } from '../../validation/index.ts';
import { adminClient, type ClientFlags } from '../admin-client.ts';
import { loadConfig, resolveConfigDir } from '../fleet-config.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';
export function formatDnsExplanation(e: DnsExplanation): string {
  const out = [
    `${e.hostname}  zone ${e.zone}  policy ${e.policy}`,
    `strategy ${e.strategy}, TTL ${String(e.ttlSeconds)}s, when no cluster is healthy: ${e.onNoHealthyRegion}`,
    `client: ${e.client.description}`,
    'candidates:',
  ];
  for (const c of e.candidates) {
    out.push(`  ${c.healthy ? '✓' : '✗'} ${c.cluster} (${c.region}) ${c.addresses.join(', ')}${c.drained ? ' [drained]' : ''}`);
    for (const ev of c.evidence) out.push(`      ${ev.ok ? 'ok  ' : 'FAIL'} ${ev.check.padEnd(8)} ${ev.detail}${ev.last !== undefined ? `; last probe: ${ev.last}` : ''}`);
  }
  out.push(`eligible: ${e.eligible.join(', ') || '<none>'}`);
  out.push(`choice: ${e.choice.clusters.join(', ') || '<none>'} (${e.choice.why})${e.choice.scope > 0 ? `, ECS scope /${String(e.choice.scope)}` : ''}`);
  out.push(`answer: ${e.records.length > 0 ? e.records.map((r) => `${e.hostname}. ${String(e.ttlSeconds)} IN ${r}`).join('\n        ') : `NOERROR, no records (NODATA; cached for the zone's negative TTL)`}`);
  return out.join('\n');
}

/** Flags of `dns explain`. */
export interface DnsExplainOptions extends ClientFlags {
  readonly clientSubnet?: string;
  readonly cluster?: string;
  readonly config?: string;
  readonly output: string;
}

async function explainOffline(dir: string, req: DnsExplainRequest): Promise<DnsExplanation | undefined> {
  const loaded = await loadConfig(dir);
  if (hasErrors(loaded.issues)) throw new CliError(`error: ${dir} has errors; run \`lintas validate ${dir}\``, EXIT.invalid);
  const now = new Date().toISOString();
  const snapshot = loaded.snapshot;
  const mcs = translateMcs({ snapshot, now, state: EMPTY_MCS_STATE });
  const gateway = translateGateway({ snapshot, mcs, now });
  const result = translateGslb({ fleetObjects: snapshot.fleetObjects, gateway: gateway.ir, now });
  const clusters = snapshot.fleetObjects.filter((s: Sourced) => s.object.kind === 'Cluster').map((s) => s.object as Cluster);
  return explainPublicHost(result.ir, indexPublicZones(result.ir), new Map(), clusters, req);
}

/** Runs `dns explain`; exit 0 when the answer has records, 1 when it has none or no zone answers for the name. */
export async function dnsExplainCommand(host: string, options: DnsExplainOptions, io: CliIO): Promise<number> {
  const req: DnsExplainRequest = { host, ...(options.clientSubnet !== undefined ? { clientSubnet: options.clientSubnet } : {}), ...(options.cluster !== undefined ? { cluster: options.cluster } : {}) };
  let e: DnsExplanation | undefined;
  if (options.config !== undefined) {
    try {
      e = await explainOffline(resolveConfigDir(options.config, io), req);
    } catch (error) {
      throw error instanceof ExplainRequestError ? new CliError(error.message, EXIT.usage) : error;
    }
  } else {
    const query = { host, clientSubnet: options.clientSubnet, cluster: options.cluster };
    e = (await adminClient(options, io).get<{ explanation?: DnsExplanation }>('/api/v1/dns/explain', query)).explanation;
  }
  if (e === undefined) {
    io.err(`${host}: no public zone of a DNSPolicy answers for this name (lintas get dnspolicies shows the policies; their status says which hostnames they answer)`);
    return EXIT.invalid;
  }
  if (options.output === 'json') io.out(JSON.stringify(e, null, 2));
  else if (options.output === 'yaml') io.out(stringify(e).trimEnd());
  else io.out(formatDnsExplanation(e));
  return e.records.length > 0 ? EXIT.ok : EXIT.invalid;
}
