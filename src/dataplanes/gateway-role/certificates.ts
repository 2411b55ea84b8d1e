/**
 * The listener certificates a gateway receives with each version on its config stream (PEM by
 * Secret `ns/name`), turned into the lookup the data plane loads HTTPS listeners with, on the
 * role's thread or in a worker alike.
 * @module
 */
import type { ListenerCertificate } from '../../ir/index.ts';
import type { CertificateSource } from '../gateway/index.ts';

/** A version's listener certificates (PEM by Secret `ns/name`), as the config stream sends them. */
export type ListenerCertificates = Readonly<Record<string, ListenerCertificate>>;

/** The certificate lookup of a version: a gateway serves one cluster, so the Secret alone names the PEM. */
export function certificateLookup(certificates: ListenerCertificates | undefined): CertificateSource | undefined {
  return certificates === undefined ? undefined : (_cluster, secret) => certificates[secret];
}
