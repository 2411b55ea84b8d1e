/**
 * Request and trace identifiers. Random bytes come from a refilled pool so the
 * hot path does one buffer slice per id instead of a crypto call per request.
 * @module
 */
import { randomFillSync, randomUUID } from 'node:crypto';

const POOL = Buffer.allocUnsafe(4096);
let offset = POOL.length;

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const hex = POOL.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

/** A new request id (UUID v4, like Envoy's `x-request-id`). */
export function newRequestId(): string {
  return randomUUID();
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/** The trace id of a valid W3C `traceparent`, or undefined (absent, malformed, version ff, all-zero ids). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined || traceparent.length < 55) return undefined;
  const m = TRACEPARENT.exec(traceparent);
  if (m === null) return undefined;
  const [, version, trace, span] = m;
  if (version === 'ff' || trace === ZERO_TRACE || span === ZERO_SPAN) return undefined;
  // Version 00 has exactly four fields; later versions may append more.
  if (version === '00' && m[5] !== undefined) return undefined;
  return trace;
}

/** A new sampled `traceparent` for `traceId` with a fresh parent (span) id. */
export function newTraceparent(traceId: string): string {
  return `00-${traceId}-${randomHex(8)}-01`;
}
