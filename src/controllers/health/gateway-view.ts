/**
 * What the gateways see, folded into the health targets (seed 000 §19.1, the blackhole
 * pattern: "health checks should reflect backend availability"). An endpoint that is Ready
 * in its EndpointSlice but that the gateways keep out of rotation — its active health checks
 * fail, or outlier detection ejected it — does not count as ready toward a region's ready
 * fraction. Pure.
 * @module
 */
import type { GatewayEndpointView, GatewayVerdict, HealthTarget, TargetEndpoint } from './types.ts';

/** The key an endpoint of a target is matched by: the service (kind, `ns/name`), address and port. */
function viewKey(kind: string, service: string, address: string, port: number): string {
  return `${kind}/${service}|${address}|${port}`;
}

/** A gateway state that takes an endpoint out of rotation, if it is one. */
function verdictOf(state: string): GatewayVerdict | undefined {
  return state === 'unhealthy' || state === 'ejected' ? state : undefined;
}

/**
 * The targets with each endpoint marked as the gateways see it. An endpoint several upstreams
 * hold (several routes to one service) is marked when any of them takes it out: one gateway's
 * evidence that the socket is dead is enough. Endpoints no gateway routes to stay as they are.
 */
export function withGatewayView(targets: readonly HealthTarget[], view: readonly GatewayEndpointView[]): HealthTarget[] {
  const verdicts = new Map<string, GatewayVerdict>();
  for (const e of view) {
    const verdict = verdictOf(e.state);
    if (verdict === undefined) continue;
    const key = viewKey(e.kind, `${e.namespace}/${e.name}`, e.address, e.port);
    // Unhealthy (an active check) is the stronger, current signal; an ejection may be minutes old.
    if (verdicts.get(key) !== 'unhealthy') verdicts.set(key, verdict);
  }
  if (verdicts.size === 0) return [...targets];
  return targets.map((t) => ({
    ...t,
    clusters: t.clusters.map((c) => ({
      ...c,
      endpoints: c.endpoints.map((e): TargetEndpoint => {
        const { gateway: _previous, ...plain } = e;
        const gateway = e.ready ? verdicts.get(viewKey(t.kind, t.service, e.address, e.port)) : undefined;
        return gateway === undefined ? plain : { ...plain, gateway };
      }),
    })),
  }));
}

/** Ready in its slice and not kept out by the gateways: an endpoint that takes traffic. */
export function servesTraffic(e: TargetEndpoint): boolean {
  return e.ready && e.gateway === undefined;
}
