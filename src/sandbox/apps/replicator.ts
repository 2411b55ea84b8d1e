/**
 * Outbound replication of an app's changes to its peers: one queue per peer,
 * coalesced by key (only the newest change of a key is sent), sent at once and
 * awaited for same-cluster peers, and after the replication lag for other
 * clusters. Unacknowledged changes stay queued and are retried with backoff,
 * so a peer that was down or partitioned catches up when it answers again,
 * and their age is the replication lag the app reports.
 * @module
 */
import type { Logger } from '../../observability/index.ts';
import type { PeerClient } from './peer-client.ts';

/** One peer of a replicator. */
export interface ReplicaTarget {
  readonly url: string;
  readonly cluster: string;
  /** Same-cluster peers are replicated synchronously (the write waits for them). */
  readonly sync: boolean;
}

/** How a replicator reaches its peers. */
export interface ReplicatorOptions<C> {
  readonly targets: readonly ReplicaTarget[];
  readonly client: PeerClient;
  /** Path of the peer's replication endpoint, e.g. `/_replicate`. */
  readonly path: string;
  /** Coalescing key: a newer change of the same key replaces a queued older one. */
  keyOf(change: C): string;
  /** The message body carrying `changes` (adds the sender and anything else the receiver needs). */
  envelope(changes: readonly C[]): unknown;
  /** Current delay before a change goes to another cluster (ms). */
  lagMs(): number;
  readonly clock: () => number;
  readonly logger: Logger;
}

/** Replication lag towards one other-cluster peer. */
export interface PeerLag {
  readonly cluster: string;
  readonly url: string;
  /** Age of the oldest unacknowledged change (s), 0 when none. */
  readonly lagSeconds: number;
  /** Changes queued for the peer. */
  readonly pending: number;
}

/** Which peers a publish goes to. */
export type PublishScope = 'all' | 'sameCluster';

/** An app's outbound replication. */
export interface Replicator<C> {
  /** Queues `changes` for the peers in `scope`; resolves once the same-cluster peers answered or failed. */
  publish(changes: readonly C[], scope?: PublishScope): Promise<void>;
  /** Age in seconds of the oldest change not yet acknowledged by every other-cluster peer (0 when none). */
  lagSeconds(excludeClusters?: ReadonlySet<string>): number;
  /** Lag per other-cluster peer, in target order. */
  lagByPeer(): PeerLag[];
  /** Changes acknowledged by peers so far (one per change per peer). */
  acknowledged(): number;
  /** Recomputes when queued changes go to other clusters, after the lag setting changed. */
  relag(): void;
  /** Stops timers; queued changes are dropped. */
  close(): void;
}

interface Entry<C> {
  change: C;
  /** When the oldest change of this key that no peer acknowledged was queued. */
  since: number;
  /** When the current change was queued. */
  queuedAt: number;
  due: number;
  seq: number;
}

interface TargetState<C> {
  readonly target: ReplicaTarget;
  readonly pending: Map<string, Entry<C>>;
  chain: Promise<unknown>;
  queued: Promise<boolean> | undefined;
  timer: NodeJS.Timeout | undefined;
  failures: number;
  retryAt: number;
}

/** Most changes in one replication message (keeps a message well under the apps' 1 MiB body limit). */
const MAX_BATCH = 200;
const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 1000;

