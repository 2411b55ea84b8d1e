import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import type { UpstreamTlsIR } from '../../ir/index.ts';
import { backendTlsId, backendTlsOptions, verifyBackendCertificate } from './backend-tls.ts';

const cert = (subjectaltname: string): PeerCertificate => ({ subject: { CN: 'ignored.example.com' }, subjectaltname }) as unknown as PeerCertificate;
const base: UpstreamTlsIR = { policy: 'ns/p', hostname: 'abc.example.com', caCertificates: 'PEM' };

describe('verifyBackendCertificate', () => {
  const cases: { name: string; tls: UpstreamTlsIR; san: string; ok: boolean }[] = [
    { name: 'hostname matches a DNS SAN', tls: base, san: 'DNS:abc.example.com', ok: true },
    { name: 'hostname matches a wildcard DNS SAN', tls: base, san: 'DNS:*.example.com', ok: true },
    { name: 'hostname matches no SAN', tls: base, san: 'DNS:other.example.com', ok: false },
    { name: 'a URI SAN listed in subjectAltNames', tls: { ...base, subjectAltNames: [{ type: 'URI', value: 'spiffe://c/ns/a/sa/b' }] }, san: 'DNS:x.example.org, URI:spiffe://c/ns/a/sa/b', ok: true },
    { name: 'another URI SAN', tls: { ...base, subjectAltNames: [{ type: 'URI', value: 'spiffe://c/ns/a/sa/b' }] }, san: 'URI:spiffe://c/ns/a/sa/other', ok: false },
    { name: 'subjectAltNames replace the hostname check', tls: { ...base, subjectAltNames: [{ type: 'Hostname', value: 'other.example.com' }] }, san: 'DNS:abc.example.com', ok: false },
    { name: 'a Hostname SAN the certificate covers by wildcard', tls: { ...base, subjectAltNames: [{ type: 'Hostname', value: 'other.example.com' }] }, san: 'DNS:*.example.com', ok: true },
    { name: 'a wildcard Hostname SAN the certificate lists as is', tls: { ...base, subjectAltNames: [{ type: 'Hostname', value: '*.example.com' }] }, san: 'DNS:*.example.com', ok: true },
    { name: 'a wildcard Hostname SAN is not matched by one name', tls: { ...base, subjectAltNames: [{ type: 'Hostname', value: '*.example.com' }] }, san: 'DNS:a.example.com', ok: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.ok ? 'accepted' : 'refused'}`, () => {
      assert.equal(verifyBackendCertificate(c.tls, cert(c.san)) === undefined, c.ok);
    });
  }
});

describe('backendTlsOptions', () => {
  it('sends the policy hostname as SNI, trusts exactly its CAs, and verifies', () => {
    const o = backendTlsOptions(base);
    assert.equal(o.servername, 'abc.example.com');
    assert.equal(o.ca, 'PEM');
    assert.equal(o.rejectUnauthorized, true);
  });
  it('System: the bundled roots (no ca of its own)', () => {
    const { caCertificates: _ca, ...rest } = base;
    assert.equal(backendTlsOptions({ ...rest, wellKnownCACertificates: 'System' }).ca, undefined);
  });
  it('a new CA is a new pool identity; a refusal reason is not', () => {
    assert.notEqual(backendTlsId(base), backendTlsId({ ...base, caCertificates: 'PEM2' }));
    assert.equal(backendTlsId(base), backendTlsId({ ...base, refused: 'x' }));
  });
});
