/**
 * Test helper: certificates made at run time with the `openssl` CLI; the makers live in
 * src/sandbox/kube/certs.ts (`lintas up --kube` makes its API servers' certificates the same way).
 * Every key is a THROWAWAY TEST FIXTURE, never written into the repository.
 * @module
 */
export { opensslMissing, selfSigned, signedBy, testCa, type CertOptions, type TestCert } from '../src/sandbox/kube/certs.ts';
import type { TestCert } from '../src/sandbox/kube/certs.ts';

/** A `kubernetes.io/tls` Secret manifest. */
export interface TlsSecretManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly type: 'kubernetes.io/tls';
  readonly data: Readonly<Record<'tls.crt' | 'tls.key', string>>;
}

/** A `kubernetes.io/tls` Secret manifest holding `c`. */
export function tlsSecret(namespace: string, name: string, c: TestCert): TlsSecretManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(c.cert).toString('base64'), 'tls.key': Buffer.from(c.key).toString('base64') },
  };
}
