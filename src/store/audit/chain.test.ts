import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, sha256hex } from './canonical-json.ts';
import { type AuditDraft, type AuditRecord, auditId, GENESIS_HASH, hashRecord, sealRecords, verifyChain } from './chain.ts';

const clock = (): Date => new Date('2025-03-01T10:00:00Z');

const drafts: AuditDraft[] = [
  { actor: 'alice', action: 'failover.propose', target: 'cases/case-writes', reason: 'sgp down', evidence: { lag: 2, headroom: 0.4 } },
  { actor: 'bob', action: 'failover.approve', target: 'cases/case-writes', changeRequest: 'CR-1' },
  { actor: 'system', action: 'failover.execute', target: 'cases/case-writes', before: { owner: 'sgp' }, after: { owner: 'jkt' } },
  { actor: 'system', action: 'failover.complete', target: 'cases/case-writes', time: '2025-03-01T10:05:00Z' },
];

const chain = (): AuditRecord[] => sealRecords(drafts, { seq: 0, hash: GENESIS_HASH }, clock);

describe('sealRecords', () => {
  it('numbers records from the head and chains each hash into the next prevHash', () => {
    const records = chain();
    assert.deepEqual(records.map((r) => r.id), ['a-000001', 'a-000002', 'a-000003', 'a-000004']);
    assert.equal(records[0]?.prevHash, GENESIS_HASH);
    for (let i = 1; i < records.length; i++) assert.equal(records[i]?.prevHash, records[i - 1]?.hash);
    assert.equal(records[0]?.time, '2025-03-01T10:00:00.000Z');
    assert.equal(records[3]?.time, '2025-03-01T10:05:00.000Z');
    const next = sealRecords([drafts[0]!], records[3]!, clock);
    assert.deepEqual([next[0]?.seq, next[0]?.prevHash], [5, records[3]?.hash]);
  });

  it('hashes sha256hex(prevHash + newline + canonical JSON of the record without its hash)', () => {
    const [first] = chain();
    assert.ok(first !== undefined);
    const { hash, ...content } = first;
    assert.equal(hash, sha256hex(`${GENESIS_HASH}\n${canonicalJson(content)}`));
    assert.equal(hash, hashRecord(first));
    assert.match(hash, /^[0-9a-f]{64}$/);
  });

  it('is deterministic: same drafts, head and clock give the same records', () => {
    assert.deepEqual(chain(), chain());
  });

  it('formats ids with at least six digits', () => {
    assert.equal(auditId(42), 'a-000042');
    assert.equal(auditId(1234567), 'a-1234567');
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain, and an empty one', () => {
    assert.deepEqual(verifyChain(chain()), { ok: true, count: 4 });
    assert.deepEqual(verifyChain([]), { ok: true, count: 0 });
  });

  it('accepts a suffix when given the head it continues from', () => {
    const records = chain();
    assert.deepEqual(verifyChain(records.slice(2), records[1]), { ok: true, count: 2 });
    assert.equal(verifyChain(records.slice(2)).ok, false);
  });

  const tampered: { name: string; edit: (records: AuditRecord[]) => AuditRecord[]; seq: number }[] = [
    { name: 'an edited field', edit: (r) => r.map((x) => (x.seq === 2 ? { ...x, actor: 'mallory' } : x)), seq: 2 },
    { name: 'edited evidence', edit: (r) => r.map((x) => (x.seq === 1 ? { ...x, evidence: { lag: 0, headroom: 0.4 } } : x)), seq: 1 },
    { name: 'a removed optional field', edit: (r) => r.map((x) => (x.seq === 2 ? { ...x, changeRequest: undefined } : x)), seq: 2 },
    {
      name: 'an edit whose hash was recomputed',
      edit: (r) => r.map((x) => (x.seq === 2 ? { ...x, actor: 'mallory', hash: hashRecord({ ...x, actor: 'mallory' }) } : x)),
      seq: 3,
    },
    { name: 'a removed record', edit: (r) => r.filter((x) => x.seq !== 2), seq: 2 },
    { name: 'two swapped records', edit: (r) => [r[0]!, r[2]!, r[1]!, r[3]!], seq: 2 },
    { name: 'a renumbered record', edit: (r) => r.map((x) => (x.seq === 3 ? { ...x, id: 'a-000009' } : x)), seq: 3 },
    { name: 'a duplicated record', edit: (r) => [r[0]!, r[1]!, r[1]!, r[2]!], seq: 3 },
  ];
  for (const t of tampered) {
    it(`detects ${t.name} and names the first bad seq`, () => {
      const result = verifyChain(t.edit(chain()));
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.seq, t.seq, JSON.stringify(result));
      assert.ok(!result.ok && result.reason !== '');
    });
  }
});
