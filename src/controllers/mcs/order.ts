/**
 * Export precedence (KEP-1645 "Constraints and Conflict Resolution"): the oldest
 * export wins every conflict. Age is the export's creationTimestamp; a manifest
 * without one is dated by when Lintas first saw it, persisted by the runner so a
 * restart does not reorder. Equal times fall back to the cluster name, as Cilium does.
 * @module
 */

/** Anything that can be ordered by precedence. */
export interface Dated {
  readonly cluster: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

/** Milliseconds of a metav1.Time (string or, from some YAML loaders, a Date); undefined when absent or unparsable. */
export function timestampMillis(value: string | Date | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** How an export is dated, and the first-seen entry to persist for it (only when the manifest has no timestamp). */
export interface ExportAge {
  readonly time: number;
  readonly firstSeen?: string;
}

/**
 * Dates one export: its creationTimestamp when it has one, else the persisted first-seen
 * time, else `now` (a newly seen export, whose first-seen time starts today).
 */
export function exportAge(creationTimestamp: string | Date | null | undefined, firstSeen: string | undefined, now: string): ExportAge {
  const created = timestampMillis(creationTimestamp);
  if (created !== undefined) return { time: created };
  // A corrupt persisted entry is replaced rather than trusted, so the order stays well defined.
  const seen = firstSeen !== undefined && timestampMillis(firstSeen) !== undefined ? firstSeen : now;
  return { time: timestampMillis(seen) ?? 0, firstSeen: seen };
}

/** Oldest first, then by cluster name. */
export function comparePrecedence(a: Dated, b: Dated): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0;
}

/** A sorted copy, oldest export first; the input is left as it was. */
export function orderByPrecedence<T extends Dated>(items: readonly T[]): T[] {
  return [...items].sort(comparePrecedence);
}
