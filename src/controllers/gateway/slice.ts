/**
 * The per-cluster slice of the fleet's Gateway IR: what one cluster's gateway
 * process (`lintas gateway --cluster NAME`) serves. Its north-south listeners
 * (the Gateways in its folder), the east-west ClusterSetIP listeners (HTTP and
 * TCP: every cluster that imports a service proxies its ClusterSetIP), and
 * exactly the upstreams and TrafficPolicies those listeners reach, followed
 * through mirrors and policy mirrors. Listeners, upstreams and policies are
 * copied as they are, never rewritten, so a slice routes exactly like the
 * fleet IR it came from. Pure; the input is never mutated, order is kept
 * (the fleet IR is sorted by key, so slices are too).
 * @module
 */
import type { GatewayIR, HttpListenerIR, TcpListenerIR, TrafficPolicyIR, UpstreamIR } from '../../ir/index.ts';

/** Options of {@link sliceGatewayIR}. */
export interface SliceOptions {
  /**
   * Include the east-west ClusterSetIP listeners (default true). Gateways that share one
   * network (every cluster of `lintas up` on one loopback) cannot all bind a ClusterSetIP:
   * there one process keeps them.
   */
  readonly eastWest?: boolean;
}

/** True for an east-west (ClusterSetIP) HTTP listener: its entry cluster comes from the client's address. */
export function isEastWestListener(l: HttpListenerIR): boolean {
  return l.entryBySource !== undefined;
}

/** Upstream keys one HTTP listener's rules use: backends and the mirrors of rules and backends. */
function listenerUpstreams(l: HttpListenerIR, into: Set<string>, policies: Set<string>): void {
  for (const vh of l.virtualHosts) {
    for (const r of vh.routes) {
      if (r.policy !== undefined) policies.add(r.policy);
      for (const m of r.filters.mirrors ?? []) into.add(m.upstream);
      for (const b of r.backends) {
        if (b.upstream !== undefined) into.add(b.upstream);
        for (const m of b.filters?.mirrors ?? []) into.add(m.upstream);
      }
    }
  }
}

/** The IR of one cluster's gateway (see the module doc). */
export function sliceGatewayIR(ir: GatewayIR, cluster: string, options: SliceOptions = {}): GatewayIR {
  const eastWest = options.eastWest ?? true;
  const listeners = ir.listeners.filter((l) => (isEastWestListener(l) ? eastWest : l.cluster === cluster));
  const tcpListeners: readonly TcpListenerIR[] | undefined = ir.tcpListeners === undefined ? undefined : eastWest ? ir.tcpListeners : [];
  const upstreamKeys = new Set<string>();
  const policyKeys = new Set<string>();
  for (const l of listeners) listenerUpstreams(l, upstreamKeys, policyKeys);
  for (const t of tcpListeners ?? []) upstreamKeys.add(t.upstream);

  const upstreamsByKey = new Map(ir.upstreams.map((u) => [u.key, u]));
  const policiesByKey = new Map((ir.policies ?? []).map((p) => [p.key, p]));
  // Closure: an upstream brings its policy, a policy its mirror upstream, which may bring another policy.
  const seenUpstreams = new Set<string>();
  const seenPolicies = new Set<string>();
  let frontier = true;
  while (frontier) {
    frontier = false;
    for (const key of upstreamKeys) {
      if (seenUpstreams.has(key)) continue;
      seenUpstreams.add(key);
      frontier = true;
      const policy = upstreamsByKey.get(key)?.policy;
      if (policy !== undefined) policyKeys.add(policy);
    }
    for (const key of policyKeys) {
      if (seenPolicies.has(key)) continue;
      seenPolicies.add(key);
      frontier = true;
      const mirror = policiesByKey.get(key)?.mirror?.upstream;
      if (mirror !== undefined) upstreamKeys.add(mirror);
    }
  }
  // Filtering the fleet lists keeps their order; a key the fleet IR does not hold stays out (the data plane answers 500/503 for it, as it would fleet-wide).
  const upstreams: UpstreamIR[] = ir.upstreams.filter((u) => upstreamKeys.has(u.key));
  const policies: TrafficPolicyIR[] | undefined = ir.policies?.filter((p) => policyKeys.has(p.key));
  return {
    listeners,
    upstreams,
    ...(tcpListeners !== undefined ? { tcpListeners } : {}),
    ...(policies !== undefined ? { policies } : {}),
  };
}
