/**
 * Failures of the durable store, as an error class with stable codes so that callers (the admin API, the
 * CLI) branch on `code` and never on message text; the driver's error is kept in `cause`.
 * @module
 */

/** Stable codes of store failures. */
export type StoreErrorCode =
  /** The database could not be opened, reached or migrated (bad path, server down, newer schema). */
  | 'STORE_OPEN_FAILED'
  /** Stored data is unreadable or inconsistent (not a database, undecodable row, broken head). */
  | 'STORE_CORRUPT'
  /** A caller passed something the store cannot keep (missing actor, bad time, non-JSON value). */
  | 'STORE_INVALID_INPUT'
  /** A read failed at the database. */
  | 'STORE_READ_FAILED'
  /** A write failed at the database and was rolled back (nothing of it was stored). */
  | 'STORE_WRITE_FAILED'
  /** The store was used after close(). */
  | 'STORE_CLOSED'
  /** A write carried a fencing token that is no longer its lease's current token (a newer leader exists); nothing was written. */
  | 'STORE_FENCED';

/** A failure of the durable store. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  /** Creates an error with a stable code. */
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wraps a driver error in a StoreError with `code`, keeping StoreErrors as they are. */
export function asStoreError(code: StoreErrorCode, what: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError(code, `${what}: ${detail}`, { cause: error });
}
