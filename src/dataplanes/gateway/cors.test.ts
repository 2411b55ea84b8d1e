import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CorsIR } from '../../ir/index.ts';
import { applyCorsResponse, compileCors, originAllowed, preflightHeaders } from './cors.ts';

const ir = (over: Partial<CorsIR> = {}): CorsIR => ({ allowOrigins: ['https://www.foo.com:443', 'https://*.bar.com:443'], allowMethods: ['GET', 'OPTIONS'], allowHeaders: ['x-a'], exposeHeaders: ['x-e'], allowCredentials: true, maxAgeSeconds: 5, ...over });
const asMap = (flat: readonly string[]): Record<string, string> => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1] as string]] : [])));

describe('CORS filter', () => {
  it('matches origins after normalisation; "*." is greedy to the left and needs a label', () => {
    const c = compileCors(ir());
    const yes = ['https://www.foo.com', 'https://WWW.FOO.COM:443', 'https://a.bar.com', 'https://x.y.bar.com'];
    const no = ['https://bar.com', 'http://www.foo.com', 'https://www.foo.com:8443', 'https://evilbar.com', 'null', 'https://www.foo.com/'];
    for (const o of yes) assert.equal(originAllowed(c, o), true, o);
    for (const o of no) assert.equal(originAllowed(c, o), false, o);
    assert.equal(originAllowed(compileCors(ir({ allowOrigins: ['*'] })), 'null'), true);
  });
  it('preflight: lists, or the requested method and headers under "*"; nothing for another origin', () => {
    const c = compileCors(ir());
    assert.deepEqual(asMap(preflightHeaders(c, 'https://www.foo.com', 'GET', 'x-a')), {
      'access-control-allow-origin': 'https://www.foo.com',
      vary: 'Origin',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': 'x-a',
      'access-control-expose-headers': 'x-e',
      'access-control-max-age': '5',
    });
    const wild = compileCors(ir({ allowMethods: ['*'], allowHeaders: ['*'] }));
    const h = asMap(preflightHeaders(wild, 'https://www.foo.com', 'PATCH', 'x-1, x-2'));
    assert.equal(h['access-control-allow-methods'], 'PATCH');
    assert.equal(h['access-control-allow-headers'], 'x-1, x-2');
    assert.deepEqual(preflightHeaders(c, 'https://other.com', 'GET', undefined), []);
  });
  it('actual responses: allow-origin replaces the backend\'s, Vary gains Origin once, expose "*" under credentials names the headers', () => {
    const headers = ['access-control-allow-origin', '*', 'vary', 'Accept', 'x-one', '1'];
    applyCorsResponse(compileCors(ir({ exposeHeaders: ['*'] })), 'https://a.bar.com', headers);
    const h = asMap(headers);
    assert.equal(h['access-control-allow-origin'], 'https://a.bar.com');
    assert.equal(h.vary, 'Accept, Origin');
    assert.equal(h['access-control-expose-headers'], 'vary, x-one');
    const untouched = ['x-one', '1'];
    applyCorsResponse(compileCors(ir()), 'https://nope.example', untouched);
    assert.deepEqual(untouched, ['x-one', '1']);
  });
});
