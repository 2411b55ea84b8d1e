/**
 * gRPC through the gateway. A gRPC call is an HTTP/2 POST whose
 * `content-type` is `application/grpc[+proto|+json…]`; its status travels in
 * the response trailers (`grpc-status`, `grpc-message`), or in the headers of
 * a response without a body (Trailers-Only). So, for a gRPC request:
 * - the gateway's own answers (no route, no upstream, timeouts, refusals) are
 *   gRPC errors, not HTTP ones: HTTP 200, `content-type: application/grpc`,
 *   no message, and `grpc-status` / `grpc-message` in the trailers (in the
 *   headers over HTTP/1.1, which has no trailers here), the code from the HTTP
 *   status by gRPC's own mapping (doc/http-grpc-status-mapping.md): 404 → 12
 *   UNIMPLEMENTED (no route: the spec's answer), 502/503/504/429 → 14
 *   UNAVAILABLE, 400 → 13 INTERNAL, 401 → 16, 403 → 7, anything else → 2 UNKNOWN;
 * - `te: trailers` is forwarded (gRPC servers may insist on it; other `te` values stay hop-by-hop);
 * - the upstream's trailers are relayed (forward.ts), and the call's status
 *   is recorded for the access log (`grpc_status`).
 * Request trailers are not forwarded: the upstream client cannot send them (gRPC clients do not use them).
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Exchange } from './exchange.ts';

/** gRPC status codes the gateway answers with. */
export const GrpcStatus = {
  OK: 0,
  UNKNOWN: 2,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Whether a request's content-type makes it a gRPC call. */
export function isGrpcContentType(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  if (value === undefined || value.length < 16) return false;
  const lower = value.toLowerCase();
  return lower.startsWith('application/grpc') && (lower.length === 16 || lower[16] === '+' || lower[16] === ';');
}

/** The gRPC status of a gateway answer with HTTP status `status` (gRPC's HTTP-to-gRPC mapping). */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return status >= 200 && status < 300 ? GrpcStatus.OK : GrpcStatus.UNKNOWN;
  }
}

/** `grpc-message` encoding: percent-encoded UTF-8 outside printable ASCII and `%` (the gRPC HTTP/2 spec). */
export function encodeGrpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The numeric `grpc-status` among headers or trailers (an object, or a flat name/value list), or undefined. */
export function grpcStatusIn(fields: Readonly<Record<string, string | string[] | undefined>> | readonly (string | Buffer)[]): number | undefined {
  let raw: string | undefined;
  if (Array.isArray(fields)) {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (String(fields[i]).toLowerCase() === 'grpc-status') raw = String(fields[i + 1]);
    }
  } else {
    const v = (fields as Readonly<Record<string, string | string[] | undefined>>)['grpc-status'];
    raw = Array.isArray(v) ? v[0] : v;
  }
  if (raw === undefined || !/^[0-9]{1,2}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** Answers a gRPC call with the gateway's own error (`status`: the HTTP answer it stands for). */
export function replyGrpc(ex: Exchange, status: number, message: string): void {
  const res = ex.res;
  const code = grpcStatusForHttp(status);
  ex.status = 200;
  ex.grpcStatus = code;
  const text = encodeGrpcMessage(message.trim());
  if (ex.req.httpVersionMajor === 2) {
    res.writeHead(200, { 'content-type': 'application/grpc' });
    res.addTrailers({ 'grpc-status': String(code), 'grpc-message': text });
    res.end();
    return;
  }
  // HTTP/1.1 carries no trailers here: the status goes in the headers, as a Trailers-Only response does.
  res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': text, 'content-length': '0' });
  res.end();
}

/** The upstream's trailers as the client gets them (pseudo and hop-by-hop fields left out). */
export function relayedTrailers(trailers: Readonly<Record<string, string | string[] | undefined>> | undefined): OutgoingHttpHeaders | undefined {
  if (trailers === undefined) return undefined;
  let out: OutgoingHttpHeaders | undefined;
  for (const [name, value] of Object.entries(trailers)) {
    if (value === undefined || name.startsWith(':')) continue;
    const lower = name.toLowerCase();
    if (lower === 'connection' || lower === 'transfer-encoding' || lower === 'content-length' || lower === 'te' || lower === 'trailer' || lower === 'keep-alive') continue;
    (out ??= {})[lower] = value;
  }
  return out;
}
