/**
 * One leader among the control-plane replicas that share a store (issue 15 part 5). Every replica
 * runs the same components; the leader lease decides whose writes land: every write of the control
 * plane goes through {@link fencedStore}, which stamps it with the leader's fencing token, or on a
 * follower with a lease nobody holds, which the store refuses (STORE_FENCED). A stale leader that still believes
 * it leads is refused the same way once another replica took the lease. Followers keep serving
 * reads and routing from the state the leader wrote (the failover runner's sync).
 * @module
 */
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../observability/index.ts';
import type { KubeClient } from '../sources/index.ts';
import { startLeaderElection, WatchableMap, type Fence, type LeaderElection, type LeaderRole, type LintasStore } from '../store/index.ts';
import type { Bus } from './bus.ts';
import type { Component } from './component.ts';
import { startKubeLeaseElection, type KubeLeaseElection, type KubeLeaseState } from './kube-lease.ts';

/** The lease the control-plane replicas compete for. */
export const CONTROL_PLANE_LEASE = 'lintas-control-plane';

/** Lease timings: a dead leader is replaced within about `ttlMs`; a healthy one renews every `renewMs`. */
export const DEFAULT_LEASE = { ttlMs: 15_000, renewMs: 2_000 } as const;

/** This process's pid namespace (its inode), so a pid is compared only with pids of the same namespace; '0' when unknown. */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
  } catch {
    return '0';
  }
}

