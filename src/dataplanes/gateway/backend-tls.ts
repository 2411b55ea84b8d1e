/**
 * Re-encryption to backends (BackendTLSPolicy): the TLS options the upstream
 * pools and health checks connect with. The SNI is the policy's hostname;
 * the chain must end in the policy's CA certificates (or Node's bundled
 * roots for `System`); the certificate must match the hostname, or, when
 * `subjectAltNames` are listed, one of them (Hostname: a DNS SAN, wildcards as
 * RFC 6125 has them; URI: an exact URI SAN, e.g. a SPIFFE ID). A failed check
 * fails the connection, so nothing of the request is sent.
 * @module
 */
import { createHash } from 'node:crypto';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { UpstreamTlsIR } from '../../ir/index.ts';

/** The SANs of `cert` of one type (`DNS` or `URI`). */
function sansOf(cert: PeerCertificate, type: 'DNS' | 'URI'): string[] {
  return (cert.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(`${type}:`))
    .map((s) => s.slice(type.length + 1));
}

/** Why `cert` does not authenticate the backend under `tls`, or undefined when it does. */
export function verifyBackendCertificate(tls: UpstreamTlsIR, cert: PeerCertificate): Error | undefined {
  const sans = tls.subjectAltNames ?? [];
  if (sans.length === 0) return checkServerIdentity(tls.hostname, cert);
  const uris = sansOf(cert, 'URI');
  const names = sansOf(cert, 'DNS').map((n) => n.toLowerCase());
  for (const san of sans) {
    if (san.type === 'URI' ? uris.includes(san.value) : names.includes(san.value.toLowerCase()) || (!san.value.startsWith('*.') && checkServerIdentity(san.value, cert) === undefined)) return undefined;
  }
  const wanted = sans.map((s) => `${s.type === 'URI' ? 'URI' : 'DNS'}:${s.value}`).join(', ');
  return Object.assign(new Error(`backend certificate (${cert.subjectaltname ?? 'no subjectAltName'}) matches none of the BackendTLSPolicy's subjectAltNames ${wanted}`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
}

/** The node:tls options of a connection to an upstream under `tls` (ALPN is the pool's). */
export function backendTlsOptions(tls: UpstreamTlsIR): ConnectionOptions {
  return {
    servername: tls.hostname,
    rejectUnauthorized: true,
    // System: Node's bundled roots (ca left unset); else exactly the policy's CAs.
    ...(tls.wellKnownCACertificates === 'System' || tls.caCertificates === undefined ? {} : { ca: tls.caCertificates }),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => verifyBackendCertificate(tls, cert),
  };
}

/** A short identity of a TLS setting, so that pools with other settings (a rotated CA) are new pools. */
export function backendTlsId(tls: UpstreamTlsIR): string {
  const { refused: _refused, ...rest } = tls;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}
