/**
 * The authoritative answer logic of the ClusterSet zone (MCS DNS spec v1.0.0):
 * a pure function from a zone and a question to an rcode and records.
 * All name semantics (NODATA vs NXDOMAIN, the reserved `<clusterid>.<svc>`
 * form, readiness) are decided when the index is built; answering is a lookup.
 * @module
 */
import type { DnsZoneIR } from '../../ir/index.ts';
import type { DnsAnswer, DnsQuestion, DnsRecord, DnsRecordType } from './records.ts';
import { indexZone, normalizeName, type DnsIndex } from './zone-index.ts';

const NO_RECORDS: readonly DnsRecord[] = Object.freeze([]);
const REFUSED: DnsAnswer = Object.freeze({ rcode: 'REFUSED', answers: NO_RECORDS, authoritative: true });
const NXDOMAIN: DnsAnswer = Object.freeze({ rcode: 'NXDOMAIN', answers: NO_RECORDS, authoritative: true });
const NODATA: DnsAnswer = Object.freeze({ rcode: 'NOERROR', answers: NO_RECORDS, authoritative: true });

// ANY returns every RRset at the name, in a fixed order so output is deterministic.
const ANY_ORDER: readonly DnsRecordType[] = ['A', 'AAAA', 'SRV', 'TXT'];

function isRecordType(t: string): t is DnsRecordType {
  return t === 'A' || t === 'AAAA' || t === 'SRV' || t === 'TXT';
}

function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

// Indexes are memoised per IR object: zone IR values are immutable snapshots,
// so identity is a safe cache key and the cache dies with the snapshot.
const indexes = new WeakMap<DnsZoneIR, DnsIndex>();

/** Answers `question` from a prebuilt index (what the server calls on every query). */
export function answerFromIndex(index: DnsIndex, question: DnsQuestion): DnsAnswer {
  const asked = question.name.endsWith('.') ? question.name.slice(0, -1) : question.name;
  const key = normalizeName(asked);
  if (key === '' || !inZone(key, index.zone)) return REFUSED;
  // Only the Internet class is served; CHAOS queries and the like are not ours.
  const klass = (question.class ?? 'IN').toUpperCase();
  if (klass !== 'IN' && klass !== 'ANY') return REFUSED;
  const type = question.type.toUpperCase();
  // Zone transfers are not offered: the IR, not AXFR, is the replication path.
  if (type === 'AXFR' || type === 'IXFR') return REFUSED;
  const rrsets = index.names.get(key);
  if (rrsets === undefined) return NXDOMAIN;
  let records: readonly DnsRecord[];
  if (type === 'ANY') records = ANY_ORDER.flatMap((t) => rrsets.get(t) ?? NO_RECORDS);
  else records = (isRecordType(type) ? rrsets.get(type) : undefined) ?? NO_RECORDS;
  if (records.length === 0) return NODATA;
  // Answer with the owner name as asked: resolvers using 0x20 case
  // randomisation compare it with their question.
  if (asked !== key) records = records.map((r) => ({ ...r, name: asked }));
  return { rcode: 'NOERROR', answers: records, authoritative: true };
}

/** Answers `question` for `zone` (pure; the zone's index is built once and memoised). */
export function answerQuery(zone: DnsZoneIR, question: DnsQuestion): DnsAnswer {
  let index = indexes.get(zone);
  if (index === undefined) {
    index = indexZone(zone);
    indexes.set(zone, index);
  }
  return answerFromIndex(index, question);
}
