/**
 * Virtual host choice: the FIRST virtual host of a listener whose hostname
 * matches the request's Host (port ignored, case-insensitive). `*` matches any
 * host; `*.example.com` matches any deeper subdomain but not the apex. The IR
 * sorts vhosts most specific first; this keeps first-match semantics exactly
 * while answering exact names from a map.
 * @module
 */

/** One wildcard entry: `suffix` is `.example.com` (or '' for `*`). */
interface WildcardEntry<T> {
  readonly index: number;
  readonly suffix: string;
  readonly value: T;
}

/** A compiled hostname table of one listener. */
export interface HostTable<T> {
  readonly exact: ReadonlyMap<string, { readonly index: number; readonly value: T }>;
  /** In IR order. */
  readonly wildcards: readonly WildcardEntry<T>[];
}

/** Builds the table from `(hostname, value)` pairs in IR (first-match) order. */
export function compileHosts<T>(entries: readonly { readonly hostname: string; readonly value: T }[]): HostTable<T> {
  const exact = new Map<string, { index: number; value: T }>();
  const wildcards: WildcardEntry<T>[] = [];
  entries.forEach(({ hostname, value }, index) => {
    const name = hostname.toLowerCase();
    if (name === '*' || name === '') wildcards.push({ index, suffix: '', value });
    else if (name.startsWith('*.')) wildcards.push({ index, suffix: name.slice(1), value });
    else if (!exact.has(name)) exact.set(name, { index, value });
  });
  return { exact, wildcards };
}

/** The value of the first entry matching `host` (already lower-cased, port stripped), or undefined. */
export function pickHost<T>(table: HostTable<T>, host: string): T | undefined {
  const exact = table.exact.get(host);
  const limit = exact === undefined ? Number.MAX_SAFE_INTEGER : exact.index;
  for (const w of table.wildcards) {
    if (w.index > limit) break;
    if (w.suffix === '' || (host.length > w.suffix.length && host.endsWith(w.suffix))) return w.value;
  }
  return exact?.value;
}

/**
 * The host part of a Host header (authority): lower-cased, without port and
 * without a trailing dot. IPv6 literals keep their brackets (`[::1]`).
 */
export function hostOf(authority: string): string {
  let end = authority.length;
  if (authority.charCodeAt(0) === 91 /* [ */) {
    const close = authority.indexOf(']');
    end = close < 0 ? end : close + 1;
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) end = colon;
  }
  if (end > 0 && authority.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  const host = end === authority.length ? authority : authority.slice(0, end);
  return host.toLowerCase();
}
