/**
 * The data the DNS answer logic speaks: questions, records and answers as
 * plain objects, independent of any wire codec so the logic stays pure and
 * testable without sockets.
 * @module
 */
import type { SoaIR } from '../../ir/index.ts';

/** Record types the zones ever hold: the MCS DNS spec needs A/AAAA/SRV/TXT, the public zones SOA and NS too. */
export type DnsRecordType = 'A' | 'AAAA' | 'SRV' | 'TXT' | 'SOA' | 'NS';

/** The response codes {@link DnsAnswer} can carry. */
export type DnsRcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

/** SRV record data (RFC 2782). */
export interface DnsSrvData {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** Target host name, lowercase, no trailing dot. */
  readonly target: string;
}

/** An A or AAAA record; `data` is the address text. */
export interface DnsAddressRecord {
  readonly type: 'A' | 'AAAA';
  readonly name: string;
  readonly ttl: number;
  readonly data: string;
}

/** An SRV record. */
export interface DnsSrvRecord {
  readonly type: 'SRV';
  readonly name: string;
  readonly ttl: number;
  readonly data: DnsSrvData;
}

/** A TXT record; `data` is its list of character-strings. */
export interface DnsTxtRecord {
  readonly type: 'TXT';
  readonly name: string;
  readonly ttl: number;
  readonly data: readonly string[];
}

/** SOA record data (RFC 1035 §3.3.13): the IR's, times in seconds, `minimum` the negative-caching TTL (RFC 2308). */
export type DnsSoaData = SoaIR;

/** A zone's SOA record. */
export interface DnsSoaRecord {
  readonly type: 'SOA';
  readonly name: string;
  readonly ttl: number;
  readonly data: DnsSoaData;
}

/** An NS record; `data` is the name server's name. */
export interface DnsNsRecord {
  readonly type: 'NS';
  readonly name: string;
  readonly ttl: number;
  readonly data: string;
}

/** One resource record (owner name without trailing dot). */
export type DnsRecord = DnsAddressRecord | DnsSrvRecord | DnsTxtRecord | DnsSoaRecord | DnsNsRecord;

/** A question as decoded from the wire: type and class are mnemonics (`A`, `IN`, `UNKNOWN_65`). */
export interface DnsQuestion {
  readonly name: string;
  readonly type: string;
  readonly class?: string;
}

/** The authoritative answer to one question. */
export interface DnsAnswer {
  readonly rcode: DnsRcode;
  readonly answers: readonly DnsRecord[];
  readonly authoritative: true;
  /** Authority section: the zone's SOA on negative answers (RFC 2308), so resolvers can cache them. */
  readonly authority?: readonly DnsRecord[];
  /** Additional section: glue addresses of in-zone name servers. */
  readonly additional?: readonly DnsRecord[];
}
