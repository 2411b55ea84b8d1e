import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseOrigin } from './origin.ts';

describe('normaliseOrigin', () => {
  it('spells out the default port and lower-cases scheme and host', () => {
    assert.equal(normaliseOrigin('https://WWW.Foo.com'), 'https://www.foo.com:443');
    assert.equal(normaliseOrigin('http://a.example'), 'http://a.example:80');
    assert.equal(normaliseOrigin('HTTPS://a.example:8443'), 'https://a.example:8443');
    assert.equal(normaliseOrigin('https://*.bar.com'), 'https://*.bar.com:443');
  });
  it('refuses what is not http(s)://host[:port]', () => {
    for (const bad of ['null', 'ftp://a.example', 'https://a.example/path', 'https://a.example:0', 'https://a.example:70000', '*', 'https://']) assert.equal(normaliseOrigin(bad), undefined, bad);
  });
});
