/**
 * A versioned map with subscriptions, modelled on telepresenceio/watchable:
 * subscribers first receive the whole current state, then coalesced updates,
 * and writes that change nothing are not published at all.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';

/** What a subscriber receives: the full state at `version`, and the keys changed since its last update. */
export interface MapUpdate<K, V> {
  readonly version: number;
  readonly state: ReadonlyMap<K, V>;
  /** Keys stored or deleted since the previous update this subscriber saw (all keys on the first one). */
  readonly changed: readonly K[];
}

interface Subscriber<K> {
  pending: Set<K> | undefined;
  wake: (() => void) | undefined;
  closed: boolean;
}

/** A map whose writers bump a version and whose readers can subscribe. */
export class WatchableMap<K, V> {
  #state = new Map<K, V>();
  #version = 0;
  readonly #subscribers = new Set<Subscriber<K>>();

  /** The current version (0 before any change). */
  get version(): number {
    return this.#version;
  }

  /** The value under `key`. */
  get(key: K): V | undefined {
    return this.#state.get(key);
  }

  /** A read-only copy of the current state. */
  snapshot(): ReadonlyMap<K, V> {
    return new Map(this.#state);
  }

  /**
   * Applies several writes as one version: `set` entries are stored, `delete` keys removed.
   * Returns the changed keys (empty when every write was a no-op, in which case nothing is published).
   */
  apply(writes: { readonly set?: Iterable<readonly [K, V]>; readonly delete?: Iterable<K> }): K[] {
    const changed: K[] = [];
    // Copy-on-write: writes go to a fresh map, so readers holding an earlier state never see it mutate.
    const next = new Map(this.#state);
    for (const [key, value] of writes.set ?? []) {
      if (next.has(key) && isDeepStrictEqual(next.get(key), value)) continue;
      next.set(key, value);
      changed.push(key);
    }
    for (const key of writes.delete ?? []) {
      if (next.delete(key)) changed.push(key);
    }
    if (changed.length === 0) return changed;
    this.#state = next;
    this.#version++;
    for (const sub of this.#subscribers) {
      sub.pending ??= new Set();
      for (const key of changed) sub.pending.add(key);
      sub.wake?.();
    }
    return changed;
  }

  /** Stores one value. */
  set(key: K, value: V): boolean {
    return this.apply({ set: [[key, value]] }).length > 0;
  }

  /** Deletes one key. */
  delete(key: K): boolean {
    return this.apply({ delete: [key] }).length > 0;
  }

  /**
   * Subscribes: yields the current state first, then one update per batch of changes.
   * A slow consumer gets the latest state with the union of changed keys (coalescing),
   * never a backlog. Ends when `signal` aborts or the consumer stops iterating.
   */
  async *subscribe(signal?: AbortSignal): AsyncGenerator<MapUpdate<K, V>> {
    const sub: Subscriber<K> = { pending: undefined, wake: undefined, closed: false };
    this.#subscribers.add(sub);
    const onAbort = (): void => {
      sub.closed = true;
      sub.wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield { version: this.#version, state: this.#state, changed: [...this.#state.keys()] };
      while (!sub.closed && !signal?.aborted) {
        if (!sub.pending) {
          await new Promise<void>((resolve) => {
            sub.wake = resolve;
          });
          sub.wake = undefined;
          continue;
        }
        const changed = [...sub.pending];
        sub.pending = undefined;
        yield { version: this.#version, state: this.#state, changed };
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#subscribers.delete(sub);
    }
  }
}
