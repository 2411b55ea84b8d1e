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
import { EMPTY_MCS_STATE, gslbProbeKey, translateGateway, translateGslb, translateMcs, type ProbeState } from '../../controllers/index.ts';
import { chooseClusters, indexPublicZones, type PublicChoice, type PublicClient, type PublicDnsIndex } from '../../dataplanes/index.ts';
import type { HealthEvidenceIR, PublicDnsIR } from '../../ir/index.ts';
import { parseCIDR, parseIP } from '../../lib/index.ts';
import { hasErrors } from '../../validation/index.ts';
import { adminClient, type ClientFlags } from '../admin-client.ts';
import { loadConfig, resolveConfigDir } from '../fleet-config.ts';
import { CliError, EXIT, type CliIO } from '../io.ts';

/** What to explain. */
export interface DnsExplainRequest {
  readonly host: string;
  readonly clientSubnet?: string;
  readonly cluster?: string;
}

/** One candidate cluster with its evidence and, live, its probes' last results. */
export interface ExplainedCandidate {
  readonly cluster: string;
  readonly region: string;
  readonly healthy: boolean;
  readonly drained: boolean;
  readonly addresses: readonly string[];
  readonly evidence: readonly (HealthEvidenceIR & { readonly last?: string })[];
}

/** The explanation of one hostname. */
export interface DnsExplanation {
  readonly hostname: string;
  readonly zone: string;
  readonly policy: string;
  readonly strategy: string;
  readonly ttlSeconds: number;
  readonly onNoHealthyRegion: string;
  readonly client: { readonly description: string; readonly address?: string; readonly prefix?: number };
  readonly candidates: readonly ExplainedCandidate[];
  readonly eligible: readonly string[];
  readonly choice: PublicChoice;
  /** `A 127.1.255.1` lines. */
  readonly records: readonly string[];
}

/** A request's client: the subnet, or a client in the cluster, or none; usage error when malformed. */
export function explainClient(req: DnsExplainRequest, clusters: readonly Cluster[]): { client: PublicClient; description: string; address?: string; prefix?: number } {
  if (req.clientSubnet !== undefined) {
    const text = req.clientSubnet.includes('/') ? req.clientSubnet : `${req.clientSubnet}/${req.clientSubnet.includes(':') ? '128' : '32'}`;
    const cidr = parseCIDR(text);
    if (cidr === undefined) throw new CliError(`error: --client-subnet must be an address or CIDR such as 10.2.3.0/24, got ${JSON.stringify(req.clientSubnet)}`, EXIT.usage);
    const address = text.slice(0, text.indexOf('/'));
    return { client: { address: { family: cidr.family, value: cidr.network }, prefix: cidr.prefix }, description: `client subnet ${text} (as an EDNS Client Subnet carries it)`, address, prefix: cidr.prefix };
  }
  if (req.cluster !== undefined) {
    const c = clusters.find((x) => x.metadata.name === req.cluster);
    if (c === undefined) throw new CliError(`error: --cluster ${req.cluster}: no such Cluster in the fleet`, EXIT.usage);
    const pod = c.spec.podCIDRs?.[0];
    const address = pod === undefined ? undefined : pod.slice(0, pod.indexOf('/'));
    const ip = address === undefined ? undefined : parseIP(address);
    if (ip === undefined || address === undefined) throw new CliError(`error: --cluster ${req.cluster}: the Cluster has no podCIDRs to place a client in; use --client-subnet`, EXIT.usage);
    return { client: { address: ip }, description: `a client in cluster ${req.cluster} (${address}, the first address of its pod CIDRs)`, address };
  }
  return { client: {}, description: 'no client address (a resolver that sends no client subnet and whose address is unknown)' };
}

/** Explains `req.host` from a translation, its index, the live probe states (if any) and the fleet's Clusters; undefined when no public zone answers for it. */
export function explainPublicHost(ir: PublicDnsIR, index: PublicDnsIndex, probes: ReadonlyMap<string, ProbeState>, clusters: readonly Cluster[], req: DnsExplainRequest): DnsExplanation | undefined {
  const name = req.host.toLowerCase().replace(/\.$/, '');
  const zone = ir.zones.find((z) => z.hosts.some((h) => h.hostname === name));
  const node = index.names.get(name);
  const entry = node?.kind === 'host' || node?.kind === 'apex' ? node.host : undefined;
  if (zone === undefined || entry === undefined) return undefined;
  const host = entry.ir;
  const { client, description, address, prefix } = explainClient(req, clusters);
  const choice = chooseClusters(entry, client, 0.5);
  const records: string[] = [];
  for (const c of choice.clusters) for (const a of host.candidates.find((x) => x.cluster === c)?.addresses ?? []) records.push(`${a.includes(':') ? 'AAAA' : 'A'} ${a}`);
  return {
    hostname: host.hostname,
    zone: zone.zone,
    policy: host.policy,
    strategy: host.strategy.type,
    ttlSeconds: host.ttlSeconds,
    onNoHealthyRegion: host.onNoHealthyRegion,
    client: { description, ...(address !== undefined ? { address } : {}), ...(prefix !== undefined ? { prefix } : {}) },
    candidates: host.candidates.map((c) => ({
      cluster: c.cluster,
      region: c.region,
      healthy: c.healthy,
      drained: c.drained,
      addresses: c.addresses,
      evidence: c.evidence.map((e) => {
        if (e.check !== 'probe' || e.address === undefined) return e;
        const last = probes.get(gslbProbeKey(host.hostname, c.cluster, e.address))?.last;
        return last === undefined ? e : { ...e, last: `${last.detail} (${last.streak})` };
      }),
    })),
    eligible: host.eligible,
    choice,
    records: [...new Set(records)],
  };
}

/** The explanation in words. */
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
    e = await explainOffline(resolveConfigDir(options.config, io), req);
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
