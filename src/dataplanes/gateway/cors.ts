/**
 * The HTTPRoute CORS filter (Gateway API v1 HTTPCORSFilter, Fetch standard
 * §3.2), compiled once per apply and applied per request:
 *
 * - A preflight (OPTIONS with `Origin` and `Access-Control-Request-Method`)
 *   is answered by the gateway, 204, never proxied. From an allowed origin it
 *   carries the allow-origin (the request's own origin, never `*`, so one
 *   answer is right with or without credentials), allow-methods and
 *   allow-headers (the configured lists; with `*`, the requested method and
 *   headers, as the spec demands under credentials), expose-headers, max-age
 *   and, with `allowCredentials`, allow-credentials. From any other origin it
 *   carries no CORS header at all, so the browser refuses the real request.
 * - Any other request with an allowed `Origin` is proxied, and its response
 *   gets allow-origin, allow-credentials and expose-headers (replacing the
 *   backend's own), plus `Vary: Origin`.
 *
 * Origins match after normalisation (default ports spelled out); a pattern's
 * `*.` is greedy to the left (`https://*.bar.com` admits `https://a.b.bar.com`
 * but not `https://bar.com`), and `*` alone admits every origin.
 * @module
 */
import type { CorsIR } from '../../ir/index.ts';
import { normaliseOrigin } from '../../lib/index.ts';
import { headerValue, setHeader } from './filters.ts';

/** A CORS filter ready for the request path. */
export interface CompiledCors {
  readonly ir: CorsIR;
  readonly anyOrigin: boolean;
  /** Normalised exact origins. */
  readonly exact: ReadonlySet<string>;
  /** `*.` patterns: scheme, the host suffix after `*` (with its dot), port. */
  readonly wildcards: readonly { readonly scheme: string; readonly suffix: string; readonly port: string }[];
  readonly anyMethod: boolean;
  readonly methods: string;
  readonly anyHeader: boolean;
  readonly headers: string;
  readonly expose: string;
  readonly maxAge: string;
}

/** Compiles a CORS filter. */
export function compileCors(ir: CorsIR): CompiledCors {
  const exact = new Set<string>();
  const wildcards: { scheme: string; suffix: string; port: string }[] = [];
  for (const o of ir.allowOrigins) {
    if (o === '*') continue;
    const m = /^(https?):\/\/\*([^:]*):(\d+)$/.exec(o);
    if (m === null) exact.add(o);
    else wildcards.push({ scheme: m[1] as string, suffix: m[2] as string, port: m[3] as string });
  }
  return {
    ir,
    anyOrigin: ir.allowOrigins.includes('*'),
    exact,
    wildcards,
    anyMethod: ir.allowMethods.includes('*'),
    methods: ir.allowMethods.join(', '),
    anyHeader: ir.allowHeaders.includes('*'),
    headers: ir.allowHeaders.join(', '),
    expose: ir.exposeHeaders.join(', '),
    maxAge: String(ir.maxAgeSeconds),
  };
}

/** Whether the request's `Origin` header is allowed. */
export function originAllowed(c: CompiledCors, origin: string): boolean {
  if (c.anyOrigin) return true;
  const o = normaliseOrigin(origin);
  if (o === undefined) return false;
  if (c.exact.has(o)) return true;
  if (c.wildcards.length === 0) return false;
  const m = /^(https?):\/\/([^:]+):(\d+)$/.exec(o);
  if (m === null) return false;
  const [, scheme, host, port] = m as unknown as [string, string, string, string];
  // `*` alone as the host admits every host; `*.x` needs at least one label before `.x`.
  return c.wildcards.some((w) => w.scheme === scheme && w.port === port && (w.suffix === '' || (host.length > w.suffix.length && host.endsWith(w.suffix))));
}

/** Whether a request is a CORS preflight. */
export function isPreflight(method: string, origin: string | undefined, requestMethod: string | undefined): boolean {
  return method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
}

/** The headers of the gateway's answer to a preflight (none when the origin is not allowed). */
export function preflightHeaders(c: CompiledCors, origin: string, requestMethod: string, requestHeaders: string | undefined): string[] {
  if (!originAllowed(c, origin)) return [];
  const out = ['access-control-allow-origin', origin, 'vary', 'Origin'];
  if (c.ir.allowCredentials) out.push('access-control-allow-credentials', 'true');
  const methods = c.anyMethod ? requestMethod : c.methods;
  if (methods !== '') out.push('access-control-allow-methods', methods);
  if (requestHeaders !== undefined && requestHeaders.trim() !== '') {
    const headers = c.anyHeader ? requestHeaders : c.headers;
    if (headers !== '') out.push('access-control-allow-headers', headers);
  }
  if (c.expose !== '' && !(c.ir.allowCredentials && c.expose === '*')) out.push('access-control-expose-headers', c.expose);
  out.push('access-control-max-age', c.maxAge);
  return out;
}

/** Adds the CORS headers of an allowed origin to an actual response's headers (flat list, in place). */
export function applyCorsResponse(c: CompiledCors, origin: string, headers: string[]): void {
  if (!originAllowed(c, origin)) return;
  setHeader(headers, 'access-control-allow-origin', origin);
  if (c.ir.allowCredentials) setHeader(headers, 'access-control-allow-credentials', 'true');
  if (c.expose === '*' && c.ir.allowCredentials) {
    // `*` means "every header" only without credentials; with them, name the response's headers.
    const names: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      if (!name.toLowerCase().startsWith('access-control-')) names.push(name);
    }
    if (names.length > 0) setHeader(headers, 'access-control-expose-headers', names.join(', '));
  } else if (c.expose !== '') setHeader(headers, 'access-control-expose-headers', c.expose);
  const vary = headerValue(headers, 'vary');
  if (vary === undefined) headers.push('vary', 'Origin');
  else if (!/(^|,)\s*(origin|\*)\s*(,|$)/i.test(vary)) setHeader(headers, 'vary', `${vary}, Origin`);
}
