/**
 * One public hostname of a DNSPolicy: its candidate clusters (every cluster whose targeted
 * Gateway serves it), the health evidence of each — the Gateway answers the hostname's probe,
 * the HealthContract's regional readiness of the route's backends holds, the cluster is not
 * drained and its ownership was not failed over — the clusters the strategy may pick from,
 * and the strategy with regions resolved to clusters. Pure.
 * @module
 */
import { compareStrings, parseCIDR, parseGatewayDuration } from '../../lib/index.ts';
import type { DNSPolicy } from '../../api/index.ts';
import type { CandidateIR, HealthEvidenceIR, PublicHostIR, StrategyIR, UpstreamIR } from '../../ir/index.ts';
import type { ServedHost } from './served.ts';
import { gslbProbeKey, type GslbInput, type GslbMove, type ProbeTarget } from './types.ts';

/** Where names resolve: cluster → region, and region → its clusters (sorted). */
export interface Places {
  readonly regionOf: ReadonlyMap<string, string>;
  readonly clustersOf: ReadonlyMap<string, readonly string[]>;
}

/** A cluster name stands for itself, a region for its clusters; unknown names for nothing. */
export function resolvePlace(name: string, places: Places): string[] {
  if (places.regionOf.has(name)) return [name];
  return [...(places.clustersOf.get(name) ?? [])];
}

/** A built hostname and the probes it needs. */
export interface BuiltHost {
  readonly host: PublicHostIR;
  readonly probes: readonly ProbeTarget[];
}

const DEFAULT_PROBE_PATH = '/healthz';

const durationMs = (d: string): number => parseGatewayDuration(d) ?? 0;

/** The exclusion key of an upstream's target, as the health report keys it (`Kind/ns/name`). */
function exclusionKeyOf(u: UpstreamIR): string {
  return `${u.kind}/${u.namespace}/${u.name}`;
}

/** The strategy with names resolved; Failover applies the failover moves (a moved-from owner's target takes its place). */
export function strategyIR(policy: DNSPolicy, places: Places, moves: readonly GslbMove[]): StrategyIR {
  const s = policy.spec.strategy;
  switch (s.type) {
    case 'Weighted':
      return { type: 'Weighted', weights: Object.entries(s.weights ?? {}).map(([cluster, weight]) => ({ cluster, weight })).sort((a, b) => compareStrings(a.cluster, b.cluster)) };
    case 'Failover': {
      const f = s.failover ?? { primary: '', then: [] };
      const seen = new Set<string>();
      const order: string[][] = [];
      for (const name of [f.primary, ...f.then]) {
        const group: string[] = [];
        for (const cluster of resolvePlace(name, places)) {
          // The governed failover moved this owner: its target is promoted to the owner's rank.
          const to = moves.filter((m) => m.from === cluster).map((m) => m.to);
          for (const c of [cluster, ...to]) {
            if (seen.has(c)) continue;
            seen.add(c);
            group.push(c);
          }
        }
        if (group.length > 0) order.push(group);
      }
      return { type: 'Failover', order };
    }
    case 'Geo': {
      const g = s.geo ?? { subnets: [], defaultRegion: '' };
      const subnets = g.subnets
        .map((row) => ({ cidr: row.cidr, region: row.region, clusters: resolvePlace(row.region, places), prefix: parseCIDR(row.cidr)?.prefix ?? 0 }))
        .sort((a, b) => b.prefix - a.prefix || compareStrings(a.cidr, b.cidr))
        .map(({ prefix: _prefix, ...row }) => row);
      return { type: 'Geo', subnets, defaultRegion: g.defaultRegion, defaultClusters: resolvePlace(g.defaultRegion, places) };
    }
    default:
      return { type: 'RoundRobin' };
  }
}

