/**
 * Failures of the failover runner, with stable codes the admin API maps to HTTP
 * statuses (and callers branch on, never on the message).
 * @module
 */

/** Stable codes of failover runner failures. */
export type FailoverRunnerErrorCode =
  /** No FailoverPolicy with that name governs anything now (404). */
  | 'FAILOVER_NOT_FOUND'
  /** The request names something the policy does not have, e.g. an unknown `from` (400). */
  | 'FAILOVER_INVALID'
  /** The policy has several owners and the command fits more than one; the caller must say which (400). */
  | 'FAILOVER_AMBIGUOUS'
  /** The state kept changing under the command (other writers won every compare-and-set) (409). */
  | 'FAILOVER_CONFLICT'
  /** The change is already in effect (drain a drained cluster) (409). */
  | 'FAILOVER_UNCHANGED'
  /** A stored state is not a failover state: the runner will not guess an epoch (start fails). */
  | 'FAILOVER_STATE_CORRUPT'
  /** The runner was stopped. */
  | 'FAILOVER_CLOSED';

/** A failure of the failover runner. */
export class FailoverRunnerError extends Error {
  override readonly name = 'FailoverRunnerError';
  /** Creates an error with a stable code. */
  constructor(
    readonly code: FailoverRunnerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
