/**
 * The authoritative ClusterSet DNS data plane: answer logic over the DNS IR
 * and the UDP/TCP server that serves it.
 * @module
 */
export { answerFromIndex, answerQuery } from './answer.ts';
export { DNS_SCHEMA_VERSION, indexZone, normalizeName, ZoneIndexer, type DnsIndex, type DnsRRsets } from './zone-index.ts';
export type {
  DnsAddressRecord,
  DnsAnswer,
  DnsQuestion,
  DnsRcode,
  DnsNsRecord,
  DnsRecord,
  DnsRecordType,
  DnsSoaData,
  DnsSoaRecord,
  DnsSrvData,
  DnsSrvRecord,
  DnsTxtRecord,
} from './records.ts';
export { startDnsServer, type DnsServer, type DnsServerOptions } from './server.ts';
export { DNS_THREAD_NAME, QUERY_FLUSH_MS, serveDnsThread, startDnsThread, zoneDelta, type DnsThread, type DnsThreadData, type DnsThreadOptions, type HeldZone } from './dns-thread.ts';
export { EMPTY_PUBLIC_INDEX, indexPublicZones, publicZoneOf, type PublicDnsIndex, type PublicHostEntry, type PublicNode, type PublicZoneEntry } from './public-index.ts';
export { answerPublic, chooseClusters, geoMatch, type PublicAnswer, type PublicChoice, type PublicClient } from './public-answer.ts';
export { CLIENT_SUBNET_CODE, clientOf, parseClientSubnet, type ClientSubnet } from './client-subnet.ts';
export type { DnsServerStats, TcpCloseCounts } from './stats.ts';
export { registerDnsServerMetrics } from './metrics.ts';
export { DnsServerError, type DnsServerErrorCode } from './errors.ts';
export {
  CLASSIC_UDP_LIMIT,
  EDNS_UDP_PAYLOAD,
  answerMessage,
  type DnsQueryEvent,
  type DnsTransport,
  type WireContext,
  type WireResult,
} from './wire.ts';
