/**
 * TLS termination of HTTPS servers: one SecureContext per Gateway listener
 * (all its certificates: a listener may hold an RSA and an ECDSA one), the
 * listener SNI selects (the most specific hostname that admits the name, as
 * listener isolation does for Host), and the 421 rule: a request whose Host
 * belongs to another listener than the one its connection's SNI selected is
 * misdirected (RFC 9110 §15.5.20), since that connection was authenticated
 * with another listener's certificate. Without SNI (a client that dials an
 * address), the listener without hostname answers, and no request is
 * misdirected.
 *
 * Certificates are loaded by `(cluster, secret)` from the source the runner
 * gives (never part of the IR) and cached by fingerprint, so an apply that
 * changes nothing reuses every context, and a rotated Secret is loaded once.
 * New handshakes pick the current table; open connections keep theirs.
 * @module
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsServerIR } from '../../ir/index.ts';
import { compileHosts, pickHost, type HostTable } from './vhost.ts';

/** PEM material of one certificate. */
export interface CertificateMaterial {
  readonly cert: string;
  readonly key: string;
}

/** Where the data plane reads certificate material: `(cluster, ns/name)` → PEM (undefined when gone). */
export type CertificateSource = (cluster: string, secret: string) => CertificateMaterial | undefined;

/** One Gateway listener of a TLS server. */
export interface CompiledTlsListener {
  /** `<ns>/<gateway>/<listener>`. */
  readonly id: string;
  readonly hostname: string | undefined;
  /** Undefined when none of its certificates could be loaded (its handshakes fail). */
  readonly context: SecureContext | undefined;
}

/** A TLS server's listeners, ready for SNI and the 421 check. */
export interface CompiledTls {
  readonly listeners: readonly CompiledTlsListener[];
  readonly byName: HostTable<CompiledTlsListener>;
  /** The listener without hostname (handshakes without SNI), if any. */
  readonly fallback: CompiledTlsListener | undefined;
  /** Its key pairs, for the server's default context (`id` names them, to see when they change). */
  readonly fallbackPairs: { readonly id: string; readonly cert: readonly string[]; readonly key: readonly string[] } | undefined;
  /** Certificates that could not be loaded (`secret: why`), for the apply report. */
  readonly problems: readonly string[];
}

/** SecureContexts by the fingerprints they hold: reused across applies. */
export class SecureContextCache {
  private current = new Map<string, SecureContext>();
  private next = new Map<string, SecureContext>();

  /** The context for `key` (built by `make` when new); marks it used by this apply. */
  get(key: string, make: () => SecureContext): SecureContext {
    const ctx = this.next.get(key) ?? this.current.get(key) ?? make();
    this.next.set(key, ctx);
    return ctx;
  }

  /** Ends an apply: contexts no listener uses any more are dropped. */
  commit(): void {
    this.current = this.next;
    this.next = new Map();
  }
}

/** Compiles the TLS side of one server of `cluster`. */
export function compileTls(ir: TlsServerIR, cluster: string, source: CertificateSource | undefined, cache: SecureContextCache): CompiledTls {
  const problems: string[] = [];
  let fallbackPairs: CompiledTls['fallbackPairs'];
  const listeners = ir.listeners.map((l): CompiledTlsListener => {
    const material: CertificateMaterial[] = [];
    for (const c of l.certificates) {
      const m = source?.(cluster, c.secret);
      if (m === undefined) problems.push(`${c.secret}: not found`);
      else material.push(m);
    }
    let context: SecureContext | undefined;
    if (material.length > 0) {
      const key = l.certificates.map((c) => c.fingerprint).join('|');
      try {
        // ALPN and ciphers are the server's; the context only carries the key pairs.
        context = cache.get(key, () => createSecureContext({ cert: material.map((m) => m.cert), key: material.map((m) => m.key) }));
        if (l.hostname === undefined) fallbackPairs ??= { id: key, cert: material.map((m) => m.cert), key: material.map((m) => m.key) };
      } catch (err) {
        problems.push(`${l.gateway}/${l.listener}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { id: `${l.gateway}/${l.listener}`, hostname: l.hostname, context };
  });
  return {
    listeners,
    byName: compileHosts(listeners.map((l) => ({ hostname: l.hostname ?? '*', value: l }))),
    fallback: listeners.find((l) => l.hostname === undefined),
    fallbackPairs,
    problems,
  };
}

/** The listener a server name (SNI, or a Host's host part) selects. */
export function listenerFor(tls: CompiledTls, name: string | undefined): CompiledTlsListener | undefined {
  if (name === undefined || name === '') return tls.fallback;
  return pickHost(tls.byName, name.toLowerCase());
}

/** Whether a request for `host` on a connection whose SNI was `servername` is misdirected (421). */
export function misdirected(tls: CompiledTls, servername: string | false | null | undefined, host: string): boolean {
  if (typeof servername !== 'string' || servername === '') return false;
  return listenerFor(tls, servername) !== listenerFor(tls, host);
}
