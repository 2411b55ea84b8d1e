/**
 * The IR: what controllers compute and data planes consume. Data only.
 * @module
 */
export type { DnsEndpointIR, DnsPortIR, DnsServiceIR, DnsZoneIR } from './dns.ts';
