/**
 * Header handling of the proxy, per RFC 9110 §7.6.1: hop-by-hop fields
 * (`Connection`, the fields it names, `Keep-Alive`, `Proxy-Connection`, `TE`,
 * `Transfer-Encoding`, `Upgrade`, `Trailer`) are not forwarded in either
 * direction; `Expect` is answered by node:http, so it is not forwarded either.
 * The request side also collects what the proxy needs (Host, body framing,
 * `Idempotency-Key`, `X-Forwarded-For`, `x-request-id`, `traceparent`,
 * `X-Lintas-Owner-Epoch`) in the same single pass over the raw headers, and adds X-Forwarded-For (appended),
 * X-Forwarded-Proto and X-Forwarded-Host (set), `x-request-id` and a W3C
 * `traceparent` (created when absent or invalid).
 * @module
 */

/** What one pass over the request headers found (written into by {@link scanRequestHeaders}). */
export interface RequestHead {
  host: string;
  /** Host field lines (RFC 9112 §3.2 allows exactly one). */
  hostLines: number;
  /** The Content-Length value, NaN when it is not a decimal number. */
  contentLength: number;
  contentLengthLines: number;
  chunked: boolean;
  /** Every Transfer-Encoding line joined with `,` (checked in request-checks.ts), undefined when absent. */
  transferEncoding: string | undefined;
  /** Field names the client's `Connection` nominated as hop-by-hop (dropped here), undefined when none. */
  connectionTokens: readonly string[] | undefined;
  idempotencyKey: boolean;
  forwardedFor: string | undefined;
  requestId: string | undefined;
  traceparent: string | undefined;
  /** The client's `X-Lintas-Owner-Epoch` (the fencing epoch it last saw); never forwarded as sent. */
  clientEpoch: string | undefined;
}

const DIGITS = /^[0-9]{1,15}$/;

/** Names listed in a `Connection` value, other than the usual `keep-alive` / `close`. */
function connectionTokens(value: string): string[] {
  const out: string[] = [];
  // The common values name no other field.
  if (value.length <= 10) {
    const v = value.toLowerCase();
    if (v === 'keep-alive' || v === 'close') return out;
  }
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '' && token !== 'keep-alive' && token !== 'close') out.push(token);
  }
  return out;
}

function dropNames(headers: string[], names: readonly string[]): void {
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    if (names.includes((headers[r] as string).toLowerCase())) continue;
    headers[w] = headers[r] as string;
    headers[w + 1] = headers[r + 1] as string;
    w += 2;
  }
  headers.length = w;
}

/**
 * Copies the forwardable request headers (names lower-cased) into a new flat
 * list and fills `head`. Headers the proxy re-adds (X-Forwarded-*,
 * x-request-id, traceparent) are left out here.
 */
export function scanRequestHeaders(raw: readonly string[], head: RequestHead): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    switch (name) {
      // HTTP/2 pseudo-headers: the authority is the Host (RFC 9113 §8.3.1); the others are the request line.
      case ':authority':
        if (head.hostLines === 0) head.host = value;
        head.hostLines += 1;
        out.push('host', value);
        break;
      case 'host':
        if (head.hostLines === 0) head.host = value;
        head.hostLines += 1;
        out.push(name, value);
        break;
      case 'content-length':
        head.contentLength = DIGITS.test(value) ? Number(value) : Number.NaN;
        head.contentLengthLines += 1;
        out.push(name, value);
        break;
      case 'transfer-encoding':
        head.chunked = true;
        head.transferEncoding = head.transferEncoding === undefined ? value : `${head.transferEncoding},${value}`;
        break;
      case 'connection':
        connection = connection === undefined ? value : `${connection},${value}`;
        break;
      case 'keep-alive':
      case 'proxy-connection':
      case 'te':
      case 'upgrade':
      case 'trailer':
      case 'expect':
      case 'http2-settings':
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
      case ':method':
      case ':path':
      case ':scheme':
      case ':protocol':
        break;
      case 'x-forwarded-for':
        head.forwardedFor = head.forwardedFor === undefined ? value : `${head.forwardedFor}, ${value}`;
        break;
      case 'x-request-id':
        head.requestId ??= value;
        break;
      case 'traceparent':
        head.traceparent ??= value;
        break;
      // Lintas sets these itself from the policy; a client must not be able to forge them upstream.
      case 'x-lintas-owner':
      case 'x-lintas-owner-domain':
        break;
      case 'x-lintas-owner-epoch':
        head.clientEpoch ??= value;
        break;
      case 'idempotency-key':
        head.idempotencyKey = true;
        out.push(name, value);
        break;
      default:
        out.push(name, value);
    }
  }
  if (connection !== undefined) {
    const tokens = connectionTokens(connection);
    if (tokens.length > 0) {
      head.connectionTokens = tokens;
      dropNames(out, tokens);
    }
  }
  return out;
}

/** Whether a response header name is hop-by-hop (any case). */
function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2:
      return name.toLowerCase() === 'te';
    case 7: {
      const l = name.toLowerCase();
      return l === 'upgrade' || l === 'trailer';
    }
    case 10: {
      const l = name.toLowerCase();
      return l === 'connection' || l === 'keep-alive';
    }
    case 16:
      return name.toLowerCase() === 'proxy-connection';
    case 17:
      return name.toLowerCase() === 'transfer-encoding';
    default:
      return false;
  }
}

/**
 * The response headers to send downstream, as a flat string list for
 * `writeHead` (names keep their case; duplicates such as Set-Cookie survive).
 */
export function responseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (isHopByHop(name)) {
      if (name.length === 10 && name.toLowerCase() === 'connection') connection = value;
      continue;
    }
    out.push(name, value);
  }
  if (connection !== undefined) {
    const tokens = connectionTokens(connection);
    if (tokens.length > 0) dropNames(out, tokens);
  }
  return out;
}

/**
 * The response's raw header list: undici's for HTTP/1.1 (repeated headers in order); over HTTP/2 it
 * gives only the header object, which is spelled out as a list (pseudo-headers left out).
 */
export function rawHeaderList(controller: object, headers: Readonly<Record<string, string | string[] | undefined>>): Buffer[] {
  const raw = (controller as { rawHeaders?: unknown }).rawHeaders;
  if (Array.isArray(raw)) return raw as Buffer[];
  const out: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(Buffer.from(name, 'latin1'), Buffer.from(String(v), 'latin1'));
  }
  return out;
}
