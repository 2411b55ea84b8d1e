/**
 * HTTPRoute match evaluation. Matches are compiled once per applied IR
 * (regular expressions included) so the request path does no compilation:
 * path Exact / PathPrefix (element-wise, trailing `/` ignored) /
 * RegularExpression (anchored full match), headers (case-insensitive names,
 * first entry per name counts), query params (case-sensitive names, first
 * value) and method, all ANDed.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RouteMatchIR, StringMatchIR } from '../../ir/index.ts';

/** Path match kind Exact (kinds are small integers for a monomorphic switch). */
export const PATH_EXACT = 0;
/** Path match kind PathPrefix. */
export const PATH_PREFIX = 1;
/** Path match kind RegularExpression. */
export const PATH_REGEX = 2;

/** One compiled header or query-param condition. */
export interface CompiledStringMatch {
  readonly name: string;
  /** Exact value, when not a regular expression. */
  readonly exact: string | undefined;
  readonly regex: RegExp | undefined;
}

/** A compiled RouteMatchIR. */
export interface CompiledMatch {
  readonly pathKind: typeof PATH_EXACT | typeof PATH_PREFIX | typeof PATH_REGEX;
  /** Exact: the path. Prefix: the prefix without its trailing `/` ('' for `/`). */
  readonly pathValue: string;
  readonly pathRegex: RegExp | undefined;
  readonly headers: readonly CompiledStringMatch[];
  readonly query: readonly CompiledStringMatch[];
  readonly method: string | undefined;
}

/** What a match looks at; `query` is parsed lazily, once per request, only when a rule needs it. */
export interface MatchInput {
  readonly path: string;
  /** The raw query string without `?` ('' when none). */
  readonly queryString: string;
  readonly method: string;
  readonly headers: () => IncomingHttpHeaders;
  query: Map<string, string> | undefined;
}

/** An anchored full-match regular expression (Gateway API regex matches are whole-value). */
function anchored(source: string): RegExp {
  return new RegExp(`^(?:${source})$`);
}

function compileStrings(list: readonly StringMatchIR[], lower: boolean): CompiledStringMatch[] {
  const seen = new Set<string>();
  const out: CompiledStringMatch[] = [];
  for (const m of list) {
    const name = lower ? m.name.toLowerCase() : m.name;
    // Spec: when a name is listed twice, only the first entry counts.
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(
      m.type === 'RegularExpression'
        ? { name, exact: undefined, regex: anchored(m.value) }
        : { name, exact: m.value, regex: undefined },
    );
  }
  return out;
}

/** Compiles one match; throws a SyntaxError for an invalid regular expression. */
export function compileMatch(m: RouteMatchIR): CompiledMatch {
  const headers = compileStrings(m.headers, true);
  const query = compileStrings(m.queryParams, false);
  const method = m.method;
  const { type, value } = m.path;
  if (type === 'Exact') return { pathKind: PATH_EXACT, pathValue: value, pathRegex: undefined, headers, query, method };
  if (type === 'RegularExpression') {
    return { pathKind: PATH_REGEX, pathValue: value, pathRegex: anchored(value), headers, query, method };
  }
  const prefix = value.endsWith('/') ? value.slice(0, -1) : value;
  return { pathKind: PATH_PREFIX, pathValue: prefix, pathRegex: undefined, headers, query, method };
}

/** Element-wise prefix test: `/abc` matches `/abc`, `/abc/` and `/abc/def`, never `/abcd`. */
export function prefixMatches(prefix: string, path: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || path.charCodeAt(prefix.length) === 47; /* / */
}

function stringMatches(m: CompiledStringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  return m.regex === undefined ? value === m.exact : m.regex.test(value);
}

function decodeComponent(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

/** First value of every query parameter (names case-sensitive, percent-decoded). */
export function parseQuery(queryString: string): Map<string, string> {
  const out = new Map<string, string>();
  if (queryString === '') return out;
  for (const pair of queryString.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (out.has(name)) continue;
    out.set(name, eq < 0 ? '' : decodeComponent(pair.slice(eq + 1)));
  }
  return out;
}

/** Whether `m` holds for the request. */
export function matches(m: CompiledMatch, input: MatchInput): boolean {
  const path = input.path;
  switch (m.pathKind) {
    case PATH_EXACT:
      if (path !== m.pathValue) return false;
      break;
    case PATH_PREFIX:
      if (!prefixMatches(m.pathValue, path)) return false;
      break;
    default:
      if (m.pathRegex === undefined || !m.pathRegex.test(path)) return false;
  }
  if (m.method !== undefined && input.method !== m.method) return false;
  if (m.headers.length > 0) {
    const headers = input.headers();
    for (const h of m.headers) {
      const raw = headers[h.name];
      if (!stringMatches(h, Array.isArray(raw) ? raw[0] : raw)) return false;
    }
  }
  if (m.query.length > 0) {
    const query = (input.query ??= parseQuery(input.queryString));
    for (const q of m.query) if (!stringMatches(q, query.get(q.name))) return false;
  }
  return true;
}
