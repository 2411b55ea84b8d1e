/**
 * Timestamps of Kubernetes objects as the gateway translator compares them.
 * @module
 */

/** Milliseconds of a metav1.Time (string or, from some YAML loaders, a Date); undefined when absent or unparsable. */
export function timestampMillis(value: string | Date | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Orders optional times oldest first; objects without a time sort after dated ones. */
export function compareOptionalTimes(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}
