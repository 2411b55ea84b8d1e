import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SelectorParseError,
  formatSelector,
  matchesSelector,
  parseSelector,
  selectorFromLabelSelector,
  type Selector,
} from './label-selector.ts';

describe('parseSelector', () => {
  const valid: [string, Selector][] = [
    ['', []],
    ['   ', []],
    ['app=web', [{ key: 'app', op: 'In', values: ['web'] }]],
    ['app==web', [{ key: 'app', op: 'In', values: ['web'] }]],
    ['app!=web', [{ key: 'app', op: 'NotIn', values: ['web'] }]],
    ['app=', [{ key: 'app', op: 'In', values: [''] }]],
    ['app in (a,b)', [{ key: 'app', op: 'In', values: ['a', 'b'] }]],
    ['app notin (b, a, b)', [{ key: 'app', op: 'NotIn', values: ['a', 'b'] }]],
    ['app in ()', [{ key: 'app', op: 'In', values: [''] }]],
    ['app in (a,)', [{ key: 'app', op: 'In', values: ['', 'a'] }]],
    ['app in(a)', [{ key: 'app', op: 'In', values: ['a'] }]],
    ['app', [{ key: 'app', op: 'Exists', values: [] }]],
    ['!app', [{ key: 'app', op: 'DoesNotExist', values: [] }]],
    ['! app', [{ key: 'app', op: 'DoesNotExist', values: [] }]],
    [
      '  tier = db ,  app.kubernetes.io/name!=x , !canary,env in ( prod , stage )  ',
      [
        { key: 'app.kubernetes.io/name', op: 'NotIn', values: ['x'] },
        { key: 'canary', op: 'DoesNotExist', values: [] },
        { key: 'env', op: 'In', values: ['prod', 'stage'] },
        { key: 'tier', op: 'In', values: ['db'] },
      ],
    ],
    ['a=in', [{ key: 'a', op: 'In', values: ['in'] }]],
    ['Example_Key=V.1', [{ key: 'Example_Key', op: 'In', values: ['V.1'] }]],
  ];
  for (const [input, want] of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseSelector(input), want);
    });
  }

  // Each row: input, the 0-based position reported, and a fragment of the message.
  const invalid: [string, number, string][] = [
    ['a,', 2, 'expected a label key, found end of input'],
    [',a', 0, "expected a label key, found ','"],
    ['a,,b', 2, "expected a label key, found ','"],
    ['a=b c', 4, "expected ',' or end of input, found 'c'"],
    ['a in b', 5, "expected '(', found 'b'"],
    ['a in (b', 7, 'found end of input'],
    ['a in (b c)', 8, "expected ',' or ')' in value list"],
    ['a in (b))', 8, "expected ',' or end of input, found ')'"],
    ['a (b)', 2, "expected one of '=', '==', '!=', 'in', 'notin', ',' after key 'a'"],
    ['a>1', 1, "operator '>' is not supported"],
    ['a<1', 1, "operator '<' is not supported"],
    ['a=(b)', 2, "expected a label value after '=', found '('"],
    ['!a=b', 2, "'!a' must be followed by ',' or end of input"],
    ['!', 1, 'expected a label key, found end of input'],
    ['!=a', 0, "expected a label key, found '!='"],
    ['a=b=c', 3, "expected ',' or end of input, found '='"],
    ['-bad=x', 0, "invalid label key '-bad': name part must consist of"],
    ['a/b/c', 0, 'a qualified name must consist of'],
    ['Example.com/a=x', 0, 'prefix part a lowercase RFC 1123 subdomain'],
    ['a=-x', 2, "invalid label value '-x': a valid label must be an empty string"],
    [`a=${'v'.repeat(64)}`, 2, 'must be no more than 63 characters'],
    ['a in (ok, bad_)', 10, "invalid label value 'bad_'"],
  ];
  for (const [input, pos, fragment] of invalid) {
    it(`rejects ${JSON.stringify(input)} at ${pos}`, () => {
      assert.throws(
        () => parseSelector(input),
        (err: unknown) => {
          assert.ok(err instanceof SelectorParseError);
          assert.equal(err.code, 'LINTAS_ERR_SELECTOR');
          assert.equal(err.name, 'SelectorParseError');
          assert.equal(err.position, pos);
          assert.ok(err.message.includes(fragment), `message ${JSON.stringify(err.message)} lacks ${fragment}`);
          assert.ok(err.message.includes(`at position ${pos}`));
          return true;
        },
      );
    });
  }
});

