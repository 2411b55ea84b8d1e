/**
 * The before/after diff of an audit record, field by field: both JSON values are flattened
 * to dotted paths (`owner.sgp-prod-1`, `moved[0].to`) and compared, so a record's change
 * reads as a short list rather than two blobs.
 * @module
 */

/** One changed, added or removed leaf. */
export interface DiffEntry {
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  /** JSON text of the value before (absent when added). */
  readonly before?: string;
  /** JSON text of the value after (absent when removed). */
  readonly after?: string;
}

/** Leaves of a JSON value by path; empty objects and arrays are leaves too, so they show. */
export function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((v, i) => flatten(v, `${prefix}[${String(i)}]`, out));
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (value !== undefined) {
    out.set(prefix === '' ? '(value)' : prefix, JSON.stringify(value));
  }
  return out;
}

/** What differs between `before` and `after`, sorted by path; unchanged leaves are left out. */
export function diffValues(before: unknown, after: unknown): DiffEntry[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: DiffEntry[] = [];
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (x === y) continue;
    if (x === undefined) out.push({ path, kind: 'added', after: y as string });
    else if (y === undefined) out.push({ path, kind: 'removed', before: x });
    else out.push({ path, kind: 'changed', before: x, after: y });
  }
  return out;
}
