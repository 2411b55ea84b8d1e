/**
 * Weighted backend choice: each backend gets weight / sum(weights) of the
 * traffic; weight 0 never gets any. Compiled per rule into cumulative weights.
 * @module
 */

/** Cumulative weights of a rule's backends (weight-0 entries dropped). */
export interface WeightTable<T> {
  readonly items: readonly T[];
  readonly cumulative: readonly number[];
  readonly total: number;
}

/** Builds the table; entries with weight ≤ 0 (or not finite) are left out. */
export function compileWeights<T>(entries: readonly { readonly weight: number; readonly value: T }[]): WeightTable<T> {
  const items: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const e of entries) {
    if (!(e.weight > 0) || !Number.isFinite(e.weight)) continue;
    total += e.weight;
    items.push(e.value);
    cumulative.push(total);
  }
  return { items, cumulative, total };
}

/** Picks an item with `random` in [0, 1); undefined when the table is empty. */
export function pickWeighted<T>(table: WeightTable<T>, random: () => number): T | undefined {
  const n = table.items.length;
  if (n <= 1) return table.items[0];
  const r = random() * table.total;
  for (let i = 0; i < n - 1; i++) if (r < (table.cumulative[i] ?? 0)) return table.items[i];
  return table.items[n - 1];
}
