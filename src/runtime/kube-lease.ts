/**
 * Leader election through a `coordination.k8s.io/v1` Lease in the management cluster, as
 * client-go's leaderelection does it: the holder renews `spec.renewTime` every `renewMs`; another
 * replica takes the Lease only once it has seen the same record unchanged for
 * `leaseDurationSeconds` by its OWN clock (never by comparing the holder's timestamps with its
 * clock, so clock skew between nodes cannot hand the Lease over early); every write carries the
 * `resourceVersion` it read, so of two replicas racing for an expired Lease the API server lets one
 * win (409 Conflict for the other). A taken-over Lease bumps `leaseTransitions`.
 *
 * The decision is the pure {@link planLease}; {@link startKubeLeaseElection} does the I/O and tells
 * its caller when it leads. The leader steps down once no renewal has succeeded within
 * `renewDeadlineMs` of sending it (before any other replica can see the Lease expire). On stop it
 * releases the Lease (holder emptied), so a clean restart hands over at once.
 * @module
 */
import type { KubeClient } from '../sources/index.ts';
import { pause } from '../store/index.ts';

/** The Lease's spec fields leader election uses. */
export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

/** A Lease as read from the API server. */
export interface LeaseObject {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string };
  readonly spec?: LeaseSpec;
}

/** The record last seen and when (by the local clock) it last changed: the only basis for expiry. */
export interface ObservedLease {
  readonly spec: LeaseSpec;
  readonly observedAt: number;
}

/** What to do after reading the Lease. */
export type LeaseStep =
  | { readonly kind: 'create'; readonly spec: LeaseSpec }
  | { readonly kind: 'update'; readonly spec: LeaseSpec; readonly resourceVersion: string }
  | { readonly kind: 'held'; readonly holder: string; readonly expiresAt: number };

/** A MicroTime as the API server writes it (RFC 3339 with microseconds). */
export function microTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const sameSpec = (a: LeaseSpec, b: LeaseSpec): boolean =>
  a.holderIdentity === b.holderIdentity && a.leaseDurationSeconds === b.leaseDurationSeconds && a.acquireTime === b.acquireTime && a.renewTime === b.renewTime && a.leaseTransitions === b.leaseTransitions;

/**
 * Decides one round (pure): `current` is the Lease read now (undefined: it does not exist),
 * `observed` what this replica saw before; `now` times the expiry (a monotonic clock), `wallNow`
 * (default `now`) stamps `renewTime` and `acquireTime`. A Lease held by another is expired only once its record
 * has stayed unchanged for its duration since this replica first saw it.
 */
export function planLease(input: { current: LeaseObject | undefined; observed: ObservedLease | undefined; holder: string; now: number; wallNow?: number; durationSeconds: number }): { observed: ObservedLease | undefined; step: LeaseStep } {
  const { current, holder, now, durationSeconds } = input;
  const stamp = microTime(input.wallNow ?? now);
  const fresh = (transitions: number, acquireTime: string): LeaseSpec => ({ holderIdentity: holder, leaseDurationSeconds: durationSeconds, acquireTime, renewTime: stamp, leaseTransitions: transitions });
  if (current === undefined) return { observed: undefined, step: { kind: 'create', spec: fresh(0, stamp) } };
  const spec = current.spec ?? {};
  const observed = input.observed !== undefined && sameSpec(input.observed.spec, spec) ? input.observed : { spec, observedAt: now };
  const other = spec.holderIdentity !== undefined && spec.holderIdentity !== '' && spec.holderIdentity !== holder;
  const expiresAt = observed.observedAt + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
  if (other && now < expiresAt) return { observed, step: { kind: 'held', holder: spec.holderIdentity ?? '', expiresAt } };
  const transitions = spec.leaseTransitions ?? 0;
  const next = spec.holderIdentity === holder ? fresh(transitions, spec.acquireTime ?? stamp) : fresh(transitions + 1, stamp);
  return { observed, step: { kind: 'update', spec: next, resourceVersion: current.metadata.resourceVersion ?? '' } };
}

/** The elector's state as its caller sees it. */
export type KubeLeaseState =
  | { readonly leading: true }
  | { readonly leading: false; readonly reason: 'Starting' | 'HeldByOther' | 'LeaseLost' | 'RenewDeadline' | 'ApiUnavailable' | 'Stopped'; readonly leader?: string; readonly error?: string };

/** Options of {@link startKubeLeaseElection}. */
export interface KubeLeaseOptions {
  /** The management cluster's API server. */
  readonly client: KubeClient;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (unique per process). */
  readonly holder: string;
  /** `leaseDurationSeconds` (rounded up to whole seconds). */
  readonly ttlMs: number;
  /** How often the leader renews and a follower looks. */
  readonly renewMs: number;
  /** The leader steps down when no renewal succeeded for this long (default two thirds of `ttlMs`). */
  readonly renewDeadlineMs?: number;
  /** A monotonic clock in ms: every decision (expiry, renew deadline) is taken by it. */
  readonly clock: () => number;
  /** Epoch ms for the timestamps written into the Lease (default Date.now). */
  readonly wallClock?: () => number;
  /** Every change of state. */
  readonly onState: (state: KubeLeaseState) => void;
}

