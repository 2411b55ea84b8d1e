import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, secretText } from './core.ts';

const base = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'edge' } };

describe('Secret', () => {
  it('kubernetes.io/tls needs tls.crt and tls.key; data values must be base64', () => {
    const missing = Secret.safeParse({ ...base, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AAAA' } });
    assert.equal(missing.success, false);
    assert.deepEqual(missing.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`), ['data.tls.key: is required for type kubernetes.io/tls']);
    const notBase64 = Secret.safeParse({ ...base, type: 'Opaque', data: { key: 'not base64!' } });
    assert.equal(notBase64.success, false);
    assert.equal(Secret.safeParse({ ...base, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x', 'tls.key': 'y' } }).success, true);
  });
  it('secretText decodes data, and stringData wins per key', () => {
    const s = Secret.parse({ ...base, data: { a: Buffer.from('from data').toString('base64'), b: Buffer.from('old').toString('base64') }, stringData: { b: 'new' } });
    assert.equal(secretText(s, 'a'), 'from data');
    assert.equal(secretText(s, 'b'), 'new');
    assert.equal(secretText(s, 'c'), undefined);
    assert.equal(s.type, 'Opaque');
  });
});
