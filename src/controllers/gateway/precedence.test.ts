import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteMatchIR } from '../../ir/index.ts';
import { comparePrecedence, type PrecedenceKey } from './precedence.ts';

function key(name: string, match: Partial<RouteMatchIR> & { path?: RouteMatchIR['path'] }, extra: Partial<PrecedenceKey> = {}): PrecedenceKey & { id: string } {
  return {
    id: extra.name ? `${extra.namespace ?? 'ns'}/${extra.name}#${extra.ruleIndex ?? 0}.${extra.matchIndex ?? 0}` : name,
    match: { path: match.path ?? { type: 'PathPrefix', value: '/' }, headers: match.headers ?? [], queryParams: match.queryParams ?? [], ...(match.method ? { method: match.method } : {}) },
    namespace: 'ns',
    name: 'r',
    ruleIndex: 0,
    matchIndex: 0,
    ...extra,
  };
}

const h = (n: number): RouteMatchIR['headers'] => Array.from({ length: n }, (_, i) => ({ name: `h${i}`, type: 'Exact' as const, value: 'v' }));

/** Sorts a reversed copy, so a comparator that leaned on input order would fail. */
function order(keys: (PrecedenceKey & { id: string })[]): string[] {
  return [...keys].reverse().sort(comparePrecedence).map((k) => k.id);
}

describe('comparePrecedence', () => {
  it('puts Exact before RegularExpression before PathPrefix, whatever the lengths', () => {
    assert.deepEqual(
      order([key('exact', { path: { type: 'Exact', value: '/a' } }), key('regex', { path: { type: 'RegularExpression', value: '^/a/.*$' } }), key('prefix', { path: { type: 'PathPrefix', value: '/a/b/c/d/e/f' } })]),
      ['exact', 'regex', 'prefix'],
    );
  });
  it('prefers the longer prefix', () => {
    assert.deepEqual(order([key('short', { path: { type: 'PathPrefix', value: '/a' } }), key('root', {}), key('long', { path: { type: 'PathPrefix', value: '/a/b' } })]), ['long', 'short', 'root']);
  });
  it('prefers a method match over more headers, more headers over more query params', () => {
    const p = { type: 'PathPrefix' as const, value: '/x' };
    assert.deepEqual(
      order([
        key('query2', { path: p, queryParams: h(2) }),
        key('headers1', { path: p, headers: h(1) }),
        key('headers3', { path: p, headers: h(3) }),
        key('method', { path: p, method: 'GET' }),
        key('plain', { path: p }),
      ]),
      ['method', 'headers3', 'headers1', 'query2', 'plain'],
    );
  });
  it('breaks ties by oldest route, undated last, then {namespace}/{name}, then rule and match order', () => {
    const keys = [
      key('', {}, { namespace: 'b', name: 'r', created: 2000 }),
      key('', {}, { namespace: 'a', name: 'z', created: 1000 }),
      key('', {}, { namespace: 'demo', name: 'r' }),
      key('', {}, { namespace: 'demo-x', name: 'r' }),
      key('', {}, { namespace: 'demo', name: 'r', ruleIndex: 1 }),
      key('', {}, { namespace: 'demo', name: 'r', matchIndex: 1 }),
    ];
    assert.deepEqual(order(keys), ['a/z#0.0', 'b/r#0.0', 'demo-x/r#0.0', 'demo/r#0.0', 'demo/r#0.1', 'demo/r#1.0']);
  });
  it('is antisymmetric and only ties a key with itself', () => {
    const keys = [key('a', { method: 'GET' }), key('b', { headers: h(1) }), key('c', {}, { created: 5 }), key('d', {}, { ruleIndex: 2 })];
    for (const x of keys) {
      for (const y of keys) {
        assert.equal(Math.sign(comparePrecedence(x, y)) + Math.sign(comparePrecedence(y, x)), 0);
        if (x !== y) assert.notEqual(comparePrecedence(x, y), 0);
      }
    }
  });
});