/** A running elector. */
export interface KubeLeaseElection {
  state(): KubeLeaseState;
  /** Stops: reports `Stopped` first, then releases the Lease if held. Idempotent. */
  stop(): Promise<void>;
}

/** The Lease's REST path (collection without `name`). */
export function leasePath(namespace: string, name?: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

const apiMessage = (status: number, body: Record<string, unknown> | undefined): string => `${String(status)} ${typeof body?.['message'] === 'string' ? body['message'] : ''}`.trim();

/** Starts electing at once; the state is `Starting` until the first round finishes. */
export function startKubeLeaseElection(options: KubeLeaseOptions): KubeLeaseElection {
  const { client, namespace, name, holder, clock } = options;
  const wallClock = options.wallClock ?? Date.now;
  const durationSeconds = Math.max(1, Math.ceil(options.ttlMs / 1000));
  const renewDeadlineMs = options.renewDeadlineMs ?? Math.floor((options.ttlMs * 2) / 3);
  if (!(options.renewMs < renewDeadlineMs && renewDeadlineMs < options.ttlMs)) throw new Error(`Lease ${namespace}/${name}: need renewMs (${String(options.renewMs)}) < renewDeadlineMs (${String(renewDeadlineMs)}) < ttlMs (${String(options.ttlMs)})`);
  const stopping = new AbortController();
  const { signal } = stopping;
  let state: KubeLeaseState = { leading: false, reason: 'Starting' };
  let observed: ObservedLease | undefined;
  /** While leading: when leadership ends unless a renewal succeeds. */
  let deadline: number | undefined;
  const set = (next: KubeLeaseState): void => {
    if (JSON.stringify(next) === JSON.stringify(state)) return;
    state = next;
    if (!next.leading) deadline = undefined;
    options.onState(next);
  };

  /** One round: read, decide, write. Returns the new state or, on a failed request, an error text. */
  const round = async (): Promise<KubeLeaseState | { error: string }> => {
    const sentAt = clock();
    const read = await client.request('GET', leasePath(namespace, name), { signal });
    if (read.status !== 200 && read.status !== 404) return { error: `GET Lease ${namespace}/${name}: ${apiMessage(read.status, read.body)}` };
    const plan = planLease({ current: read.status === 404 ? undefined : (read.body as unknown as LeaseObject), observed, holder, now: clock(), wallNow: wallClock(), durationSeconds });
    observed = plan.observed;
    const { step } = plan;
    if (step.kind === 'held') return { leading: false, reason: 'HeldByOther', leader: step.holder };
    const write =
      step.kind === 'create'
        ? await client.request('POST', leasePath(namespace), { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: step.spec }, signal })
        : await client.request('PUT', leasePath(namespace, name), { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, resourceVersion: step.resourceVersion }, spec: step.spec }, signal });
    // Conflict (409) or AlreadyExists: another replica wrote first; it leads, we look again next round.
    if (write.status === 409) return { leading: false, reason: state.leading ? 'LeaseLost' : 'HeldByOther' };
    if (write.status !== 200 && write.status !== 201) return { error: `${step.kind === 'create' ? 'POST' : 'PUT'} Lease ${namespace}/${name}: ${apiMessage(write.status, write.body)}` };
    observed = { spec: step.spec, observedAt: clock() };
    deadline = sentAt + renewDeadlineMs;
    return { leading: true };
  };

  const loop = (async () => {
    while (!signal.aborted) {
      let outcome: KubeLeaseState | { error: string };
      try {
        outcome = await round();
      } catch (error) {
        outcome = { error: (error as Error).message };
      }
      if (signal.aborted) break;
      if ('error' in outcome) {
        // A failed renewal is transient until the deadline: a blip must not hand leadership away.
        if (!state.leading) set({ leading: false, reason: 'ApiUnavailable', error: outcome.error });
        else if (deadline !== undefined && clock() >= deadline) set({ leading: false, reason: 'RenewDeadline', error: outcome.error });
      } else {
        const keep = outcome.leading ? deadline : undefined;
        set(outcome);
        deadline = keep;
      }
      if (state.leading && deadline !== undefined && clock() >= deadline) set({ leading: false, reason: 'RenewDeadline' });
      await pause(state.leading && deadline !== undefined ? Math.min(options.renewMs, deadline - clock()) : options.renewMs, signal);
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    state: () => state,
    stop: () => {
      stopped ??= (async () => {
        stopping.abort();
        await loop;
        const held = state.leading;
        set({ leading: false, reason: 'Stopped' });
        if (!held) return;
        // Release as client-go does (ReleaseOnCancel): an empty holder is free for the next round of any replica.
        const bound = AbortSignal.timeout(renewDeadlineMs);
        try {
          const read = await client.request('GET', leasePath(namespace, name), { signal: bound });
          const lease = read.body as unknown as LeaseObject | undefined;
          if (read.status !== 200 || lease?.spec?.holderIdentity !== holder) return;
          const now = microTime(wallClock());
          await client.request('PUT', leasePath(namespace, name), { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, resourceVersion: lease.metadata.resourceVersion }, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } }, signal: bound });
        } catch {
          // Unreleased, the Lease simply expires.
        }
      })();
      return stopped;
    },
  };
}
