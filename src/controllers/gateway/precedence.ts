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
 * @module
 */
import type { RouteMatchIR } from '../../ir/index.ts';
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


/** Negative when `a` takes precedence over `b` (sorts first). A total order: ties only for the same (route, rule, match). */
export function comparePrecedence(a: PrecedenceKey, b: PrecedenceKey): number {
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
