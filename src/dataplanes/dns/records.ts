/**
 * The data the DNS answer logic speaks: questions, records and answers as
 * plain objects, independent of any wire codec so the logic stays pure and
 * testable without sockets.
 * @module
 */

/** Record types this zone ever holds (the MCS DNS spec needs no others). */
export type DnsRecordType = 'A' | 'AAAA' | 'SRV' | 'TXT';

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

/** One resource record (owner name without trailing dot). */
export type DnsRecord = DnsAddressRecord | DnsSrvRecord | DnsTxtRecord;

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
}
