import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileMatch } from './match.ts';
import { replacePrefix, rewritePath } from './rewrite.ts';

describe('ReplacePrefixMatch (Gateway API table and conformance cases)', () => {
  const cases: [string, string, string, string][] = [
    // request, match prefix, replacement, result
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/prefix/one/two', '/prefix/one', '/one', '/one/two'],
    ['/strip-prefix/three', '/strip-prefix', '/', '/three'],
    ['/strip-prefix', '/strip-prefix', '/', '/'],
    ['/a/b', '/', '/xyz', '/xyz/a/b'],
    ['/', '/', '/xyz', '/xyz'],
  ];
  for (const [path, prefix, replacement, want] of cases) {
    test(`${path} (match ${prefix}, replace ${replacement}) → ${want}`, () => {
      const match = compileMatch({ path: { type: 'PathPrefix', value: prefix }, headers: [], queryParams: [] });
      assert.equal(rewritePath(path, { type: 'ReplacePrefixMatch', value: replacement }, match), want);
    });
  }

  test('ReplaceFullPath replaces the whole path', () => {
    const match = compileMatch({ path: { type: 'PathPrefix', value: '/foo' }, headers: [], queryParams: [] });
    assert.equal(rewritePath('/foo/bar', { type: 'ReplaceFullPath', value: '/full' }, match), '/full');
  });

  test('ReplacePrefixMatch on an Exact match replaces the whole path', () => {
    const match = compileMatch({ path: { type: 'Exact', value: '/foo' }, headers: [], queryParams: [] });
    assert.equal(rewritePath('/foo', { type: 'ReplacePrefixMatch', value: '/bar' }, match), '/bar');
  });

  test('replacePrefix never yields an empty path', () => {
    assert.equal(replacePrefix('/foo', '/foo', ''), '/');
  });
});
