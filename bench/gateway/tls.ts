/**
 * The gateway bench's TLS side: the certificate both proxies terminate with
 * (self-signed P-256, made with openssl in the bench's temp directory) and
 * what each proxy negotiates with a default client.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

/** The bench's TLS certificate: PEM text for the fleet's Secret, files for nginx. */
export interface BenchCert {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A self-signed P-256 certificate for both proxies (openssl, in the temp directory). */
export function makeCert(dir: string): BenchCert | { error: string } {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=bench.lintas.test', '-addext', 'subjectAltName=DNS:bench.lintas.test,IP:127.0.0.1'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return { error: `openssl could not make the bench certificate: ${r.error?.message ?? r.stderr}` };
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

/** The TLS version and cipher a proxy negotiates with a default client (to show both proxies agree). */
export function negotiated(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      resolve(`${socket.getProtocol() ?? '?'} ${socket.getCipher().name}`);
      socket.end();
    });
    socket.on('error', (e) => resolve(`handshake failed: ${e.message}`));
  });
}
