/**
 * Failures of the DNS server, as an error class with stable codes so callers
 * (`lintas serve`, tests) branch on `code`, never on message text.
 * @module
 */

/** Stable codes of DNS server failures. */
export type DnsServerErrorCode = 'LINTAS_ERR_DNS_BIND';

/** A failure to start the DNS server (the OS error is kept in `cause`). */
export class DnsServerError extends Error {
  override readonly name = 'DnsServerError';
  /** Creates an error for `address:port` with a stable code. */
  constructor(
    readonly code: DnsServerErrorCode,
    readonly address: string,
    readonly port: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
