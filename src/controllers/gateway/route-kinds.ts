/**
 * HTTPRoutes and GRPCRoutes on one listener. Both attach to HTTP and HTTPS
 * listeners, but never share a hostname there (GRPCRouteSpec.Hostnames): when
 * a route of one kind meets one of the other kind with intersecting hostnames
 * on a listener, exactly one is accepted, the oldest (creationTimestamp), then
 * the first by `{namespace}/{name}`. Routes are therefore taken oldest first,
 * and each listener remembers the hostnames each kind holds; a later route of
 * the other kind loses those attachments (`Accepted=False/NotAllowedByListeners`
 * when none is left).
 * @module
 */
import type { GRPCRoute, HTTPRoute } from '../../api/index.ts';
import { compareStrings } from '../../lib/index.ts';
import type { Attachment, ParentVerdict } from './attach.ts';
import type { ClusterIndex } from './fleet-index.ts';
import { ANY_HOST, intersectHostname } from './hostnames.ts';
import type { ListenerState } from './listeners.ts';
import { compareOptionalTimes, timestampMillis } from './time.ts';

/** A route of either kind. */
export type AnyRoute = HTTPRoute | GRPCRoute;

const id = (r: AnyRoute): string => `${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;

/** The cluster's HTTPRoutes and GRPCRoutes, oldest first, then by `{namespace}/{name}`, then kind. */
export function routesByAge(cluster: ClusterIndex): AnyRoute[] {
  return [...cluster.httpRoutes, ...cluster.grpcRoutes].sort(
    (a, b) => compareOptionalTimes(timestampMillis(a.metadata.creationTimestamp), timestampMillis(b.metadata.creationTimestamp)) || compareStrings(id(a), id(b)) || compareStrings(a.kind, b.kind),
  );
}

function intersect(a: string, b: string): boolean {
  return a === ANY_HOST || b === ANY_HOST || intersectHostname(a, b) !== undefined;
}

/** What each listener's accepted routes of each kind hold. */
export class KindClaims {
  private readonly held = new Map<ListenerState, { kind: AnyRoute['kind']; route: string; hostnames: readonly string[] }[]>();

  /** `verdict` without the attachments whose hostnames an older route of the other kind holds on that listener. */
  filter(route: AnyRoute, verdict: ParentVerdict): ParentVerdict {
    if (!verdict.attached) return verdict;
    const lost: string[] = [];
    const kept: Attachment[] = verdict.attachments.filter((a) => {
      const holder = (this.held.get(a.listener) ?? []).find((h) => h.kind !== route.kind && h.hostnames.some((x) => a.hostnames.some((y) => intersect(x, y))));
      if (holder !== undefined) lost.push(`listener ${a.listener.listener.name} serves its hostnames to ${holder.kind} ${holder.route}`);
      return holder === undefined;
    });
    if (kept.length === verdict.attachments.length) return verdict;
    if (kept.length > 0) return { ...verdict, attachments: kept };
    const message = `${lost.join('; ')}, which is older: an HTTPRoute and a GRPCRoute may not share a hostname on a listener`;
    return { parentRef: verdict.parentRef, gateway: verdict.gateway, attached: false, reason: 'NotAllowedByListeners', message };
  }

  /** Records the hostnames an accepted route holds on its listeners. */
  hold(route: AnyRoute, attachments: readonly Attachment[]): void {
    for (const a of attachments) {
      const list = this.held.get(a.listener) ?? [];
      this.held.set(a.listener, list);
      list.push({ kind: route.kind, route: id(route), hostnames: a.hostnames });
    }
  }
}
