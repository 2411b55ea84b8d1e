/**
 * I/O failures of sources, as error classes with stable codes (undici style),
 * so callers and tests can branch on `code` rather than on message text.
 * @module
 */

/** Stable codes of source failures. */
export type SourceErrorCode =
  | 'LINTAS_ERR_NOT_FOUND'
  | 'LINTAS_ERR_NOT_A_DIRECTORY'
  | 'LINTAS_ERR_UNREADABLE'
  | 'LINTAS_ERR_TOO_LARGE'
  | 'LINTAS_ERR_BINARY'
  | 'LINTAS_ERR_SYMLINK_LOOP'
  | 'LINTAS_ERR_NOT_A_FILE';

/** A failure to read a fleet source. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  /** Creates an error for `path` with a stable code. */
  constructor(
    readonly code: SourceErrorCode,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