describe('matchesSelector', () => {
  const labels = { app: 'web', tier: 'frontend', empty: '' };
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app=api', labels, false],
    ['app!=api', labels, true],
    ['app!=web', labels, false],
    ['missing!=x', labels, true], // != matches an absent label, as in Kubernetes
    ['missing!=x', undefined, true],
    ['missing=x', labels, false],
    ['app in (api,web)', labels, true],
    ['app notin (api,web)', labels, false],
    ['missing notin (a)', labels, true],
    ['missing in (a)', labels, false],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['empty=', labels, true],
    ['empty', labels, true],
    ['missing=', labels, false], // "k=" needs the label present with an empty value
    ['app=web,tier=frontend', labels, true],
    ['app=web,tier=backend', labels, false], // requirements are ANDed
    ['constructor', {}, false], // must not see Object.prototype members
    ['toString in (x)', {}, false],
    ['!hasOwnProperty', {}, true],
  ];
  for (const [sel, ls, want] of cases) {
    it(`${JSON.stringify(sel)} on ${JSON.stringify(ls)} -> ${want}`, () => {
      assert.equal(matchesSelector(parseSelector(sel), ls), want);
    });
  }
});

describe('selectorFromLabelSelector', () => {
  it('treats undefined as match-everything', () => {
    const sel = selectorFromLabelSelector(undefined);
    assert.deepEqual(sel, []);
    assert.equal(matchesSelector(sel, { any: 'thing' }), true);
  });

  it('treats {} as match-everything', () => {
    assert.deepEqual(selectorFromLabelSelector({}), []);
  });

  it('combines matchLabels and matchExpressions, sorted by key', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { tier: 'db', app: 'pg' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev', 'prod'] },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'ready', operator: 'Exists', values: [] },
      ],
    });
    assert.deepEqual(sel, [
      { key: 'app', op: 'In', values: ['pg'] },
      { key: 'canary', op: 'DoesNotExist', values: [] },
      { key: 'env', op: 'In', values: ['dev', 'prod'] },
      { key: 'ready', op: 'Exists', values: [] },
      { key: 'tier', op: 'In', values: ['db'] },
      { key: 'zone', op: 'NotIn', values: ['b'] },
    ]);
    assert.equal(formatSelector(sel), 'app=pg,!canary,env in (dev,prod),ready,tier=db,zone!=b');
  });

  const bad: [string, Parameters<typeof selectorFromLabelSelector>[0], string][] = [
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, 'unknown operator "Gt"'],
    ['lower-case operator', { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }, 'unknown operator "in"'],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In' }] }, 'must be non-empty'],
    ['NotIn with []', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }, 'must be non-empty'],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'must be empty'],
    ['bad expression key', { matchExpressions: [{ key: 'a b', operator: 'Exists' }] }, 'matchExpressions[0].key'],
    ['bad expression value', { matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', '-x'] }] }, '.values[1]'],
    ['bad matchLabels key', { matchLabels: { '/x': 'y' } }, 'prefix part must be non-empty'],
    ['bad matchLabels value', { matchLabels: { a: 'x y' } }, 'a valid label must be'],
    // YAML `tier: 1` arrives as a number despite the static type.
    ['non-string value', { matchLabels: { tier: 1 as unknown as string } }, 'must be a string'],
  ];
  for (const [name, ls, fragment] of bad) {
    it(`throws on ${name}`, () => {
      assert.throws(
        () => selectorFromLabelSelector(ls),
        (err: unknown) =>
          err instanceof SelectorParseError &&
          err.code === 'LINTAS_ERR_SELECTOR' &&
          err.message.includes(fragment),
      );
    });
  }
});

describe('formatSelector', () => {
  const roundTrips: [string, string][] = [
    ['', ''],
    ['app=web', 'app=web'],
    ['app==web', 'app=web'],
    ['app!=web', 'app!=web'],
    ['app in (web)', 'app=web'],
    ['app notin ( b , a )', 'app notin (a,b)'],
    ['b,!a', '!a,b'],
    ['app=', 'app='],
    ['app in (,x)', 'app in (,x)'],
  ];
  for (const [input, want] of roundTrips) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => {
      const formatted = formatSelector(parseSelector(input));
      assert.equal(formatted, want);
      // Canonical output must parse back to the same selector.
      assert.deepEqual(parseSelector(formatted), parseSelector(input));
    });
  }
});
