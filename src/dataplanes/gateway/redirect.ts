/**
 * RequestRedirect: the `Location` of a redirect. Scheme defaults to the
 * listener's (`http`, or `https` on an HTTPS listener), hostname to the request's, and an unset port to the
 * scheme's well-known port when a scheme is set, else the listener port; the
 * port is omitted for http:80 and https:443. The query string is kept.
 * @module
 */
import type { RedirectIR } from '../../ir/index.ts';
import type { CompiledMatch } from './match.ts';
import { rewritePath } from './rewrite.ts';

/** What a redirect needs from the request. */
export interface RedirectInput {
  /** Request host without port (lower-cased). */
  readonly host: string;
  readonly path: string;
  /** Raw query without `?` ('' when none). */
  readonly queryString: string;
  /** The port the listener actually bound. */
  readonly listenerPort: number;
  /** The listener's scheme. */
  readonly listenerScheme: 'http' | 'https';
  readonly match: CompiledMatch;
}

/** The well-known port of a scheme. */
function wellKnownPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/** The absolute `Location` URL for a redirect. */
export function redirectLocation(r: RedirectIR, input: RedirectInput): string {
  const scheme = r.scheme ?? input.listenerScheme;
  const host = r.hostname ?? input.host;
  const port = r.port ?? (r.scheme !== undefined ? wellKnownPort(r.scheme) : input.listenerPort);
  const omitPort = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
  const path = r.path === undefined ? input.path : rewritePath(input.path, r.path, input.match);
  const query = input.queryString === '' ? '' : `?${input.queryString}`;
  return `${scheme}://${host}${omitPort ? '' : `:${String(port)}`}${path}${query}`;
}
