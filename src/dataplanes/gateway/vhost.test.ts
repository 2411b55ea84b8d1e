import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileHosts, hostOf, pickHost } from './vhost.ts';

describe('virtual host choice', () => {
  const table = compileHosts(
    ['foo.example.com', '*.foo.example.com', '*.example.com', '*'].map((hostname) => ({ hostname, value: hostname })),
  );
  const cases: [string, string][] = [
    ['foo.example.com', 'foo.example.com'],
    ['a.foo.example.com', '*.foo.example.com'],
    ['a.b.foo.example.com', '*.foo.example.com'],
    ['bar.example.com', '*.example.com'],
    ['deep.bar.example.com', '*.example.com'],
    ['example.com', '*'],
    ['other.net', '*'],
  ];
  for (const [host, want] of cases) test(`${host} → ${want}`, () => assert.equal(pickHost(table, host), want));

  test('a wildcard does not match its apex, and no catch-all means no vhost', () => {
    const t = compileHosts([{ hostname: '*.example.com', value: 1 }]);
    assert.equal(pickHost(t, 'example.com'), undefined);
    assert.equal(pickHost(t, 'xexample.com'), undefined);
    assert.equal(pickHost(t, 'a.example.com'), 1);
  });

  test('first match wins even when a wildcard comes before an exact name', () => {
    const t = compileHosts([
      { hostname: '*.example.com', value: 'wild' },
      { hostname: 'a.example.com', value: 'exact' },
    ]);
    assert.equal(pickHost(t, 'a.example.com'), 'wild');
  });

  test('hostnames compare case-insensitively', () => {
    const t = compileHosts([{ hostname: 'Foo.Example.com', value: 1 }]);
    assert.equal(pickHost(t, hostOf('FOO.example.COM:8080')), 1);
  });
});

describe('hostOf', () => {
  const cases: [string, string][] = [
    ['example.com', 'example.com'],
    ['Example.COM:8080', 'example.com'],
    ['example.com.', 'example.com'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['', ''],
  ];
  for (const [authority, want] of cases) test(`${authority} → ${want}`, () => assert.equal(hostOf(authority), want));
});
