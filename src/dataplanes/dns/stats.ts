/**
 * Query counters of the DNS server: totals by transport, question type and
 * response code, plus dropped malformed messages. The metrics endpoint reads
 * them (or subscribes through `onQuery`); the server never resets them.
 * @module
 */
import type { DnsQueryEvent } from './wire.ts';

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
}

/** Mutable counters behind {@link DnsServerStats}. */
export class DnsCounters {
  private queries = 0;
  private udp = 0;
  private tcp = 0;
  private truncated = 0;
  private malformedCount = 0;
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

  /** Copies the counters (callers may keep the result; later queries do not change it). */
  snapshot(): DnsServerStats {
    return {
      queries: this.queries,
      udp: this.udp,
      tcp: this.tcp,
      truncated: this.truncated,
      malformed: this.malformedCount,
      byType: Object.fromEntries([...this.byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      byRcode: Object.fromEntries([...this.byRcode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    };
  }
}
