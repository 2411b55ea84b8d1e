/**
 * Leader election over the durable store's lease, for control-plane replicas sharing one database.
 *
 * Each replica runs one elector. A follower tries to acquire the lease every `renewMs`; the leader
 * renews it as often. The elector publishes its role under the lease's name in a WatchableMap: the
 * runtime runs controllers and failover only while the role is `leader`, and passes `role.fence` with
 * every store write, so that a write of a leader that was replaced anyway (a paused process, a slow
 * consumer of this map) is refused by the store (STORE_FENCED).
 *
 * Safety by the lease's own clock: the leader steps down once no renewal has succeeded within
 * `renewDeadlineMs` of SENDING it. The database stamped that renewal after it was sent, so the lease
 * it extended lives at least `ttlMs` beyond the send; stepping down at `renewDeadlineMs < ttlMs`
 * leaves `ttlMs - renewDeadlineMs` for clock-rate drift and event-loop stalls before another replica
 * can acquire it. A renewal the store refuses (the lease expired or was taken) steps down at once; one
 * that fails at the store (connection lost) is retried until the deadline. `clock` decides when the
 * deadline has passed; timers only wake the elector up to look.
 * @module
 */
import { StoreError, type Fence, type LeaseResult, type LintasStore } from './audit/index.ts';
import { WatchableMap } from './watchable-map.ts';

/** Why a replica is not the leader. */
export type FollowerReason =
  /** No attempt has finished yet. */
  | 'Starting'
  /** Another holder has the live lease (named in `leader`). */
  | 'HeldByOther'
  /** The last attempt failed at the store (detail in `error`); as leader, renewals kept failing until the deadline. */
  | 'StoreUnavailable'
  /** A renewal was refused: the lease expired or another holder took it. */
  | 'LeaseLost'
  /** No renewal came back within the renew deadline (the store hangs): stepped down before the lease could expire. */
  | 'RenewDeadline'
  /** The elector was stopped (and released the lease if it held it). */
  | 'Stopped';

/** A replica's role for one lease, as published in the roles map. */
export type LeaderRole =
  | { readonly role: 'leader'; readonly holder: string; readonly fence: Fence }
  | { readonly role: 'follower'; readonly reason: FollowerReason; readonly leader?: string; readonly error?: string };

/** Options of {@link startLeaderElection}. */
export interface LeaderElectionOptions {
  readonly store: LintasStore;
  /** The lease's name, also the key of the role in `roles`. */
  readonly name: string;
  /** This replica's identity; unique per process (a restarted process must not reuse a live holder's name). */
  readonly holder: string;
  /** How long an acquire or renewal holds the lease, by the database's clock. */
  readonly ttlMs: number;
  /** How often the leader renews and a follower tries to acquire. */
  readonly renewMs: number;
  /** The leader steps down when no renewal succeeded for this long (default two thirds of `ttlMs`); renewMs < renewDeadlineMs < ttlMs. */
  readonly renewDeadlineMs?: number;
  /** A monotonic clock in ms (default `performance.now`). */
  readonly clock?: () => number;
  /** Where to publish the role under `name` (default: a map of the elector's own). */
  readonly roles?: WatchableMap<string, LeaderRole>;
  /**
   * Whether the holder of a live lease is known to be gone (a process on this host that no longer
   * runs, e.g. the previous run of this replica after a SIGKILL): its lease is released and taken at
   * once instead of after it expires. Answer false whenever unsure: only the expiry is then trusted.
   */
  readonly holderGone?: (holder: string) => boolean;
}

/** A running elector. */
export interface LeaderElection {
  /** The role under the lease's name, updated on every change. */
  readonly roles: WatchableMap<string, LeaderRole>;
  /** The current role. */
  role(): LeaderRole;
  /** Stops electing: publishes `Stopped` first, then releases the lease if held (bounded by the renew deadline). Idempotent. */
  stop(): Promise<void>;
}

/** What became of one acquire or renewal. */
type Outcome = { readonly kind: 'result'; readonly result: LeaseResult } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'abandoned' };

