/**
 * Checks that run before the gateway acts on a request (issue 14). A request
 * RFC 9112 tells a server to refuse (§3.2: more than one Host, an invalid
 * Host; §6.1: Transfer-Encoding with Content-Length, codings other than one
 * final `chunked`, Transfer-Encoding in HTTP/1.0), one whose Host disagrees
 * with its absolute-form target, and one the upstream client would refuse
 * while building the forwarded request (a header name that is not a token, a
 * value with a control character, a second Host or Content-Length) is the
 * client's fault: it is answered 400 here and never reaches, or is charged
 * to, a backend. So is a `Connection` header that nominates, as hop-by-hop,
 * a header the gateway decided on: the backend must see what the decision saw. Node's parser refuses most of these already; checking again
 * here keeps that true whichever parser or upstream client version runs.
 * Every check is a pure function of the request head.
 * @module
 */
import type { RouteMatchIR, TrafficPolicyIR } from '../../ir/index.ts';
import type { RequestHead } from './headers.ts';

/** RFC 9110 token (a field name), lower or upper case. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 field-value characters: HTAB, SP, VCHAR, obs-text (what undici accepts too). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** RFC 3986 host (IP-literal or reg-name, percent-encoding allowed) with an optional port; no userinfo. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/** An absolute-form request target split up (`http://authority/path?query`). */
export interface AbsoluteTarget {
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  /** Origin-form rest of the target (`/` when the target has no path). */
  readonly target: string;
}

/** Splits an absolute-form target, or undefined for origin-form (`/path`) and anything else. */
export function absoluteTarget(url: string): AbsoluteTarget | undefined {
  if (url.charCodeAt(0) === 47 /* / */) return undefined;
  const m = /^(https?):\/\//i.exec(url);
  if (m === null) return undefined;
  const start = (m[0] ?? '').length;
  let end = url.length;
  for (const c of ['/', '?', '#']) {
    const i = url.indexOf(c, start);
    if (i >= 0 && i < end) end = i;
  }
  const rest = url.slice(end);
  return {
    scheme: (m[1] ?? 'http').toLowerCase() as 'http' | 'https',
    authority: url.slice(start, end),
    target: rest === '' ? '/' : rest.charCodeAt(0) === 47 ? rest : `/${rest}`,
  };
}

/** An authority lower-cased, with the scheme's default port and an empty port left out. */
function normalAuthority(authority: string, scheme: 'http' | 'https'): string {
  const a = authority.toLowerCase();
  const defaultPort = scheme === 'https' ? ':443' : ':80';
  if (a.endsWith(defaultPort)) return a.slice(0, -defaultPort.length);
  return a.endsWith(':') ? a.slice(0, -1) : a;
}

/** What the head checks read: the scanned head plus the request line. */
export interface CheckedHead extends Pick<RequestHead, 'host' | 'hostLines' | 'contentLength' | 'contentLengthLines' | 'transferEncoding'> {
  readonly httpVersion: string;
}

/** Why the codings of a request's Transfer-Encoding are refused, or undefined when they are one `chunked`. */
function transferEncodingProblem(value: string): string | undefined {
  const codings = value
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '');
  if (codings.length === 0) return 'empty Transfer-Encoding';
  const chunked = codings.filter((c) => c === 'chunked').length;
  if (chunked > 1) return 'Transfer-Encoding applies chunked more than once';
  if (chunked === 1 && codings[codings.length - 1] !== 'chunked') return 'Transfer-Encoding: chunked is not the final coding';
  // RFC 9112 §6.1 allows 501 for a coding the server does not implement; 400 keeps such requests out of the 5xx figures.
  const other = codings.find((c) => c !== 'chunked');
  if (other !== undefined) return `Transfer-Encoding ${JSON.stringify(other)} is not supported (only chunked)`;
  return undefined;
}

/** Why the request head is refused (a sentence for the 400 answer), or undefined when it may be routed. */
export function requestHeadProblem(head: CheckedHead, target: AbsoluteTarget | undefined): string | undefined {
  if (head.hostLines > 1) return 'more than one Host header (RFC 9112 §3.2)';
  if (head.hostLines === 1 && !HOST.test(head.host)) return 'invalid Host header (RFC 9112 §3.2)';
  if (target !== undefined) {
    if (target.authority.includes('@')) return 'userinfo in the request target';
    if (!HOST.test(target.authority)) return 'invalid authority in the request target';
    if (head.hostLines === 1 && normalAuthority(target.authority, target.scheme) !== normalAuthority(head.host, target.scheme)) {
      return 'Host header disagrees with the absolute-form request target (RFC 9112 §3.2)';
    }
  }
  if (head.contentLengthLines > 1) return 'more than one Content-Length header';
  if (head.contentLengthLines === 1 && !Number.isSafeInteger(head.contentLength)) return 'invalid Content-Length header';
  const te = head.transferEncoding;
  if (te !== undefined) {
    if (head.httpVersion === '1.0') return 'Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)';
    if (head.contentLengthLines > 0) return 'both Transfer-Encoding and Content-Length (RFC 9112 §6.1)';
    return transferEncodingProblem(te);
  }
  return undefined;
}

/**
 * Why the request as the gateway will forward it (a flat name/value list) is
 * refused, or undefined. These are the rules the upstream client applies
 * while building a request, checked first so that a refusal is always
 * recognised as the client's.
 */
export function upstreamHeadersProblem(headers: readonly string[]): string | undefined {
  let hosts = 0;
  let lengths = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not a token`;
    if (!FIELD_VALUE.test(headers[i + 1] as string)) return `header ${name} has a control character in its value`;
    if (name === 'host') hosts += 1;
    else if (name === 'content-length') lengths += 1;
  }
  if (hosts > 1) return 'more than one Host header (RFC 9112 §3.2)';
  if (lengths > 1) return 'more than one Content-Length header';
  return undefined;
}

/** Headers every request is decided on: routing (Host), framing, retries (Idempotency-Key), tracing. */
const ALWAYS_DECIDED: ReadonlySet<string> = new Set(['host', 'content-length', 'idempotency-key', 'traceparent']);

/**
 * The first header that `Connection` nominated as hop-by-hop although a decision used it: the
 * route's header matches, the policy's ownership key and session key (its header, or `cookie`),
 * and {@link ALWAYS_DECIDED}. Such a header would be dropped on the way to the backend, which
 * would then act on a request other than the one the gateway routed (issue 14 item 2).
 */
export function nominatedDecisionHeader(tokens: readonly string[] | undefined, match: RouteMatchIR | undefined, policy: TrafficPolicyIR | undefined): string | undefined {
  if (tokens === undefined) return undefined;
  const key = policy?.ownership?.key;
  const ownershipHeader = key !== undefined && 'header' in key ? key.header.toLowerCase() : undefined;
  const affinity = policy?.sessionAffinity;
  const sessionHeader = affinity === undefined ? undefined : 'header' in affinity ? affinity.header.toLowerCase() : 'cookie';
  for (const token of tokens) {
    if (ALWAYS_DECIDED.has(token) || token === ownershipHeader || token === sessionHeader) return token;
    if (match?.headers.some((h) => h.name.toLowerCase() === token) === true) return token;
  }
  return undefined;
}
