/**
 * Ordering helpers for sorted, deterministic output.
 * @module
 */

/** Code-unit order (not locale order): stable across machines, as golden outputs need. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
