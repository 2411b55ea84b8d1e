/**
 * Query counters of the DNS server: totals by transport, question type and
 * response code, dropped malformed messages, and what the TCP limits did
 * (refused, evicted, timed-out connections). The metrics endpoint reads
 * them (or subscribes through `onQuery`); the server never resets them.
 * @module
 */
import type { TcpTimeout } from './tcp.ts';
import type { DnsQueryEvent } from './wire.ts';

/** Why the server closed TCP connections on its own, by cause. */
export interface TcpCloseCounts {
  /** Refused at accept: the source already had its maximum of open connections. */
  readonly refused: number;
  /** Closed at the global cap to make room for a new connection (the least recently active one). */
  readonly evicted: number;
  /** Closed because no message started within the idle deadline. */
  readonly idleTimeout: number;
  /** Closed because a message was not complete within the message deadline. */
  readonly messageTimeout: number;
}

/** A point-in-time copy of the server's counters. */
export interface DnsServerStats {
  /** Queries answered (every reply sent, whatever its rcode). */
  readonly queries: number;
  readonly udp: number;
  readonly tcp: number;
  /** Replies sent with TC=1 because the answer did not fit. */
  readonly truncated: number;
  /** Messages dropped unanswered: undecodable, or not a query. */
  readonly malformed: number;
  /** Answered queries by question type (`A`, `SRV`, `OTHER`, `NONE`…). */
  readonly byType: Readonly<Record<string, number>>;
  /** Answered queries by response code (`NOERROR`, `NXDOMAIN`…). */
  readonly byRcode: Readonly<Record<string, number>>;
  /** TCP connections the server closed or refused on its own. */
  readonly tcpClosed: TcpCloseCounts;
  /** TCP connections open at the time of the snapshot. */
  readonly tcpOpen: number;
}

/** Mutable counters behind {@link DnsServerStats}. */
export class DnsCounters {
  private queries = 0;
  private udp = 0;
  private tcp = 0;
  private truncated = 0;
  private malformedCount = 0;
  private readonly closes = { refused: 0, evicted: 0, idleTimeout: 0, messageTimeout: 0 };
  // Maps, not objects: the keys come off the wire and must never hit a prototype.
  private readonly byType = new Map<string, number>();
  private readonly byRcode = new Map<string, number>();

  /** Counts one answered query. */
  record(event: DnsQueryEvent): void {
    this.queries += 1;
    if (event.transport === 'udp') this.udp += 1;
    else this.tcp += 1;
    if (event.truncated) this.truncated += 1;
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    this.byRcode.set(event.rcode, (this.byRcode.get(event.rcode) ?? 0) + 1);
  }

  /** Counts one dropped malformed message. */
  malformed(): void {
    this.malformedCount += 1;
  }

  /** Counts one connection refused at accept (per-source limit). */
  tcpRefused(): void {
    this.closes.refused += 1;
  }

  /** Counts one connection evicted at the global cap. */
  tcpEvicted(): void {
    this.closes.evicted += 1;
  }

  /** Counts one connection closed by a deadline. */
  tcpTimedOut(why: TcpTimeout): void {
    if (why === 'idle') this.closes.idleTimeout += 1;
    else this.closes.messageTimeout += 1;
  }

  /** Copies the counters (callers may keep the result; later queries do not change it); `tcpOpen` is the server's current count. */
  snapshot(tcpOpen = 0): DnsServerStats {
    return {
      queries: this.queries,
      udp: this.udp,
      tcp: this.tcp,
      truncated: this.truncated,
      malformed: this.malformedCount,
      byType: Object.fromEntries([...this.byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      byRcode: Object.fromEntries([...this.byRcode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      tcpClosed: { ...this.closes },
      tcpOpen,
    };
  }
}
