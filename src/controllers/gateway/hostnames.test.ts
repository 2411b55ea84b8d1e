import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANY_HOST, compareHostnames, effectiveHostnames, hostnameMatches, intersectHostname, listenerCovers } from './hostnames.ts';

describe('hostnameMatches', () => {
  it('matches exact names exactly and wildcards at any depth but never the apex', () => {
    assert.equal(hostnameMatches('foo.example.com', 'foo.example.com'), true);
    assert.equal(hostnameMatches('foo.example.com', 'bar.example.com'), false);
    assert.equal(hostnameMatches('*.example.com', 'foo.example.com'), true);
    assert.equal(hostnameMatches('*.example.com', 'a.b.example.com'), true);
    assert.equal(hostnameMatches('*.example.com', 'example.com'), false);
    assert.equal(hostnameMatches('*.example.com', 'fooexample.com'), false);
    assert.equal(hostnameMatches(undefined, 'anything.org'), true);
    assert.equal(hostnameMatches(ANY_HOST, 'anything.org'), true);
  });
});

describe('intersectHostname (spec examples)', () => {
  const cases: [string | undefined, string, string | undefined][] = [
    // Listener test.example.com accepts test.example.com and *.example.com.
    ['test.example.com', 'test.example.com', 'test.example.com'],
    ['test.example.com', '*.example.com', 'test.example.com'],
    ['test.example.com', 'other.example.com', undefined],
    ['test.example.com', '*.test.example.com', undefined],
    // Listener *.example.com accepts *.example.com, test.example.com, foo.test.example.com.
    ['*.example.com', '*.example.com', '*.example.com'],
    ['*.example.com', 'test.example.com', 'test.example.com'],
    ['*.example.com', 'foo.test.example.com', 'foo.test.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['*.example.com', 'test.example.net', undefined],
    // Both wildcards: the narrower one.
    ['*.example.com', '*.foo.example.com', '*.foo.example.com'],
    ['*.foo.example.com', '*.example.com', '*.foo.example.com'],
    ['*.example.com', '*.example.net', undefined],
    ['*.example.com', '*.com', '*.example.com'],
    // No listener hostname: the route's.
    [undefined, 'foo.example.com', 'foo.example.com'],
    [undefined, '*.example.com', '*.example.com'],
  ];
  for (const [listener, route, want] of cases) {
    it(`${listener ?? '(none)'} ∩ ${route} = ${want ?? 'none'}`, () => assert.equal(intersectHostname(listener, route), want));
  }
});

describe('effectiveHostnames', () => {
  it('gives the listener hostname (or *) when the route has none', () => {
    assert.deepEqual(effectiveHostnames('foo.example.com', undefined), ['foo.example.com']);
    assert.deepEqual(effectiveHostnames(undefined, []), [ANY_HOST]);
  });
  it('keeps only intersecting route hostnames, de-duplicated in route order', () => {
    assert.deepEqual(effectiveHostnames('*.example.com', ['b.example.com', 'example.com', 'a.example.com', 'b.example.com', 'x.org']), ['b.example.com', 'a.example.com']);
    assert.deepEqual(effectiveHostnames('foo.example.com', ['*.example.com', 'foo.example.com']), ['foo.example.com']);
    assert.deepEqual(effectiveHostnames('foo.example.com', ['bar.example.com']), []);
  });
});

describe('compareHostnames', () => {
  it('orders exact names first, then wildcards by label count, then *', () => {
    const sorted = ['*', '*.example.com', 'b.example.com', '*.a.example.com', 'a.example.com', '*.com'].sort(compareHostnames);
    assert.deepEqual(sorted, ['a.example.com', 'b.example.com', '*.a.example.com', '*.example.com', '*.com', '*']);
  });
});

describe('listenerCovers', () => {
  it('is true only when every host of the vhost is admitted by the listener', () => {
    assert.equal(listenerCovers('foo.example.com', 'foo.example.com'), true);
    assert.equal(listenerCovers('*.example.com', 'foo.example.com'), true);
    assert.equal(listenerCovers('*.example.com', '*.b.example.com'), true);
    assert.equal(listenerCovers('*.example.com', '*.example.com'), true);
    assert.equal(listenerCovers('*.b.example.com', '*.example.com'), false);
    assert.equal(listenerCovers('foo.example.com', '*.example.com'), false);
    assert.equal(listenerCovers(undefined, '*'), true);
    assert.equal(listenerCovers('*.example.com', '*'), false);
  });
});
