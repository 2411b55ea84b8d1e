/**
 * Tests of WatchableMap: first yield is the whole state, no-op writes publish
 * nothing, slow subscribers get coalesced updates, `apply` is one version,
 * abort ends the iterator, and yielded states are never mutated afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { WatchableMap, type MapUpdate } from './watchable-map.ts';

type Update = MapUpdate<string, unknown>;

/** `it.next()` with a bounded wait, so a missing update fails instead of hanging. */
async function nextWithin<T>(iter: AsyncIterator<T>, ms = 2000): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no update within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([iter.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The next value, which must exist. */
async function nextValue<T>(iter: AsyncIterator<T>): Promise<T> {
  const result = await nextWithin(iter);
  assert.equal(result.done, false, 'the iterator ended unexpectedly');
  return result.value as T;
}

/** True when `promise` is still pending after a few event-loop turns. */
async function stillPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([promise, delay(30).then(() => marker)]);
  return winner === marker;
}

const entries = (u: Update): [string, unknown][] => [...u.state.entries()];

describe('WatchableMap: basics', () => {
  it('starts at version 0 and bumps the version once per effective write', () => {
    const m = new WatchableMap<string, number>();
    assert.equal(m.version, 0);
    assert.equal(m.set('a', 1), true);
    assert.equal(m.version, 1);
    assert.equal(m.get('a'), 1);
    assert.equal(m.set('a', 2), true);
    assert.equal(m.version, 2);
    assert.equal(m.delete('a'), true);
    assert.equal(m.version, 3);
    assert.equal(m.get('a'), undefined);
  });

  it('treats deep-equal writes and deletes of missing keys as no-ops (no version bump)', () => {
    const m = new WatchableMap<string, { ports: number[] }>();
    m.set('svc', { ports: [80, 443] });
    assert.equal(m.version, 1);
    assert.equal(m.set('svc', { ports: [80, 443] }), false, 'a fresh but deep-equal object is a no-op');
    assert.equal(m.delete('missing'), false);
    assert.deepEqual(m.apply({ set: [['svc', { ports: [80, 443] }]], delete: ['missing'] }), []);
    assert.equal(m.version, 1);
    assert.equal(m.set('svc', { ports: [80, 444] }), true, 'a deep change is not a no-op');
    assert.equal(m.version, 2);
  });

  it('stores undefined as a real value distinct from a missing key', () => {
    const m = new WatchableMap<string, number | undefined>();
    assert.equal(m.set('k', undefined), true);
    assert.equal(m.version, 1);
    assert.equal(m.snapshot().has('k'), true);
    assert.equal(m.set('k', undefined), false);
    assert.equal(m.version, 1);
  });

  it('apply with sets and deletes is one version and returns every changed key', () => {
    const m = new WatchableMap<string, number>();
    m.apply({ set: [['a', 1], ['b', 2], ['c', 3]] });
    assert.equal(m.version, 1);
    const changed = m.apply({ set: [['a', 1], ['b', 20], ['d', 4]], delete: ['c', 'zzz'] });
    assert.deepEqual(changed.sort(), ['b', 'c', 'd']);
    assert.equal(m.version, 2, 'one apply, one version');
    assert.deepEqual([...m.snapshot().entries()].sort(), [['a', 1], ['b', 20], ['d', 4]]);
  });

  it('snapshot() is a copy that later writes do not change', () => {
    const m = new WatchableMap<string, number>();
    m.set('a', 1);
    const snap = m.snapshot();
    m.set('b', 2);
    m.delete('a');
    assert.deepEqual([...snap.entries()], [['a', 1]]);
  });
});

describe('WatchableMap: subscribe', () => {
  it('yields the full current state first, with every key as changed', async () => {
    const m = new WatchableMap<string, unknown>();
    m.apply({ set: [['a', 1], ['b', { x: 1 }]] });
    const controller = new AbortController();
    const iter = m.subscribe(controller.signal);
    const first = await nextValue(iter);
    assert.equal(first.version, 1);
    assert.deepEqual(entries(first), [['a', 1], ['b', { x: 1 }]]);
    assert.deepEqual([...first.changed].sort(), ['a', 'b']);
    controller.abort();
  });

  it('yields an empty state at version 0 for an empty map', async () => {
    const m = new WatchableMap<string, number>();
    const iter = m.subscribe();
    const first = await nextValue(iter);
    assert.equal(first.version, 0);
    assert.equal(first.state.size, 0);
    assert.deepEqual(first.changed, []);
    await iter.return(undefined);
  });

  it('delivers one update per write to a fast subscriber', async () => {
    const m = new WatchableMap<string, number>();
    const controller = new AbortController();
    const iter = m.subscribe(controller.signal);
    await nextValue(iter);
    const pending = iter.next();
    m.set('a', 1);
    const update = (await pending).value as MapUpdate<string, number>;
    assert.equal(update.version, 1);
    assert.deepEqual(update.changed, ['a']);
    assert.deepEqual([...update.state.entries()], [['a', 1]]);
    controller.abort();
  });

  it('does not wake a subscriber on deep-equal no-op writes', async () => {
    const m = new WatchableMap<string, { v: number }>();
    m.set('a', { v: 1 });
    const controller = new AbortController();
    const iter = m.subscribe(controller.signal);
    await nextValue(iter);
    const pending = iter.next();
    m.set('a', { v: 1 });
    m.delete('never-there');
    m.apply({ set: [['a', { v: 1 }]] });
    assert.equal(m.version, 1);
    assert.equal(await stillPending(pending), true, 'no-op writes must not produce an update');
    m.set('a', { v: 2 });
    const update = (await pending).value as MapUpdate<string, { v: number }>;
    assert.equal(update.version, 2);
    assert.deepEqual(update.changed, ['a']);
    controller.abort();
  });

  it('coalesces several writes into one update for a slow subscriber: union of keys, latest state', async () => {
    const m = new WatchableMap<string, number>();
    m.apply({ set: [['a', 1], ['b', 2], ['c', 3]] });
    const controller = new AbortController();
    const iter = m.subscribe(controller.signal);
    const first = await nextValue(iter);
    assert.equal(first.version, 1);
    // The subscriber is busy: several writes land before it asks again.
    m.set('a', 10);
    m.set('a', 11);
    m.delete('b');
    m.apply({ set: [['d', 4]] });
    assert.equal(m.version, 5);
    const update = await nextValue(iter);
    assert.equal(update.version, 5, 'the latest version, not the first pending one');
    assert.deepEqual([...update.changed].sort(), ['a', 'b', 'd'], 'union of changed keys, each once');
    assert.deepEqual([...update.state.entries()].sort(), [['a', 11], ['c', 3], ['d', 4]]);
    // No backlog: nothing more is pending.
    assert.equal(await stillPending(iter.next()), true);
    controller.abort();
  });

  it('gives each subscriber its own pending set', async () => {
    const m = new WatchableMap<string, number>();
    const c1 = new AbortController();
    const c2 = new AbortController();
    const fast = m.subscribe(c1.signal);
    const slow = m.subscribe(c2.signal);
    await nextValue(fast);
    await nextValue(slow);
    m.set('a', 1);
    assert.deepEqual((await nextValue(fast)).changed, ['a']);
    m.set('b', 2);
    assert.deepEqual((await nextValue(fast)).changed, ['b']);
    const slowUpdate = await nextValue(slow);
    assert.deepEqual([...slowUpdate.changed].sort(), ['a', 'b']);
    assert.equal(slowUpdate.version, 2);
    c1.abort();
    c2.abort();
  });

  it('ends the iterator when the signal aborts while it waits', async () => {
    const m = new WatchableMap<string, number>();
    const controller = new AbortController();
    const iter = m.subscribe(controller.signal);
    await nextValue(iter);
    const pending = iter.next();
    assert.equal(await stillPending(pending), true);
    controller.abort();
    const result = await nextWithin({ next: () => pending });
    assert.equal(result.done, true);
    // Later writes reach no one and do not throw.
    m.set('a', 1);
    assert.equal((await nextWithin(iter)).done, true);
  });

  it('ends the iterator when aborted between updates, even with pending changes', async () => {
    const m = new WatchableMap<string, number>();
    const controller = new AbortController();
    const iter = m.subscribe(controller.signal);
    await nextValue(iter);
    m.set('a', 1);
    controller.abort();
    assert.equal((await nextWithin(iter)).done, true);
  });

  it('ends a for-await loop on abort', async () => {
    const m = new WatchableMap<string, number>();
    const controller = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const update of m.subscribe(controller.signal)) {
        seen.push(update.version);
        if (update.version === 1) controller.abort();
      }
    })();
    await delay(5);
    m.set('a', 1);
    await nextWithin({ next: () => loop.then(() => ({ done: true, value: undefined })) });
    assert.deepEqual(seen, [0, 1]);
  });

  it('never mutates a state object it already yielded (copy-on-write)', async () => {
    const m = new WatchableMap<string, number>();
    m.apply({ set: [['a', 1], ['b', 2]] });
    const controller = new AbortController();
    const iter = m.subscribe(controller.signal);
    const first = await nextValue(iter);
    const firstEntries = entries(first);
    m.set('c', 3);
    m.set('a', 100);
    m.delete('b');
    assert.deepEqual(entries(first), firstEntries, 'the first state is unchanged by later writes');
    const second = await nextValue(iter);
    assert.notEqual(second.state, first.state, 'a new state object per version');
    const secondEntries = entries(second);
    assert.deepEqual(secondEntries.sort(), [['a', 100], ['c', 3]]);
    m.apply({ set: [['d', 4]], delete: ['c'] });
    assert.deepEqual(entries(second).sort(), [['a', 100], ['c', 3]], 'the second state is unchanged too');
    assert.deepEqual(entries(first), firstEntries);
    controller.abort();
  });
});
