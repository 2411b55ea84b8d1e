import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import type { RouteMatchIR } from '../../ir/index.ts';
import { compileMatch, matches, parseQuery, type MatchInput } from './match.ts';

function input(url: string, method = 'GET', headers: IncomingHttpHeaders = {}): MatchInput {
  const q = url.indexOf('?');
  return {
    path: q < 0 ? url : url.slice(0, q),
    queryString: q < 0 ? '' : url.slice(q + 1),
    method,
    headers: () => headers,
    query: undefined,
  };
}

const m = (extra: Partial<RouteMatchIR>): RouteMatchIR => ({ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...extra });

describe('path matching (Gateway API §HTTPPathMatch)', () => {
  const cases: [string, RouteMatchIR['path'], string, boolean][] = [
    ['Exact equal', { type: 'Exact', value: '/abc' }, '/abc', true],
    ['Exact trailing slash differs', { type: 'Exact', value: '/abc' }, '/abc/', false],
    ['Exact is case-sensitive', { type: 'Exact', value: '/abc' }, '/Abc', false],
    ['Exact longer differs', { type: 'Exact', value: '/abc' }, '/abcd', false],
    ['Exact ignores the query', { type: 'Exact', value: '/abc' }, '/abc?x=1', true],
    ['Prefix equal', { type: 'PathPrefix', value: '/abc' }, '/abc', true],
    ['Prefix with trailing slash', { type: 'PathPrefix', value: '/abc' }, '/abc/', true],
    ['Prefix deeper', { type: 'PathPrefix', value: '/abc' }, '/abc/def', true],
    ['Prefix is element-wise', { type: 'PathPrefix', value: '/abc' }, '/abcd', false],
    ['Prefix value trailing slash ignored', { type: 'PathPrefix', value: '/abc/' }, '/abc', true],
    ['Prefix value trailing slash, deeper', { type: 'PathPrefix', value: '/abc/' }, '/abc/x', true],
    ['Prefix value trailing slash, not element', { type: 'PathPrefix', value: '/abc/' }, '/abcx', false],
    ['Prefix / matches everything', { type: 'PathPrefix', value: '/' }, '/anything/at/all', true],
    ['Prefix / matches /', { type: 'PathPrefix', value: '/' }, '/', true],
    ['Prefix is case-sensitive', { type: 'PathPrefix', value: '/abc' }, '/ABC', false],
    ['Regex full match', { type: 'RegularExpression', value: '/v[0-9]+/items' }, '/v2/items', true],
    ['Regex is anchored at the end', { type: 'RegularExpression', value: '/v[0-9]+' }, '/v2/items', false],
    ['Regex is anchored at the start', { type: 'RegularExpression', value: 'items' }, '/v2/items', false],
    ['Regex alternation stays anchored', { type: 'RegularExpression', value: '/a|/b' }, '/b/c', false],
  ];
  for (const [name, path, url, want] of cases) {
    test(`${name}: ${path.type} ${path.value} vs ${url} → ${String(want)}`, () => {
      assert.equal(matches(compileMatch(m({ path })), input(url)), want);
    });
  }
});

describe('headers, query params and method', () => {
  test('header names are case-insensitive, values exact', () => {
    const c = compileMatch(m({ headers: [{ name: 'X-Env', type: 'Exact', value: 'canary' }] }));
    assert.equal(matches(c, input('/', 'GET', { 'x-env': 'canary' })), true);
    assert.equal(matches(c, input('/', 'GET', { 'x-env': 'Canary' })), false);
    assert.equal(matches(c, input('/', 'GET', {})), false);
  });

  test('header regular expression is a full match', () => {
    const c = compileMatch(m({ headers: [{ name: 'x-v', type: 'RegularExpression', value: 'v[12]' }] }));
    assert.equal(matches(c, input('/', 'GET', { 'x-v': 'v2' })), true);
    assert.equal(matches(c, input('/', 'GET', { 'x-v': 'v23' })), false);
  });

  test('a header listed twice: only the first entry counts', () => {
    const c = compileMatch(
      m({
        headers: [
          { name: 'x-a', type: 'Exact', value: 'one' },
          { name: 'X-A', type: 'Exact', value: 'two' },
        ],
      }),
    );
    assert.equal(matches(c, input('/', 'GET', { 'x-a': 'one' })), true);
  });

  test('all headers are ANDed', () => {
    const c = compileMatch(
      m({
        headers: [
          { name: 'x-a', type: 'Exact', value: '1' },
          { name: 'x-b', type: 'Exact', value: '2' },
        ],
      }),
    );
    assert.equal(matches(c, input('/', 'GET', { 'x-a': '1', 'x-b': '2' })), true);
    assert.equal(matches(c, input('/', 'GET', { 'x-a': '1' })), false);
  });

  test('query param names are case-sensitive; the first value counts', () => {
    const c = compileMatch(m({ queryParams: [{ name: 'animal', type: 'Exact', value: 'whale' }] }));
    assert.equal(matches(c, input('/?animal=whale')), true);
    assert.equal(matches(c, input('/?ANIMAL=whale')), false);
    assert.equal(matches(c, input('/?animal=whale&animal=dolphin')), true);
    assert.equal(matches(c, input('/?animal=dolphin&animal=whale')), false);
    assert.equal(matches(c, input('/')), false);
  });

  test('query values are percent-decoded; regex values full-match', () => {
    const c = compileMatch(m({ queryParams: [{ name: 'q', type: 'RegularExpression', value: 'a b' }] }));
    assert.equal(matches(c, input('/?q=a%20b')), true);
    assert.equal(matches(c, input('/?q=a+b')), true);
    assert.equal(matches(c, input('/?q=a+bc')), false);
  });

  test('method must equal', () => {
    const c = compileMatch(m({ method: 'POST' }));
    assert.equal(matches(c, input('/', 'POST')), true);
    assert.equal(matches(c, input('/', 'GET')), false);
  });

  test('an invalid regular expression fails to compile', () => {
    assert.throws(() => compileMatch(m({ path: { type: 'RegularExpression', value: '/(' } })), SyntaxError);
  });

  test('parseQuery keeps first values and tolerates bad escapes', () => {
    assert.deepEqual([...parseQuery('a=1&a=2&b&c=%zz&=x')], [
      ['a', '1'],
      ['b', ''],
      ['c', '%zz'],
      ['', 'x'],
    ]);
  });
});