/** Builds one hostname from the entries that serve it (one per cluster × address), for `policy`. */
export function buildHost(
  hostname: string,
  policyKey: string,
  policy: DNSPolicy,
  served: readonly ServedHost[],
  upstreams: ReadonlyMap<string, UpstreamIR>,
  places: Places,
  input: GslbInput,
): BuiltHost {
  const hc = policy.spec.healthCheck;
  const probes: ProbeTarget[] = [];
  const candidates: CandidateIR[] = [];
  const drained = new Set(input.drained ?? []);
  const allMoves: GslbMove[] = [];
  const clusters = [...new Set(served.map((s) => s.cluster))].sort(compareStrings);
  for (const cluster of clusters) {
    const mine = served.filter((s) => s.cluster === cluster);
    const ups = [...new Set(mine.flatMap((s) => s.upstreams))].sort(compareStrings).flatMap((k) => upstreams.get(k) ?? []);
    const path = hc.path ?? ups.find((u) => u.healthCheck !== undefined)?.healthCheck?.path ?? DEFAULT_PROBE_PATH;
    // One probe per address: the lowest listener port on it.
    const ports = new Map<string, number>();
    for (const s of mine) ports.set(s.address, Math.min(ports.get(s.address) ?? s.port, s.port));
    const evidence: HealthEvidenceIR[] = [];
    const answering: string[] = [];
    for (const [address, port] of [...ports].sort(([a], [b]) => compareStrings(a, b))) {
      const key = gslbProbeKey(hostname, cluster, address);
      probes.push({
        key,
        hostname,
        cluster,
        address,
        port,
        path,
        intervalMs: durationMs(hc.interval),
        timeoutMs: durationMs(hc.timeout),
        failureThreshold: hc.failureThreshold,
        successThreshold: hc.successThreshold,
      });
      const verdict = input.probes?.[key];
      const shown = `GET http://${address}:${String(port)}${path} (Host: ${hostname})`;
      if (verdict === undefined || verdict.ok) answering.push(address);
      evidence.push({ check: 'probe', ok: verdict?.ok ?? true, detail: `${shown}: ${verdict === undefined ? 'not probed yet' : verdict.detail}`, address });
    }

    const exclusions = ups.flatMap((u) => (input.excluded?.[exclusionKeyOf(u)] ?? []).filter((x) => x.cluster === cluster).map((x) => `${exclusionKeyOf(u)}: ${x.reason}`));
    evidence.push(
      exclusions.length > 0
        ? { check: 'contract', ok: false, detail: [...new Set(exclusions)].join('; ') }
        : { check: 'contract', ok: true, detail: ups.length === 0 ? 'no backends' : `regional readiness holds for ${[...new Set(ups.map(exclusionKeyOf))].join(', ')}` },
    );
    const isDrained = drained.has(cluster);
    evidence.push({ check: 'drain', ok: !isDrained, detail: isDrained ? 'drained (lintas drain)' : 'not drained' });

    const moved: string[] = [];
    for (const policyName of [...new Set(ups.flatMap((u) => (u.policy === undefined ? [] : [u.policy])))].sort(compareStrings)) {
      const state = input.ownership?.[policyName];
      for (const m of state?.moved ?? []) {
        allMoves.push(m);
        if (m.from === cluster) moved.push(`ownership moved to ${m.to} (TrafficPolicy ${policyName}, epoch ${String(state?.epoch ?? 1)})`);
      }
    }
    if (moved.length > 0) evidence.push({ check: 'failover', ok: false, detail: moved.join('; ') });

    const healthy = evidence.every((e) => e.ok || e.check === 'probe') && answering.length > 0;
    candidates.push({
      cluster,
      region: places.regionOf.get(cluster) ?? mine[0]?.region ?? cluster,
      addresses: answering.length > 0 ? answering : [...ports.keys()].sort(compareStrings),
      healthy,
      drained: isDrained,
      evidence,
    });
  }

  const healthy = candidates.filter((c) => c.healthy).map((c) => c.cluster);
  const noHealthy = healthy.length === 0;
  const failOpen = candidates.filter((c) => !c.drained).map((c) => c.cluster);
  const eligible = !noHealthy ? healthy : policy.spec.onNoHealthyRegion === 'FailOpen' ? failOpen : [];
  return {
    host: {
      hostname,
      policy: policyKey,
      ttlSeconds: policy.spec.ttlSeconds,
      strategy: strategyIR(policy, places, allMoves),
      onNoHealthyRegion: policy.spec.onNoHealthyRegion,
      candidates,
      eligible,
      noHealthy,
    },
    probes,
  };
}
