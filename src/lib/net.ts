/**
 * IP address and CIDR helpers for IPv4 and IPv6.
 *
 * Addresses are held as bigints so both families share one code path for
 * masking, containment and arithmetic (a 128-bit IPv6 address does not fit in
 * a JS number). Parsing is deliberately strict: it accepts what the Kubernetes
 * API server accepts for fields like Service.spec.clusterIPs and rejects the
 * "sloppy" forms Go's legacy parser used to allow.
 */

/** IP address family: 4 for IPv4, 6 for IPv6. */
export type IPFamily = 4 | 6;

/** A parsed IP address: its family and its numeric value (big-endian bits). */
export interface ParsedIP {
  family: IPFamily;
  value: bigint;
}

/** A parsed CIDR block; `network` has host bits cleared, `hostBitsSet` records whether the input had any. */
export interface ParsedCIDR {
  family: IPFamily;
  network: bigint;
  prefix: number;
  hostBitsSet: boolean;
}

// Longest valid textual IPv6 address: 6 full groups + colons + a dotted quad.
// Anything longer cannot be valid, so bail out before doing any work on it.
const MAX_IP_TEXT = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255'.length;

// No leading zeros: Kubernetes rejects them because Go historically read
// "010" as octal in some code paths, making the address ambiguous.
const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,2})$/;

function familyBits(family: IPFamily): number {
  return family === 4 ? 32 : 128;
}

function hostMask(family: IPFamily, prefix: number): bigint {
  return (1n << BigInt(familyBits(family) - prefix)) - 1n;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!IPV4_OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseGroups(s: string): number[] | undefined {
  if (s === '') return [];
  const groups: number[] = [];
  for (const g of s.split(':')) {
    if (!IPV6_GROUP.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

function parseIPv6(s: string): bigint | undefined {
  let body = s;
  let tail: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded dotted quad may only occupy the final 32 bits.
    tail = parseIPv4(last);
    if (tail === undefined) return undefined;
    body = s.slice(0, lastColon + 1);
    // Keep a trailing "::" (e.g. "::1.2.3.4") but drop the lone separator colon.
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const tailGroups = tail === undefined ? 0 : 2;

  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const left = parseGroups(halves[0] ?? '');
  if (left === undefined) return undefined;
  let groups: number[];
  if (halves.length === 1) {
    if (left.length + tailGroups !== 8) return undefined;
    groups = left;
  } else {
    const right = parseGroups(halves[1] ?? '');
    if (right === undefined) return undefined;
    const zeros = 8 - tailGroups - left.length - right.length;
    // RFC 4291: "::" stands for one or more groups of zeros, never zero groups.
    if (zeros < 1) return undefined;
    groups = [...left, ...new Array<number>(zeros).fill(0), ...right];
  }

  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (tail !== undefined) value = (value << 32n) | tail;
  return value;
}

/** Parses a strict IPv4 dotted quad or RFC 4291 IPv6 address; undefined when invalid. */
export function parseIP(s: string): ParsedIP | undefined {
  if (s.length === 0 || s.length > MAX_IP_TEXT) return undefined;
  if (s.includes(':')) {
    const value = parseIPv6(s);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIPv4(s);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses "addr/prefix" (prefix in decimal, no leading zeros); undefined when invalid. */
export function parseCIDR(s: string): ParsedCIDR | undefined {
  const slash = s.indexOf('/');
  if (slash === -1) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  if (ip === undefined || !DECIMAL.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > familyBits(ip.family)) return undefined;
  const host = hostMask(ip.family, prefix);
  return {
    family: ip.family,
    network: ip.value & ~host,
    prefix,
    hostBitsSet: (ip.value & host) !== 0n,
  };
}

/** True when the two blocks share at least one address (always false across families). */
export function cidrsOverlap(a: ParsedCIDR, b: ParsedCIDR): boolean {
  if (a.family !== b.family) return false;
  // Two aligned blocks overlap iff one contains the other, i.e. they agree on
  // the bits of the shorter prefix.
  const shift = BigInt(familyBits(a.family) - Math.min(a.prefix, b.prefix));
  return a.network >> shift === b.network >> shift;
}

/** True when `ip` lies inside `c` (false across families). */
export function cidrContains(c: ParsedCIDR, ip: ParsedIP): boolean {
  if (c.family !== ip.family) return false;
  const shift = BigInt(familyBits(c.family) - c.prefix);
  return c.network >> shift === ip.value >> shift;
}

/** Number of addresses in the block, including network and broadcast addresses. */
export function cidrSize(c: ParsedCIDR): bigint {
  return 1n << BigInt(familyBits(c.family) - c.prefix);
}

function formatIPv4(value: bigint): string {
  const octets: bigint[] = [];
  for (let shift = 24n; shift >= 0n; shift -= 8n) octets.push((value >> shift) & 0xffn);
  return octets.join('.');
}

function formatIPv6(value: bigint): string {
  // RFC 5952 §5: IPv4-mapped addresses are clearer in mixed notation, and it
  // matches what Go's netip (and therefore kubectl output) prints.
  if (value >> 32n === 0xffffn) return `::ffff:${formatIPv4(value & 0xffffffffn)}`;

  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));

  // Find the longest run of zero groups; strict ">" keeps the first on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  // RFC 5952 §4.2.2: "::" must not be used for a single zero group.
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Formats an address; IPv6 uses RFC 5952 canonical form (lowercase, longest zero run compressed). */
export function formatIP(ip: ParsedIP): string {
  const max = 1n << BigInt(familyBits(ip.family));
  // A hand-built value out of range would otherwise print silently truncated.
  if (ip.value < 0n || ip.value >= max) {
    throw new RangeError(`IPv${ip.family} address value out of range: ${ip.value}`);
  }
  return ip.family === 4 ? formatIPv4(ip.value) : formatIPv6(ip.value);
}

/** Formats a block as "network/prefix" (host bits from the original input are not shown). */
export function formatCIDR(c: ParsedCIDR): string {
  return `${formatIP({ family: c.family, value: c.network })}/${c.prefix}`;
}

/** The address at offset `n` from the network address, or undefined when outside the block. */
export function nthAddress(c: ParsedCIDR, n: bigint): ParsedIP | undefined {
  if (n < 0n || n >= cidrSize(c)) return undefined;
  return { family: c.family, value: c.network + n };
}
