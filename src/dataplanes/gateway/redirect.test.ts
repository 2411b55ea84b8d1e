import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RedirectIR } from '../../ir/index.ts';
import { compileMatch } from './match.ts';
import { redirectLocation } from './redirect.ts';

const match = compileMatch({ path: { type: 'PathPrefix', value: '/old' }, headers: [], queryParams: [] });
const input = { host: 'shop.example.com', path: '/old/cart', queryString: 'id=7', listenerPort: 8080, listenerScheme: 'http' as const, match };

describe('RequestRedirect Location (scheme, hostname, port rules, path)', () => {
  const cases: [string, Omit<RedirectIR, 'statusCode'>, string][] = [
    ['nothing set: listener port kept', {}, 'http://shop.example.com:8080/old/cart?id=7'],
    ['hostname only: listener port', { hostname: 'new.example.com' }, 'http://new.example.com:8080/old/cart?id=7'],
    ['scheme https, no port: 443 omitted', { scheme: 'https' }, 'https://shop.example.com/old/cart?id=7'],
    ['scheme http, no port: 80 omitted', { scheme: 'http' }, 'http://shop.example.com/old/cart?id=7'],
    ['scheme https with port 8443', { scheme: 'https', port: 8443 }, 'https://shop.example.com:8443/old/cart?id=7'],
    ['port 80 without scheme: omitted', { port: 80 }, 'http://shop.example.com/old/cart?id=7'],
    ['port 443 with http: kept', { port: 443 }, 'http://shop.example.com:443/old/cart?id=7'],
    ['https with port 80: kept', { scheme: 'https', port: 80 }, 'https://shop.example.com:80/old/cart?id=7'],
    ['ReplaceFullPath', { path: { type: 'ReplaceFullPath', value: '/new' } }, 'http://shop.example.com:8080/new?id=7'],
    ['ReplacePrefixMatch', { path: { type: 'ReplacePrefixMatch', value: '/new' } }, 'http://shop.example.com:8080/new/cart?id=7'],
    ['ReplacePrefixMatch to /', { path: { type: 'ReplacePrefixMatch', value: '/' } }, 'http://shop.example.com:8080/cart?id=7'],
  ];
  for (const [name, r, want] of cases) {
    test(name, () => assert.equal(redirectLocation({ statusCode: 302, ...r }, input), want));
  }

  test('an HTTPS listener: its scheme is the default, port 443 omitted', () => {
    assert.equal(redirectLocation({ statusCode: 302, path: { type: 'ReplaceFullPath', value: '/n' } }, { ...input, listenerPort: 443, listenerScheme: 'https' }), 'https://shop.example.com/n?id=7');
    assert.equal(redirectLocation({ statusCode: 302, scheme: 'http' }, { ...input, listenerPort: 443, listenerScheme: 'https' }), 'http://shop.example.com/old/cart?id=7');
  });

  test('listener on port 80 and no query: bare URL', () => {
    assert.equal(redirectLocation({ statusCode: 301, hostname: 'x.example.com' }, { ...input, listenerPort: 80, queryString: '' }), 'http://x.example.com/old/cart');
  });
});
