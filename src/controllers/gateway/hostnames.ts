/**
 * Gateway API hostname rules: wildcard matching, listener/route hostname
 * intersection, listener specificity (listener isolation) and the order of
 * virtual hosts (most specific first).
 *
 * A hostname is exact (`foo.example.com`), a wildcard (`*.example.com`: any
 * subdomain at any depth, never the apex) or absent, which the IR spells `*`.
 * @module
 */

/** The IR hostname of a listener or route without hostnames: matches every Host. */
export const ANY_HOST = '*';

function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** `example.com` of `*.example.com`. */
function suffixOf(wildcard: string): string {
  return wildcard.slice(2);
}

/** True when `host` (an exact name) is one `pattern` admits; `undefined`/`*` admits every host. */
export function hostnameMatches(pattern: string | undefined, host: string): boolean {
  if (pattern === undefined || pattern === ANY_HOST) return true;
  if (!isWildcard(pattern)) return pattern === host;
  return host.endsWith(`.${suffixOf(pattern)}`);
}

/**
 * The intersection of a listener hostname and one route hostname, or undefined when they
 * do not intersect. Where both are wildcards the more specific one is the intersection
 * (as Envoy Gateway's `computeHosts`).
 */
export function intersectHostname(listener: string | undefined, route: string): string | undefined {
  if (listener === undefined) return route;
  const lw = isWildcard(listener);
  const rw = isWildcard(route);
  if (!lw && !rw) return listener === route ? route : undefined;
  if (lw && !rw) return hostnameMatches(listener, route) ? route : undefined;
  if (!lw && rw) return hostnameMatches(route, listener) ? listener : undefined;
  const ls = suffixOf(listener);
  const rs = suffixOf(route);
  if (rs === ls || rs.endsWith(`.${ls}`)) return route;
  if (ls.endsWith(`.${rs}`)) return listener;
  return undefined;
}

/**
 * The hostnames a route gets on a listener: the listener's own hostname (or `*`) when the
 * route lists none, else every non-empty intersection (route hostnames that do not
 * intersect are ignored, as the spec says), de-duplicated in route order.
 */
export function effectiveHostnames(listener: string | undefined, routeHostnames: readonly string[] | undefined): string[] {
  if (routeHostnames === undefined || routeHostnames.length === 0) return [listener ?? ANY_HOST];
  const out: string[] = [];
  for (const hostname of routeHostnames) {
    const meet = intersectHostname(listener, hostname);
    if (meet !== undefined && !out.includes(meet)) out.push(meet);
  }
  return out;
}

/** Specificity of a hostname pattern: exact names highest, then wildcards by label count, `*` lowest. */
export function hostnameSpecificity(hostname: string | undefined): number {
  if (hostname === undefined || hostname === ANY_HOST) return 0;
  const labels = hostname.split('.').length;
  // Wildcards rank by label count (more labels = narrower); any exact name beats any wildcard.
  return isWildcard(hostname) ? labels : 1000 + labels;
}

/** Orders virtual host hostnames most specific first (exact, then wildcards by label count, then `*`), then alphabetically. */
export function compareHostnames(a: string, b: string): number {
  const s = hostnameSpecificity(b) - hostnameSpecificity(a);
  if (s !== 0) return s;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * True when every host `vhost` admits is also admitted by listener hostname `listener`,
 * so that listener, if more specific, owns those hosts (listener isolation).
 */
export function listenerCovers(listener: string | undefined, vhost: string): boolean {
  if (listener === undefined) return true;
  if (vhost === ANY_HOST) return false;
  if (!isWildcard(vhost)) return hostnameMatches(listener, vhost);
  if (!isWildcard(listener)) return false;
  const vs = suffixOf(vhost);
  const ls = suffixOf(listener);
  return vs === ls || vs.endsWith(`.${ls}`);
}
