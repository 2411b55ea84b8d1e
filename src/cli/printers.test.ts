import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redacted } from './printers.ts';

describe('redacted', () => {
  it('replaces Secret values by their sizes and leaves other kinds alone', () => {
    const secret = { kind: 'Secret', data: { 'tls.key': Buffer.from('0123456789').toString('base64') }, stringData: { note: 'héllo' } };
    assert.deepEqual(redacted(secret), { kind: 'Secret', data: { 'tls.key': '<redacted: 10 bytes>' }, stringData: { note: '<redacted: 6 bytes>' } });
    assert.equal(secret.data['tls.key'], 'MDEyMzQ1Njc4OQ==', 'the original is not changed');
    const service = { kind: 'Service', data: { x: 'y' } };
    assert.equal(redacted(service), service);
  });
});
