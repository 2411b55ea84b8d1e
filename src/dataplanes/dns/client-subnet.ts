/**
 * EDNS Client Subnet (RFC 7871): reading the option of a query strictly (a malformed one is
 * FORMERR, §7.1.1), echoing it with the answer's scope (§7.2.1), and the client a Geo answer
 * is for — the client subnet when the query has one, else the resolver's own address.
 * @module
 */
import type { PacketOpt } from 'dns-packet';
import { parseIP, type ParsedIP } from '../../lib/index.ts';
import type { PublicClient } from './public-answer.ts';

/** The option code of CLIENT-SUBNET. */
export const CLIENT_SUBNET_CODE = 8;

/** A well-formed client subnet, and how to echo it with a scope. */
export interface ClientSubnet {
  readonly address: ParsedIP;
  /** SOURCE PREFIX-LENGTH. */
  readonly prefix: number;
  /** The option data to send back, with SCOPE PREFIX-LENGTH `scope`. */
  echo(scope: number): Buffer;
}

/** Reads the CLIENT-SUBNET option of an OPT record: undefined when absent, 'malformed' when it breaks RFC 7871 §6. */
export function parseClientSubnet(options: readonly PacketOpt[] | undefined): ClientSubnet | 'malformed' | undefined {
  const found = (options ?? []).filter((o) => o.code === CLIENT_SUBNET_CODE);
  if (found.length === 0) return undefined;
  const data = found[0]?.data;
  if (found.length > 1 || data === undefined || data.length < 4) return 'malformed';
  const family = data.readUInt16BE(0);
  const prefix = data.readUInt8(2);
  const scope = data.readUInt8(3);
  const width = family === 1 ? 32 : family === 2 ? 128 : 0;
  const bytes = data.subarray(4);
  // FAMILY 1 or 2; SOURCE within the address; SCOPE 0 in queries; exactly ceil(SOURCE/8) address bytes.
  if (width === 0 || prefix > width || scope !== 0 || bytes.length !== Math.ceil(prefix / 8)) return 'malformed';
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  value <<= BigInt(width - bytes.length * 8);
  // Address bits beyond SOURCE PREFIX-LENGTH must be zero.
  const host = (1n << BigInt(width - prefix)) - 1n;
  if ((value & host) !== 0n) return 'malformed';
  const echoed = Buffer.from(data);
  return {
    address: { family: family === 1 ? 4 : 6, value },
    prefix,
    echo(s) {
      const out = Buffer.from(echoed);
      out.writeUInt8(Math.max(0, Math.min(s, width)), 3);
      return out;
    },
  };
}

const MAPPED_V4 = 0xffffn << 32n;

/** The resolver's address: an IPv4-mapped IPv6 source (a dual-stack socket) counts as IPv4. */
function sourceAddress(source: string | undefined): ParsedIP | undefined {
  if (source === undefined) return undefined;
  const ip = parseIP(source);
  if (ip?.family === 6 && ip.value >> 32n === MAPPED_V4 >> 32n) return { family: 4, value: ip.value & 0xffffffffn };
  return ip;
}

/** The client a Geo answer is for: the query's client subnet, else the resolver's address. */
export function clientOf(ecs: ClientSubnet | undefined, source: string | undefined): PublicClient {
  if (ecs !== undefined) return { address: ecs.address, prefix: ecs.prefix };
  const address = sourceAddress(source);
  return address === undefined ? {} : { address };
}
