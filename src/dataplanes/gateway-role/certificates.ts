/**
 * The listener certificates a gateway receives with each version on its config stream (PEM by
 * Secret `ns/name`), turned into the lookup the data plane loads HTTPS listeners with, on the
 * role's thread or in a worker alike. Embedded gateways serve every cluster's listeners on one
 * data plane, so theirs come keyed by cluster too.
 * @module
 */
import type { ListenerCertificate } from '../../ir/index.ts';
import type { CertificateSource } from '../gateway/index.ts';

/** A version's listener certificates (PEM by Secret `ns/name`), as the config stream sends them. */
export type ListenerCertificates = Readonly<Record<string, ListenerCertificate>>;

/** Several clusters' listener certificates (cluster → Secret `ns/name` → PEM), for a data plane serving every cluster. */
export type ClusterListenerCertificates = Readonly<Record<string, ListenerCertificates>>;

/** The certificate lookup of a version: one cluster's (the Secret alone names the PEM), or several clusters' when `byCluster` is given. */
export function certificateLookup(certificates: ListenerCertificates | undefined, byCluster?: ClusterListenerCertificates): CertificateSource | undefined {
  if (byCluster !== undefined) return (cluster, secret) => byCluster[cluster]?.[secret];
  return certificates === undefined ? undefined : (_cluster, secret) => certificates[secret];
}
