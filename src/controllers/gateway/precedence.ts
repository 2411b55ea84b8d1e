/**
 * HTTPRoute precedence inside one virtual host (Gateway API `HTTPRouteRule.Matches`):
 * the data plane takes the first (rule, match) whose match holds, so the list is sorted
 * so that the spec's winner comes first.
 *
 * Order, most important first:
 * 1. path type: Exact, then RegularExpression, then PathPrefix. Regex precedence is
 *    implementation-specific; Lintas ranks it after Exact and before every PathPrefix,
 *    so a regex route is not shadowed by a catch-all prefix (Envoy Gateway does the same);
 * 2. the longer path value (characters; for PathPrefix this is the spec's "most characters");
 * 3. a method match;
 * 4. more header matches;
 * 5. more query-param matches;
 * 6. the oldest route (creationTimestamp; routes without one sort after dated ones);
 * 7. `{namespace}/{name}` alphabetically;
 * 8. rule order inside the route, then match order inside the rule.
 *
 * Between two GRPCRoute matches, 1–5 are the GRPCRoute order instead: the longer
 * service, then the longer method (Exact matches before regular expressions), then
 * more header matches.
 * @module
 */
import type { GrpcMethodMatchIR, RouteMatchIR } from '../../ir/index.ts';
import { compareOptionalTimes } from './time.ts';
import { compareStrings } from '../../lib/index.ts';

/** What precedence looks at for one (route, rule, match). */
export interface PrecedenceKey {
  readonly match: RouteMatchIR;
  /** Route creationTimestamp in ms since the epoch; undefined when the manifest has none. */
  readonly created?: number;
  readonly namespace: string;
  readonly name: string;
  readonly ruleIndex: number;
  readonly matchIndex: number;
}

const PATH_RANK: Readonly<Record<RouteMatchIR['path']['type'], number>> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };


/**
 * A GRPCRoute match's weight among matches of `type`: service characters, then method characters
 * (0 for another type), so Exact matches outrank regular expressions, whose order is implementation-specific.
 */
function grpcRank(m: GrpcMethodMatchIR, type: GrpcMethodMatchIR['type']): number {
  return m.type !== type ? 0 : (m.service?.length ?? 0) * 2048 + (m.method?.length ?? 0);
}

/** Negative when `a` takes precedence over `b` (sorts first). A total order: ties only for the same (route, rule, match). */
export function comparePrecedence(a: PrecedenceKey, b: PrecedenceKey): number {
  const ga = a.match.grpc;
  const gb = b.match.grpc;
  if (ga !== undefined && gb !== undefined) {
    const byMatch = grpcRank(gb, 'Exact') - grpcRank(ga, 'Exact') || grpcRank(gb, 'RegularExpression') - grpcRank(ga, 'RegularExpression') || b.match.headers.length - a.match.headers.length;
    if (byMatch !== 0) return byMatch;
  }
  return (
    PATH_RANK[a.match.path.type] - PATH_RANK[b.match.path.type] ||
    b.match.path.value.length - a.match.path.value.length ||
    (b.match.method !== undefined ? 1 : 0) - (a.match.method !== undefined ? 1 : 0) ||
    b.match.headers.length - a.match.headers.length ||
    b.match.queryParams.length - a.match.queryParams.length ||
    compareOptionalTimes(a.created, b.created) ||
    compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}
