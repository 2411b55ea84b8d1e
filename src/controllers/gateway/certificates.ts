/**
 * Listener certificates: an HTTPS listener's `tls.certificateRefs` resolved to
 * `kubernetes.io/tls` Secrets of the Gateway's cluster.
 *
 * A ref must name a core `Secret` (`InvalidCertificateRef` otherwise); one in
 * another namespace needs a ReferenceGrant there from Gateways of the
 * Gateway's namespace (`RefNotPermitted`, checked before the Secret is looked
 * up so a missing grant never reveals whether it exists); the Secret must
 * exist, be of type `kubernetes.io/tls`, and hold a PEM certificate and the
 * private key that matches it (`InvalidCertificateRef`). Parsing is pure
 * (node:crypto, no clock): notAfter is reported, never judged here (an expired
 * certificate still serves; the expiry alert warns about it).
 * @module
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { clusterName, GATEWAY_GROUP, SECRET_TYPE_TLS, secretText, type FleetSnapshot, type Gateway, type Listener, type Secret } from '../../api/index.ts';
import type { CertificateIR } from '../../ir/index.ts';
import { nsName, type ClusterIndex } from './fleet-index.ts';
import { referencePermitted } from './reference-grants.ts';

/** Why a certificateRef does not resolve (listener `ResolvedRefs=False` reasons). */
export type CertificateRefReason = 'InvalidCertificateRef' | 'RefNotPermitted';

/** What a listener's certificateRefs came to. */
export interface ListenerCertificates {
  /** Refs that resolved, in ref order. */
  readonly certificates: readonly CertificateIR[];
  /** Refs that did not, each with its reason. */
  readonly problems: readonly { readonly reason: CertificateRefReason; readonly message: string }[];
}

/** DNS names of a certificate: its subjectAltName DNS entries, else the subject CN. */
function dnsNamesOf(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (san !== undefined && san !== '') {
    const names = san
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4));
    if (names.length > 0) return names;
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject);
  return cn?.[1] === undefined ? [] : [cn[1]];
}

/** Parses a TLS Secret: the certificate and a matching key, or why not. */
export function parseTlsSecret(secret: Secret): { ok: true; certificate: Omit<CertificateIR, 'secret'> } | { ok: false; message: string } {
  const where = `Secret ${secret.metadata.namespace ?? 'default'}/${secret.metadata.name}`;
  if (secret.type !== SECRET_TYPE_TLS) return { ok: false, message: `${where} is of type "${secret.type}", not ${SECRET_TYPE_TLS}` };
  const certPem = secretText(secret, 'tls.crt');
  const keyPem = secretText(secret, 'tls.key');
  if (certPem === undefined || keyPem === undefined) return { ok: false, message: `${where} lacks tls.crt or tls.key` };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { ok: false, message: `${where}: tls.crt is not a PEM certificate` };
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return { ok: false, message: `${where}: tls.key does not match the certificate in tls.crt` };
  } catch {
    return { ok: false, message: `${where}: tls.key is not a PEM private key` };
  }
  return { ok: true, certificate: { fingerprint: cert.fingerprint256, notAfter: cert.validToDate.toISOString(), dnsNames: dnsNamesOf(cert) } };
}

/** Resolves the certificateRefs of one HTTPS listener of `gateway` in `cluster`. */
export function listenerCertificates(listener: Listener, gateway: Gateway, cluster: ClusterIndex): ListenerCertificates {
  const gatewayNamespace = gateway.metadata.namespace ?? 'default';
  const certificates: CertificateIR[] = [];
  const problems: { reason: CertificateRefReason; message: string }[] = [];
  (listener.tls?.certificateRefs ?? []).forEach((ref, i) => {
    const where = `tls.certificateRefs[${i}]`;
    const namespace = ref.namespace ?? gatewayNamespace;
    if (ref.group !== '' || ref.kind !== 'Secret') {
      problems.push({ reason: 'InvalidCertificateRef', message: `${where}: ${ref.group === '' ? '' : `${ref.group}/`}${ref.kind} is not supported; certificates are core Secrets` });
      return;
    }
    if (!referencePermitted(cluster, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gatewayNamespace }, { group: '', kind: 'Secret', namespace, name: ref.name })) {
      problems.push({ reason: 'RefNotPermitted', message: `${where}: Secret ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows Gateways from ${gatewayNamespace} to refer to it` });
      return;
    }
    const secret = cluster.secrets.get(nsName(namespace, ref.name));
    if (secret === undefined) {
      problems.push({ reason: 'InvalidCertificateRef', message: `${where}: Secret ${namespace}/${ref.name} not found in cluster ${cluster.locality.name}` });
      return;
    }
    const parsed = parseTlsSecret(secret);
    if (!parsed.ok) problems.push({ reason: 'InvalidCertificateRef', message: `${where}: ${parsed.message}` });
    else certificates.push({ secret: nsName(namespace, ref.name), ...parsed.certificate });
  });
  return { certificates, problems };
}

/** PEM material of a listener certificate. */
export interface CertificateMaterial {
  readonly cert: string;
  readonly key: string;
}

/**
 * The lookup the data plane loads listener certificates with (`cluster`, `ns/name` → PEM): kept
 * out of the IR so that key material never reaches the admin API, logs or goldens.
 */
export function certificateSource(snapshot: FleetSnapshot): (cluster: string, secret: string) => CertificateMaterial | undefined {
  return (cluster, secret) => {
    const found = snapshot.clusters.get(clusterName(cluster))?.objects.find((s) => s.object.kind === 'Secret' && nsName(s.object.metadata.namespace, s.object.metadata.name) === secret);
    if (found === undefined || found.object.kind !== 'Secret') return undefined;
    const cert = secretText(found.object, 'tls.crt');
    const key = secretText(found.object, 'tls.key');
    return cert === undefined || key === undefined ? undefined : { cert, key };
  };
}
