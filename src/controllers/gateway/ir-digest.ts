/**
 * The canonical JSON of a Gateway IR, memoised per listener, upstream and policy:
 * a config version hashes the whole slice, but after one change almost every
 * element is the same object as before (the translator keeps unchanged parts by
 * reference), so only the new elements are encoded again. The text is exactly
 * `canonicalJson(ir)`: IR objects are immutable once built, so an element's
 * encoding never goes stale. Pure (the cache only holds results of a pure function).
 * @module
 */
import type { GatewayIR } from '../../ir/index.ts';
import { canonicalJson } from '../../store/index.ts';

// Element → its canonical JSON; weak, so a dropped IR takes its encodings with it.
const encoded = new WeakMap<object, string>();

/** `canonicalJson` of one array element, from the cache when the same object was encoded before. */
function elementJson(element: unknown): string {
  if (element === null || typeof element !== 'object') return canonicalJson(element);
  const hit = encoded.get(element);
  if (hit !== undefined) return hit;
  const text = canonicalJson(element);
  encoded.set(element, text);
  return text;
}

/** `canonicalJson(ir)`, reusing the encoding of every top-level list element seen before. */
export function irCanonicalJson(ir: GatewayIR): string {
  const record = ir as unknown as Record<string, unknown>;
  const members: string[] = [];
  // Same layout as canonicalJson: keys sorted, undefined members left out, arrays element by element.
  for (const key of Object.keys(record).sort()) {
    const value = record[key];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? `[${value.map((item: unknown) => (item === undefined ? 'null' : elementJson(item))).join(',')}]` : canonicalJson(value);
    members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}
