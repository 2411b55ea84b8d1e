import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, sha256hex } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace, whatever the insertion order', () => {
    const a = { b: 1, a: { z: [3, { y: 1, x: 2 }], m: null }, c: 'ü' };
    const b = { c: 'ü', a: { m: null, z: [3, { x: 2, y: 1 }] }, b: 1 };
    assert.equal(canonicalJson(a), '{"a":{"m":null,"z":[3,{"x":2,"y":1}]},"b":1,"c":"ü"}');
    assert.equal(canonicalJson(a), canonicalJson(b));
  });

  it('follows JSON.stringify for undefined, toJSON and scalars', () => {
    assert.equal(canonicalJson({ a: undefined, b: [undefined, () => 1], c: new Date(0) }), '{"b":[null,null],"c":"1970-01-01T00:00:00.000Z"}');
    assert.equal(canonicalJson('x"y'), '"x\\"y"');
    assert.equal(canonicalJson(-0), '0');
    assert.equal(canonicalJson(true), 'true');
  });

  it('refuses what JSON cannot represent faithfully', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1n, cyclic, undefined, { a: Number.NaN }]) {
      assert.throws(() => canonicalJson(bad), TypeError);
    }
    const shared = { x: 1 };
    assert.equal(canonicalJson([shared, shared]), '[{"x":1},{"x":1}]', 'a repeated (not cyclic) object is fine');
  });
});

describe('sha256hex', () => {
  it('is the lower-case hex SHA-256 of the UTF-8 text', () => {
    assert.equal(sha256hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256hex('ü'), createHash('sha256').update(Buffer.from('ü', 'utf8')).digest('hex'));
  });
});
