/**
 * Test fixture (used only by the colocated tests): public GSLB zones as the translator
 * would compute them — one hostname per strategy over four clusters in three regions, a
 * dual-stack Gateway, an in-zone and an out-of-zone name server, and a hostname nobody can
 * answer (NoAnswer with no healthy cluster).
 * @module
 */
import type { CandidateIR, PublicDnsIR, PublicHostIR, StrategyIR } from '../../ir/index.ts';

/** The fixture's clusters: region and Gateway addresses. */
export const CLUSTERS = {
  'jkt-prod-1': { region: 'ap-southeast-3', addresses: ['127.1.255.1'] },
  'jkt-prod-2': { region: 'ap-southeast-3', addresses: ['127.4.255.1'] },
  'sgp-prod-1': { region: 'ap-southeast-1', addresses: ['127.2.255.1', 'fd00::2'] },
  'tyo-prod-1': { region: 'ap-northeast-1', addresses: ['127.3.255.1'] },
} as const;

type Name = keyof typeof CLUSTERS;

function candidate(cluster: Name, healthy = true): CandidateIR {
  return { cluster, region: CLUSTERS[cluster].region, addresses: [...CLUSTERS[cluster].addresses], healthy, drained: false, evidence: [] };
}

function host(hostname: string, strategy: StrategyIR, eligible: readonly Name[], extra: Partial<PublicHostIR> = {}): PublicHostIR {
  const all = Object.keys(CLUSTERS) as Name[];
  return {
    hostname,
    policy: 'lintas-gateway/public',
    ttlSeconds: 5,
    strategy,
    onNoHealthyRegion: 'FailOpen',
    candidates: all.map((c) => candidate(c, eligible.includes(c))),
    eligible,
    noHealthy: eligible.length === 0,
    ...extra,
  };
}

/** Geo rows as the translator sorts them: longest prefix first. */
const GEO: StrategyIR = {
  type: 'Geo',
  subnets: [
    { cidr: '10.2.3.0/24', region: 'jkt-prod-2', clusters: ['jkt-prod-2'] },
    { cidr: '10.2.0.0/16', region: 'ap-southeast-1', clusters: ['sgp-prod-1'] },
    { cidr: '10.0.0.0/8', region: 'ap-northeast-1', clusters: ['tyo-prod-1'] },
    { cidr: '2001:db8::/32', region: 'ap-southeast-1', clusters: ['sgp-prod-1'] },
  ],
  defaultRegion: 'ap-southeast-3',
  defaultClusters: ['jkt-prod-1', 'jkt-prod-2'],
};

/** The zone `example.com` (serial 7, negative TTL 15 s) and its hostnames. */
export const PUBLIC_ZONES: PublicDnsIR = {
  zones: [
    {
      zone: 'example.com',
      policy: 'lintas-gateway/public',
      soa: { mname: 'ns1.example.com', rname: 'hostmaster.example.com', serial: 7, refresh: 3600, retry: 600, expire: 1209600, minimum: 15 },
      ttlSeconds: 3600,
      nameServers: [
        { name: 'ns1.example.com', addresses: ['127.0.0.1'] },
        { name: 'ns.example.net', addresses: [] },
      ],
      hosts: [
        host('cases.example.com', { type: 'RoundRobin' }, ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']),
        host('failover.example.com', { type: 'Failover', order: [['sgp-prod-1'], ['tyo-prod-1'], ['jkt-prod-1', 'jkt-prod-2']] }, ['jkt-prod-1', 'jkt-prod-2', 'tyo-prod-1']),
        host('geo.example.com', GEO, ['jkt-prod-1', 'jkt-prod-2', 'sgp-prod-1', 'tyo-prod-1']),
        host('geo-down.example.com', GEO, ['jkt-prod-1', 'tyo-prod-1']),
        host('none.example.com', { type: 'RoundRobin' }, [], { onNoHealthyRegion: 'NoAnswer' }),
        host('api.v1.example.com', { type: 'RoundRobin' }, ['tyo-prod-1']),
        host('weighted.example.com', { type: 'Weighted', weights: [{ cluster: 'jkt-prod-1', weight: 3 }, { cluster: 'sgp-prod-1', weight: 1 }] }, ['jkt-prod-1', 'sgp-prod-1', 'tyo-prod-1']),
        host('weighted-zero.example.com', { type: 'Weighted', weights: [{ cluster: 'jkt-prod-1', weight: 3 }] }, ['sgp-prod-1', 'tyo-prod-1']),
      ],
    },
  ],
};