/** Resolves after `ms` or when `signal` aborts, whichever comes first (never rejects; clears its timer). Both electors wait with it. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkOptions(options: LeaderElectionOptions, renewDeadlineMs: number): void {
  const fail = (message: string): never => {
    throw new StoreError('STORE_INVALID_INPUT', `leader election ${JSON.stringify(options.name)}: ${message}`);
  };
  if (typeof options.name !== 'string' || options.name === '') fail('name must be a non-empty string');
  if (typeof options.holder !== 'string' || options.holder === '') fail('holder must be a non-empty string');
  for (const field of ['ttlMs', 'renewMs'] as const) {
    if (!Number.isSafeInteger(options[field]) || options[field] < 1) fail(`${field} must be a positive integer, got ${String(options[field])}`);
  }
  if (!Number.isSafeInteger(renewDeadlineMs) || !(options.renewMs < renewDeadlineMs && renewDeadlineMs < options.ttlMs)) {
    fail(`need renewMs (${options.renewMs}) < renewDeadlineMs (${renewDeadlineMs}) < ttlMs (${options.ttlMs})`);
  }
}

/** Starts electing at once; the role is `follower`/`Starting` until the first attempt finishes. */
export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { store, name, holder, ttlMs, renewMs } = options;
  const renewDeadlineMs = options.renewDeadlineMs ?? Math.floor((ttlMs * 2) / 3);
  checkOptions(options, renewDeadlineMs);
  const clock = options.clock ?? (() => performance.now());
  const roles = options.roles ?? new WatchableMap<string, LeaderRole>();
  const stopping = new AbortController();
  const { signal } = stopping;
  /** Set while leading: the token, and when (by `clock`) leadership ends unless a renewal succeeds. */
  let leading: { token: number; deadline: number } | undefined;
  let lastError: string | undefined;

  const follow = (reason: FollowerReason, detail: { leader?: string; error?: string } = {}): void => {
    leading = undefined;
    roles.set(name, { role: 'follower', reason, ...detail });
  };
  follow('Starting');

  const release = (token: number): Promise<boolean> => store.releaseLease(name, holder, token).catch(() => false);

  /** An attempt given up on may still succeed later: release what it took unless it is the lease we lead with. */
  const settleLate = (call: Promise<LeaseResult>): void => {
    call.then(
      (result) => {
        if (result.ok && leading?.token !== result.lease.token) void release(result.lease.token);
      },
      () => undefined,
    );
  };

  /** Waits for `call`, giving up once `limit()` has passed by `clock` or the elector stops. */
  const settle = async (call: Promise<LeaseResult>, limit: () => number): Promise<Outcome> => {
    const settled = call.then(
      (result): Outcome => ({ kind: 'result', result }),
      (error: unknown): Outcome => ({ kind: 'error', error }),
    );
    for (;;) {
      const remaining = limit() - clock();
      if (remaining <= 0 || signal.aborted) return { kind: 'abandoned' };
      const wake = new AbortController();
      const outcome = await Promise.race([settled, pause(remaining, AbortSignal.any([signal, wake.signal])).then(() => undefined)]);
      wake.abort();
      if (outcome !== undefined) return outcome;
    }
  };

  const heldBy = (result: LeaseResult): { leader?: string } => (!result.ok && result.current?.held === true ? { leader: result.current.holder } : {});

  const renew = async (current: { token: number; deadline: number }): Promise<void> => {
    const sentAt = clock();
    const call = store.renewLease(name, holder, current.token, ttlMs);
    const outcome = await settle(call, () => current.deadline);
    if (outcome.kind === 'abandoned') {
      settleLate(call);
      if (!signal.aborted) follow(lastError === undefined ? 'RenewDeadline' : 'StoreUnavailable', lastError === undefined ? {} : { error: lastError });
    } else if (outcome.kind === 'error') {
      // Transient until the deadline: a blip must not hand leadership away while the lease is still ours.
      lastError = errorText(outcome.error);
    } else if (outcome.result.ok) {
      lastError = undefined;
      current.deadline = Math.max(current.deadline, sentAt + renewDeadlineMs);
    } else {
      follow('LeaseLost', heldBy(outcome.result));
    }
  };

  /** Releases a live lease whose holder is known to be gone, so the next acquire can take it; true when it did. */
  const breakDeadHold = async (result: LeaseResult): Promise<boolean> => {
    const current = result.ok ? undefined : result.current;
    if (current?.held !== true || current.holder === holder || options.holderGone?.(current.holder) !== true) return false;
    return store.releaseLease(name, current.holder, current.token).catch(() => false);
  };

  const acquire = async (retried = false): Promise<void> => {
    const sentAt = clock();
    const call = store.acquireLease(name, holder, ttlMs);
    const outcome = await settle(call, () => sentAt + renewDeadlineMs);
    if (outcome.kind === 'abandoned') {
      settleLate(call);
      if (!signal.aborted) follow('StoreUnavailable', { error: `acquiring the lease took longer than ${renewDeadlineMs} ms` });
    } else if (outcome.kind === 'error') {
      follow('StoreUnavailable', { error: errorText(outcome.error) });
    } else if (!outcome.result.ok) {
      if (!retried && (await breakDeadHold(outcome.result))) {
        await acquire(true);
        return;
      }
      // Our own lease, still live after we stepped down (a renewal that landed late), is not another leader: keep the reason we gave.
      if (outcome.result.current?.holder !== holder) follow('HeldByOther', heldBy(outcome.result));
    } else if (signal.aborted || clock() >= sentAt + renewDeadlineMs) {
      void release(outcome.result.lease.token);
    } else {
      lastError = undefined;
      leading = { token: outcome.result.lease.token, deadline: sentAt + renewDeadlineMs };
      roles.set(name, { role: 'leader', holder, fence: { lease: name, token: outcome.result.lease.token } });
    }
  };

  const loop = (async () => {
    while (!signal.aborted) {
      if (leading !== undefined && clock() >= leading.deadline) {
        follow(lastError === undefined ? 'RenewDeadline' : 'StoreUnavailable', lastError === undefined ? {} : { error: lastError });
      }
      await (leading === undefined ? acquire() : renew(leading));
      // The leader wakes by its deadline at the latest, so a run of failed renewals steps down on time.
      await pause(leading === undefined ? renewMs : Math.min(renewMs, leading.deadline - clock()), signal);
    }
  })();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping.abort();
      await loop;
      const held = leading;
      // Followers first: whoever acts on the role stops leading before the lease is free for another replica.
      follow('Stopped');
      if (held !== undefined) {
        const bound = new AbortController();
        await Promise.race([release(held.token), pause(renewDeadlineMs, bound.signal)]);
        bound.abort();
      }
    })();
    return stopped;
  };

  return {
    roles,
    role: () => roles.get(name) ?? { role: 'follower', reason: 'Starting' },
    stop,
  };
}
