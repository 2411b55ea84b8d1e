/**
 * The admin server's `Host` check, a defence against DNS rebinding: a web
 * page on `evil.example` that re-points its name at 127.0.0.1 can make the
 * operator's browser call the admin API, but the browser still sends
 * `Host: evil.example`. Only names the admin server is really reached by
 * are accepted: loopback names and addresses, the address it is bound to
 * (every interface address when bound to a wildcard), and names the
 * operator adds (`--admin-allowed-host`, e.g. the name Prometheus scrapes).
 * @module
 */
import { networkInterfaces } from 'node:os';
import { formatIP, parseIP } from '../lib/index.ts';

/** Loopback names always accepted (RFC 6761 `localhost`). */
const LOOPBACK_NAMES = ['localhost', 'localhost.'];
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The host part of a `Host` header value (`name`, `1.2.3.4`, `[v6]`, each with an optional port), lower-cased; brackets removed. */
export function hostOf(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? value : value.slice(1, end);
  }
  const colon = value.lastIndexOf(':');
  // One colon: name:port. More: a bare IPv6 address (not valid in Host, but harmless to compare).
  return colon >= 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}

/** A canonical form to compare hosts by: IP literals normalised, names as given (lower case). */
function canonical(host: string): string {
  const ip = parseIP(host);
  return ip === undefined ? host.toLowerCase() : formatIP(ip);
}

/** A bare host (no port; IPv6 with or without brackets), lower-cased and without brackets. */
const bare = (host: string): string => host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');

/** Whether `host` (no port; IPv6 with or without brackets) is a loopback name or address (127.0.0.0/8, ::1). */
export function isLoopbackHost(host: string): boolean {
  const h = bare(host);
  if (LOOPBACK_NAMES.includes(h)) return true;
  const ip = parseIP(h);
  if (ip === undefined) return false;
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}

/** The interface addresses of this machine (what a wildcard-bound server is reached by). */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

/**
 * A check of `Host` values for an admin server bound to `boundHost`, also
 * accepting `extra` names or addresses. An absent `Host` (HTTP/1.0) is
 * accepted: no browser sends such a request.
 */
export function createHostCheck(boundHost: string, extra: readonly string[] = []): (header: string | undefined) => boolean {
  const bound = bare(boundHost);
  const allowed = new Set([...extra.map((h) => canonical(hostOf(h))), ...(WILDCARDS.has(bound) ? interfaceAddresses() : [bound]).map(canonical)]);
  return (header) => {
    if (header === undefined) return true;
    const host = hostOf(header);
    return isLoopbackHost(host) || allowed.has(canonical(host));
  };
}