/** A holder name unique to this process (a restarted process must never reuse a live holder's name): host, pid namespace, pid, random. */
export function uniqueHolder(): string {
  return `${hostname()}-${pidNamespace()}-${String(process.pid)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Whether `holder` (a {@link uniqueHolder} name) is a process of this host and pid namespace that no
 * longer runs: the previous run of a replica killed with SIGKILL, whose lease would otherwise keep
 * its restart a follower until it expires. False whenever unsure (another host, another namespace,
 * an unknown name, a pid that exists, even if reused).
 */
export function localHolderGone(holder: string): boolean {
  const match = /^(.+)-(\d+)-(\d+)-[0-9a-f]{8}$/.exec(holder);
  if (match === null || match[1] !== hostname() || match[2] !== pidNamespace() || match[2] === '0') return false;
  const pid = Number(match[3]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A lease nobody ever acquires: a write fenced by it is always refused (STORE_FENCED). */
const NEVER_HELD = `${CONTROL_PLANE_LEASE}.not-leader`;

/** The fence a write carries now: the leader's token, or one the store always refuses. */
export function currentFence(role: LeaderRole | undefined): Fence {
  return role?.role === 'leader' ? role.fence : { lease: NEVER_HELD, token: 1 };
}

/** `store` with every append and compare-and-set fenced by `fence()` (reads pass through). */
export function fencedStore(store: LintasStore, fence: () => Fence): LintasStore {
  return {
    backend: store.backend,
    location: store.location,
    append: (drafts, options) => store.append(drafts, { ...options, fence: fence() }),
    list: (query) => store.list(query),
    get: (id) => store.get(id),
    verify: () => store.verify(),
    loadState: (key) => store.loadState(key),
    compareAndSet: (key, expectedRevision, state, drafts, options) => store.compareAndSet(key, expectedRevision, state, drafts, { ...options, fence: fence() }),
    listStates: () => store.listStates(),
    acquireLease: (name, holder, ttlMs) => store.acquireLease(name, holder, ttlMs),
    renewLease: (name, holder, token, ttlMs) => store.renewLease(name, holder, token, ttlMs),
    releaseLease: (name, holder, token) => store.releaseLease(name, holder, token),
    readLease: (name) => store.readLease(name),
    // The runtime's caller owns the real store and closes it.
    close: async () => undefined,
  };
}

/** Where the replicas elect when a management cluster is configured: a `coordination.k8s.io/v1` Lease there. */
export interface KubeLeaseTarget {
  readonly client: KubeClient;
  /** Lintas's namespace in the management cluster (the Lease is {@link CONTROL_PLANE_LEASE} there). */
  readonly namespace: string;
  /** A monotonic clock in ms (default performance.now): the Lease's expiry is judged by it. */
  readonly clock?: () => number;
  /** Epoch ms for the Lease's timestamps (default Date.now). */
  readonly wallClock?: () => number;
}

/** The role published while the Lease decides, from the Lease elector's state. */
function kubeFollower(state: KubeLeaseState): LeaderRole {
  if (state.leading) return { role: 'follower', reason: 'Starting' };
  const reason = state.reason === 'ApiUnavailable' ? 'StoreUnavailable' : state.reason;
  return { role: 'follower', reason, ...(state.leader !== undefined ? { leader: state.leader } : {}), ...(state.error !== undefined ? { error: `Lease: ${state.error}` } : {}) };
}

/**
 * Elects through the Kubernetes Lease, then fences through the store: only the Lease holder
 * competes for the store's lease, and only once it holds both does it publish `leader` (with the
 * store's fencing token, so a stale Lease holder's writes are still refused by the store). Losing
 * the Lease publishes `follower` at once and then releases the store's lease.
 */
function startGatedElection(options: { bus: Bus; store: LintasStore; holder: string; ttlMs: number; renewMs: number; kube: KubeLeaseTarget }): { stop(): Promise<void> } {
  const { bus } = options;
  let inner: { election: LeaderElection; stopFollowing: AbortController } | undefined;
  let chain: Promise<void> = Promise.resolve();
  let leadingLease = false;
  const gate = (state: KubeLeaseState): void => {
    leadingLease = state.leading;
    // Publish the loss first: whoever acts on the role stops before the store lease is given up.
    if (!state.leading) bus.leader.set(CONTROL_PLANE_LEASE, kubeFollower(state));
    chain = chain.then(async () => {
      if (leadingLease && inner === undefined) {
        const roles = new WatchableMap<string, LeaderRole>();
        const stopFollowing = new AbortController();
        const election = startLeaderElection({ store: options.store, name: CONTROL_PLANE_LEASE, holder: options.holder, ttlMs: options.ttlMs, renewMs: options.renewMs, roles, holderGone: localHolderGone });
        inner = { election, stopFollowing };
        void (async () => {
          for await (const update of roles.subscribe(stopFollowing.signal)) {
            const role = update.state.get(CONTROL_PLANE_LEASE);
            if (role !== undefined && leadingLease) bus.leader.set(CONTROL_PLANE_LEASE, role);
          }
        })().catch(() => undefined);
      } else if (!leadingLease && inner !== undefined) {
        const { election, stopFollowing } = inner;
        inner = undefined;
        stopFollowing.abort();
        await election.stop();
      }
    });
  };
  bus.leader.set(CONTROL_PLANE_LEASE, { role: 'follower', reason: 'Starting' });
  const lease: KubeLeaseElection = startKubeLeaseElection({ client: options.kube.client, namespace: options.kube.namespace, name: CONTROL_PLANE_LEASE, holder: options.holder, ttlMs: options.ttlMs, renewMs: options.renewMs, clock: options.kube.clock ?? (() => performance.now()), ...(options.kube.wallClock !== undefined ? { wallClock: options.kube.wallClock } : {}), onState: gate });
  return {
    stop: async () => {
      await lease.stop();
      await chain;
    },
  };
}

/**
 * The leader component: elects, publishes the role to `bus.leader`, and is ready once the first
 * attempt decided. With `kubeLease`, the replicas elect through the management cluster's Lease
 * (and the winner then takes the store's lease for its fencing token); without, through the store.
 */
export function leaderComponent(options: { bus: Bus; store: LintasStore; holder: string; ttlMs: number; renewMs: number; log: Logger; registry?: Registry; kubeLease?: KubeLeaseTarget }): Component {
  const { bus } = options;
  if (options.registry !== undefined) {
    new Gauge({
      name: 'lintas_control_plane_leader',
      help: '1 while this control-plane replica holds the leader lease (its writes land, it feeds the gateways), else 0.',
      registers: [options.registry],
      collect() {
        this.set(bus.leader.get(CONTROL_PLANE_LEASE)?.role === 'leader' ? 1 : 0);
      },
    });
  }
  let election: { stop(): Promise<void> } | undefined;
  let last: string | undefined;
  const stopping = new AbortController();
  let following: Promise<void> | undefined;
  const decided = (role: LeaderRole | undefined): boolean => role !== undefined && !(role.role === 'follower' && role.reason === 'Starting');
  return {
    name: 'leader',
    async start() {
      const updates = bus.leader.subscribe(stopping.signal);
      election =
        options.kubeLease === undefined
          ? startLeaderElection({ store: options.store, name: CONTROL_PLANE_LEASE, holder: options.holder, ttlMs: options.ttlMs, renewMs: options.renewMs, roles: bus.leader, holderGone: localHolderGone })
          : startGatedElection({ bus, store: options.store, holder: options.holder, ttlMs: options.ttlMs, renewMs: options.renewMs, kube: options.kubeLease });
      // Writes before the first decision would all be refused: wait for it (an acquire is one round trip).
      for (;;) {
        const next = await updates.next();
        if (next.done === true || decided(next.value.state.get(CONTROL_PLANE_LEASE))) break;
      }
      following = (async () => {
        for (;;) {
          const next = await updates.next();
          if (next.done === true) return;
          const role = next.value.state.get(CONTROL_PLANE_LEASE);
          const text = role === undefined ? 'none' : role.role === 'leader' ? `leader (token ${String(role.fence.token)})` : `follower (${role.reason}${role.leader !== undefined ? `, leader ${role.leader}` : ''})`;
          if (text !== last) options.log.info('control-plane role', { role: text, holder: options.holder });
          last = text;
        }
      })();
    },
    async stop() {
      await election?.stop();
      stopping.abort();
      await following;
    },
    health: () => {
      const role = bus.leader.get(CONTROL_PLANE_LEASE);
      if (!decided(role)) return { ready: false, detail: 'leader election not decided yet' };
      // A follower is ready: it serves reads and routes by the leader's state.
      return { ready: true };
    },
  };
}