/** Creates the replicator; it sends nothing until something is published. */
export function createReplicator<C>(options: ReplicatorOptions<C>): Replicator<C> {
  const { client, clock, logger } = options;
  const states: TargetState<C>[] = options.targets.map((target) => ({
    target,
    pending: new Map(),
    chain: Promise.resolve(),
    queued: undefined,
    timer: undefined,
    failures: 0,
    retryAt: 0,
  }));
  let seq = 0;
  let acked = 0;
  let closed = false;

  const schedule = (state: TargetState<C>): void => {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    if (closed || state.pending.size === 0) return;
    let nextDue = Infinity;
    for (const entry of state.pending.values()) nextDue = Math.min(nextDue, entry.due);
    const wait = Math.max(0, Math.max(nextDue, state.retryAt) - clock());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void flush(state);
    }, wait);
    state.timer.unref();
  };

  const sendNow = async (state: TargetState<C>): Promise<boolean> => {
    if (closed) return false;
    const now = clock();
    const batch: { key: string; entry: Entry<C>; seq: number }[] = [];
    for (const [key, entry] of state.pending) {
      if (entry.due > now) continue;
      batch.push({ key, entry, seq: entry.seq });
      if (batch.length === MAX_BATCH) break;
    }
    if (batch.length === 0) {
      schedule(state);
      return true;
    }
    let ok: boolean;
    try {
      await client.postJson(state.target.url, options.path, options.envelope(batch.map((b) => b.entry.change)));
      ok = true;
      for (const { key, seq: sent } of batch) {
        const entry = state.pending.get(key);
        if (entry === undefined) continue;
        if (entry.seq === sent) state.pending.delete(key);
        // A newer change of the key arrived meanwhile: its own age starts when it was queued.
        else entry.since = entry.queuedAt;
      }
      acked += batch.length;
      if (state.failures > 0) logger.info('replication peer reachable again', { peer: state.target.url, cluster: state.target.cluster });
      state.failures = 0;
      state.retryAt = 0;
    } catch (error) {
      ok = false;
      if (state.failures === 0) {
        logger.warn('replication to peer failed; will retry', { peer: state.target.url, cluster: state.target.cluster, error: (error as Error).message });
      }
      state.failures++;
      state.retryAt = clock() + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(state.failures - 1, 10));
    }
    schedule(state);
    return ok;
  };

  // Sends serialise per peer; callers that arrive while a send is in flight share the next one.
  const flush = (state: TargetState<C>): Promise<boolean> => {
    if (state.queued !== undefined) return state.queued;
    const run = state.chain.then(() => {
      state.queued = undefined;
      return sendNow(state);
    });
    state.queued = run;
    state.chain = run.catch(() => false);
    return run;
  };

  const enqueue = (state: TargetState<C>, change: C, now: number): void => {
    const key = options.keyOf(change);
    const due = state.target.sync ? now : now + Math.max(0, options.lagMs());
    const next = ++seq;
    const existing = state.pending.get(key);
    if (existing === undefined) {
      state.pending.set(key, { change, since: now, queuedAt: now, due, seq: next });
    } else {
      existing.change = change;
      existing.queuedAt = now;
      existing.due = Math.min(existing.due, due);
      existing.seq = next;
    }
  };

  return {
    publish: async (changes, scope = 'all') => {
      if (closed || changes.length === 0) return;
      const now = clock();
      const waits: Promise<boolean>[] = [];
      for (const state of states) {
        if (scope === 'sameCluster' && !state.target.sync) continue;
        for (const change of changes) enqueue(state, change, now);
        // A same-cluster peer that is failing is retried by its timer, not on every write.
        if (state.target.sync && now >= state.retryAt) waits.push(flush(state));
        else schedule(state);
      }
      await Promise.all(waits);
    },
    lagSeconds: (exclude) => {
      let oldest = Infinity;
      for (const state of states) {
        if (state.target.sync || exclude?.has(state.target.cluster) === true) continue;
        for (const entry of state.pending.values()) oldest = Math.min(oldest, entry.since);
      }
      return oldest === Infinity ? 0 : Math.max(0, clock() - oldest) / 1000;
    },
    lagByPeer: () =>
      states
        .filter((s) => !s.target.sync)
        .map((s) => {
          let oldest = Infinity;
          for (const entry of s.pending.values()) oldest = Math.min(oldest, entry.since);
          return {
            cluster: s.target.cluster,
            url: s.target.url,
            lagSeconds: oldest === Infinity ? 0 : Math.max(0, clock() - oldest) / 1000,
            pending: s.pending.size,
          };
        }),
    acknowledged: () => acked,
    relag: () => {
      const lag = Math.max(0, options.lagMs());
      for (const state of states) {
        if (state.target.sync) continue;
        for (const entry of state.pending.values()) entry.due = entry.queuedAt + lag;
        schedule(state);
      }
    },
    close: () => {
      closed = true;
      for (const state of states) {
        if (state.timer !== undefined) clearTimeout(state.timer);
        state.timer = undefined;
      }
    },
  };
}

/** The replication targets of an app: same-cluster peers first (sync), then other clusters (async). */
export function replicaTargets(cluster: string, peers: { readonly sameCluster: readonly string[]; readonly otherClusters: readonly { readonly cluster: string; readonly url: string }[] } | undefined): ReplicaTarget[] {
  if (peers === undefined) return [];
  return [
    ...peers.sameCluster.map((url) => ({ url, cluster, sync: true })),
    ...peers.otherClusters.map((p) => ({ url: p.url, cluster: p.cluster, sync: false })),
  ];
}
