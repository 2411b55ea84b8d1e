/**
 * Leader leases and fencing tokens, the parts both backends share: the types of the store's lease
 * calls, their input checks, and the STORE_FENCED refusal.
 *
 * A lease is one row per name: who holds it, until when (by the DATABASE's clock, never the
 * caller's, so replicas with skewed clocks still agree on expiry), and a fencing token that grows by
 * one on every successful acquire. A writer that passes `{ lease, token }` with a write has it
 * refused (STORE_FENCED) once another holder has acquired the lease since, checked inside the write's
 * own transaction, so a stale leader's write can never land.
 * @module
 */
import { StoreError } from './errors.ts';

/** A lease as the database holds it. Times are ISO strings from the database's clock. */
export interface Lease {
  readonly name: string;
  /** Who acquired it last (still shown after it expired or was released). */
  readonly holder: string;
  /** The fencing token of the last successful acquire (1 for the first, +1 for each later one). */
  readonly token: number;
  readonly renewedAt: string;
  readonly expiresAt: string;
  /** Whether the lease is live now by the database's clock: not expired and not released. */
  readonly held: boolean;
}

/** The outcome of an acquire or renew: the lease now held, or what is stored (undefined when there is no such lease). */
export type LeaseResult = { readonly ok: true; readonly lease: Lease } | { readonly ok: false; readonly current: Lease | undefined };

/** A fencing token to pass with a write: the write lands only while `token` is still the lease's current token. */
export interface Fence {
  /** The lease's name. */
  readonly lease: string;
  readonly token: number;
}

/** Options of the store's mutating calls. */
export interface WriteOptions {
  /** Refuse the write with STORE_FENCED unless this is still the lease's current token. */
  readonly fence?: Fence;
}

/** The longest lease a caller may ask for (one day): longer ones are almost certainly a unit mistake. */
export const MAX_LEASE_TTL_MS = 86_400_000;

/** Checks a lease name. */
export function checkLeaseName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new StoreError('STORE_INVALID_INPUT', 'lease name must be a non-empty string');
}

/** Checks the arguments of acquire, renew and release (release has no ttl). */
export function checkLeaseRequest(name: string, holder: string, ttlMs?: number): void {
  checkLeaseName(name);
  if (typeof holder !== 'string' || holder === '') throw new StoreError('STORE_INVALID_INPUT', `lease ${JSON.stringify(name)}: holder must be a non-empty string`);
  if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_TTL_MS)) {
    throw new StoreError('STORE_INVALID_INPUT', `lease ${JSON.stringify(name)}: ttlMs must be an integer from 1 to ${MAX_LEASE_TTL_MS}, got ${String(ttlMs)}`);
  }
}

/** Checks a fencing token (a positive integer). */
export function checkToken(name: string, token: number): void {
  if (!Number.isSafeInteger(token) || token < 1) throw new StoreError('STORE_INVALID_INPUT', `lease ${JSON.stringify(name)}: token must be a positive integer, got ${String(token)}`);
}

/** Checks a write's fence, if any. */
export function checkFence(options: WriteOptions | undefined): void {
  const fence = options?.fence;
  if (fence === undefined) return;
  if (typeof fence !== 'object' || fence === null) throw new StoreError('STORE_INVALID_INPUT', 'fence must be { lease, token }');
  checkLeaseName(fence.lease);
  checkToken(fence.lease, fence.token);
}

/**
 * Throws STORE_FENCED unless `current` (the lease's token as read inside the write's transaction,
 * undefined when there is no such lease) is the fence's token.
 */
export function enforceFence(fence: Fence, current: number | undefined): void {
  if (current === fence.token) return;
  const now = current === undefined ? 'does not exist' : `is at token ${current}`;
  throw new StoreError('STORE_FENCED', `lease ${JSON.stringify(fence.lease)} ${now}; a write fenced with token ${fence.token} is refused (another holder acquired the lease since)`);
}
