import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparePrecedence, exportAge, orderByPrecedence, timestampMillis, type Dated } from './order.ts';

const NOW = '2026-05-01T12:00:00Z';
const ms = (s: string): number => Date.parse(s);

describe('exportAge', () => {
  const cases: { name: string; created: string | Date | null | undefined; seen?: string; want: { time: number; firstSeen?: string } }[] = [
    { name: 'creationTimestamp wins over first seen', created: '2026-01-01T00:00:00Z', seen: '2025-01-01T00:00:00Z', want: { time: ms('2026-01-01T00:00:00Z') } },
    { name: 'a Date from a YAML loader', created: new Date('2026-01-02T00:00:00Z'), want: { time: ms('2026-01-02T00:00:00Z') } },
    { name: 'no timestamp: persisted first seen', created: undefined, seen: '2025-01-01T00:00:00Z', want: { time: ms('2025-01-01T00:00:00Z'), firstSeen: '2025-01-01T00:00:00Z' } },
    { name: 'null timestamp, never seen: now', created: null, want: { time: ms(NOW), firstSeen: NOW } },
    { name: 'corrupt first seen is replaced by now', created: undefined, seen: 'yesterday', want: { time: ms(NOW), firstSeen: NOW } },
    { name: 'unparsable timestamp falls back to first seen', created: 'soon', seen: '2025-03-01T00:00:00Z', want: { time: ms('2025-03-01T00:00:00Z'), firstSeen: '2025-03-01T00:00:00Z' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(exportAge(c.created, c.seen, NOW), c.want));
});

describe('orderByPrecedence', () => {
  const cases: { name: string; input: Dated[]; want: string[] }[] = [
    { name: 'oldest first', input: [{ cluster: 'a', time: 3 }, { cluster: 'b', time: 1 }, { cluster: 'c', time: 2 }], want: ['b', 'c', 'a'] },
    { name: 'ties broken by cluster name', input: [{ cluster: 'c2', time: 5 }, { cluster: 'c10', time: 5 }, { cluster: 'c1', time: 5 }], want: ['c1', 'c10', 'c2'] },
    { name: 'age beats name', input: [{ cluster: 'a', time: 2 }, { cluster: 'z', time: 1 }], want: ['z', 'a'] },
    { name: 'empty', input: [], want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.input);
      assert.deepEqual(
        orderByPrecedence(c.input).map((d) => d.cluster),
        c.want,
      );
      assert.deepEqual(c.input, before, 'the input is not reordered');
    });
  }

  it('comparePrecedence is a total order consistent with equality', () => {
    assert.equal(comparePrecedence({ cluster: 'a', time: 1 }, { cluster: 'a', time: 1 }), 0);
    assert.equal(comparePrecedence({ cluster: 'a', time: 1 }, { cluster: 'b', time: 1 }), -1);
    assert.equal(comparePrecedence({ cluster: 'a', time: 2 }, { cluster: 'b', time: 1 }), 1);
  });

  it('timestampMillis compares instants across time zones', () => {
    assert.equal(timestampMillis('2026-02-01T01:00:00+01:00'), timestampMillis('2026-02-01T00:00:00Z'));
    assert.equal(timestampMillis(undefined), undefined);
    assert.equal(timestampMillis('not a time'), undefined);
  });
});
