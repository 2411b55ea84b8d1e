/**
 * The query strings the console sends: services pages, audit filters, the route "why". Empty
 * fields are left out (the server treats absent as "any"), and values are URL-encoded here,
 * once. No token ever goes into a URL: it travels in the Authorization header.
 * @module
 */

/** Builds `path?k=v&…` from the fields that are set (trimmed, non-empty), in the order given. */
export function withQuery(path: string, params: Readonly<Record<string, string | number | undefined>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const s = typeof v === 'number' ? String(v) : v.trim();
    if (s !== '') q.set(k, s);
  }
  const text = q.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Rows per services page. */
export const SERVICES_PAGE = 100;

/** The services page starting at `offset` for a filter. */
export function servicesQuery(filter: { readonly q: string; readonly cluster: string }, offset: number, limit = SERVICES_PAGE): string {
  return withQuery('/api/v1/console/services', { q: filter.q, cluster: filter.cluster, offset, limit });
}

/** The offsets of the pages that hold rows `first`..`last` (inclusive). */
export function pagesFor(first: number, last: number, pageSize = SERVICES_PAGE): number[] {
  if (last < first || last < 0) return [];
  const out: number[] = [];
  for (let p = Math.floor(Math.max(0, first) / pageSize) * pageSize; p <= last; p += pageSize) out.push(p);
  return out;
}

/** The audit view's filters (times as typed: RFC 3339 or a duration such as `1h`). */
export interface AuditFilter {
  readonly target: string;
  readonly actor: string;
  readonly action: string;
  readonly since: string;
  readonly until: string;
}

/** An empty audit filter. */
export const NO_AUDIT_FILTER: AuditFilter = { target: '', actor: '', action: '', since: '', until: '' };

/** Rows per audit page. */
export const AUDIT_PAGE = 50;

/** One audit page: the filters, and `after` (the seq the previous page's `next` gave) to continue. */
export function auditQuery(filter: AuditFilter, after?: number, limit = AUDIT_PAGE): string {
  return withQuery('/api/v1/audit', { ...filter, limit, after });
}

/** The evidence bundle of one target (all targets when empty). */
export function exportQuery(target: string): string {
  return withQuery('/api/v1/audit/export', { target });
}

/** The route "why" request. */
export interface ExplainInput {
  readonly cluster: string;
  readonly host: string;
  readonly path: string;
  readonly method: string;
}

/** `/api/v1/explain?…` with the path made absolute and the method upper-cased. */
export function explainQuery(input: ExplainInput): string {
  const path = input.path.trim() === '' ? '/' : input.path.trim().startsWith('/') ? input.path.trim() : `/${input.path.trim()}`;
  return withQuery('/api/v1/explain', { cluster: input.cluster, host: input.host, path, method: input.method.toUpperCase() });
}

/** A file name for an evidence bundle: `lintas-evidence-cases_case-writes.json`. */
export function exportFileName(target: string): string {
  const t = target.trim() === '' ? 'all' : target.trim().replace(/[^A-Za-z0-9._-]+/g, '_');
  return `lintas-evidence-${t}.json`;
}
