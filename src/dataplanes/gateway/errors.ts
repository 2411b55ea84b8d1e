/**
 * Failures of the HTTP gateway data plane, as an error class with stable codes
 * so callers (`lintas serve`, tests) branch on `code`, never on message text.
 * @module
 */

/** Stable codes of gateway data plane failures. */
export type GatewayErrorCode = 'LINTAS_ERR_GATEWAY_BIND' | 'LINTAS_ERR_GATEWAY_CLOSED';

/** A gateway failure (a listener that could not bind keeps the OS error in `cause`). */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  /** Creates an error with a stable code. */
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
