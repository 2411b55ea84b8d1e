/**
 * RequestHeaderModifier / ResponseHeaderModifier on flat header lists
 * (`[name, value, name, value, …]`, the shape undici and `writeHead` take, so
 * duplicates survive): `set` overwrites, `add` appends to an existing value
 * with `,` (`some-other-value` → `some-other-value,add-appends-values`),
 * `remove` deletes. Names compare case-insensitively.
 * @module
 */
import type { HeaderModifierIR } from '../../ir/index.ts';

function removeAll(headers: string[], lowerName: string): void {
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    const name = headers[r] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) continue;
    headers[w] = name;
    headers[w + 1] = headers[r + 1] as string;
    w += 2;
  }
  headers.length = w;
}

function indexOfHeader(headers: readonly string[], lowerName: string): number {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return i;
  }
  return -1;
}

/** Applies a header modifier in place (remove, then set, then add: one action per name per spec). */
export function modifyHeaders(headers: string[], m: HeaderModifierIR): void {
  for (const name of m.remove) removeAll(headers, name.toLowerCase());
  for (const { name, value } of m.set) {
    const lower = name.toLowerCase();
    removeAll(headers, lower);
    headers.push(lower, value);
  }
  for (const { name, value } of m.add) {
    const lower = name.toLowerCase();
    const at = indexOfHeader(headers, lower);
    if (at < 0) headers.push(lower, value);
    else headers[at + 1] = `${headers[at + 1] as string},${value}`;
  }
}

/** The value of the first header named `lowerName`, or undefined. */
export function headerValue(headers: readonly string[], lowerName: string): string | undefined {
  const at = indexOfHeader(headers, lowerName);
  return at < 0 ? undefined : headers[at + 1];
}

/** Sets (replaces every occurrence of) one header in place. */
export function setHeader(headers: string[], lowerName: string, value: string): void {
  removeAll(headers, lowerName);
  headers.push(lowerName, value);
}
