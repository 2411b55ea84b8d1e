/**
 * Prometheus metrics of the DNS server that its own counters hold: dropped
 * malformed messages and what the TCP limits did. They are read from
 * {@link DnsServerStats} at scrape time (`collect`), like the gateway's
 * counters, so the query path never touches prom-client.
 * @module
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DnsServerStats } from './stats.ts';

/** Registers the DNS server metrics on `registry` (once per registry); `stats` is the running server's `stats`. */
export function registerDnsServerMetrics(registry: Registry, stats: () => DnsServerStats): void {
  new Counter({
    name: 'lintas_dns_malformed_total',
    help: 'DNS messages dropped unanswered because they could not be decoded or were not a query (UDP and TCP).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().malformed);
    },
  });
  new Counter({
    name: 'lintas_dns_tcp_connections_closed_total',
    help: 'DNS TCP connections the server refused or closed on its own: refused (per-source limit), evicted (global cap), idle_timeout, message_timeout.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const c = stats().tcpClosed;
      this.reset();
      this.inc({ reason: 'refused' }, c.refused);
      this.inc({ reason: 'evicted' }, c.evicted);
      this.inc({ reason: 'idle_timeout' }, c.idleTimeout);
      this.inc({ reason: 'message_timeout' }, c.messageTimeout);
    },
  });
  new Gauge({
    name: 'lintas_dns_tcp_connections',
    help: 'DNS TCP connections open now.',
    registers: [registry],
    collect() {
      this.set(stats().tcpOpen);
    },
  });
}
