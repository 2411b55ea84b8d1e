/**
 * The authoritative ClusterSet DNS data plane: answer logic over the DNS IR
 * and the UDP/TCP server that serves it.
 * @module
 */
export { answerFromIndex, answerQuery } from './answer.ts';
export { DNS_SCHEMA_VERSION, indexZone, normalizeName, type DnsIndex, type DnsRRsets } from './zone-index.ts';
export type {
  DnsAddressRecord,
  DnsAnswer,
  DnsQuestion,
  DnsRcode,
  DnsRecord,
  DnsRecordType,
  DnsSrvData,
  DnsSrvRecord,
  DnsTxtRecord,
} from './records.ts';
export { startDnsServer, type DnsServer, type DnsServerOptions } from './server.ts';
export type { DnsServerStats, TcpCloseCounts } from './stats.ts';
export { registerDnsServerMetrics } from './metrics.ts';
export { DnsServerError, type DnsServerErrorCode } from './errors.ts';
export {
  CLASSIC_UDP_LIMIT,
  EDNS_UDP_PAYLOAD,
  answerMessage,
  type DnsQueryEvent,
  type DnsTransport,
  type WireResult,
} from './wire.ts';
