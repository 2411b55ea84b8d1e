/**
 * The "why" of a public (GSLB) answer, for `lintas dns explain` and `/api/v1/dns/explain`: the
 * client as the DNS server would see it, the candidate clusters with their health evidence, the
 * strategy's choice and the TTL. Pure over the public-zone IR, its index and the probe states.
 * @module
 */
import type { Cluster } from '../api/index.ts';
import { gslbProbeKey, type ProbeState } from '../controllers/index.ts';
import { chooseClusters, type PublicChoice, type PublicClient, type PublicDnsIndex } from '../dataplanes/index.ts';
import type { HealthEvidenceIR, PublicDnsIR } from '../ir/index.ts';
import { parseCIDR, parseIP } from '../lib/index.ts';

/** A request naming a client subnet or cluster that does not exist; the message starts with `error: `. */
export class ExplainRequestError extends Error {
  override readonly name = 'ExplainRequestError';
}


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
    if (cidr === undefined) throw new ExplainRequestError(`error: --client-subnet must be an address or CIDR such as 10.2.3.0/24, got ${JSON.stringify(req.clientSubnet)}`);
    const address = text.slice(0, text.indexOf('/'));
    return { client: { address: { family: cidr.family, value: cidr.network }, prefix: cidr.prefix }, description: `client subnet ${text} (as an EDNS Client Subnet carries it)`, address, prefix: cidr.prefix };
  }
  if (req.cluster !== undefined) {
    const c = clusters.find((x) => x.metadata.name === req.cluster);
    if (c === undefined) throw new ExplainRequestError(`error: --cluster ${req.cluster}: no such Cluster in the fleet`);
    const pod = c.spec.podCIDRs?.[0];
    const address = pod === undefined ? undefined : pod.slice(0, pod.indexOf('/'));
    const ip = address === undefined ? undefined : parseIP(address);
    if (ip === undefined || address === undefined) throw new ExplainRequestError(`error: --cluster ${req.cluster}: the Cluster has no podCIDRs to place a client in; use --client-subnet`);
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
